// ClusterConsistency: the consistency grid. For every node that is not decommissioned,
// the values that must agree across the cluster (software version, schema version, the
// data key it unwrapped, time zone, clock offset to the database, the hash of its shared
// settings, its API certificate) and, for each value that differs from the cluster's,
// why. What the console's Consistency page and "cohortctl health" show.
#pragma once

#include "database.h"
#include "noderegistry.h"
#include "result.h"

#include <QCoreApplication>
#include <QJsonObject>

#include <array>

namespace Cohort {

enum class ConsistencyField {
    Version,
    SchemaVersion,
    DataKey,
    TimeZone,
    ClockOffset,
    ConfigHash,
    Certificate
};
inline constexpr int ConsistencyFieldCount = 7;

struct ConsistencyValue
{
    QString value; // as shown (a key or hash shortened; never key material)
    bool mismatch = false;
    QString reason; // why it differs from the cluster's; empty when it does not

    friend bool operator==(const ConsistencyValue &, const ConsistencyValue &) = default;
};

struct NodeConsistency
{
    QString guid;
    QString name;
    NodeStatus status = NodeStatus::Offline;
    std::array<ConsistencyValue, ConsistencyFieldCount> values;

    const ConsistencyValue &value(ConsistencyField field) const { return values.at(size_t(field)); }
    int mismatches() const;

    friend bool operator==(const NodeConsistency &, const NodeConsistency &) = default;
};

// What the nodes are compared with.
struct ClusterReference
{
    QString softwareVersion; // cluster.software_version
    int schemaVersion = 0;   // the database's
    QString keyCheck;        // cluster.key_check
    QString databaseZone;    // PostgreSQL: its TimeZone; SQLite: the machine's
    qint64 toleranceMs = 30000;
    qint64 nowMs = 0; // database time, for comparing zones

    friend bool operator==(const ClusterReference &, const ClusterReference &) = default;
};

struct ConsistencyReport
{
    ClusterReference reference;
    QString configHash; // the one most nodes share; empty when no set is the majority
    QList<NodeConsistency> nodes;

    int mismatches() const;
    bool consistent() const { return mismatches() == 0; }
    // One line: "All 3 nodes agree: ..." or how many values differ on how many nodes.
    QString summary() const;
    QJsonObject toJson() const;

    friend bool operator==(const ConsistencyReport &, const ConsistencyReport &) = default;
};

class ClusterConsistency
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ClusterConsistency)

public:
    static Result<ConsistencyReport> check(Database &database);
    // The comparison itself, without the database (nodes as NodeRegistry::list gives them).
    static ConsistencyReport evaluate(const QList<NodeInfo> &nodes, const ClusterReference &reference);

    static QString fieldTitle(ConsistencyField field); // "Version", "Time zone", ...
    static QString fieldKey(ConsistencyField field);   // "version", "time_zone", ... (JSON)
    // The first 12 hex digits of a check value or fingerprint, as shown.
    static QString shortened(const QString &hex);
};

} // namespace Cohort
