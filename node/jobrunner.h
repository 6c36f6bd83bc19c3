// JobRunner: a node's job loop. Lives on its own thread with its own database
// connection: claims jobs in batches, runs them on a thread pool, and records their
// outcomes in batches, fenced by their claims. A job starts only while the claim lease
// says its claim still stands; otherwise it is handed back. Wakes on PostgreSQL
// notifications and polls as the fallback; rides out a lost connection and carries on once
// it is back; isolates an outcome the database keeps refusing.
#pragma once

#include "claimlease.h"
#include "database.h"
#include "jobpool.h"
#include "settingscache.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QMutex>
#include <QObject>
#include <QSqlDriver>
#include <QThreadPool>
#include <QTimer>

#include <atomic>

namespace Cohort {

class JobRunner : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int workers = 4;
        int batchSize = 64;
        QString executionLog;
        QString version;                      // this program's, for messages
        class NodeMetrics *metrics = nullptr; // counts finished jobs and claims, if given
    };

    JobRunner(Database &database, QString nodeGuid, QString incarnation, qint64 joinedAt, Options options,
              SettingsCache &settings, ClaimLease &lease);
    ~JobRunner() override;

    // Each called on the runner's thread (queued).
    void start();
    // This node was declared Offline and joined again under a new run (incarnation): its
    // claims are void, and local jobs count from the new join.
    void rejoined(qint64 joinedAt, const QString &incarnation);
    // Stops claiming; running jobs get graceMs to finish, then are cancelled and handed
    // back with those not started. Emits stopped() when nothing is left.
    void stop(int graceMs);
    // An administrator's drain: claims nothing more; running jobs get graceMs, then are
    // cancelled and handed back; the node stays up (and a live peer) until resume() or
    // stop(). Records the drain (draining_since, the timeline, the audit log; actor: who
    // asked) and, once nothing runs, the "drained" event.
    void hold(int graceMs, const QString &actor);
    void resume(const QString &actor);

Q_SIGNALS:
    void stopped(int handedBack);
    // A hold's running jobs are all finished or handed back.
    void drained(int handedBack);
    void connectionChanged(bool connected, const QString &error);
    // The database refuses even to take this node's jobs back: it must stop, so that its
    // peers take them over.
    void fatal(const QString &reason);

private:
    struct Finished
    {
        JobOutcome outcome;
        bool cancelled = false;
        bool unsure = false; // not started: its claim may have been revoked
    };

    void scheduleRound();
    void round();
    bool flushOutcomes();
    void claimPool();
    void claimLocal();
    // generation: the lease's, read before the claim was made.
    void dispatch(const ClaimedJob &job, quint64 generation);
    void execute(const ClaimedJob &job, quint64 generation);
    bool recordOneByOne();
    void databaseFailed(const Error &error);
    void tryReconnect();
    void subscribe();
    void notified(const QString &channel, QSqlDriver::NotificationSource source, const QVariant &payload);
    void cancelRunning();
    void finishStop();
    int capacity() const;
    static std::pair<qint64, qint64> key(const ClaimedJob &job) { return {job.id, job.epoch}; }
    void logExecution(const ClaimedJob &job);

    Database &m_database;
    const QString m_nodeGuid;
    qint64 m_joinedAt;
    const Options m_options;
    SettingsCache &m_settings;
    ClaimLease &m_lease;
    JobPool m_pool;
    int m_completionFailures = 0; // in a row, the database refusing (not unreachable)
    int m_unsureHandedBack = 0;

    QThreadPool *m_threads = nullptr;
    QTimer *m_pollTimer = nullptr;
    QTimer *m_retryTimer = nullptr;
    QTimer *m_reconnectTimer = nullptr;
    QTimer *m_graceTimer = nullptr;
    bool m_roundScheduled = false;
    bool m_checkLocal = true;
    bool m_connected = true;
    int m_reconnectDelayMs = 0;
    QElapsedTimer m_outage; // valid from the first failure of an outage until a round succeeds
    int m_handedBack = 0;
    bool m_stopping = false;
    bool m_stopped = false; // stopped() was emitted: a later round must not say it again
    // An administrator's drain (hold()): what is still to be recorded of it.
    bool m_holding = false;
    quint64 m_holdSerial = 0; // raised by every hold and resume: a stale grace ends nothing
    QString m_holdActor;
    bool m_holdRecorded = true; // draining_since (or its clearing) is in the database
    bool m_drainedNoted = true; // the "drained" event of this hold is
    int m_holdHandedBack = 0;
    void recordHold();
    quint64 m_subscribedSerial = 0;

    // Claimed and not yet recorded, by job id and claim epoch: the same job may come back
    // to this node under a new claim while the run of an old one is still finishing.
    QHash<std::pair<qint64, qint64>, ClaimedJob> m_running;
    QList<ClaimedJob> m_toHandBack;
    QList<JobOutcome> m_unrecorded; // finished, waiting for the database

    QMutex m_finishedMutex;
    QList<Finished> m_finished; // filled by the worker threads
    std::atomic_bool m_cancel{false};
    std::atomic_bool m_draining{false}; // stopping: claimed jobs not started yet go back
    std::atomic<qint64> m_averageMicros{0};

    QMutex m_logMutex;
    QFile m_log;
    QElapsedTimer m_clock;
    QElapsedTimer m_sinceBeat; // since a completion batch last recorded the heartbeat
};

} // namespace Cohort
