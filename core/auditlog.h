// AuditLog: who did what to the cluster, and when (database time). Written in the
// same transaction as the change it records.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

struct AuditEntry
{
    qint64 id = 0;
    qint64 at = 0;
    QString actor;
    QString action;
    QString target;
    QString details;
};

class AuditLog
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AuditLog)

public:
    static Result<void> record(QSqlDatabase &db, const Dialect &dialect, const QString &actor,
                               const QString &action, const QString &target = {},
                               const QString &details = {});
    // Newest first.
    static Result<QList<AuditEntry>> recent(Database &database, int limit);
};

} // namespace Cohort
