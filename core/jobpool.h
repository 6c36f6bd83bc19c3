// JobPool: the cluster's shared queue of work in the jobs table. Submitting, claiming
// in batches, and completing with a fenced update: a completion counts only while the
// claim it belongs to (claimed_by and claim_epoch) still stands, so a node that was
// declared dead cannot overwrite what another node did since.
//
// A JobPool instance keeps prepared statements on the calling thread's connection and
// belongs to that one thread; the static functions may be called from any thread.
#pragma once

#include "database.h"
#include "jobrecords.h"
#include "result.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QSqlQuery>

#include <memory>

namespace Cohort {

class JobPool
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::JobPool)

public:
    // Claims for nodeGuid, and only while that node is Online in run incarnation.
    JobPool(Database &database, QString nodeGuid, QString incarnation);
    ~JobPool();
    JobPool(const JobPool &) = delete;
    JobPool &operator=(const JobPool &) = delete;

    // Inserts jobs in one transaction and wakes the nodes once. Returns how many were
    // inserted (jobs whose scheduleKey already exists are skipped).
    static Result<int> submit(Database &database, const QList<JobSpec> &jobs);
    // The same, inside the caller's transaction on db; wakes nothing.
    static Result<int> insert(QSqlDatabase &db, const Dialect &dialect, const QList<JobSpec> &jobs);
    // Wakes listening nodes (PostgreSQL NOTIFY; nothing on SQLite).
    static Result<void> wake(QSqlDatabase &db, const Dialect &dialect, JobScope scope);

    // Claims up to limit queued pool jobs for this node, best priority and oldest first.
    Result<QList<ClaimedJob>> claim(int limit);
    // Claims the local jobs this node has not run yet, among those submitted since it
    // joined (joinedAt, database time).
    Result<QList<ClaimedJob>> claimLocal(qint64 joinedAt, int limit);
    // Records outcomes, fenced by their claims, and adds finished jobs to job_stats, in
    // one transaction. A failed job with attempts left is queued again after
    // retryBaseMs * 2^(attempts-1), at most MaxRetryDelayMs.
    // With Heartbeat::Record the same transaction also records the node's heartbeat: a
    // node busy finishing jobs is alive, even when its heartbeat's own transaction waits
    // behind the job loops for SQLite's one write lock.
    enum class Heartbeat { Skip, Record };
    Result<CompletionReport> complete(const QList<JobOutcome> &outcomes, qint64 retryBaseMs,
                                      Heartbeat heartbeat = Heartbeat::Skip);
    // Fails a job for good whose outcome the database would not take (fenced by its claim;
    // its statistics are not counted). Returns whether the claim still stood.
    Result<bool> failUnrecorded(const ClaimedJob &job, const QString &error);
    // Puts claimed jobs that never ran (or were cut short by a stop) back in the queue,
    // fenced by their claims, without counting the attempt.
    Result<int> handBack(const QList<ClaimedJob> &jobs);
    // After a lost connection: hands back the jobs the database says this node holds but
    // that are not in held (a claim whose answer never arrived). Returns how many.
    Result<int> handBackUnknown(const QList<ClaimedJob> &held);

    // This node joined again under a new run: claims are made for that one from now on.
    void setIncarnation(const QString &incarnation) { m_incarnation = incarnation; }
    const QString &incarnation() const { return m_incarnation; }

    // Drops the prepared statements and the thread's connection. Call it when a method
    // returned ErrorCode::Unavailable (the connection was lost); the next call reconnects.
    void reset();

    // Requeues every pool job node holds and fails its running local runs; db is in a
    // write transaction. Jobs out of attempts fail with reason. Returns how many went back.
    static Result<int> releaseClaims(QSqlDatabase &db, const Dialect &dialect, const QString &nodeGuid,
                                     const QString &reason);

    static Result<QList<JobRow>> list(Database &database, const JobFilter &filter);
    // One row of a query that selects JobRow's fields in its order (id, type, scope, state,
    // priority, attempts, max_attempts, node GUID, node name, created_at, run_after,
    // claimed_at, finished_at, last_error).
    static JobRow rowFrom(const QSqlQuery &query);
    // The database's clock, ms since the epoch.
    static Result<qint64> now(Database &database);

    static constexpr qint64 MaxRetryDelayMs = 5 * 60 * 1000;
    static qint64 retryDelayMs(int attempts, qint64 retryBaseMs);
    // Error text as stored: no NUL characters (PostgreSQL refuses them), at most 4000.
    static QString storableError(const QString &error);

private:
    // submit() of one job on PostgreSQL: one statement, one round trip.
    static Result<int> submitOne(Database &database, const JobSpec &job);
    // complete() of pool jobs only on PostgreSQL: one statement, one round trip. rows: the
    // outcomes as JSON records.
    Result<CompletionReport> completeInOneStatement(const QString &rows,
                                                    const QHash<qint64, const JobOutcome *> &byId,
                                                    Heartbeat heartbeat);
    Result<QSqlQuery *> prepared(const QString &key, const QString &sql);
    Error failed(Error error);
    // The thread's connection, in a write transaction (Dialect::beginWrite).
    Result<QSqlDatabase> beginWrite();
    // A statement in a transaction on db failed: ends the statement and the transaction.
    Error rolledBack(QSqlDatabase &db, QSqlQuery &query, const QString &doing);

    Database &m_database;
    QString m_nodeGuid;
    QString m_incarnation;
    quint64 m_serial = 0;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_queries;
};

} // namespace Cohort
