// ClusterWorker: the console's only user of the database. Lives on ClusterClient's worker
// thread with its own connection: logs in, polls the cluster in rounds (a single-shot
// timer re-armed after each round, with backoff while the database is unreachable) and
// runs the operator's changes through core's Administration. Results leave by queued
// signals as plain values.
#pragma once

#include "administration.h"
#include "clustersnapshot.h"
#include "database.h"
#include "keypair.h"
#include "masterkey.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

namespace Cohort {

class ClusterWorker : public QObject
{
    Q_OBJECT

public:
    enum class Action { DecommissionNode, SetNodeDescription, AcknowledgeAlert, ClearAlert, SaveSettings };
    Q_ENUM(Action)

    explicit ClusterWorker(QObject *parent = nullptr);
    ~ClusterWorker() override;

public Q_SLOTS:
    void login(const QString &url, const QString &user, const QString &password);
    void logout();
    void setPollInterval(int ms);
    void startPolling();
    void refreshNow();
    // After a failed round: no further automatic tries until refreshNow().
    void stopRetrying();
    void setAuditFilter(const Cohort::AuditFilter &filter);
    void watchActivity(const QString &guid, bool watch);
    // The System Information page: links every round, job statistics of the last
    // periodMinutes every few seconds. 0 stops reading them.
    void watchSystemInformation(int periodMinutes);
    void listFinishedJobs(quint64 requestId, const Cohort::FinishedJobsFilter &filter);
    // A node's timeline, oldest first (nodeEventsListed).
    void listNodeEvents(quint64 requestId, const QString &guid);
    // A takeover report (takeoverRead): by id, or with takeoverId 0 the node's takeover
    // whose markedAt is closest to nearMs.
    void readTakeover(quint64 requestId, qint64 takeoverId, const QString &nodeGuid, qint64 nearMs);
    // What decommissioning the node would change, or what stops it (decommissionChecked).
    void checkDecommission(quint64 requestId, const QString &guid);
    // The Consistency page: each round also checks the nodes against the cluster.
    void watchConsistency(bool watch);
    // target: a node GUID or an alert id; value: the description (SetNodeDescription).
    void run(quint64 requestId, Cohort::ClusterWorker::Action action, const QString &target,
             const QString &value);
    void saveSettings(quint64 requestId, const Cohort::SystemSettings &settings);
    // Sealed with the data key this session opened; refused without one.
    void setPersonalData(quint64 requestId, const QString &user, const QString &fullName,
                         const QString &email);
    void regenerateSecretProperty(quint64 requestId, const QString &name);

Q_SIGNALS:
    void loginFinished(bool ok, const Cohort::UserSession &session, const QString &error);
    void roundStarted();
    // A query of the round came back: the database is answering, however long the whole
    // round takes (a day of statistics on SQLite takes seconds, in several queries).
    void databaseAnswered();
    void roundSucceeded(const Cohort::ClusterSnapshot &snapshot);
    void roundFailed(const QString &error, int retryInMs);
    void actionFinished(quint64 requestId, bool ok, const QString &message);
    void finishedJobsListed(quint64 requestId, bool ok, const QList<Cohort::JobRow> &jobs,
                            const QString &error);
    void nodeEventsListed(quint64 requestId, bool ok, const QList<Cohort::NodeEvent> &events,
                          const QString &error);
    void takeoverRead(quint64 requestId, bool ok, const Cohort::Takeover &takeover, const QString &error);
    void decommissionChecked(quint64 requestId, bool ok, const Cohort::DecommissionPlan &plan,
                             const QString &error);

private:
    void poll();
    Result<ClusterSnapshot> readSnapshot();
    Result<void> readSystemInformation(ClusterSnapshot &snapshot);
    // Users and secret properties, with the data key reopened when it was rotated.
    Result<void> readSealedData(ClusterSnapshot &snapshot);
    // The agents (host names and addresses opened with the session's key, if any), counted per node.
    Result<void> readAgents(ClusterSnapshot &snapshot, int schemaVersion);
    // The data key this session may use, or an error saying why there is none.
    Result<const MasterKey *> dataKey() const;
    // Passes a query's result through, telling the client that the database answered.
    template<typename T>
    Result<T> answered(Result<T> result)
    {
        Q_EMIT databaseAnswered();
        return result;
    }
    void armNext(int ms);
    void finishAction(quint64 requestId, const Result<void> &result, const QString &success);

    std::unique_ptr<Database> m_database;
    std::optional<Administration> m_administration;
    // An administrator's key pair, unwrapped with the password at login, and the data key
    // it opens: in memory only, for this session.
    std::optional<KeyPair> m_userKeys;
    std::optional<MasterKey> m_dataKey;
    QByteArray m_clusterContext;
    QString m_dataKeyNote;
    QTimer m_timer; // a child, so it moves to the worker thread with this object
    int m_pollIntervalMs = 1000;
    int m_failures = 0;
    bool m_polling = false;
    bool m_retriesStopped = false;
    AuditFilter m_auditFilter;
    QSet<QString> m_watched;
    int m_statisticsPeriod = 0; // minutes; 0: not watched
    std::optional<StatisticsSnapshot> m_statistics;
    QElapsedTimer m_statisticsAge;
    bool m_consistencyWatched = false;
};

} // namespace Cohort
