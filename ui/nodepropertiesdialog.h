// NodePropertiesDialog: one node's details, kept current by each refresh, with its
// activity over the last hour, an editable description and, in Options, Decommission:
// enabled only for an Offline node and an administrator, confirmed first, and checked
// again by core in the transaction that does it.
#pragma once

#include "noderegistry.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace Cohort {

class ActivityGraph;
class ClusterClient;

class NodePropertiesDialog : public QDialog
{
    Q_OBJECT

public:
    NodePropertiesDialog(ClusterClient &client, const QString &guid, QWidget *parent = nullptr);
    ~NodePropertiesDialog() override;

    QString guid() const { return m_guid; }
    QPushButton *decommissionButton() const { return m_decommission; }
    ActivityGraph *activityGraph() const { return m_activity; }
    QString errorText() const;
    // Clicks Decommission: asks for confirmation (MessageBox), then asks core.
    void decommission();

Q_SIGNALS:
    void decommissioned(const QString &name);

private:
    void refresh();
    void saveDescription();
    void actionFinished(quint64 requestId, bool ok, const QString &message);
    void showError(const QString &text);

    ClusterClient &m_client;
    QString m_guid;
    NodeInfo m_node;
    bool m_known = false;
    quint64 m_pendingDecommission = 0;
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
    QLabel *m_timeZone;
    QLabel *m_clockOffset;
    QLabel *m_jobs;
    ActivityGraph *m_activity;
    QPushButton *m_decommission;
    QLabel *m_decommissionHint;
    QLabel *m_error;
};

} // namespace Cohort
