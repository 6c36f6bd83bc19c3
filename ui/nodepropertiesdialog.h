// NodePropertiesDialog: one node's details, kept current by each refresh, with its
// activity over the last hour, an editable description and, in Options, Decommission:
// enabled only for an Offline node and an administrator, confirmed first, and checked
// again by core in the transaction that does it; and Drain / Resume for an Online node,
// asked of the node itself over its API (POST /api/v1/node/drain or /resume, with the
// token and the administrator's name, which the node records in its timeline and the
// audit log). "Reported by the Node's API" shows what
// the node itself answers over HTTPS (pinned to the fingerprint it recorded): GET
// /api/v1/node with the API token for an administrator, GET /api/v1/health for others.
#pragma once

#include "decommissionpreflight.h"
#include "nodeapiclient.h"
#include "noderegistry.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTimer;

namespace Cohort {

class ActivityGraph;
class ClusterClient;
class NodeTimelineWidget;

class NodePropertiesDialog : public QDialog
{
    Q_OBJECT

public:
    NodePropertiesDialog(ClusterClient &client, const QString &guid, QWidget *parent = nullptr);
    ~NodePropertiesDialog() override;

    QString guid() const { return m_guid; }
    QPushButton *decommissionButton() const { return m_decommission; }
    // "Drain…" for an Online node that claims work, "Resume" for a drained one.
    QPushButton *drainButton() const { return m_drain; }
    QString drainHint() const;
    ActivityGraph *activityGraph() const { return m_activity; }
    QString errorText() const;
    // The API section: what is shown, why (the note) and what went wrong (empty if nothing).
    QString apiValue(const QString &field) const; // name, version, status, address, certificate, started
    QString apiNote() const;
    QString apiError() const;
    // Asks the node's API again (also done when its address or fingerprint changes, and,
    // every ApiRetryMs, while the node could not be reached or did not answer in time).
    void askApi();
    static constexpr int ApiRetryMs = 5000;
    // Whether another try is due by itself (after an unreachable node or a timeout).
    bool apiRetryPending() const;
    QTabWidget *tabs() const { return m_tabs; }
    NodeTimelineWidget *timeline() const { return m_timeline; }
    // Shows the Timeline tab (and reads it).
    void showTimeline();
    // Clicks Decommission: the worker checks what it would change (DecommissionPreflight);
    // the confirmation (MessageBox) lists it, or says what stops it; then core does it.
    void decommission();
    // The text of the last confirmation or refusal, for tests.
    QString lastPreflightText() const { return m_preflightText; }

Q_SIGNALS:
    void decommissioned(const QString &name);

private:
    void refresh();
    void saveDescription();
    void actionFinished(quint64 requestId, bool ok, const QString &message);
    void decommissionChecked(quint64 requestId, bool ok, const DecommissionPlan &plan, const QString &error);
    void updateDecommission();
    void updateDrain();
    // Clicks Drain… (confirmed first) or Resume: asks the node itself.
    void drainOrResume();
    void drainAnswered(const NodeApiReply &reply);
    void showError(const QString &text);
    void apiAnswered(quint64 requestId, const NodeApiReply &reply);
    // Sends the request; what is shown stays until the answer when keepShown (a retry).
    void sendApiRequest(bool keepShown);
    void clearApiValues();
    // Grows the dialog to what its wrapped texts now need (a layout's minimum size leaves
    // height-for-width out), so no section is squeezed.
    void fitHeight();
    QString apiToken() const;

    ClusterClient &m_client;
    QString m_guid;
    NodeInfo m_node;
    bool m_known = false;
    quint64 m_pendingDecommission = 0;
    quint64 m_pendingPreflight = 0;
    QString m_preflightText;
    quint64 m_pendingDescription = 0;

    QLabel *m_name;
    QLineEdit *m_description;
    QPushButton *m_saveDescription;
    QLabel *m_guidLabel;
    QLabel *m_address;
    QLabel *m_version;
    QLabel *m_status;
    QLabel *m_started;
    QLabel *m_lastContact;
    QLabel *m_heartbeat;
    QLabel *m_offlineIn;
    QLabel *m_timeZone;
    QLabel *m_clockOffset;
    QLabel *m_jobs;
    ActivityGraph *m_activity;
    QPushButton *m_decommission;
    QLabel *m_decommissionHint;
    QPushButton *m_drain;
    QLabel *m_drainHint;
    NodeApiClient *m_drainApi;
    quint64 m_pendingDrain = 0; // the node API request in flight
    bool m_drainAsked = false;  // what it asks: true to drain, false to resume
    QString m_drainDone;        // what the node last answered, until the snapshot shows it
    QLabel *m_error;

    NodeApiClient *m_api;
    quint64 m_apiRequest = 0;
    QString m_apiAsked; // address, fingerprint and whether with the token, as last asked
    bool m_apiWithToken = false;
    QHash<QString, QLabel *> m_apiValues;
    QLabel *m_apiNote;
    QLabel *m_apiError;
    QString m_apiErrorText; // as the client said it, in plain text
    QPushButton *m_apiAgain;
    QTimer *m_apiRetry; // asks again while the node is unreachable or too slow
    QTabWidget *m_tabs;
    NodeTimelineWidget *m_timeline;
};

} // namespace Cohort
