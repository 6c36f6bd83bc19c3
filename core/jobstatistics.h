// JobStatistics: aggregates of finished jobs read from job_stats (per minute, node and
// type). The console's charts and activity graphs read only this, never the jobs.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "result.h"

#include <QCoreApplication>
#include <QHash>

namespace Cohort {

// Jobs one node finished of one type in a time window.
struct JobCount
{
    QString nodeGuid;
    QString nodeName; // empty when the node is no longer in the nodes table
    QString jobType;
    qint64 succeeded = 0;
    qint64 failed = 0;
    qint64 totalMs = 0; // time spent running them

    qint64 total() const { return succeeded + failed; }
    friend bool operator==(const JobCount &, const JobCount &) = default;
};

// A window of whole minutes [fromMs, toMs): the last N minutes, the current one included.
struct StatisticsWindow
{
    qint64 fromMs = 0;
    qint64 toMs = 0;

    static StatisticsWindow lastMinutes(qint64 nowMs, int minutes);
    friend bool operator==(const StatisticsWindow &, const StatisticsWindow &) = default;
};

// Jobs finished per bucket for each node, oldest bucket first.
struct ActivitySeries
{
    qint64 fromMs = 0;
    qint64 bucketMs = 60 * 1000;
    QHash<QString, QList<qint64>> perNode; // node GUID -> one count per bucket

    friend bool operator==(const ActivitySeries &, const ActivitySeries &) = default;
};

// Which finished jobs stand behind a count: a window, and optionally one node and one type.
struct FinishedJobsFilter
{
    StatisticsWindow window;
    QString nodeGuid; // empty: any node
    QString jobType;  // empty: any type
    int limit = 500;
};

class JobStatistics
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::JobStatistics)

public:
    // Jobs one node finished (succeeded + failed) in each minute of [fromMs, toMs),
    // oldest first, one entry per minute (zeros included). fromMs and toMs are rounded
    // down to whole minutes.
    static Result<QList<qint64>> perMinute(Database &database, const QString &nodeGuid, qint64 fromMs,
                                           qint64 toMs);

    // Jobs finished in [window.fromMs, window.toMs) per node and type, summed in the
    // database; one entry per (node, type) that finished any. Ordered by node name, GUID
    // and type. Any length of window: only sums come back.
    static Result<QList<JobCount>> byNodeAndType(Database &database, const StatisticsWindow &window);

    // Jobs finished per node in buckets of bucketMs (a whole number of minutes that divides
    // the window), for every node that finished any in the window.
    static Result<ActivitySeries> activity(Database &database, const StatisticsWindow &window,
                                           qint64 bucketMs);

    // The finished jobs a count is made of, newest first, at most filter.limit: pool jobs
    // by the node that ran them, local jobs once per node that ran them (attempts 1).
    // Jobs removed by retention are gone, so there may be fewer than the count.
    static Result<QList<JobRow>> finishedJobs(Database &database, const FinishedJobsFilter &filter);
};

} // namespace Cohort
