// The console benchmark's cluster contents: manager nodes joined through the real
// NodeRegistry (most Online, some Offline, a few too old: Offline (Upgrade Required)),
// an hour of per-minute job statistics for each, and jobs running on some of them, so
// the Manager Nodes query has the work it has in a busy cluster.
#pragma once

#include "database.h"
#include "jobpool.h"
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

struct Seed
{
    QList<SeededNode> nodes; // by name
    int online = 0;
    int offline = 0;
    int upgradeRequired = 0;
    qint64 statsRows = 0;
    int runningJobs = 0;
    int alerts = 0;

    QString describe() const;
};

// The job types the statistics are spread over.
QStringList seededJobTypes();

// Fills a new cluster's database with nodeCount nodes and their activity.
Result<Seed> seedCluster(Database &database, int nodeCount);

} // namespace Cohort::Bench
