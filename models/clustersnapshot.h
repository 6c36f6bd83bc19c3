// ClusterSnapshot: everything one polling round read from the database, handed from the
// worker thread to the GUI thread as a plain value.
#pragma once

#include "agents.h"
#include "alerts.h"
#include "auditlog.h"
#include "authentication.h"
#include "clusterconsistency.h"
#include "configproperties.h"
#include "decommissionpreflight.h"
#include "jobstatistics.h"
#include "nodeevents.h"
#include "nodelinks.h"
#include "noderegistry.h"
#include "systemsettings.h"
#include "takeovers.h"
#include "users.h"

#include <QHash>
#include <QList>
#include <QMetaType>

#include <optional>

namespace Cohort {

// Jobs per minute of one node over the last hour, oldest first.
struct NodeActivity
{
    qint64 fromMs = 0; // the first minute
    QList<qint64> perMinute;
};

// The job statistics of the System Information page, for the period it shows.
struct StatisticsSnapshot
{
    int periodMinutes = 60;
    StatisticsWindow window;
    QList<JobCount> counts;  // per node and type
    ActivitySeries activity; // per node, in buckets (periodMinutes / 60 minutes each)
    qint64 readMs = 0;       // how long reading them took on the worker thread

    friend bool operator==(const StatisticsSnapshot &, const StatisticsSnapshot &) = default;
};

// The agents and how they spread over the nodes. An agent has gone quiet when it is
// flagged offline or its last check-in is older than agents.offline_after_seconds (the
// agent-offline-check job flags it within a minute or so; the console does not wait for it).
struct AgentsSnapshot
{
    bool available = false;           // the schema has the agents' columns (version 6)
    qint64 offlineAfterMs = 0;        // agents.offline_after_seconds
    QList<AgentRecord> agents;        // host names and addresses in clear when the data key is open
    QHash<QString, int> onlineByNode; // node GUID -> agents online and not gone quiet
    int goneQuiet = 0;

    static bool isQuiet(const AgentRecord &agent, qint64 databaseTime, qint64 offlineAfterMs)
    {
        return agent.state != u"online" || databaseTime - agent.lastCheckinMs > offlineAfterMs;
    }
};

struct ClusterSnapshot
{
    qint64 databaseTime = 0; // when the round read it, database clock
    qint64 readMs = 0;       // how long the round took on the worker thread
    QList<NodeInfo> nodes;
    QString clusterVersion; // the software version the cluster runs
    QList<AlertRow> alerts;
    QList<AuditEntry> audit; // matching the current audit filter
    SystemSettings settings;
    QString settingsError; // a stored setting that is not valid (settings then holds the defaults)
    QHash<QString, NodeActivity> activity; // for the nodes whose activity is watched
    QList<NodeLink> links;                 // the peers' probes, while the network map is watched
    // Read every few seconds while the System Information page is watched; a round in
    // between keeps the last one.
    std::optional<StatisticsSnapshot> statistics;

    // Users, and the secret properties: in clear when this session opened the data key
    // (an administrator holding a copy of it), sealed otherwise; dataKeyNote says why not.
    QList<UserRecord> users;
    QList<ConfigPropertyValue> secretProperties;
    bool dataKeyOpen = false;
    QString dataKeyNote;
    QString sealedDataError; // a sealed value that does not open (tampered, moved)
    AgentsSnapshot agents;
    // While the Consistency page is shown (watchConsistency), each round checks the nodes
    // against the cluster; the error, if that check failed (the rest of the round stands).
    std::optional<ConsistencyReport> consistency;
    QString consistencyError;
};

} // namespace Cohort

Q_DECLARE_METATYPE(Cohort::ClusterSnapshot)
Q_DECLARE_METATYPE(Cohort::UserSession)
Q_DECLARE_METATYPE(Cohort::AuditFilter)
Q_DECLARE_METATYPE(Cohort::SystemSettings)
Q_DECLARE_METATYPE(Cohort::FinishedJobsFilter)
Q_DECLARE_METATYPE(Cohort::JobRow)
Q_DECLARE_METATYPE(Cohort::NodeEvent)
Q_DECLARE_METATYPE(Cohort::Takeover)
Q_DECLARE_METATYPE(Cohort::DecommissionPlan)
