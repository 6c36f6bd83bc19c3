// Dialect: every piece of SQL that differs between SQLite and PostgreSQL, in one place.
// Everything else Cohort sends is plain SQL that both accept.
#pragma once

#include "databaseurl.h"
#include "result.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QStringList>

#include <memory>

namespace Cohort {

class Dialect
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Dialect)

public:
    enum class UpsertMode {
        Replace,    // the new row's values overwrite the old ones
        Accumulate, // the new row's values are added to the old ones
    };

    virtual ~Dialect() = default;
    static std::unique_ptr<Dialect> create(Backend backend);

    virtual Backend backend() const = 0;
    virtual QString driverName() const = 0;

    // An expression for the database's clock in milliseconds since the epoch. Liveness is
    // decided by the database's clock, never by a node's.
    virtual QString nowMillis() const = 0;

    // Column types used by the schema's DDL.
    virtual QString identityPrimaryKey() const = 0;
    virtual QString bigint() const = 0;
    virtual QString doubleType() const = 0;

    // Prepares a freshly opened connection (journal mode, time zone, ...).
    virtual Result<void> initializeConnection(QSqlDatabase &db) const = 0;

    // Opens a transaction that holds the cluster-wide migration lock until it ends:
    // a PostgreSQL transaction-scoped advisory lock, or an exclusive SQLite transaction.
    // Waits up to waitSeconds for the lock (another process is migrating or writing), and
    // on PostgreSQL as long for each table lock the migration needs; then fails and says
    // which lock it waited for.
    virtual Result<void> beginMigration(QSqlDatabase &db, int waitSeconds) const = 0;
    // Opens a transaction that intends to write: SQLite takes its write lock now rather
    // than failing on upgrade later; PostgreSQL just begins.
    virtual Result<void> beginWrite(QSqlDatabase &db) const = 0;
    Result<void> commit(QSqlDatabase &db) const;
    void rollback(QSqlDatabase &db) const;

    Result<bool> tableExists(QSqlDatabase &db, const QString &table) const;
    // Cohort's and anyone else's tables in the database, sorted.
    Result<QStringList> tables(QSqlDatabase &db) const;

    // Claims up to :limit queued pool jobs for :node (while it is Online in run
    // :incarnation) in one statement, oldest first within
    // priority; returns id, type, payload, attempts, claim_epoch. On PostgreSQL concurrent
    // claimers skip each other's rows; on SQLite run it inside beginWrite(). Also returns
    // max_attempts, sixth.
    virtual QString claimJobs() const = 0;

    // A subquery that turns one bound JSON array of objects into rows. columns are
    // "name type" pairs (types: bigint, text), e.g. {"id bigint", "error text"}.
    virtual QString jsonRecords(const QStringList &columns) const = 0;

    // Wakes the listeners of a channel (channel, payload bound); empty where the database
    // has no notifications (SQLite), and the listeners poll.
    virtual QString notify() const = 0;
    bool hasNotifications() const { return !notify().isEmpty(); }

    // Appended to a SELECT to lock its rows until the transaction ends (PostgreSQL);
    // empty on SQLite, whose write transaction already excludes every other writer.
    virtual QString forUpdate() const = 0;

    // INSERT ... ON CONFLICT (keys) DO UPDATE, with ? placeholders for keys then values.
    QString upsert(const QString &table, const QStringList &keys, const QStringList &values,
                   UpsertMode mode) const;

protected:
    // Lists the tables' names, sorted; no values.
    virtual QString listTablesSql() const = 0;
    Result<void> execute(QSqlDatabase &db, const QString &sql) const;
};

} // namespace Cohort
