#include "auditlog.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString InsertEntry =
    u"INSERT INTO audit_log (at, actor, action, target, details) VALUES (%1, ?, ?, ?, ?)"_s;
const QString SelectRecent =
    u"SELECT id, at, actor, action, target, details FROM audit_log ORDER BY id DESC LIMIT ?"_s;

// AuditLog::query: %1 is " WHERE " and the conditions joined by " AND ", or empty.
const QString SelectFiltered =
    u"SELECT id, at, actor, action, target, details FROM audit_log%1 ORDER BY id DESC LIMIT ?"_s;
const QString ByActor = u"actor = ?"_s;
// LIKE ignores case for ASCII on SQLite (not on PostgreSQL); the substr comparison makes
// the prefix exact on both. The LIKE pattern is the escaped prefix followed by '%'.
const QString ByActionPrefix = u"action LIKE ? ESCAPE '\\' AND substr(action, 1, ?) = ?"_s;
const QString ByTarget = u"target = ?"_s;
const QString From = u"at >= ?"_s;
const QString Before = u"at < ?"_s;

// The user's text as the start of a LIKE pattern: its wildcards match only themselves.
QString likePrefix(const QString &text)
{
    QString escaped = text;
    escaped.replace(u'\\', u"\\\\"_s).replace(u'%', u"\\%"_s).replace(u'_', u"\\_"_s);
    return escaped + u'%';
}

AuditEntry readEntry(const QSqlQuery &query)
{
    return {query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toString(),
            query.value(3).toString(),   query.value(4).toString(),   query.value(5).toString()};
}

} // namespace

Result<void> AuditLog::record(QSqlDatabase &db, const Dialect &dialect, const QString &actor,
                              const QString &action, const QString &target, const QString &details)
{
    // The columns are NOT NULL, and a null QString binds as NULL: none (no details) is empty.
    const auto text = [](const QString &value) { return value.isNull() ? u""_s : value; };
    auto inserted =
        execQuery(db, InsertEntry.arg(dialect.nowMillis()), {actor, action, text(target), text(details)},
                  tr("recording %1 in the audit log").arg(action));
    if (!inserted)
        return inserted.error();
    return {};
}

Result<QList<AuditEntry>> AuditLog::recent(Database &database, int limit)
{
    auto query = database.exec(SelectRecent, {limit}, tr("reading the audit log"));
    if (!query)
        return query.error();
    QList<AuditEntry> entries;
    while (query->next())
        entries.append(readEntry(*query));
    return entries;
}

Result<QList<AuditEntry>> AuditLog::query(Database &database, const AuditFilter &filter)
{
    if (filter.limit <= 0)
        return makeError(ErrorCode::InvalidArgument,
                         tr("The audit log can only be read a positive number of entries at a time, not %1.")
                             .arg(filter.limit));
    QStringList conditions;
    QVariantList values;
    if (!filter.actor.isEmpty()) {
        conditions << ByActor;
        values << filter.actor;
    }
    if (!filter.action.isEmpty()) {
        conditions << ByActionPrefix;
        // Characters as the database counts them: code points, not UTF-16 units.
        values << likePrefix(filter.action) << qint64(filter.action.toUcs4().size()) << filter.action;
    }
    if (!filter.target.isEmpty()) {
        conditions << ByTarget;
        values << filter.target;
    }
    if (filter.fromMs > 0) {
        conditions << From;
        values << filter.fromMs;
    }
    if (filter.toMs > 0) {
        conditions << Before;
        values << filter.toMs;
    }
    values << filter.limit;
    const QString where = conditions.isEmpty() ? QString() : u" WHERE "_s + conditions.join(u" AND "_s);
    auto query = database.exec(SelectFiltered.arg(where), values, tr("searching the audit log"));
    if (!query)
        return query.error();
    QList<AuditEntry> entries;
    while (query->next())
        entries.append(readEntry(*query));
    return entries;
}

} // namespace Cohort
