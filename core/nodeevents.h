// NodeEvents: the timeline of every node, in node_events. Each change in a node's life
// (it joined for the first time, came online, went offline and who marked it, handed
// jobs back, was refused or told to upgrade, drained, resumed, was decommissioned) is one
// row, written in the same transaction as the change it records, stamped with the
// database's clock, and kept for the cluster's retention (purge-old-records).
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

namespace NodeEventKind {
inline const QString Joined = QStringLiteral("joined");   // the GUID's first run
inline const QString Online = QStringLiteral("online");   // every run that joined
inline const QString Stopped = QStringLiteral("stopped"); // left gracefully
inline const QString Offline = QStringLiteral("offline"); // a peer declared it dead (actor: the peer)
inline const QString JobsHandedBack = QStringLiteral("jobs-handed-back");
inline const QString UpgradeRequired = QStringLiteral("upgrade-required");
inline const QString SecretRefused = QStringLiteral("secret-refused");
inline const QString CloneRefused = QStringLiteral("clone-refused");
inline const QString Draining = QStringLiteral("draining");
inline const QString Drained = QStringLiteral("drained");
inline const QString Resumed = QStringLiteral("resumed");
inline const QString Decommissioned = QStringLiteral("decommissioned");
} // namespace NodeEventKind

struct NodeEvent
{
    qint64 id = 0;
    QString nodeGuid;
    qint64 at = 0; // database time
    QString kind;
    QString actor;     // a node's GUID, or who acted ("cohortctl:root", a console user)
    QString actorName; // the acting node's name; empty for a person
    QString details;
    qint64 takeoverId = 0; // an offline event's takeover report; 0: none

    friend bool operator==(const NodeEvent &, const NodeEvent &) = default;
};

class NodeEvents
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeEvents)

public:
    // Inside the caller's transaction. Fields other than nodeGuid and kind may be empty.
    static Result<void> record(QSqlDatabase &db, const Dialect &dialect, const NodeEvent &event);
    // In a transaction of its own, for events whose cause wrote nothing else (a refusal),
    // and only for a node the cluster knows. Returns whether it was recorded.
    static Result<bool> recordIfKnown(Database &database, const NodeEvent &event);
    // One node's events, oldest first.
    static Result<QList<NodeEvent>> list(Database &database, const QString &nodeGuid);

    // What the CLI and the console export: one header line, then one line per event
    // (RFC 4180 quoting), times in UTC ISO 8601 with milliseconds.
    static QByteArray toCsv(const QList<NodeEvent> &events);
    static QByteArray toJson(const QList<NodeEvent> &events);
    // A line for people: "kind by actor: details".
    static QString describeKind(const QString &kind);
};

} // namespace Cohort
