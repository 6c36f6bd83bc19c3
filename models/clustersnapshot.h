// ClusterSnapshot: everything one polling round read from the database, handed from the
// worker thread to the GUI thread as a plain value.
#pragma once

#include "alerts.h"
#include "authentication.h"
#include "auditlog.h"
#include "noderegistry.h"
#include "systemsettings.h"

#include <QHash>
#include <QList>
#include <QMetaType>

namespace Cohort {

// Jobs per minute of one node over the last hour, oldest first.
struct NodeActivity
{
    qint64 fromMs = 0; // the first minute
    QList<qint64> perMinute;
};

struct ClusterSnapshot
{
    qint64 databaseTime = 0; // when the round read it, database clock
    qint64 readMs = 0;       // how long the round took on the worker thread
    QList<NodeInfo> nodes;
    QList<AlertRow> alerts;
    QList<AuditEntry> audit; // matching the current audit filter
    SystemSettings settings;
    QString settingsError; // a stored setting that is not valid (settings then holds the defaults)
    QHash<QString, NodeActivity> activity; // for the nodes whose activity is watched
};

} // namespace Cohort

Q_DECLARE_METATYPE(Cohort::ClusterSnapshot)
Q_DECLARE_METATYPE(Cohort::UserSession)
Q_DECLARE_METATYPE(Cohort::AuditFilter)
Q_DECLARE_METATYPE(Cohort::SystemSettings)
