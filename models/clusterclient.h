// ClusterClient: the console's view of the cluster, on the GUI thread. It owns the worker
// thread that does all database work (ClusterWorker), keeps the latest snapshot, and
// tells whether the data is fresh: connected, unreachable (retrying with backoff) or
// stalled (a query of a round has not come back for a while). Nothing here ever waits.
#pragma once

#include "clustersnapshot.h"
#include "clusterworker.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QObject>
#include <QThread>
#include <QTimer>

namespace Cohort {

class ClusterClient : public QObject
{
    Q_OBJECT

public:
    enum class State {
        LoggedOut,
        Connecting,  // logged in, first round not back yet
        Connected,   // the last round succeeded
        Unreachable, // the last round failed; retrying
        Stalled,     // the round's current query has been running longer than stallAfterMs
    };
    Q_ENUM(State)

    explicit ClusterClient(QObject *parent = nullptr);
    ~ClusterClient() override;

    // How often to poll while connected, and after how long without an answer from the
    // database (a query of the round that has not come back) the data counts as stalled.
    void setPollInterval(int ms);
    void setStallAfter(int ms) { m_stallAfterMs = ms; }

    void login(const QString &url, const QString &user, const QString &password);
    void logout();
    void refreshNow();
    // While Unreachable: stop the automatic retries (until refreshNow()).
    void stopRetrying();
    void setAuditFilter(const AuditFilter &filter);
    // Activity (jobs per minute, last hour) is read each round for watched nodes.
    void watchActivity(const QString &guid, bool watch);
    // The System Information page: node links each round and job statistics of the last
    // periodMinutes (refreshed every few seconds) come in snapshot().statistics; 0 stops.
    void watchSystemInformation(int periodMinutes);
    // The finished jobs behind a count; finishedJobsListed reports them.
    quint64 listFinishedJobs(const FinishedJobsFilter &filter);
    // A node's timeline; nodeEventsListed reports it.
    quint64 listNodeEvents(const QString &guid);
    // A takeover report by id; takeoverRead reports it.
    quint64 readTakeover(qint64 takeoverId);
    // The node's takeover whose markedAt is closest to atMs (an alert's raisedAt).
    quint64 readTakeoverNear(const QString &nodeGuid, qint64 atMs);
    // Decommission pre-flight: what it would change; decommissionChecked reports it.
    quint64 checkDecommission(const QString &guid);
    // The Consistency page: each round also checks the nodes (snapshot().consistency).
    void watchConsistency(bool watch);

    // Changes; each returns a request id that actionFinished reports.
    quint64 decommissionNode(const QString &guid);
    quint64 setNodeDescription(const QString &guid, const QString &description);
    quint64 acknowledgeAlert(qint64 alertId);
    quint64 clearAlert(qint64 alertId);
    quint64 saveSettings(const SystemSettings &settings);
    quint64 setPersonalData(const QString &user, const QString &fullName, const QString &email);
    quint64 regenerateSecretProperty(const QString &name);

    bool loggedIn() const { return m_state != State::LoggedOut; }
    const UserSession &session() const { return m_session; }
    QString databaseUrl() const { return m_url; } // redacted
    State state() const { return m_state; }
    // Why the data may be old: the last error, or how long the database has not answered.
    QString stateMessage() const { return m_stateMessage; }
    bool hasSnapshot() const { return m_lastRefresh.isValid(); }
    const ClusterSnapshot &snapshot() const { return m_snapshot; }
    QDateTime lastRefresh() const { return m_lastRefresh; }
    int retryInMs() const { return m_retryInMs; }
    // While Unreachable: how long until the next try, and whether tries were stopped.
    int msToNextRetry() const;
    bool retriesStopped() const { return m_retriesStopped; }

Q_SIGNALS:
    void loginFinished(bool ok, const QString &error);
    void snapshotChanged();
    void stateChanged(Cohort::ClusterClient::State state);
    void actionFinished(quint64 requestId, bool ok, const QString &message);
    void finishedJobsListed(quint64 requestId, bool ok, const QList<Cohort::JobRow> &jobs,
                            const QString &error);
    void nodeEventsListed(quint64 requestId, bool ok, const QList<Cohort::NodeEvent> &events,
                          const QString &error);
    void takeoverRead(quint64 requestId, bool ok, const Cohort::Takeover &takeover, const QString &error);
    void decommissionChecked(quint64 requestId, bool ok, const Cohort::DecommissionPlan &plan,
                             const QString &error);

private:
    void setState(State state, const QString &message);
    quint64 run(ClusterWorker::Action action, const QString &target, const QString &value = {});

    QThread m_thread;
    ClusterWorker *m_worker; // lives on m_thread, deleted when it finishes
    QTimer m_stallTimer;
    int m_stallAfterMs = 3000;
    State m_state = State::LoggedOut;
    QString m_stateMessage;
    UserSession m_session;
    QString m_url;
    ClusterSnapshot m_snapshot;
    QDateTime m_lastRefresh;
    int m_retryInMs = 0;
    QDeadlineTimer m_nextRetry;
    bool m_retriesStopped = false;
    quint64 m_nextRequest = 1;
    bool m_loggingIn = false;
};

} // namespace Cohort
