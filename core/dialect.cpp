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

// Only a node that is still Online in this run (:incarnation) may claim: one a peer
// declared dead must not take jobs nobody would then release. On PostgreSQL the node's
// row is read FOR SHARE, so a claim and a peer's markOffline() wait for each other.
// %1: the database clock; %2: the row lock on the node, if any.
const QString ClaimSelect = uR"(
    SELECT id FROM jobs
     WHERE state = 'queued' AND scope = 'pool' AND run_after <= %1
       AND EXISTS (SELECT 1 FROM nodes
                    WHERE guid = :node AND incarnation = :incarnation AND state = 'online'
                      AND upgrade_to = '' AND draining_since IS NULL%2)
     ORDER BY priority DESC, id
     LIMIT :limit)"_s;

const QString ClaimUpdate = uR"(
    UPDATE jobs
       SET state = 'running', claimed_by = :node, claim_epoch = claim_epoch + 1,
           claimed_at = %1, attempts = attempts + 1
     WHERE id IN (%2)%3
    RETURNING id, type, payload, attempts, claim_epoch, max_attempts)"_s;

// PostgreSQL: the claim's own transaction commits without waiting for its WAL to reach the
// disk (synchronous_commit off for this transaction only; the job rows, the outcomes and
// everything else stay durable). Waiting for that flush was most of the time from submit
// to start on an idle pool. What a server crash can cost: the last fraction of a second of
// claims comes back as queued, so a job a node had started may run again (its first
// outcome is fenced off by the claim, or counts once); no job is lost and none counted
// twice, the same promise as after a node's failover. Evaluated for each claimed row,
// so a claim that takes nothing changes no setting.
const QString ClaimCommitsAsynchronously =
    u"\n       AND set_config('synchronous_commit', 'off', true) IS NOT NULL"_s;

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
            if (query.exec(u"PRAGMA journal_mode=WAL"_s)) {
                const QString mode = query.next() ? query.value(0).toString().toLower() : QString();
                if (mode == u"wal"_s)
                    return {};
                return makeError(
                    ErrorCode::Database,
                    Dialect::tr("SQLite cannot use WAL mode for this file (it stays in \"%1\" mode)")
                        .arg(mode));
            }
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), possibly as extended codes.
            const int code = query.lastError().nativeErrorCode().toInt();
            const bool busy = (code & 0xff) == 5 || (code & 0xff) == 6;
            if (!busy)
                return sqlError(query, Dialect::tr("switching SQLite to WAL mode"));
            if (deadline.hasExpired())
                return makeError(
                    ErrorCode::Unavailable,
                    Dialect::tr("switching SQLite to WAL mode: the database stayed locked for %1 s")
                        .arg(WalSwitchTimeoutMs / 1000));
            QThread::msleep(pauseMs);
            pauseMs = qMin(pauseMs * 2, 100);
        }
    }

    Result<void> beginMigration(QSqlDatabase &db, int waitSeconds) const override
    {
        // The connection's busy timeout bounds ordinary writes; the migration waits as long
        // as it was told to, then the connection's own timeout is restored.
        QSqlQuery current(db);
        if (!current.exec(u"PRAGMA busy_timeout"_s) || !current.next())
            return sqlError(current, Dialect::tr("reading SQLite's busy timeout"));
        const qint64 ordinaryMs = current.value(0).toLongLong();
        current.finish();
        if (auto set = execute(db, u"PRAGMA busy_timeout = %1"_s.arg(qint64(waitSeconds) * 1000)); !set)
            return set;
        QSqlQuery begin(db);
        const bool begun = begin.exec(u"BEGIN EXCLUSIVE"_s);
        Error error;
        if (!begun) {
            error = sqlError(begin, Dialect::tr("taking the migration lock"));
            const int code = begin.lastError().nativeErrorCode().toInt() & 0xff;
            if (code == 5 || code == 6) // SQLITE_BUSY, SQLITE_LOCKED
                error.message =
                    Dialect::tr("another process has held the database's write lock for more than %1 s")
                        .arg(waitSeconds);
        }
        begin.finish();
        if (auto restored = execute(db, u"PRAGMA busy_timeout = %1"_s.arg(ordinaryMs)); !restored) {
            if (begun)
                rollback(db);
            return restored;
        }
        if (!begun)
            return error;
        return {};
    }
    Result<void> beginWrite(QSqlDatabase &db) const override { return execute(db, u"BEGIN IMMEDIATE"_s); }

    QString listTablesSql() const override
    {
        return u"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
               "ORDER BY name"_s;
    }

    QString claimJobs() const override
    {
        return ClaimUpdate.arg(nowMillis(), ClaimSelect.arg(nowMillis(), QString()), QString());
    }

    QString jsonRecords(const QStringList &columns) const override
    {
        QStringList fields;
        for (const QString &column : columns)
            fields << u"json_extract(value, '$.%1') AS %1"_s.arg(column.section(u' ', 0, 0));
        return u"SELECT %1 FROM json_each(?)"_s.arg(fields.join(u", "_s));
    }

    QString notify() const override { return {}; }
    QString forUpdate() const override { return {}; }
};

class PostgresDialect final : public Dialect
{
public:
    Backend backend() const override { return Backend::Postgres; }
    QString driverName() const override { return u"QPSQL"_s; }
    QString nowMillis() const override { return u"(extract(epoch from clock_timestamp()) * 1000)::bigint"_s; }
    QString identityPrimaryKey() const override
    {
        return u"BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"_s;
    }
    QString bigint() const override { return u"BIGINT"_s; }
    QString doubleType() const override { return u"DOUBLE PRECISION"_s; }

    Result<void> initializeConnection(QSqlDatabase &db) const override
    {
        // Keep notices such as "relation already exists, skipping" out of the logs. Have
        // the server notice a dead client within about 25 s rather than TCP's two hours,
        // so the session lock of a node whose machine died is released. A process that
        // hangs inside a transaction (none of Cohort's waits that long) loses its session
        // after 10 s, and with it the row locks its peers would otherwise wait on forever.
        // JIT compilation is off: Cohort's queries are short, and the planner's estimates
        // on tables with dead rows turned it on for a 10 ms query at a cost of 100 ms
        // (measured by the console benchmark).
        for (const QString &setting :
             {u"SET client_min_messages TO warning"_s, u"SET tcp_keepalives_idle = 10"_s,
              u"SET tcp_keepalives_interval = 5"_s, u"SET tcp_keepalives_count = 3"_s,
              u"SET idle_in_transaction_session_timeout = '10s'"_s, u"SET jit = off"_s}) {
            if (auto done = execute(db, setting); !done)
                return done;
        }
        return {};
    }

    Result<void> beginMigration(QSqlDatabase &db, int waitSeconds) const override
    {
        if (auto begun = execute(db, u"BEGIN"_s); !begun)
            return begun;
        // Waiting is expected (another node is migrating); waiting forever is not. The
        // bound holds for every lock the migration's statements take, too.
        if (auto bounded = execute(db, u"SET LOCAL lock_timeout = '%1s'"_s.arg(waitSeconds)); !bounded) {
            rollback(db);
            return bounded;
        }
        QSqlQuery query(db);
        query.prepare(u"SELECT pg_advisory_xact_lock(?)"_s);
        query.addBindValue(MigrationLockKey);
        if (!query.exec()) {
            Error error = sqlError(query, Dialect::tr("taking the migration lock"));
            if (error.sqlState == u"55P03"_s) // lock_not_available
                error.message = Dialect::tr("another process has held the migration lock for more than %1 s")
                                    .arg(waitSeconds);
            query.finish();
            rollback(db);
            return error;
        }
        return {};
    }
    Result<void> beginWrite(QSqlDatabase &db) const override { return execute(db, u"BEGIN"_s); }

    QString listTablesSql() const override
    {
        return u"SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"_s;
    }

    QString claimJobs() const override
    {
        return ClaimUpdate.arg(nowMillis(),
                               ClaimSelect.arg(nowMillis(), u" FOR SHARE"_s) + u" FOR UPDATE SKIP LOCKED"_s,
                               ClaimCommitsAsynchronously);
    }

    QString jsonRecords(const QStringList &columns) const override
    {
        return u"SELECT * FROM json_to_recordset(CAST(? AS json)) AS records(%1)"_s.arg(
            columns.join(u", "_s));
    }

    QString notify() const override { return u"SELECT pg_notify(?, ?)"_s; }
    QString forUpdate() const override { return u" FOR UPDATE"_s; }
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

Result<QStringList> Dialect::tables(QSqlDatabase &db) const
{
    QSqlQuery query(db);
    if (!query.exec(listTablesSql()))
        return sqlError(query, Dialect::tr("listing tables"));
    QStringList names;
    while (query.next())
        names << query.value(0).toString();
    return names;
}

Result<bool> Dialect::tableExists(QSqlDatabase &db, const QString &table) const
{
    auto names = tables(db);
    if (!names)
        return names.error();
    return names->contains(table);
}

Result<void> Dialect::commit(QSqlDatabase &db) const
{
    return execute(db, u"COMMIT"_s);
}

void Dialect::rollback(QSqlDatabase &db) const
{
    // SQLite ends the transaction itself on some errors (a full disk at COMMIT): nothing
    // is left to roll back then, which is no failure.
    if (auto result = execute(db, u"ROLLBACK"_s);
        !result && !result.message().contains(u"no transaction is active"_s))
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
        assignments << (mode == UpsertMode::Accumulate ? u"%1 = %2.%1 + excluded.%1"_s.arg(column, table)
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
