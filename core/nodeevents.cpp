#include "nodeevents.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString InsertEvent = uR"(
    INSERT INTO node_events (node_guid, at, kind, actor, actor_name, details, takeover_id)
    VALUES (?, %1, ?, ?, ?, ?, ?))"_s;
const QString InsertEventOfKnownNode = uR"(
    INSERT INTO node_events (node_guid, at, kind, actor, actor_name, details)
    SELECT guid, %1, ?, ?, ?, ? FROM nodes WHERE guid = ?)"_s;
const QString SelectEvents = uR"(
    SELECT id, node_guid, at, kind, actor, actor_name, details, COALESCE(takeover_id, 0)
      FROM node_events WHERE node_guid = ? ORDER BY at, id)"_s;

QString text(const QString &value)
{
    return value.isNull() ? u""_s : value;
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
QByteArray csvField(const QString &value)
{
    QByteArray utf8 = value.toUtf8();
    if (!utf8.contains(',') && !utf8.contains('"') && !utf8.contains('\n') && !utf8.contains('\r'))
        return utf8;
    utf8.replace('"', "\"\"");
    return '"' + utf8 + '"';
}

} // namespace

Result<void> NodeEvents::record(QSqlDatabase &db, const Dialect &dialect, const NodeEvent &event)
{
    const QVariant takeover =
        event.takeoverId > 0 ? QVariant(event.takeoverId) : QVariant(QMetaType::fromType<qint64>());
    auto inserted = execQuery(
        db, InsertEvent.arg(dialect.nowMillis()),
        {event.nodeGuid, event.kind, text(event.actor), text(event.actorName), text(event.details), takeover},
        tr("recording the event %1 of node %2").arg(event.kind, event.nodeGuid));
    if (!inserted)
        return inserted.error();
    return {};
}

Result<bool> NodeEvents::recordIfKnown(Database &database, const NodeEvent &event)
{
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<bool> {
        auto inserted = execQuery(
            db, InsertEventOfKnownNode.arg(dialect.nowMillis()),
            {event.kind, text(event.actor), text(event.actorName), text(event.details), event.nodeGuid},
            tr("recording the event %1 of node %2").arg(event.kind, event.nodeGuid));
        if (!inserted)
            return inserted.error();
        return inserted->numRowsAffected() == 1;
    });
}

Result<QList<NodeEvent>> NodeEvents::list(Database &database, const QString &nodeGuid)
{
    auto query = database.exec(SelectEvents, {nodeGuid}, tr("reading the timeline of node %1").arg(nodeGuid));
    if (!query)
        return query.error();
    QList<NodeEvent> events;
    while (query->next()) {
        NodeEvent event;
        event.id = query->value(0).toLongLong();
        event.nodeGuid = query->value(1).toString();
        event.at = query->value(2).toLongLong();
        event.kind = query->value(3).toString();
        event.actor = query->value(4).toString();
        event.actorName = query->value(5).toString();
        event.details = query->value(6).toString();
        event.takeoverId = query->value(7).toLongLong();
        events.append(event);
    }
    return events;
}

QByteArray NodeEvents::toCsv(const QList<NodeEvent> &events)
{
    QByteArray csv = "id,node_guid,at,at_ms,kind,actor,actor_name,details,takeover_id\r\n";
    for (const NodeEvent &event : events) {
        const QList<QByteArray> fields = {QByteArray::number(event.id),
                                          csvField(event.nodeGuid),
                                          isoTime(event.at).toUtf8(),
                                          QByteArray::number(event.at),
                                          csvField(event.kind),
                                          csvField(event.actor),
                                          csvField(event.actorName),
                                          csvField(event.details),
                                          event.takeoverId > 0 ? QByteArray::number(event.takeoverId)
                                                               : QByteArray()};
        csv += fields.join(',') + "\r\n";
    }
    return csv;
}

QByteArray NodeEvents::toJson(const QList<NodeEvent> &events)
{
    QJsonArray array;
    for (const NodeEvent &event : events) {
        QJsonObject object{{u"id"_s, event.id},
                           {u"node_guid"_s, event.nodeGuid},
                           {u"at"_s, isoTime(event.at)},
                           {u"at_ms"_s, event.at},
                           {u"kind"_s, event.kind},
                           {u"actor"_s, event.actor},
                           {u"actor_name"_s, event.actorName},
                           {u"details"_s, event.details}};
        object.insert(u"takeover_id"_s, event.takeoverId > 0 ? QJsonValue(event.takeoverId) : QJsonValue());
        array.append(object);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

QString NodeEvents::describeKind(const QString &kind)
{
    if (kind == NodeEventKind::Joined)
        return tr("Joined the cluster");
    if (kind == NodeEventKind::Online)
        return tr("Online", "timeline event");
    if (kind == NodeEventKind::Stopped)
        return tr("Stopped", "timeline event");
    if (kind == NodeEventKind::Offline)
        return tr("Marked Offline");
    if (kind == NodeEventKind::JobsHandedBack)
        return tr("Jobs handed back");
    if (kind == NodeEventKind::UpgradeRequired)
        return tr("Upgrade required");
    if (kind == NodeEventKind::SecretRefused)
        return tr("Local secret refused");
    if (kind == NodeEventKind::CloneRefused)
        return tr("Clone refused");
    if (kind == NodeEventKind::Draining)
        return tr("Draining", "timeline event");
    if (kind == NodeEventKind::Drained)
        return tr("Drained", "timeline event");
    if (kind == NodeEventKind::Resumed)
        return tr("Resumed", "timeline event");
    if (kind == NodeEventKind::Decommissioned)
        return tr("Decommissioned", "timeline event");
    return kind;
}

} // namespace Cohort
