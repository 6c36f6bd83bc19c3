// DecommissionPreflight: what decommissioning a node will change, shown before it can be
// confirmed (the console's Properties dialog, "cohortctl decommission --dry-run") and
// gathered again inside the decommission's own transaction, which acts on it: the agents
// whose last check-in went to the node (they move to the manager list without it, whose
// version is given), the local job runs recorded for it (running ones end), the open
// alerts about it (cleared, by whoever decommissions it), and whatever stops it (a node
// that is Online, or already decommissioned).
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>
#include <QJsonObject>

namespace Cohort {

struct PreflightAgent
{
    QString guid;
    qint64 lastCheckin = 0; // database time
    QString state;          // online, offline
    QString listVersion;    // the manager list it holds now

    friend bool operator==(const PreflightAgent &, const PreflightAgent &) = default;
};

struct PreflightAlert
{
    qint64 id = 0;
    QString kind;
    QString message;

    friend bool operator==(const PreflightAlert &, const PreflightAlert &) = default;
};

struct DecommissionPlan
{
    QString nodeGuid;
    QString nodeName;
    QString nodeState;
    QList<PreflightAgent> agents;
    QString currentListVersion; // what agents are given now
    QString nextListVersion;    // what they are given once the node is decommissioned
    int localRuns = 0;          // local job runs recorded for the node
    int runningLocalRuns = 0;   // of those, still running (they end)
    QList<PreflightAlert> alerts;
    QString blocker; // non-empty: it cannot be decommissioned now, and why

    bool allowed() const { return blocker.isEmpty(); }
    // One line per change, for people.
    QStringList describe() const;
    QJsonObject toJson() const;

    friend bool operator==(const DecommissionPlan &, const DecommissionPlan &) = default;
};

class DecommissionPreflight
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::DecommissionPreflight)

public:
    // The plan for the node (GUID or unique name).
    static Result<DecommissionPlan> check(Database &database, const QString &node);
    // The same on db, inside the caller's transaction (the decommission's), for a node
    // already found.
    static Result<DecommissionPlan> gather(QSqlDatabase &db, const QString &guid, const QString &name,
                                           const QString &state);
};

} // namespace Cohort
