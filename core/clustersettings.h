// ClusterSettings: cluster-wide settings in cluster_settings, shared by every node, each
// with its default in one place.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

struct IntegerSetting
{
    const char16_t *name;
    qint64 defaultValue;
    qint64 minimum;
    qint64 maximum;
};

namespace Setting {
// Finished jobs, cleared alerts and audit entries older than this are purged.
inline constexpr IntegerSetting RetentionDays{u"retention_days", 30, 1, 3650};
// The first retry of a failed job waits this long; each further one twice as long.
inline constexpr IntegerSetting RetryBaseMs{u"jobs.retry_base_ms", 1000, 10, 3600 * 1000};
// Per-minute job statistics older than this are rolled up into hours.
inline constexpr IntegerSetting StatsRollupAfterHours{u"stats.rollup_after_hours", 48, 1, 24 * 365};
// An agent silent this long is flagged offline.
inline constexpr IntegerSetting AgentOfflineAfterSeconds{u"agents.offline_after_seconds", 900, 10,
                                                         86400 * 30};
} // namespace Setting

class ClusterSettings
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ClusterSettings)

public:
    // The setting's stored value, or its default when unset. A stored value that is not
    // a number in range is reported, not silently replaced.
    static Result<qint64> integer(Database &database, const IntegerSetting &setting);
    static Result<qint64> integer(QSqlDatabase &db, const IntegerSetting &setting);
    // The period of a recurring housekeeping job type ("housekeeping.TYPE.period_seconds").
    static Result<qint64> periodSeconds(Database &database, const QString &jobType, qint64 defaultSeconds);
    // Stores a value inside the caller's transaction.
    static Result<void> set(QSqlDatabase &db, const Dialect &dialect, const QString &name,
                            const QString &value, const QString &actor);
};

} // namespace Cohort
