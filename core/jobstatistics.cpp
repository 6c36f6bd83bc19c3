#include "jobstatistics.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// One row per minute that had finished jobs; the minutes without any are zeros.
const QString SelectPerMinute = uR"(
    SELECT minute, SUM(succeeded + failed) FROM job_stats
     WHERE node_guid = ? AND minute >= ? AND minute < ?
     GROUP BY minute)"_s;

constexpr qint64 MinuteMs = 60 * 1000;
// A week of minutes: what a chart can show, and a bound on the list a caller gets.
constexpr qint64 MaxMinutes = 7 * 24 * 60;

qint64 floorToMinute(qint64 ms)
{
    // Rounds down for times before the epoch too.
    return (ms >= 0 ? ms / MinuteMs : (ms - MinuteMs + 1) / MinuteMs) * MinuteMs;
}

} // namespace

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
