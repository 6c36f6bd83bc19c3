#include "alerts.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString SelectOpen =
    u"SELECT COUNT(*) FROM alerts WHERE kind = ? AND COALESCE(node_guid, '') = ? AND cleared_at IS NULL"_s;
// %1: the database clock.
const QString Insert =
    u"INSERT INTO alerts (kind, severity, node_guid, message, raised_at) VALUES (?, ?, ?, ?, %1)"_s;
// %1: the database clock.
const QString Resolve = uR"(
    UPDATE alerts SET cleared_at = %1, cleared_by = ?
     WHERE kind = ? AND COALESCE(node_guid, '') = ? AND cleared_at IS NULL)"_s;
// %1: a condition, or nothing; %2: a limit, or nothing.
const QString SelectAlerts = uR"(
    SELECT a.id, a.kind, a.severity, COALESCE(a.node_guid, ''), a.message, a.raised_at,
           COALESCE(a.acknowledged_at, 0), COALESCE(a.acknowledged_by, ''),
           COALESCE(a.cleared_at, 0), COALESCE(a.cleared_by, ''), COALESCE(n.name, '')
      FROM alerts a LEFT JOIN nodes n ON n.guid = a.node_guid%1
     ORDER BY a.id DESC%2)"_s;
const QString SelectRecent = SelectAlerts.arg(QString(), u" LIMIT ?"_s);
const QString SelectOpenAlerts = SelectAlerts.arg(u" WHERE a.cleared_at IS NULL"_s, QString());
const QString SelectAllAlerts = SelectAlerts.arg(QString(), QString());

QString severityName(Alerts::Severity severity)
{
    switch (severity) {
    case Alerts::Severity::Info:
        return u"info"_s;
    case Alerts::Severity::Warning:
        return u"warning"_s;
    case Alerts::Severity::Critical:
        return u"critical"_s;
    }
    Q_UNREACHABLE();
}

Result<QList<AlertRow>> readRows(Result<QSqlQuery> query)
{
    if (!query)
        return query.error();
    QList<AlertRow> rows;
    while (query->next()) {
        AlertRow row;
        row.id = query->value(0).toLongLong();
        row.kind = query->value(1).toString();
        row.severity = query->value(2).toString();
        row.nodeGuid = query->value(3).toString();
        row.message = query->value(4).toString();
        row.raisedAt = query->value(5).toLongLong();
        row.acknowledgedAt = query->value(6).toLongLong();
        row.acknowledgedBy = query->value(7).toString();
        row.clearedAt = query->value(8).toLongLong();
        row.clearedBy = query->value(9).toString();
        row.nodeName = query->value(10).toString();
        rows.append(row);
    }
    return rows;
}

} // namespace

Result<int> Alerts::resolve(QSqlDatabase &db, const Dialect &dialect, const QString &kind,
                            const QString &nodeGuid, const QString &by)
{
    auto cleared = execQuery(db, Resolve.arg(dialect.nowMillis()), {by, kind, nodeGuid},
                             tr("clearing the %1 alerts").arg(kind));
    if (!cleared)
        return cleared.error();
    return cleared->numRowsAffected();
}

Result<bool> Alerts::raise(QSqlDatabase &db, const Dialect &dialect, const QString &kind, Severity severity,
                           const QString &nodeGuid, const QString &message)
{
    auto open = execQuery(db, SelectOpen, {kind, nodeGuid}, tr("looking for an open %1 alert").arg(kind));
    if (!open)
        return open.error();
    if (open->next() && open->value(0).toInt() > 0)
        return false;
    auto inserted = execQuery(
        db, Insert.arg(dialect.nowMillis()),
        {kind, severityName(severity),
         nodeGuid.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(nodeGuid), message},
        tr("raising a %1 alert").arg(kind));
    if (!inserted)
        return inserted.error();
    return true;
}

Result<QList<AlertRow>> Alerts::recent(Database &database, int limit)
{
    return readRows(database.exec(SelectRecent, {limit}, tr("reading the alerts")));
}

Result<QList<AlertRow>> Alerts::list(Database &database, Listed listed)
{
    return readRows(database.exec(listed == Listed::Open ? SelectOpenAlerts : SelectAllAlerts, {},
                                  tr("reading the alerts")));
}

} // namespace Cohort
