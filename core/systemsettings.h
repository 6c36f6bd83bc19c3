// SystemSettings: the cluster-wide settings an administrator edits on the console's
// System Settings page, validated in one place for the page and for core.
#pragma once

#include "clustersettings.h"
#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

namespace Setting {
// Nodes record a heartbeat this often...
inline constexpr IntegerSetting HeartbeatSeconds{u"nodes.heartbeat_seconds", 10, 1, 3600};
// ... and a node silent this long is marked Offline by its peers (at least two heartbeats).
inline constexpr IntegerSetting OfflineAfterSeconds{u"nodes.offline_after_seconds", 180, 2, 86400};
// A node whose clock is further than this from the database's raises Manager Time Out of Sync.
inline constexpr IntegerSetting TimeToleranceSeconds{u"time.tolerance_seconds", 30, 1, 3600};
} // namespace Setting

struct SystemSettings
{
    enum class Field { LoadBalancerAddress, HeartbeatSeconds, OfflineAfterSeconds, TimeToleranceSeconds };
    static constexpr int FieldCount = 4;
    struct Problem
    {
        Field field;
        QString message; // one sentence, translated, to show beside the field
    };

    // host:port (or [v6]:port) agents connect to; empty: agents use the managers' own addresses.
    QString loadBalancerAddress;
    qint64 heartbeatSeconds = Setting::HeartbeatSeconds.defaultValue;
    qint64 offlineAfterSeconds = Setting::OfflineAfterSeconds.defaultValue;
    qint64 timeToleranceSeconds = Setting::TimeToleranceSeconds.defaultValue;

    // Every problem with these values (empty when they may be saved): out-of-range
    // numbers, an offline threshold under two heartbeats, a malformed address or port.
    QList<Problem> problems() const;

    static Result<SystemSettings> load(Database &database);
    static Result<SystemSettings> load(QSqlDatabase &db);
};

QString systemSettingName(SystemSettings::Field field); // the cluster_settings name

} // namespace Cohort
