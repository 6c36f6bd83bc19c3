#include "jobpool.h"
#include "jobpool_p.h"

#include "jobtypes.h"
#include "logging.h"
#include "sqlerror.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

using namespace Qt::StringLiterals;
using namespace Cohort::JobPoolSql;

namespace Cohort {

namespace {

// %1: the database clock; %2: the claims as rows. Handing back does not use up an attempt.
const QString HandBackPoolJobs = uR"(
    UPDATE jobs
       SET state = 'queued', claimed_by = NULL, attempts = attempts - 1, run_after = %1
      FROM (%2) AS claim
     WHERE jobs.id = claim.id AND jobs.claim_epoch = claim.epoch
       AND jobs.claimed_by = ? AND jobs.state = 'running')"_s;
const QStringList HandBackColumns = {u"id bigint"_s, u"epoch bigint"_s};

// %1: the database clock. Fenced like a completion.
const QString FailUnrecordedPoolJob = uR"(
    UPDATE jobs SET state = 'failed', finished_at = %1, last_error = ?
     WHERE id = ? AND claim_epoch = ? AND claimed_by = ? AND state = 'running')"_s;
const QString FailUnrecordedLocalRun = uR"(
    UPDATE local_job_runs SET state = 'failed', finished_at = %1, last_error = ?
     WHERE job_id = ? AND node_guid = ? AND state = 'running')"_s;

// %1: the database clock; %2: the row lock on the node (see Dialect::claimJobs).
const QString SelectLocalCandidates = uR"(
    SELECT id, type, payload, max_attempts FROM jobs
     WHERE scope = 'local' AND state = 'queued' AND created_at >= ? AND run_after <= %1
       AND NOT EXISTS (SELECT 1 FROM local_job_runs r WHERE r.job_id = jobs.id AND r.node_guid = ?)
       AND EXISTS (SELECT 1 FROM nodes WHERE guid = ? AND incarnation = ? AND state = 'online' AND upgrade_to = '' AND draining_since IS NULL%2)
     ORDER BY id
     LIMIT ?)"_s;
const QString InsertLocalRun = uR"(
    INSERT INTO local_job_runs (job_id, node_guid, state, started_at) VALUES (?, ?, 'running', %1)
    ON CONFLICT (job_id, node_guid) DO NOTHING)"_s;
const QString DeleteLocalRun =
    u"DELETE FROM local_job_runs WHERE job_id = ? AND node_guid = ? AND state = 'running'"_s;

// %1: the database clock. Jobs out of attempts fail with the reason (bound first).
const QString ReleasePoolClaims = uR"(
    UPDATE jobs
       SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN attempts >= max_attempts THEN %1 ELSE NULL END,
           last_error = CASE WHEN attempts >= max_attempts THEN ? ELSE last_error END,
           claimed_by = CASE WHEN attempts >= max_attempts THEN claimed_by ELSE NULL END,
           run_after = %1
     WHERE state = 'running' AND claimed_by = ?)"_s;
const QString ReleaseLocalRuns = uR"(
    UPDATE local_job_runs SET state = 'failed', finished_at = %1, last_error = ?
     WHERE node_guid = ? AND state = 'running')"_s;

const QString SelectJobsHead = uR"(
    SELECT j.id, j.type, j.scope, j.state, j.priority, j.attempts, j.max_attempts,
           COALESCE(j.claimed_by, ''), COALESCE(n.name, ''), j.created_at, j.run_after,
           COALESCE(j.claimed_at, 0), COALESCE(j.finished_at, 0), COALESCE(j.last_error, '')
      FROM jobs j LEFT JOIN nodes n ON n.guid = j.claimed_by)"_s;

QString poolOrLocal(JobScope scope)
{
    return scope == JobScope::Local ? u"local"_s : u"pool"_s;
}

} // namespace

QString jobScopeName(JobScope scope)
{
    return poolOrLocal(scope);
}

JobPool::JobPool(Database &database, QString nodeGuid, QString incarnation)
    : m_database(database)
    , m_nodeGuid(std::move(nodeGuid))
    , m_incarnation(std::move(incarnation))
{}

QString JobPool::storableError(const QString &error)
{
    QString text = error;
    text.remove(QChar(0));
    constexpr qsizetype MaxErrorLength = 4000;
    if (text.size() > MaxErrorLength)
        text = text.left(MaxErrorLength - 1) + QChar(0x2026);
    return text;
}

JobPool::~JobPool() = default;

qint64 JobPool::retryDelayMs(int attempts, qint64 retryBaseMs)
{
    const int doublings = qBound(0, attempts - 1, 30);
    const qint64 delay = retryBaseMs << doublings;
    return delay < 0 ? MaxRetryDelayMs : qMin(delay, MaxRetryDelayMs);
}

Result<QSqlQuery *> JobPool::prepared(const QString &key, const QString &sql)
{
    auto db = m_database.connection();
    if (!db)
        return db.error();
    const quint64 serial = m_database.connectionSerial();
    if (serial != m_serial) {
        m_queries.clear();
        m_serial = serial;
    }
    auto found = m_queries.constFind(key);
    if (found != m_queries.constEnd())
        return found->get();
    auto query = std::make_shared<QSqlQuery>(*db);
    if (!query->prepare(sql))
        return sqlError(*query, tr("preparing %1").arg(key));
    m_queries.insert(key, query);
    return query.get();
}

void JobPool::reset()
{
    m_queries.clear();
    m_database.resetConnection();
}

Error JobPool::failed(Error error)
{
    // A statement error without a SQLSTATE may be a connection that died: ask it. The
    // connection is not reset here, while the caller still holds it: the owner calls
    // reset() on ErrorCode::Unavailable.
    if (error.code == ErrorCode::Unavailable || m_database.url().backend() != Backend::Postgres
        || !error.sqlState.isEmpty())
        return error;
    auto db = m_database.connection();
    if (!db)
        return db.error();
    QSqlQuery probe(*db);
    if (!probe.exec(u"SELECT 1"_s))
        error.code = ErrorCode::Unavailable;
    return error;
}

Result<QSqlDatabase> JobPool::beginWrite()
{
    auto db = m_database.connection();
    if (!db)
        return failed(db.error());
    if (auto begun = m_database.dialect().beginWrite(*db); !begun)
        return failed(begun.error());
    return db;
}

Error JobPool::rolledBack(QSqlDatabase &db, QSqlQuery &query, const QString &doing)
{
    Error error = sqlError(query, doing);
    query.finish();
    m_database.dialect().rollback(db);
    return failed(error);
}

Result<QList<ClaimedJob>> JobPool::claim(int limit)
{
    const Dialect &dialect = m_database.dialect();
    auto query = prepared(u"claim"_s, dialect.claimJobs());
    if (!query)
        return failed(query.error());
    auto db = m_database.connection();
    if (!db)
        return failed(db.error());
    // On SQLite the select-then-update must hold the write lock throughout; on
    // PostgreSQL the one statement is its own transaction and SKIP LOCKED does the rest.
    const bool sqlite = dialect.backend() == Backend::Sqlite;
    if (sqlite) {
        if (auto begun = dialect.beginWrite(*db); !begun)
            return failed(begun.error());
    }
    QSqlQuery &claim = **query;
    claim.bindValue(u":node"_s, m_nodeGuid);
    claim.bindValue(u":incarnation"_s, m_incarnation);
    claim.bindValue(u":limit"_s, limit);
    if (!claim.exec()) {
        Error error = sqlError(claim, tr("claiming jobs"));
        claim.finish();
        if (sqlite)
            dialect.rollback(*db);
        return failed(error);
    }
    QList<ClaimedJob> jobs;
    while (claim.next()) {
        jobs.append({claim.value(0).toLongLong(), claim.value(1).toString(), claim.value(2).toString(),
                     claim.value(3).toInt(), claim.value(5).toInt(), claim.value(4).toLongLong(),
                     JobScope::Pool});
    }
    claim.finish();
    if (sqlite) {
        if (auto committed = dialect.commit(*db); !committed) {
            dialect.rollback(*db);
            return failed(committed.error());
        }
    }
    return jobs;
}

Result<QList<ClaimedJob>> JobPool::claimLocal(qint64 joinedAt, int limit)
{
    const Dialect &dialect = m_database.dialect();
    auto candidates =
        prepared(u"local-candidates"_s,
                 SelectLocalCandidates.arg(dialect.nowMillis(),
                                           dialect.forUpdate().isEmpty() ? QString() : u" FOR SHARE"_s));
    if (!candidates)
        return failed(candidates.error());
    auto start = prepared(u"local-start"_s, InsertLocalRun.arg(dialect.nowMillis()));
    if (!start)
        return failed(start.error());
    auto db = beginWrite();
    if (!db)
        return db.error();
    auto abort = [&](QSqlQuery &query, const QString &doing) { return rolledBack(*db, query, doing); };

    QSqlQuery &select = **candidates;
    select.bindValue(0, joinedAt);
    select.bindValue(1, m_nodeGuid);
    select.bindValue(2, m_nodeGuid);
    select.bindValue(3, m_incarnation);
    select.bindValue(4, limit);
    if (!select.exec())
        return abort(select, tr("finding local jobs"));
    QList<ClaimedJob> found;
    while (select.next()) {
        found.append({select.value(0).toLongLong(), select.value(1).toString(), select.value(2).toString(), 1,
                      select.value(3).toInt(), 0, JobScope::Local});
    }
    select.finish();

    QList<ClaimedJob> jobs;
    QSqlQuery &insertRun = **start;
    for (const ClaimedJob &job : std::as_const(found)) {
        insertRun.bindValue(0, job.id);
        insertRun.bindValue(1, m_nodeGuid);
        if (!insertRun.exec())
            return abort(insertRun, tr("starting a local job"));
        if (insertRun.numRowsAffected() == 1)
            jobs.append(job);
    }
    if (auto committed = dialect.commit(*db); !committed) {
        dialect.rollback(*db);
        return failed(committed.error());
    }
    return jobs;
}

Result<bool> JobPool::failUnrecorded(const ClaimedJob &job, const QString &error)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<bool> {
        if (!dialect.forUpdate().isEmpty()) {
            auto locked = execQuery(db, LockNodeRow, {m_nodeGuid}, tr("locking this node's row"));
            if (!locked)
                return locked.error();
            locked->finish();
        }
        const bool local = job.scope == JobScope::Local;
        const QVariantList values = local ? QVariantList{storableError(error), job.id, m_nodeGuid}
                                          : QVariantList{storableError(error), job.id, job.epoch, m_nodeGuid};
        auto failed =
            execQuery(db, (local ? FailUnrecordedLocalRun : FailUnrecordedPoolJob).arg(dialect.nowMillis()),
                      values, tr("failing job %1").arg(job.id));
        if (!failed)
            return failed.error();
        return failed->numRowsAffected() == 1;
    });
}

Result<int> JobPool::handBack(const QList<ClaimedJob> &jobs)
{
    if (jobs.isEmpty())
        return 0;
    const Dialect &dialect = m_database.dialect();
    QJsonArray claims;
    QList<qint64> local;
    for (const ClaimedJob &job : jobs) {
        if (job.scope == JobScope::Local)
            local.append(job.id);
        else
            claims.append(QJsonObject{{u"id"_s, job.id}, {u"epoch"_s, job.epoch}});
    }
    const QString json = QString::fromUtf8(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    auto handed = m_database.write([&](QSqlDatabase &db) -> Result<int> {
        int count = 0;
        if (!dialect.forUpdate().isEmpty()) {
            // The node's row first: the cluster's one lock order (see LockNodeRow in jobpool_p.h).
            auto locked = execQuery(db, LockNodeRow, {m_nodeGuid}, tr("locking this node's row"));
            if (!locked)
                return locked.error();
            locked->finish();
        }
        if (!claims.isEmpty()) {
            auto update =
                execQuery(db, HandBackPoolJobs.arg(dialect.nowMillis(), dialect.jsonRecords(HandBackColumns)),
                          {json, m_nodeGuid}, tr("handing jobs back"));
            if (!update)
                return update.error();
            count += update->numRowsAffected();
        }
        for (qint64 id : std::as_const(local)) {
            auto removed = execQuery(db, DeleteLocalRun, {id, m_nodeGuid}, tr("handing a local job back"));
            if (!removed)
                return removed.error();
            count += removed->numRowsAffected();
        }
        if (auto woken = wake(db, dialect, JobScope::Pool); !woken)
            return woken.error();
        return count;
    });
    return handed;
}

Result<int> JobPool::handBackUnknown(const QList<ClaimedJob> &held)
{
    QSet<std::pair<qint64, qint64>> known;
    QSet<qint64> knownLocal;
    for (const ClaimedJob &job : held) {
        if (job.scope == JobScope::Local)
            knownLocal.insert(job.id);
        else
            known.insert({job.id, job.epoch});
    }
    QList<ClaimedJob> unknown;
    auto pool =
        m_database.exec(u"SELECT id, claim_epoch FROM jobs WHERE claimed_by = ? AND state = 'running'"_s,
                        {m_nodeGuid}, tr("finding this node's claims"));
    if (!pool)
        return pool.error();
    while (pool->next()) {
        ClaimedJob job;
        job.id = pool->value(0).toLongLong();
        job.epoch = pool->value(1).toLongLong();
        if (!known.contains({job.id, job.epoch}))
            unknown.append(job);
    }
    auto local =
        m_database.exec(u"SELECT job_id FROM local_job_runs WHERE node_guid = ? AND state = 'running'"_s,
                        {m_nodeGuid}, tr("finding this node's local jobs"));
    if (!local)
        return local.error();
    while (local->next()) {
        ClaimedJob job;
        job.id = local->value(0).toLongLong();
        job.scope = JobScope::Local;
        if (!knownLocal.contains(job.id))
            unknown.append(job);
    }
    return handBack(unknown);
}

Result<int> JobPool::releaseClaims(QSqlDatabase &db, const Dialect &dialect, const QString &nodeGuid,
                                   const QString &reason)
{
    auto released = execQuery(db, ReleasePoolClaims.arg(dialect.nowMillis()), {reason, nodeGuid},
                              tr("returning a node's jobs to the pool"));
    if (!released)
        return released.error();
    const int count = released->numRowsAffected();
    if (!dialect.forUpdate().isEmpty()) {
        auto locked =
            execQuery(db, LockQueuedLocalJobs.arg(dialect.forUpdate()), {}, tr("locking local jobs"));
        if (!locked)
            return locked.error();
    }
    auto runs = execQuery(db, ReleaseLocalRuns.arg(dialect.nowMillis()), {reason, nodeGuid},
                          tr("ending a node's local jobs"));
    if (!runs)
        return runs.error();
    // The node no longer counts for the local jobs it had not run.
    auto finalized =
        execQuery(db, FinalizeLocalJobs.arg(dialect.nowMillis()), {}, tr("finishing local jobs"));
    if (!finalized)
        return finalized.error();
    if (count > 0) {
        if (auto woken = wake(db, dialect, JobScope::Pool); !woken)
            return woken.error();
    }
    return count;
}

Result<QList<JobRow>> JobPool::list(Database &database, const JobFilter &filter)
{
    QStringList conditions;
    QVariantList values;
    if (!filter.state.isEmpty()) {
        static const QStringList states = {u"queued"_s, u"running"_s, u"succeeded"_s, u"failed"_s};
        if (!states.contains(filter.state))
            return makeError(
                ErrorCode::InvalidArgument,
                tr("Unknown job state \"%1\"; use one of %2.").arg(filter.state, states.join(u", "_s)));
        conditions << u"j.state = ?"_s;
        values << filter.state;
    }
    if (!filter.node.isEmpty()) {
        conditions << u"(j.claimed_by = ? OR n.name = ?)"_s;
        values << filter.node << filter.node;
    }
    QString sql = SelectJobsHead;
    if (!conditions.isEmpty())
        sql += u" WHERE "_s + conditions.join(u" AND "_s);
    sql += u" ORDER BY j.id DESC LIMIT ?"_s;
    values << qMax(1, filter.limit);
    auto query = database.exec(sql, values, tr("listing jobs"));
    if (!query)
        return query.error();
    QList<JobRow> rows;
    while (query->next())
        rows.append(rowFrom(*query));
    return rows;
}

JobRow JobPool::rowFrom(const QSqlQuery &query)
{
    JobRow row;
    row.id = query.value(0).toLongLong();
    row.type = query.value(1).toString();
    row.scope = query.value(2).toString();
    row.state = query.value(3).toString();
    row.priority = query.value(4).toInt();
    row.attempts = query.value(5).toInt();
    row.maxAttempts = query.value(6).toInt();
    row.claimedBy = query.value(7).toString();
    row.claimedByName = query.value(8).toString();
    row.createdAt = query.value(9).toLongLong();
    row.runAfter = query.value(10).toLongLong();
    row.claimedAt = query.value(11).toLongLong();
    row.finishedAt = query.value(12).toLongLong();
    row.lastError = query.value(13).toString();
    return row;
}

Result<qint64> JobPool::now(Database &database)
{
    auto query =
        database.exec(u"SELECT "_s + database.dialect().nowMillis(), {}, tr("reading the database clock"));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(ErrorCode::Database, tr("The database did not tell its time."));
    return query->value(0).toLongLong();
}

} // namespace Cohort
