// Alerts: conditions an administrator should see (a node went offline, clocks out of
// sync, agents silent). Raised by nodes in the transaction that found the condition.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

namespace AlertKind {
inline const QString NodeOffline = QStringLiteral("node-offline");
inline const QString TimeOutOfSync = QStringLiteral("manager-time-out-of-sync");
inline const QString UpgradeRequired = QStringLiteral("upgrade-required");
inline const QString AgentsOffline = QStringLiteral("agents-offline");
inline const QString SecretOutdated = QStringLiteral("local-secret-outdated");
} // namespace AlertKind

struct AlertRow
{
    qint64 id = 0;
    QString kind;
    QString severity;
    QString nodeGuid;
    QString message;
    qint64 raisedAt = 0;
    qint64 acknowledgedAt = 0;
    QString acknowledgedBy;
    qint64 clearedAt = 0;
    QString clearedBy;
    QString nodeName; // the node's name when the alert is about a node that still exists

    friend bool operator==(const AlertRow &, const AlertRow &) = default;
};

class Alerts
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Alerts)

public:
    enum class Severity { Info, Warning, Critical };

    // Raises an alert on db (inside the caller's transaction) unless one of the same kind
    // for the same node is still open (not cleared). Returns whether a new one was raised.
    static Result<bool> raise(QSqlDatabase &db, const Dialect &dialect, const QString &kind,
                              Severity severity, const QString &nodeGuid, const QString &message);
    // Clears the open alerts of kind for the node, inside the caller's transaction: the
    // condition is over. by names who found it so (a node GUID, "system"). Returns how many.
    static Result<int> resolve(QSqlDatabase &db, const Dialect &dialect, const QString &kind,
                               const QString &nodeGuid, const QString &by);
    // Newest first.
    static Result<QList<AlertRow>> recent(Database &database, int limit);
    // Newest first: the open ones (not cleared), or with Listed::All the cleared
    // ones too. Open alerts are few (one per kind and node); cleared ones are purged
    // after the retention period.
    enum class Listed { Open, All };
    static Result<QList<AlertRow>> list(Database &database, Listed listed);
};

} // namespace Cohort
