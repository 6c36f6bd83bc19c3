#include "dialect.h"

#include "logging.h"
#include "sqlerror.h"

#include <QDeadlineTimer>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// The key of the cluster-wide PostgreSQL advisory lock that serialises migrations
// ("cohort" in ASCII).
constexpr qint64 MigrationLockKey = 0x636f686f7274;

constexpr int WalSwitchTimeoutMs = 15000;

const QString ClaimSelect = uR"(
    SELECT id FROM jobs
     WHERE state = 'queued' AND scope = 'pool' AND run_after <= %1
     ORDER BY priority DESC, id
     LIMIT :limit)"_s;

const QString ClaimUpdate = uR"(
    UPDATE jobs
       SET state = 'running', claimed_by = :node, claim_epoch = claim_epoch + 1,
           claimed_at = %1, attempts = attempts + 1
     WHERE id IN (%2)
    RETURNING id, type, payload, attempts, claim_epoch)"_s;

class SqliteDialect final : public Dialect
{
public:
    Backend backend() const override { return Backend::Sqlite; }
    QString driverName() const override { return u"QSQLITE"_s; }
    // SQLite 3.40 has no 'subsec' modifier; julianday keeps the milliseconds.
    QString nowMillis() const override
    {
        return u"CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"_s;
    }
    QString identityPrimaryKey() const override { return u"INTEGER PRIMARY KEY AUTOINCREMENT"_s; }
    QString bigint() const override { return u"INTEGER"_s; }
    QString doubleType() const override { return u"REAL"_s; }

    Result<void> initializeConnection(QSqlDatabase &db) const override
    {
        if (auto wal = enableWal(db); !wal)
            return wal;
        // NORMAL sync in WAL mode is durable across application crashes, which is what a
        // node's death is.
        for (const QString &pragma : {u"PRAGMA synchronous=NORMAL"_s, u"PRAGMA foreign_keys=ON"_s}) {
            if (auto result = execute(db, pragma); !result)
                return result;
        }
        return {};
    }

    // WAL lets readers and one writer share the file across processes. Switching a new
    // file to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY for it without
    // calling the busy handler when several processes open the file at once: retry.
    Result<void> enableWal(QSqlDatabase &db) const
    {
        QDeadlineTimer deadline(WalSwitchTimeoutMs);
        int pauseMs = 2;
        for (;;) {
            QSqlQuery query(db);
            if (query.exec(u"PRAGMA journal_mode=WAL"_s) && query.next()
                && query.value(0).toString().compare(u"wal"_s, Qt::CaseInsensitive) == 0)
                return {};
            const bool busy = query.lastError().nativeErrorCode() == u"5"_s
                              || query.lastError().databaseText().contains(u"locked"_s)
                              || query.lastError().type() == QSqlError::NoError;
            if (!busy)
                return sqlError(query, Dialect::tr("switching SQLite to WAL mode"));
            if (deadline.hasExpired())
                return makeError(ErrorCode::Unavailable,
                                 Dialect::tr("switching SQLite to WAL mode: the database stayed locked for %1 s")
                                     .arg(WalSwitchTimeoutMs / 1000));
            QThread::msleep(pauseMs);
            pauseMs = qMin(pauseMs * 2, 100);
        }
    }

    Result<void> beginMigration(QSqlDatabase &db) const override
    {
        return execute(db, u"BEGIN EXCLUSIVE"_s);
    }
    Result<void> beginWrite(QSqlDatabase &db) const override
    {
        return execute(db, u"BEGIN IMMEDIATE"_s);
    }

    Result<bool> tableExists(QSqlDatabase &db, const QString &table) const override
    {
        QSqlQuery query(db);
        query.prepare(u"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"_s);
        query.addBindValue(table);
        if (!query.exec())
            return sqlError(query, Dialect::tr("checking for table %1").arg(table));
        return query.next();
    }

    Result<QStringList> tables(QSqlDatabase &db) const override
    {
        QSqlQuery query(db);
        query.prepare(u"SELECT name FROM sqlite_master WHERE type = 'table' "
                      "AND name NOT LIKE 'sqlite_%' ORDER BY name"_s);
        if (!query.exec())
            return sqlError(query, Dialect::tr("listing tables"));
        QStringList names;
        while (query.next())
            names << query.value(0).toString();
        return names;
    }

    QString claimJobs() const override
    {
        return ClaimUpdate.arg(nowMillis(), ClaimSelect.arg(nowMillis()));
    }
};

class PostgresDialect final : public Dialect
{
public:
    Backend backend() const override { return Backend::Postgres; }
    QString driverName() const override { return u"QPSQL"_s; }
    QString nowMillis() const override
    {
        return u"(extract(epoch from clock_timestamp()) * 1000)::bigint"_s;
    }
    QString identityPrimaryKey() const override
    {
        return u"BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"_s;
    }
    QString bigint() const override { return u"BIGINT"_s; }
    QString doubleType() const override { return u"DOUBLE PRECISION"_s; }

    Result<void> initializeConnection(QSqlDatabase &db) const override
    {
        // Keep notices such as "relation already exists, skipping" out of the logs.
        return execute(db, u"SET client_min_messages TO warning"_s);
    }

    Result<void> beginMigration(QSqlDatabase &db) const override
    {
        if (auto begun = execute(db, u"BEGIN"_s); !begun)
            return begun;
        QSqlQuery query(db);
        query.prepare(u"SELECT pg_advisory_xact_lock(?)"_s);
        query.addBindValue(MigrationLockKey);
        if (!query.exec()) {
            auto error = sqlError(query, Dialect::tr("taking the migration lock"));
            rollback(db);
            return error;
        }
        return {};
    }
    Result<void> beginWrite(QSqlDatabase &db) const override { return execute(db, u"BEGIN"_s); }

    Result<bool> tableExists(QSqlDatabase &db, const QString &table) const override
    {
        QSqlQuery query(db);
        query.prepare(u"SELECT to_regclass(?) IS NOT NULL"_s);
        query.addBindValue(table);
        if (!query.exec() || !query.next())
            return sqlError(query, Dialect::tr("checking for table %1").arg(table));
        return query.value(0).toBool();
    }

    Result<QStringList> tables(QSqlDatabase &db) const override
    {
        QSqlQuery query(db);
        query.prepare(u"SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                      "ORDER BY tablename"_s);
        if (!query.exec())
            return sqlError(query, Dialect::tr("listing tables"));
        QStringList names;
        while (query.next())
            names << query.value(0).toString();
        return names;
    }

    QString claimJobs() const override
    {
        return ClaimUpdate.arg(nowMillis(), ClaimSelect.arg(nowMillis()) + u" FOR UPDATE SKIP LOCKED"_s);
    }
};

} // namespace

std::unique_ptr<Dialect> Dialect::create(Backend backend)
{
    switch (backend) {
    case Backend::Sqlite:
        return std::make_unique<SqliteDialect>();
    case Backend::Postgres:
        return std::make_unique<PostgresDialect>();
    }
    Q_UNREACHABLE();
}

Result<void> Dialect::commit(QSqlDatabase &db) const
{
    return execute(db, u"COMMIT"_s);
}

void Dialect::rollback(QSqlDatabase &db) const
{
    if (auto result = execute(db, u"ROLLBACK"_s); !result)
        qCWarning(lcDb) << "rollback failed:" << result.message();
}

QString Dialect::upsert(const QString &table, const QStringList &keys, const QStringList &values,
                        UpsertMode mode) const
{
    QStringList placeholders;
    for (qsizetype i = 0; i < keys.size() + values.size(); ++i)
        placeholders << u"?"_s;
    QStringList assignments;
    for (const QString &column : values) {
        assignments << (mode == UpsertMode::Accumulate
                            ? u"%1 = %2.%1 + excluded.%1"_s.arg(column, table)
                            : u"%1 = excluded.%1"_s.arg(column));
    }
    return u"INSERT INTO %1 (%2) VALUES (%3) ON CONFLICT (%4) DO UPDATE SET %5"_s.arg(
        table, (keys + values).join(u", "_s), placeholders.join(u", "_s), keys.join(u", "_s),
        assignments.join(u", "_s));
}

Result<void> Dialect::execute(QSqlDatabase &db, const QString &sql) const
{
    // Statements without values (transaction control, pragmas) cannot go through
    // QPSQL's PREPARE, and need no binding.
    QSqlQuery query(db);
    if (!query.exec(sql))
        return sqlError(query, sql);
    return {};
}

} // namespace Cohort
