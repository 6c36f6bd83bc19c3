// The console benchmarks' cluster contents: manager nodes joined through the real
// NodeRegistry (most Online, some Offline, a few too old: Offline (Upgrade Required)),
// per-minute job statistics for each, jobs running on some of them and, for the System
// Information page, the peers' probes of each other, so the console's queries have the
// work they have in a busy cluster.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "nodelinks.h"
#include "noderegistry.h"
#include "result.h"

#include <QList>
#include <QString>

namespace Cohort::Bench {

struct SeededNode
{
    QString guid;
    QString name;
    QString incarnation;       // empty: not Online
    QList<ClaimedJob> running; // jobs this node holds
};

// What to put in job_stats: one row per minute, node and type.
struct StatisticsPlan
{
    QStringList jobTypes;
    int minutes = 60; // per-minute rows of the last hour and before, from the current minute back
    // Nodes that are not Online finished nothing in the last 20 minutes (they stopped then).
    bool stoppedNodesIdle = true;
    // When above 0, the last hour's rows (succeeded + failed) add up to exactly this.
    qint64 lastHourJobs = 0;
};

struct SeedPlan
{
    int nodes = 200;
    StatisticsPlan statistics;
    bool links = false; // every Online node's probes of every other Online node
};

struct Seed
{
    QList<SeededNode> nodes; // by name
    int online = 0;
    int offline = 0;
    int upgradeRequired = 0;
    QStringList jobTypes;
    qint64 statsRows = 0;
    qint64 lastHourJobs = 0; // succeeded + failed in the last hour's rows
    int runningJobs = 0;
    int alerts = 0;
    int links = 0;
    int unreachableLinks = 0;

    QString describe() const;
};

// The Manager Nodes benchmark's cluster: nodeCount nodes, an hour of statistics of three
// job types.
SeedPlan consoleSeedPlan(int nodeCount);

// jobTypes job type names: the registry's own first, then made-up ones.
QStringList seededJobTypes(int jobTypes);

// How seeded node `index` joins (and rejoins): its address, host, process, a new incarnation.
NodeJoin seededJoinRequest(int index, const SeededNode &node, const QString &version);

// Fills a new cluster's database as plan says.
Result<Seed> seedCluster(Database &database, const SeedPlan &plan);

// One round of the probes node `from` (an index into nodes) makes of every other Online
// node, as its PeerProber records them. The same peers fail every round (one node no peer
// reaches, a few pairs); on odd rounds the probe of node `flipping` (-1: none) fails too.
QList<ProbeResult> probeRound(const QList<SeededNode> &nodes, int from, int round, int flipping = -1);

} // namespace Cohort::Bench
