// JobPool's outcomes: what a node's claimed jobs did, recorded fenced by their claims,
// with the job statistics and, now and then, the node's heartbeat. (Claims and hand-backs
// are in jobpool.cpp, submission in jobsubmission.cpp.)
#include "jobpool.h"
#include "jobpool_p.h"

#include "sqlerror.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>

using namespace Qt::StringLiterals;
using namespace Cohort::JobPoolSql;

namespace Cohort {

namespace {

// %1: the database clock; %2: the outcomes as rows (Dialect::jsonRecords).
// The fence: the job is still running under this node and this claim.
const QString CompletePoolJobs = uR"(
    UPDATE jobs
       SET state = outcome.state,
           finished_at = CASE WHEN outcome.state = 'queued' THEN NULL ELSE %1 END,
           run_after = CASE WHEN outcome.state = 'queued' THEN %1 + outcome.delay_ms ELSE run_after END,
           claimed_by = CASE WHEN outcome.state = 'queued' THEN NULL ELSE claimed_by END,
           last_error = outcome.error
      FROM (%2) AS outcome
     WHERE jobs.id = outcome.id AND jobs.claim_epoch = outcome.epoch
       AND jobs.claimed_by = ? AND jobs.state = 'running'%3
    RETURNING jobs.id, jobs.state, jobs.finished_at%4)"_s;
const QStringList CompleteColumns = {u"id bigint"_s,  u"epoch bigint"_s,    u"state text"_s,
                                     u"error text"_s, u"delay_ms bigint"_s, u"duration_ms bigint"_s};

// PostgreSQL, pool jobs only: the whole completion as one statement, so one round trip in
// its own transaction instead of five (begin, node row, update, statistics, commit).
// %1: the node's row, updated (heartbeat) or locked; %2: CompletePoolJobs, gated on it.
// The gate is a condition without columns of jobs, so PostgreSQL evaluates it once, before
// it reads a job: the node's row is taken first, the cluster's one lock order. It holds
// whether or not the heartbeat found the node Online (the fence on the jobs decides).
// Finished jobs' statistics are added by claimed_by, which a finished job keeps.
const QString CompleteInOneStatement = uR"(
    WITH node AS MATERIALIZED (%1),
    done AS (%2),
    stats AS (
        INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms)
        SELECT finished_at / 60000 * 60000, claimed_by, type,
               COUNT(*) FILTER (WHERE state = 'succeeded'), COUNT(*) FILTER (WHERE state = 'failed'),
               SUM(duration_ms)
          FROM done WHERE state <> 'queued'
         GROUP BY 1, 2, 3
        ON CONFLICT (minute, node_guid, job_type) DO UPDATE
           SET succeeded = job_stats.succeeded + excluded.succeeded,
               failed = job_stats.failed + excluded.failed,
               total_ms = job_stats.total_ms + excluded.total_ms)
    SELECT id, state FROM done
    UNION ALL SELECT NULL, CAST(COUNT(*) AS text) FROM node)"_s;
const QString GateOnNodeRow = u"\n       AND (SELECT COUNT(*) FROM node) >= 0"_s;
const QString ReturnStatistics = u", jobs.type, jobs.claimed_by, outcome.duration_ms"_s;

const QString CompleteLocalRun = uR"(
    UPDATE local_job_runs SET state = ?, finished_at = %1, last_error = ?
     WHERE job_id = ? AND node_guid = ? AND state = 'running'
    RETURNING finished_at)"_s;

// %1: the database clock.
const QString RecordHeartbeat = uR"(
    UPDATE nodes SET last_heartbeat = %1, heartbeat_count = heartbeat_count + 1
     WHERE guid = ? AND incarnation = ? AND state = 'online')"_s;

constexpr qint64 MinuteMs = 60 * 1000;

// Counts an outcome the database took, by the state it left the job in. Returns whether
// the job is finished (not queued again for a retry).
bool tally(CompletionReport &report, const QString &state)
{
    if (state == u"queued"_s) {
        ++report.retried;
        return false;
    }
    (state == u"succeeded"_s ? report.succeeded : report.failed) += 1;
    return true;
}

} // namespace

Result<CompletionReport> JobPool::complete(const QList<JobOutcome> &outcomes, qint64 retryBaseMs,
                                           Heartbeat heartbeat)
{
    CompletionReport report;
    if (outcomes.isEmpty())
        return report;
    const Dialect &dialect = m_database.dialect();

    QJsonArray poolRows;
    QHash<qint64, const JobOutcome *> byId;
    QList<const JobOutcome *> local;
    for (const JobOutcome &outcome : outcomes) {
        if (outcome.job.scope == JobScope::Local) {
            local.append(&outcome);
            continue;
        }
        byId.insert(outcome.job.id, &outcome);
        const bool retry = !outcome.succeeded && outcome.job.attempts < outcome.job.maxAttempts;
        poolRows.append(QJsonObject{
            {u"id"_s, outcome.job.id},
            {u"epoch"_s, outcome.job.epoch},
            {u"state"_s, outcome.succeeded ? u"succeeded"_s
                         : retry           ? u"queued"_s
                                           : u"failed"_s},
            {u"error"_s, outcome.succeeded ? QJsonValue() : QJsonValue(storableError(outcome.error))},
            {u"delay_ms"_s, retry ? retryDelayMs(outcome.job.attempts, retryBaseMs) : 0},
            {u"duration_ms"_s, outcome.durationMs},
        });
    }
    const QString rows = QString::fromUtf8(QJsonDocument(poolRows).toJson(QJsonDocument::Compact));
    if (local.isEmpty() && dialect.backend() == Backend::Postgres)
        return completeInOneStatement(rows, byId, heartbeat);

    auto completePool = prepared(u"complete"_s, CompletePoolJobs.arg(dialect.nowMillis(),
                                                                     dialect.jsonRecords(CompleteColumns),
                                                                     QString(), QString()));
    if (!completePool)
        return failed(completePool.error());
    auto addStats =
        prepared(u"stats"_s, dialect.upsert(u"job_stats"_s, {u"minute"_s, u"node_guid"_s, u"job_type"_s},
                                            {u"succeeded"_s, u"failed"_s, u"total_ms"_s},
                                            Dialect::UpsertMode::Accumulate));
    if (!addStats)
        return failed(addStats.error());
    QSqlQuery *completeLocal = nullptr;
    QSqlQuery *finalizeLocal = nullptr;
    if (!local.isEmpty()) {
        auto run = prepared(u"complete-local"_s, CompleteLocalRun.arg(dialect.nowMillis()));
        if (!run)
            return failed(run.error());
        auto finalize = prepared(u"finalize-local"_s, FinalizeLocalJobs.arg(dialect.nowMillis()));
        if (!finalize)
            return failed(finalize.error());
        completeLocal = *run;
        finalizeLocal = *finalize;
    }

    // The node's row first (see LockNodeRow): updated with the heartbeat, or held
    // FOR SHARE (PostgreSQL; SQLite has one write lock and no deadlocks).
    QSqlQuery *nodeRow = nullptr;
    if (heartbeat == Heartbeat::Record || !dialect.forUpdate().isEmpty()) {
        auto row = heartbeat == Heartbeat::Record
                       ? prepared(u"heartbeat"_s, RecordHeartbeat.arg(dialect.nowMillis()))
                       : prepared(u"lock-node"_s, LockNodeRow);
        if (!row)
            return failed(row.error());
        nodeRow = *row;
    }

    auto db = beginWrite();
    if (!db)
        return db.error();
    auto abort = [&](QSqlQuery &query, const QString &doing) { return rolledBack(*db, query, doing); };

    if (nodeRow) {
        nodeRow->bindValue(0, m_nodeGuid);
        if (heartbeat == Heartbeat::Record)
            nodeRow->bindValue(1, m_incarnation);
        if (!nodeRow->exec())
            return abort(*nodeRow, heartbeat == Heartbeat::Record ? tr("recording the heartbeat")
                                                                  : tr("locking this node's row"));
        report.heartbeatRecorded = heartbeat == Heartbeat::Record && nodeRow->numRowsAffected() == 1;
        nodeRow->finish();
    }

    struct StatsKey
    {
        qint64 minute;
        QString type;
        bool operator<(const StatsKey &other) const
        {
            return minute != other.minute ? minute < other.minute : type < other.type;
        }
    };
    struct StatsValue
    {
        qint64 succeeded = 0;
        qint64 failed = 0;
        qint64 totalMs = 0;
    };
    QMap<StatsKey, StatsValue> stats;

    if (!poolRows.isEmpty()) {
        QSqlQuery &update = **completePool;
        update.bindValue(0, rows);
        update.bindValue(1, m_nodeGuid);
        if (!update.exec())
            return abort(update, tr("completing jobs"));
        QSet<qint64> accepted;
        while (update.next()) {
            const qint64 id = update.value(0).toLongLong();
            const QString state = update.value(1).toString();
            accepted.insert(id);
            const JobOutcome *outcome = byId.value(id);
            if (!outcome)
                continue;
            if (!tally(report, state))
                continue;
            StatsValue &value =
                stats[{update.value(2).toLongLong() / MinuteMs * MinuteMs, outcome->job.type}];
            (state == u"succeeded"_s ? value.succeeded : value.failed) += 1;
            value.totalMs += outcome->durationMs;
        }
        update.finish();
        for (auto it = byId.cbegin(); it != byId.cend(); ++it) {
            if (!accepted.contains(it.key()))
                report.rejected.append(it.key());
        }
    }

    if (!local.isEmpty() && !dialect.forUpdate().isEmpty()) {
        auto locked =
            execQuery(*db, LockQueuedLocalJobs.arg(dialect.forUpdate()), {}, tr("locking local jobs"));
        if (!locked) {
            dialect.rollback(*db);
            return failed(locked.error());
        }
    }
    for (const JobOutcome *outcome : std::as_const(local)) {
        QSqlQuery &update = *completeLocal;
        update.bindValue(0, outcome->succeeded ? u"succeeded"_s : u"failed"_s);
        update.bindValue(1, outcome->succeeded ? QVariant(QMetaType::fromType<QString>())
                                               : QVariant(storableError(outcome->error)));
        update.bindValue(2, outcome->job.id);
        update.bindValue(3, m_nodeGuid);
        if (!update.exec())
            return abort(update, tr("completing local job %1").arg(outcome->job.id));
        if (!update.next()) {
            report.rejected.append(outcome->job.id);
            update.finish();
            continue;
        }
        StatsValue &value = stats[{update.value(0).toLongLong() / MinuteMs * MinuteMs, outcome->job.type}];
        (outcome->succeeded ? value.succeeded : value.failed) += 1;
        tally(report, outcome->succeeded ? u"succeeded"_s : u"failed"_s);
        value.totalMs += outcome->durationMs;
        update.finish();
    }
    if (finalizeLocal) {
        if (!finalizeLocal->exec())
            return abort(*finalizeLocal, tr("finishing local jobs"));
        finalizeLocal->finish();
    }

    QSqlQuery &upsert = **addStats;
    for (auto it = stats.cbegin(); it != stats.cend(); ++it) {
        upsert.bindValue(0, it.key().minute);
        upsert.bindValue(1, m_nodeGuid);
        upsert.bindValue(2, it.key().type);
        upsert.bindValue(3, it.value().succeeded);
        upsert.bindValue(4, it.value().failed);
        upsert.bindValue(5, it.value().totalMs);
        if (!upsert.exec())
            return abort(upsert, tr("adding to the job statistics"));
        upsert.finish();
    }

    if (auto committed = dialect.commit(*db); !committed) {
        dialect.rollback(*db);
        return failed(committed.error());
    }
    return report;
}

Result<CompletionReport> JobPool::completeInOneStatement(const QString &rows,
                                                         const QHash<qint64, const JobOutcome *> &byId,
                                                         Heartbeat heartbeat)
{
    const Dialect &dialect = m_database.dialect();
    const bool beat = heartbeat == Heartbeat::Record;
    const QString sql = CompleteInOneStatement.arg(
        beat ? RecordHeartbeat.arg(dialect.nowMillis()) + u" RETURNING 1"_s : LockNodeRow,
        CompletePoolJobs.arg(dialect.nowMillis(), dialect.jsonRecords(CompleteColumns), GateOnNodeRow,
                             ReturnStatistics));
    auto prepared = this->prepared(beat ? u"complete-beat"_s : u"complete-one"_s, sql);
    if (!prepared)
        return failed(prepared.error());
    QSqlQuery &query = **prepared;
    int position = 0;
    query.bindValue(position++, m_nodeGuid);
    if (beat)
        query.bindValue(position++, m_incarnation);
    query.bindValue(position++, rows);
    query.bindValue(position++, m_nodeGuid);
    if (!query.exec()) {
        Error error = sqlError(query, tr("completing jobs"));
        query.finish();
        return failed(error);
    }
    CompletionReport report;
    QSet<qint64> accepted;
    while (query.next()) {
        if (query.isNull(0)) { // the node's row
            report.heartbeatRecorded = beat && query.value(1).toString() == u"1"_s;
            continue;
        }
        const qint64 id = query.value(0).toLongLong();
        accepted.insert(id);
        if (byId.contains(id))
            tally(report, query.value(1).toString());
    }
    query.finish();
    for (auto it = byId.cbegin(); it != byId.cend(); ++it) {
        if (!accepted.contains(it.key()))
            report.rejected.append(it.key());
    }
    return report;
}

} // namespace Cohort
