// NodeLinks: what each node's health probes of its peers found (node_links): reachable or
// not, the round-trip time and the last error, stamped with the database's clock. The
// nodes write it; the console's network map draws it.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

#include <optional>

namespace Cohort {

// One probe of one peer, as the prober saw it.
struct ProbeResult
{
    QString toNode; // the peer's GUID
    bool reachable = false;
    std::optional<double> rttMs; // set when the peer answered
    QString error;               // why not reachable; empty when it was

    friend bool operator==(const ProbeResult &, const ProbeResult &) = default;
};

// The latest probe from one node to another.
struct NodeLink
{
    QString fromNode;
    QString toNode;
    bool reachable = false;
    std::optional<double> rttMs;
    QString lastError;
    qint64 probedAt = 0; // database time

    friend bool operator==(const NodeLink &, const NodeLink &) = default;
};

class NodeLinks
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeLinks)

public:
    // Stores one round of fromNode's probes in one transaction (insert or update per
    // peer), stamped with the database's time. Probes of unknown or decommissioned
    // nodes are dropped.
    static Result<void> record(Database &database, const QString &fromNode, const QList<ProbeResult> &probes);

    // Every stored link between two nodes that are not decommissioned, ordered by
    // (fromNode, toNode).
    static Result<QList<NodeLink>> list(Database &database);
};

} // namespace Cohort
