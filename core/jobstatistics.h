// JobStatistics: aggregates of finished jobs read from job_stats (per minute, node and
// type). The console's charts and activity graphs read only this, never the jobs.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

class JobStatistics
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::JobStatistics)

public:
    // Jobs one node finished (succeeded + failed) in each minute of [fromMs, toMs),
    // oldest first, one entry per minute (zeros included). fromMs and toMs are rounded
    // down to whole minutes.
    static Result<QList<qint64>> perMinute(Database &database, const QString &nodeGuid, qint64 fromMs, qint64 toMs);
};

} // namespace Cohort
