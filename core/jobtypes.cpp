#include "jobtypes.h"

#include "alerts.h"
#include "clustersettings.h"
#include "logging.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QThread>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qint64 HourMs = 3600 * 1000;
constexpr qint64 DayMs = 24 * HourMs;
constexpr qint64 MaxSleepMs = 3600 * 1000;

Result<qint64> dbNow(QSqlDatabase &db, const Dialect &dialect)
{
    auto query =
        execQuery(db, u"SELECT "_s + dialect.nowMillis(), {}, JobTypes::tr("reading the database clock"));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

Result<QString> runNoop(JobContext &)
{
    return QString();
}

QString checkSleep(const QJsonObject &payload)
{
    const QJsonValue ms = payload.value(u"ms"_s);
    if (ms.isUndefined())
        return JobTypes::tr("a sleep job needs \"ms\", the time to sleep in milliseconds");
    if (!ms.isDouble() || ms.toDouble() < 0 || ms.toDouble() > MaxSleepMs
        || ms.toDouble() != qint64(ms.toDouble()))
        return JobTypes::tr("\"ms\" must be a whole number of milliseconds from 0 to %1").arg(MaxSleepMs);
    return {};
}

Result<QString> runSleep(JobContext &context)
{
    if (const QString problem = checkSleep(context.payload); !problem.isEmpty())
        return makeError(ErrorCode::InvalidArgument, problem);
    QDeadlineTimer deadline(qint64(context.payload.value(u"ms"_s).toDouble()));
    while (!deadline.hasExpired()) {
        if (context.cancelled())
            return makeError(ErrorCode::Conflict, JobTypes::tr("cancelled: the node is stopping"));
        QThread::msleep(quint64(qMin<qint64>(deadline.remainingTime(), 20)));
    }
    return QString();
}

Result<QString> runFail(JobContext &context)
{
    const QString error = context.payload.value(u"error"_s).toString(JobTypes::tr("the job failed as asked"));
    return makeError(ErrorCode::InvalidArgument, error);
}

Result<QString> runClearCache(JobContext &context)
{
    const int cleared = context.settings.clear();
    return JobTypes::tr("cleared %n cached value(s)", nullptr, cleared);
}

// Between two batches the purge pauses as long as the batch took, and at least this
// long: SQLite's write lock has no queue, and a writer waiting for it sleeps up to 100 ms
// between tries (the busy handler), so after a shorter pause the purge could take the
// lock again before any waiter looked. So it holds the write lock at most half the time.
constexpr qint64 PurgePauseMinMs = 120;
// How often a pause asks whether the job is cancelled.
constexpr qint64 CancelPollMs = 20;

// One table of the purge: a batch deletes up to a bound number of its rows older than a
// bound cutoff, picked in the order of the index that finds them.
struct PurgeTable
{
    const char16_t *name; // for the log
    const char16_t *sql;  // values: cutoff, batch rows
    qint64 PurgeReport::*removed;
};

const PurgeTable PurgeTables[] = {
    // jobs_finished_at; unfinished jobs have no finished_at.
    {u"jobs",
     u"DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('succeeded', 'failed') "
     "AND finished_at < ? ORDER BY finished_at LIMIT ?)",
     &PurgeReport::jobs},
    // No index on cleared_at: alerts are few (a kind is raised once per node while it
    // stays open), so a batch reads them by id.
    {u"alerts",
     u"DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ? "
     "ORDER BY id LIMIT ?)",
     &PurgeReport::alerts},
    // audit_log_at.
    {u"audit_log",
     u"DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)",
     &PurgeReport::auditEntries},
    // The primary key (minute, node_guid, job_type), which both databases compare as a row.
    {u"job_stats",
     u"DELETE FROM job_stats WHERE (minute, node_guid, job_type) IN (SELECT minute, node_guid, job_type "
     "FROM job_stats WHERE minute < ? ORDER BY minute LIMIT ?)",
     &PurgeReport::statistics},
    // node_events_at.
    {u"node_events",
     u"DELETE FROM node_events WHERE id IN (SELECT id FROM node_events WHERE at < ? ORDER BY at LIMIT ?)",
     &PurgeReport::events},
    // takeovers_marked_at; their jobs go with them (ON DELETE CASCADE).
    {u"takeovers",
     u"DELETE FROM takeovers WHERE id IN (SELECT id FROM takeovers WHERE marked_at < ? ORDER BY marked_at "
     u"LIMIT ?)",
     &PurgeReport::takeovers},
};

// Waits ms, asking cancelled every CancelPollMs; false when cancelled.
bool pauseUnlessCancelled(qint64 ms, const std::function<bool()> &cancelled)
{
    QDeadlineTimer deadline(ms);
    while (!deadline.hasExpired()) {
        if (cancelled())
            return false;
        QThread::msleep(quint64(qMin(deadline.remainingTime(), CancelPollMs)));
    }
    return true;
}

QString describePurge(const PurgeReport &report, qint64 retentionDays)
{
    return JobTypes::tr(
               "purged %1 jobs, %2 alerts, %3 audit entries, %4 statistics rows, %5 node events and %6 "
               "takeovers older than %n day(s)",
               nullptr, int(retentionDays))
        .arg(report.jobs)
        .arg(report.alerts)
        .arg(report.auditEntries)
        .arg(report.statistics)
        .arg(report.events)
        .arg(report.takeovers);
}

Result<QString> runPurgeOldRecords(JobContext &context)
{
    Database &database = context.database;
    auto retention = ClusterSettings::integer(database, Setting::RetentionDays);
    if (!retention)
        return retention.error();
    // One cutoff for the whole run, from the database's clock at its start: rows that
    // grow old while it runs wait for the next run, so a run never chases new rows.
    auto now = JobPool::now(database);
    if (!now)
        return now.error();
    auto report = JobTypes::purgeOldRecords(database, *now - *retention * DayMs, context.cancelled);
    if (!report)
        return report.error();
    const QString done = describePurge(*report, *retention);
    if (report->cancelled)
        return makeError(
            ErrorCode::Conflict,
            JobTypes::tr("cancelled between batches: the node is stopping (so far %1)").arg(done));
    if (report->limited) {
        return QString(
            done
            + JobTypes::tr("; the rest waits for the next run (at most %1 batches of %2 rows per table "
                           "in a run)")
                  .arg(JobTypes::PurgeMaxBatchesPerTable)
                  .arg(JobTypes::PurgeBatchRows));
    }
    return done;
}

Result<QString> runRollupStats(JobContext &context)
{
    Database &database = context.database;
    const Dialect &dialect = database.dialect();
    auto hours = ClusterSettings::integer(database, Setting::StatsRollupAfterHours);
    if (!hours)
        return hours.error();
    return database.write([&](QSqlDatabase &db) -> Result<QString> {
        auto now = dbNow(db, dialect);
        if (!now)
            return now.error();
        // Only whole hours, so an hour is never rolled up twice with parts missing.
        const qint64 cutoff = (*now - *hours * HourMs) / HourMs * HourMs;
        const QString rollup = uR"(
            INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms)
            SELECT (minute / 3600000) * 3600000, node_guid, job_type, SUM(succeeded), SUM(failed), SUM(total_ms)
              FROM job_stats WHERE minute < ? AND minute % 3600000 <> 0
             GROUP BY (minute / 3600000) * 3600000, node_guid, job_type
            ON CONFLICT (minute, node_guid, job_type) DO UPDATE
               SET succeeded = job_stats.succeeded + excluded.succeeded,
                   failed = job_stats.failed + excluded.failed,
                   total_ms = job_stats.total_ms + excluded.total_ms)"_s;
        auto added = execQuery(db, rollup, {cutoff}, JobTypes::tr("rolling up job statistics"));
        if (!added)
            return added.error();
        const qint64 hourRows = added->numRowsAffected();
        added->finish();
        auto removed = execQuery(db, u"DELETE FROM job_stats WHERE minute < ? AND minute % 3600000 <> 0"_s,
                                 {cutoff}, JobTypes::tr("rolling up job statistics"));
        if (!removed)
            return removed.error();
        return JobTypes::tr("rolled %1 per-minute rows into %2 hourly rows")
            .arg(removed->numRowsAffected())
            .arg(hourRows);
    });
}

Result<QString> runAgentOfflineCheck(JobContext &context)
{
    Database &database = context.database;
    const Dialect &dialect = database.dialect();
    auto silence = ClusterSettings::integer(database, Setting::AgentOfflineAfterSeconds);
    if (!silence)
        return silence.error();
    return database.write([&](QSqlDatabase &db) -> Result<QString> {
        const QString sql = u"UPDATE agents SET state = 'offline', offline_since = %1 "
                            "WHERE state = 'online' AND last_checkin < %1 - ?"_s.arg(dialect.nowMillis());
        auto flagged = execQuery(db, sql, {*silence * 1000}, JobTypes::tr("flagging silent agents"));
        if (!flagged)
            return flagged.error();
        const int count = flagged->numRowsAffected();
        flagged->finish();
        if (count > 0) {
            auto raised = Alerts::raise(db, dialect, AlertKind::AgentsOffline, Alerts::Severity::Warning, {},
                                        JobTypes::tr("%n agent(s) stopped checking in.", nullptr, count));
            if (!raised)
                return raised.error();
        }
        return JobTypes::tr("flagged %n silent agent(s) offline", nullptr, count);
    });
}

QList<JobType> registry()
{
    return {
        {u"noop"_s, JobScope::Pool, JobTypes::tr("Does nothing; for tests and benchmarks."), 0, runNoop, {}},
        {u"sleep"_s, JobScope::Pool, JobTypes::tr("Waits {\"ms\": N} milliseconds; for tests."), 0, runSleep,
         checkSleep},
        {u"fail"_s, JobScope::Pool, JobTypes::tr("Fails with {\"error\": TEXT}; for tests."), 0, runFail, {}},
        {u"clear-cache"_s,
         JobScope::Local,
         JobTypes::tr("Drops each node's cached cluster settings."),
         0,
         runClearCache,
         {}},
        {u"purge-old-records"_s,
         JobScope::Pool,
         JobTypes::tr("Deletes finished jobs, cleared alerts, audit entries, statistics, node events and "
                      "takeovers past the "
                      "retention."),
         3600,
         runPurgeOldRecords,
         {}},
        {u"rollup-stats"_s,
         JobScope::Pool,
         JobTypes::tr("Compacts old per-minute job statistics into hours."),
         900,
         runRollupStats,
         {}},
        {u"agent-offline-check"_s,
         JobScope::Pool,
         JobTypes::tr("Flags agents that stopped checking in."),
         60,
         runAgentOfflineCheck,
         {}},
    };
}

} // namespace

const QList<JobType> &JobTypes::all()
{
    static const QList<JobType> types = registry();
    return types;
}

const JobType *JobTypes::find(const QString &name)
{
    for (const JobType &type : all()) {
        if (type.name == name)
            return &type;
    }
    return nullptr;
}

Result<QJsonObject> JobTypes::checkPayload(const QString &typeName, const QString &payload)
{
    const JobType *type = find(typeName);
    if (!type) {
        QStringList names;
        for (const JobType &known : all())
            names << known.name;
        return makeError(ErrorCode::InvalidArgument,
                         tr("Unknown job type \"%1\"; the types are %2.").arg(typeName, names.join(u", "_s)));
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::InvalidArgument, tr("The payload is not valid JSON: %1 at offset %2.")
                                                         .arg(parseError.errorString())
                                                         .arg(parseError.offset));
    if (!document.isObject())
        return makeError(ErrorCode::InvalidArgument,
                         tr("The payload must be a JSON object, like {\"ms\": 100}."));
    if (type->checkPayload) {
        if (const QString problem = type->checkPayload(document.object()); !problem.isEmpty())
            return makeError(ErrorCode::InvalidArgument,
                             tr("Bad payload for %1: %2.").arg(typeName, problem));
    }
    return document.object();
}

Result<PurgeReport> JobTypes::purgeOldRecords(Database &database, qint64 cutoff,
                                              const std::function<bool()> &cancelled, int batchRows,
                                              int maxBatchesPerTable)
{
    PurgeReport report;
    report.cutoff = cutoff;
    auto stopped = [&](const char *why) {
        qCInfo(lcCore).nospace().noquote()
            << "purge of rows older than "
            << QDateTime::fromMSecsSinceEpoch(cutoff, Qt::UTC).toString(Qt::ISODateWithMs) << " " << why
            << " after " << report.batches << " batches: " << report.jobs << " jobs, " << report.alerts
            << " alerts, " << report.auditEntries << " audit entries, " << report.statistics
            << " statistics rows";
    };
    qint64 pauseMs = 0; // before the next batch
    for (const PurgeTable &table : PurgeTables) {
        const QString sql = QString::fromUtf16(table.sql);
        for (int batch = 0;; ++batch) {
            if (batch == maxBatchesPerTable) {
                report.limited = true;
                qCInfo(lcCore).noquote()
                    << "purge: reached" << maxBatchesPerTable << "batches of"
                    << QString::fromUtf16(table.name) << "in this run; the rest waits for the next";
                break;
            }
            if ((pauseMs > 0 && !pauseUnlessCancelled(pauseMs, cancelled)) || cancelled()) {
                report.cancelled = true;
                stopped("cancelled");
                return report;
            }
            QElapsedTimer took;
            took.start();
            auto removed = database.write([&](QSqlDatabase &db) -> Result<qint64> {
                auto deleted = execQuery(db, sql, {cutoff, batchRows}, tr("purging old records"));
                if (!deleted)
                    return deleted.error();
                return qint64(deleted->numRowsAffected());
            });
            if (!removed) {
                stopped("failed");
                return removed.error();
            }
            ++report.batches;
            report.*table.removed += *removed;
            pauseMs = *removed > 0 ? qMax(PurgePauseMinMs, took.elapsed()) : 0;
            if (*removed < batchRows)
                break;
        }
    }
    stopped("done");
    return report;
}

} // namespace Cohort
