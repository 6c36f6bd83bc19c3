#include "jobstatistics.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// One row per minute that had finished jobs; the minutes without any are zeros.
const QString SelectPerMinute = uR"(
    SELECT minute, SUM(succeeded + failed) FROM job_stats
     WHERE node_guid = ? AND minute >= ? AND minute < ?
     GROUP BY minute)"_s;

// Per node and type over a window, by node name. Summed first, then the few sums are
// joined with the names of the nodes still in the table (joining every row first cost a
// third more on PostgreSQL with 60,000 rows an hour).
const QString SelectByNodeAndType = uR"(
    SELECT s.node_guid, COALESCE(n.name, ''), s.job_type, s.succeeded, s.failed, s.total_ms
      FROM (SELECT node_guid, job_type, SUM(succeeded) AS succeeded, SUM(failed) AS failed,
                   SUM(total_ms) AS total_ms
              FROM job_stats
             WHERE minute >= ? AND minute < ?
             GROUP BY node_guid, job_type) s
      LEFT JOIN nodes n ON n.guid = s.node_guid
     ORDER BY 2, 1, 3)"_s;

// Per node and bucket: (minute - from) / bucket is the bucket's index.
const QString SelectActivity = uR"(
    SELECT node_guid, (minute - ?) / ? AS bucket, SUM(succeeded + failed) FROM job_stats
     WHERE minute >= ? AND minute < ?
     GROUP BY node_guid, bucket)"_s;

// %1 and %2: extra conditions on the pool jobs and the local runs. Bound values: the window
// and conditions of the pool jobs, then of the local runs, then the limit.
const QString SelectFinishedJobs = uR"(
    SELECT f.id, f.type, f.scope, f.state, f.priority, f.attempts, f.max_attempts, f.node, COALESCE(n.name, ''),
           f.created_at, f.run_after, f.claimed_at, f.finished_at, f.last_error
      FROM (SELECT j.id, j.type, j.scope, j.state, j.priority, j.attempts, j.max_attempts, j.claimed_by AS node,
                   j.created_at, j.run_after, COALESCE(j.claimed_at, 0) AS claimed_at, j.finished_at,
                   COALESCE(j.last_error, '') AS last_error
              FROM jobs j
             WHERE j.scope = 'pool' AND j.state IN ('succeeded', 'failed')
               AND j.finished_at >= ? AND j.finished_at < ?%1
            UNION ALL
            SELECT j.id, j.type, j.scope, r.state, j.priority, 1, 1, r.node_guid, j.created_at, j.run_after,
                   r.started_at, r.finished_at, COALESCE(r.last_error, '')
              FROM local_job_runs r JOIN jobs j ON j.id = r.job_id
             WHERE r.state IN ('succeeded', 'failed')
               AND r.finished_at >= ? AND r.finished_at < ?%2) f
      LEFT JOIN nodes n ON n.guid = f.node
     ORDER BY f.finished_at DESC, f.id DESC
     LIMIT ?)"_s;

constexpr qint64 MinuteMs = 60 * 1000;
// A week of minutes: what a chart can show, and a bound on the list a caller gets.
constexpr qint64 MaxMinutes = 7 * 24 * 60;

qint64 floorToMinute(qint64 ms)
{
    // Rounds down for times before the epoch too.
    return (ms >= 0 ? ms / MinuteMs : (ms - MinuteMs + 1) / MinuteMs) * MinuteMs;
}

Result<void> checkWindow(const StatisticsWindow &window)
{
    if (window.toMs < window.fromMs)
        return makeError(ErrorCode::InvalidArgument,
                         JobStatistics::tr("The end of the time range (%1) is before its start (%2).")
                             .arg(window.toMs)
                             .arg(window.fromMs));
    if (window.toMs - window.fromMs > MaxMinutes * MinuteMs)
        return makeError(ErrorCode::InvalidArgument,
                         JobStatistics::tr("Job statistics are read at most %n day(s) at a time.", nullptr,
                                           int(MaxMinutes / (24 * 60))));
    return {};
}

} // namespace

StatisticsWindow StatisticsWindow::lastMinutes(qint64 nowMs, int minutes)
{
    const qint64 to = floorToMinute(nowMs) + MinuteMs;
    return {to - qMax(0, minutes) * MinuteMs, to};
}

Result<QList<JobCount>> JobStatistics::byNodeAndType(Database &database, const StatisticsWindow &window)
{
    if (window.toMs < window.fromMs)
        return checkWindow(window).error();
    auto query =
        database.exec(SelectByNodeAndType, {window.fromMs, window.toMs}, tr("reading the job statistics"));
    if (!query)
        return query.error();
    QList<JobCount> counts;
    while (query->next()) {
        counts.append(JobCount{query->value(0).toString(), query->value(1).toString(),
                               query->value(2).toString(), query->value(3).toLongLong(),
                               query->value(4).toLongLong(), query->value(5).toLongLong()});
    }
    return counts;
}

Result<ActivitySeries> JobStatistics::activity(Database &database, const StatisticsWindow &window,
                                               qint64 bucketMs)
{
    if (auto valid = checkWindow(window); !valid)
        return valid.error();
    const qint64 span = window.toMs - window.fromMs;
    if (bucketMs <= 0 || bucketMs % MinuteMs != 0 || span % bucketMs != 0)
        return makeError(ErrorCode::InvalidArgument,
                         tr("A bucket of %1 ms is not a whole number of minutes that divides the time range.")
                             .arg(bucketMs));
    ActivitySeries series;
    series.fromMs = window.fromMs;
    series.bucketMs = bucketMs;
    const qsizetype buckets = span / bucketMs;
    auto query = database.exec(SelectActivity, {window.fromMs, bucketMs, window.fromMs, window.toMs},
                               tr("reading the activity of the nodes"));
    if (!query)
        return query.error();
    while (query->next()) {
        const qint64 index = query->value(1).toLongLong();
        if (index < 0 || index >= buckets)
            continue;
        QList<qint64> &counts = series.perNode[query->value(0).toString()];
        if (counts.isEmpty())
            counts.resize(buckets, 0);
        counts[index] += query->value(2).toLongLong();
    }
    return series;
}

Result<QList<JobRow>> JobStatistics::finishedJobs(Database &database, const FinishedJobsFilter &filter)
{
    if (filter.window.toMs < filter.window.fromMs)
        return checkWindow(filter.window).error();
    QString poolConditions;
    QString localConditions;
    QVariantList pool{filter.window.fromMs, filter.window.toMs};
    QVariantList local{filter.window.fromMs, filter.window.toMs};
    if (!filter.nodeGuid.isEmpty()) {
        poolConditions += u" AND j.claimed_by = ?"_s;
        localConditions += u" AND r.node_guid = ?"_s;
        pool << filter.nodeGuid;
        local << filter.nodeGuid;
    }
    if (!filter.jobType.isEmpty()) {
        poolConditions += u" AND j.type = ?"_s;
        localConditions += u" AND j.type = ?"_s;
        pool << filter.jobType;
        local << filter.jobType;
    }
    auto query =
        database.exec(SelectFinishedJobs.arg(poolConditions, localConditions),
                      pool + local + QVariantList{qMax(1, filter.limit)}, tr("listing finished jobs"));
    if (!query)
        return query.error();
    QList<JobRow> rows;
    while (query->next())
        rows.append(JobPool::rowFrom(*query));
    return rows;
}

Result<QList<qint64>> JobStatistics::perMinute(Database &database, const QString &nodeGuid, qint64 fromMs,
                                               qint64 toMs)
{
    if (toMs < fromMs)
        return makeError(
            ErrorCode::InvalidArgument,
            tr("The end of the time range (%1) is before its start (%2).").arg(toMs).arg(fromMs));
    const qint64 from = floorToMinute(fromMs);
    const qint64 to = floorToMinute(toMs);
    const qint64 minutes = (to - from) / MinuteMs;
    if (minutes > MaxMinutes)
        return makeError(
            ErrorCode::InvalidArgument,
            tr("Job statistics are read at most %n day(s) at a time.", nullptr, int(MaxMinutes / (24 * 60))));

    QList<qint64> counts(minutes, 0);
    if (minutes == 0)
        return counts;
    auto query = database.exec(SelectPerMinute, {nodeGuid, from, to},
                               tr("reading the job statistics of node %1").arg(nodeGuid));
    if (!query)
        return query.error();
    while (query->next()) {
        // Rows are whole minutes (or hours, once rolled up); any other time counts in its minute.
        const qint64 index = (floorToMinute(query->value(0).toLongLong()) - from) / MinuteMs;
        if (index >= 0 && index < minutes)
            counts[index] += query->value(1).toLongLong();
    }
    return counts;
}

} // namespace Cohort
