#include "auditlog.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString InsertEntry = u"INSERT INTO audit_log (at, actor, action, target, details) VALUES (%1, ?, ?, ?, ?)"_s;
const QString SelectRecent = u"SELECT id, at, actor, action, target, details FROM audit_log ORDER BY id DESC LIMIT ?"_s;

} // namespace

Result<void> AuditLog::record(QSqlDatabase &db, const Dialect &dialect, const QString &actor,
                              const QString &action, const QString &target, const QString &details)
{
    auto inserted = execQuery(db, InsertEntry.arg(dialect.nowMillis()), {actor, action, target, details},
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
    while (query->next()) {
        entries.append({query->value(0).toLongLong(), query->value(1).toLongLong(),
                        query->value(2).toString(), query->value(3).toString(),
                        query->value(4).toString(), query->value(5).toString()});
    }
    return entries;
}

} // namespace Cohort
