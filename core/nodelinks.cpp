#include "nodelinks.h"

#include "sqlerror.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// A probe may name any GUID a peer list once held: only nodes still in the cluster get a
// link (node_links references nodes, and a decommissioned node's links were deleted with it).
const QString SelectMembers = u"SELECT guid FROM nodes WHERE state <> ?"_s;
const QString Decommissioned = u"decommissioned"_s;

const QString SelectLinks = uR"(
    SELECT l.from_node, l.to_node, l.reachable, l.rtt_ms, l.last_error, l.probed_at
      FROM node_links l
      JOIN nodes f ON f.guid = l.from_node
      JOIN nodes t ON t.guid = l.to_node
     WHERE f.state <> ? AND t.state <> ?
     ORDER BY l.from_node, l.to_node)"_s;

} // namespace

Result<void> NodeLinks::record(Database &database, const QString &fromNode, const QList<ProbeResult> &probes)
{
    if (probes.isEmpty())
        return {};
    const QString upsert = database.dialect().upsert(
        u"node_links"_s, {u"from_node"_s, u"to_node"_s},
        {u"reachable"_s, u"rtt_ms"_s, u"last_error"_s, u"probed_at"_s}, Dialect::UpsertMode::Replace);
    const QString nowSql = u"SELECT "_s + database.dialect().nowMillis();
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        auto members = execQuery(db, SelectMembers, {Decommissioned}, tr("reading the cluster's nodes"));
        if (!members)
            return members.error();
        QSet<QString> known;
        while (members->next())
            known.insert(members->value(0).toString());
        // A node decommissioned while its last round was out records nothing.
        if (!known.contains(fromNode))
            return {};

        auto now = execQuery(db, nowSql, {}, tr("reading the database clock"));
        if (!now)
            return now.error();
        const qint64 probedAt = now->next() ? now->value(0).toLongLong() : 0;

        // One statement prepared once for the round, bound per peer.
        QSqlQuery store(db);
        if (!store.prepare(upsert))
            return sqlError(store, tr("storing the probes of node %1").arg(fromNode));
        for (const ProbeResult &probe : probes) {
            if (probe.toNode == fromNode || !known.contains(probe.toNode))
                continue;
            store.bindValue(0, fromNode);
            store.bindValue(1, probe.toNode);
            store.bindValue(2, probe.reachable ? 1 : 0);
            store.bindValue(3,
                            probe.rttMs ? QVariant(*probe.rttMs) : QVariant(QMetaType::fromType<double>()));
            // last_error is NOT NULL: a null QString would bind as NULL.
            store.bindValue(4, probe.error.isNull() ? u""_s : probe.error);
            store.bindValue(5, probedAt);
            if (!store.exec())
                return sqlError(store,
                                tr("storing the probe from node %1 to node %2").arg(fromNode, probe.toNode));
        }
        return {};
    });
}

Result<QList<NodeLink>> NodeLinks::list(Database &database)
{
    auto query =
        database.exec(SelectLinks, {Decommissioned, Decommissioned}, tr("reading the links between nodes"));
    if (!query)
        return query.error();
    QList<NodeLink> links;
    while (query->next()) {
        NodeLink link;
        link.fromNode = query->value(0).toString();
        link.toNode = query->value(1).toString();
        link.reachable = query->value(2).toInt() != 0;
        if (!query->value(3).isNull())
            link.rttMs = query->value(3).toDouble();
        link.lastError = query->value(4).toString();
        link.probedAt = query->value(5).toLongLong();
        links.append(link);
    }
    return links;
}

} // namespace Cohort
