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

    friend bool operator==(const AuditEntry &, const AuditEntry &) = default;
};

// What the Audit Log page asks for; empty fields do not filter.
struct AuditFilter
{
    QString actor;     // exact user name
    QString action;    // prefix: "node." matches "node.decommission"
    qint64 fromMs = 0; // at >= fromMs (0: no lower bound)
    qint64 toMs = 0;   // at < toMs (0: no upper bound)
    int limit = 1000;
    QString target; // exact target (cohortctl audit --target)
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
    // Newest first, matching the filter.
    static Result<QList<AuditEntry>> query(Database &database, const AuditFilter &filter);
};

} // namespace Cohort
