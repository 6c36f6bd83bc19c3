// JobPool's submission: new jobs into the pool, and the wake-up of the nodes. (The rest of
// JobPool, the claims and outcomes of one node, is in jobpool.cpp.)
#include "jobpool.h"

#include "jobtypes.h"
#include "logging.h"
#include "sqlerror.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Rows per INSERT statement when submitting many jobs (ValuesPerRow values a row).
constexpr int InsertChunk = 250;
// Submissions at least this large refresh the planner's statistics of the jobs table.
constexpr int AnalyzeAfterRows = 10000;

// %1: the database clock; %2: the rows' placeholders.
const QString InsertJobsHead =
    u"INSERT INTO jobs (type, scope, payload, priority, run_after, max_attempts, schedule_key, created_at) VALUES "_s;
const QString InsertJobRow = u"(?, ?, ?, ?, %1 + ?, ?, ?, %1)"_s;
// The WHERE names schedule_key's unique index, which on PostgreSQL holds only the jobs that
// have a key (schema version 7).
const QString InsertJobsTail = u" ON CONFLICT (schedule_key) WHERE schedule_key IS NOT NULL DO NOTHING"_s;
constexpr int ValuesPerRow = 7;

// Binds job's values to InsertJobRow's placeholders, the first at position base.
void bindJob(QSqlQuery &query, int base, const JobSpec &job)
{
    query.bindValue(base + 0, job.type);
    query.bindValue(base + 1, jobScopeName(job.scope));
    query.bindValue(base + 2, job.payload);
    query.bindValue(base + 3, job.priority);
    query.bindValue(base + 4, job.delayMs);
    query.bindValue(base + 5, job.maxAttempts);
    query.bindValue(base + 6, job.scheduleKey.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                                        : QVariant(job.scheduleKey));
}

} // namespace

Result<int> JobPool::insert(QSqlDatabase &db, const Dialect &dialect, const QList<JobSpec> &jobs)
{
    int inserted = 0;
    QHash<int, std::shared_ptr<QSqlQuery>> statements; // by rows per statement
    for (qsizetype first = 0; first < jobs.size(); first += InsertChunk) {
        const int rows = int(qMin<qsizetype>(InsertChunk, jobs.size() - first));
        auto &statement = statements[rows];
        if (!statement) {
            QStringList placeholders;
            const QString row = InsertJobRow.arg(dialect.nowMillis());
            for (int i = 0; i < rows; ++i)
                placeholders << row;
            statement = std::make_shared<QSqlQuery>(db);
            if (!statement->prepare(InsertJobsHead + placeholders.join(u", "_s) + InsertJobsTail))
                return sqlError(*statement, tr("preparing to submit jobs"));
        }
        for (int i = 0; i < rows; ++i)
            bindJob(*statement, i * ValuesPerRow, jobs.at(first + i));
        if (!statement->exec())
            return sqlError(*statement, tr("submitting jobs"));
        inserted += statement->numRowsAffected();
    }
    return inserted;
}

Result<void> JobPool::wake(QSqlDatabase &db, const Dialect &dialect, JobScope scope)
{
    if (!dialect.hasNotifications())
        return {};
    auto notified = execQuery(db, dialect.notify(), {QString::fromUtf16(JobsChannel), jobScopeName(scope)},
                              tr("waking the nodes"));
    if (!notified)
        return notified.error();
    return {};
}

Result<int> JobPool::submit(Database &database, const QList<JobSpec> &jobs)
{
    for (const JobSpec &job : jobs) {
        if (job.type.isEmpty())
            return makeError(ErrorCode::InvalidArgument, tr("A job needs a type."));
        if (!JobTypes::find(job.type))
            return makeError(ErrorCode::InvalidArgument,
                             tr("Unknown job type \"%1\": no node could run it.").arg(job.type));
        if (job.maxAttempts < 1)
            return makeError(ErrorCode::InvalidArgument, tr("A job needs at least one attempt."));
        if (job.delayMs < 0)
            return makeError(ErrorCode::InvalidArgument, tr("A job's delay cannot be negative."));
    }
    if (jobs.isEmpty())
        return 0;
    const Dialect &dialect = database.dialect();
    if (dialect.hasNotifications() && jobs.size() == 1)
        return submitOne(database, jobs.first());
    auto submitted = database.write([&](QSqlDatabase &db) -> Result<int> {
        auto inserted = insert(db, dialect, jobs);
        if (!inserted)
            return inserted;
        // One wake-up per scope and batch, never one per job.
        bool pool = false;
        bool local = false;
        for (const JobSpec &job : jobs)
            (job.scope == JobScope::Local ? local : pool) = true;
        if (pool) {
            if (auto woken = wake(db, dialect, JobScope::Pool); !woken)
                return woken.error();
        }
        if (local) {
            if (auto woken = wake(db, dialect, JobScope::Local); !woken)
                return woken.error();
        }
        return inserted;
    });
    // A large batch changes the table's shape more than PostgreSQL's statistics know
    // until autovacuum gets to it (seconds later, or a minute): meanwhile the claim is
    // planned for a near-empty table and scans it. Refresh them now.
    if (submitted && *submitted >= AnalyzeAfterRows && dialect.backend() == Backend::Postgres) {
        if (auto analyzed = database.exec(u"ANALYZE jobs"_s, {}, tr("refreshing the job table's statistics"));
            !analyzed)
            qCWarning(lcCore).noquote() << analyzed.message();
    }
    return submitted;
}

Result<int> JobPool::submitOne(Database &database, const JobSpec &job)
{
    // One statement, so one round trip in its own transaction: the row and the wake-up
    // commit together (a notification is sent at commit), and the statement stays prepared
    // on the connection. The transaction, prepare, notify and deallocate of the general path
    // cost six more round trips: most of the time from submit to start on an idle pool.
    const Dialect &dialect = database.dialect();
    const QString sql = u"WITH inserted AS (%1%2%3 RETURNING scope) "
                        "SELECT COUNT(*), pg_notify(?, MIN(scope)) FROM inserted HAVING COUNT(*) > 0"_s.arg(
                            InsertJobsHead, InsertJobRow.arg(dialect.nowMillis()), InsertJobsTail);
    auto query = database.kept(sql, tr("submitting a job"));
    if (!query)
        return query.error();
    QSqlQuery &insert = **query;
    bindJob(insert, 0, job);
    insert.bindValue(ValuesPerRow, QString::fromUtf16(JobsChannel));
    if (!insert.exec()) {
        Error error = sqlError(insert, tr("submitting a job"));
        insert.finish();
        auto db = database.connection();
        return database.noteFailure(db, error);
    }
    // No row when its schedule key was taken: nothing inserted, nobody woken.
    const int inserted = insert.next() ? insert.value(0).toInt() : 0;
    insert.finish();
    return inserted;
}

} // namespace Cohort
