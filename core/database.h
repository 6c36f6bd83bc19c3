// Database: the cluster's shared database, reached through one connection per thread.
// A QSqlDatabase may only be used on the thread that opened it, so connection() opens
// (or reuses) the calling thread's own connection; it is closed when the thread ends,
// or earlier by resetConnection() on that thread. Destroying the Database closes only
// the destroying thread's connection: a worker thread ends or resets its own first.
#pragma once

#include "databaseurl.h"
#include "dialect.h"
#include "result.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariantList>

#include <memory>

namespace Cohort {

class Database
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Database)

public:
    enum class SqliteFile {
        MustExist,       // opening a missing file is an error (and creates nothing)
        CreateIfMissing, // for commands that create a cluster
    };

    explicit Database(DatabaseUrl url, SqliteFile sqliteFile = SqliteFile::MustExist);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    static Result<std::unique_ptr<Database>> fromUrl(const QString &url,
                                                     SqliteFile sqliteFile = SqliteFile::MustExist);

    const DatabaseUrl &url() const { return m_url; }
    const Dialect &dialect() const { return *m_dialect; }

    // The calling thread's open connection, opened on first use or after reset.
    Result<QSqlDatabase> connection();
    // Drops the calling thread's connection (after the server went away, or before the
    // thread ends); the next connection() opens a fresh one.
    void resetConnection();
    // Changes whenever the calling thread's connection is opened anew: statements
    // prepared on an older one are dead.
    quint64 connectionSerial() const;

    // Prepares sql, binds values in order and runs it on the calling thread's connection.
    // A lost connection is reset so the next call reconnects.
    Result<QSqlQuery> exec(const QString &sql, const QVariantList &values = {}, const QString &doing = {});

    // sql prepared once on the calling thread's connection and kept prepared until that
    // connection is reset or the thread ends: for statements run often, whose prepare and
    // deallocate would otherwise cost two more round trips each time. Bind, exec() and
    // finish() it before anything else runs it. Not for SQL that varies without bound.
    Result<QSqlQuery *> kept(const QString &sql, const QString &doing = {});

    // Runs work(db) in a write transaction (Dialect::beginWrite) on the calling thread's
    // connection: committed when work returns a value, rolled back when it returns an
    // error. A lost connection is reset so the next call reconnects.
    template<typename Work>
    auto write(Work &&work) -> decltype(work(std::declval<QSqlDatabase &>()));

    // After a failed statement on connection db: whether the connection is gone, in which
    // case db is released and the calling thread's connection reset. Returns the error,
    // with ErrorCode::Unavailable when the connection was lost.
    Error noteFailure(Result<QSqlDatabase> &db, Error error);

private:
    QString connectionName() const;
    Result<QSqlDatabase> openConnection(const QString &name);

    DatabaseUrl m_url;
    std::unique_ptr<Dialect> m_dialect;
    SqliteFile m_sqliteFile;
    quint64 m_id;
};

template<typename Work>
auto Database::write(Work &&work) -> decltype(work(std::declval<QSqlDatabase &>()))
{
    using R = decltype(work(std::declval<QSqlDatabase &>()));
    auto db = connection();
    if (!db)
        return R(db.error());
    if (auto begun = m_dialect->beginWrite(*db); !begun)
        return R(noteFailure(db, begun.error()));
    R result = work(*db);
    if (!result) {
        m_dialect->rollback(*db);
        return R(noteFailure(db, result.error()));
    }
    if (auto committed = m_dialect->commit(*db); !committed) {
        m_dialect->rollback(*db);
        return R(noteFailure(db, committed.error()));
    }
    return result;
}

// Runs sql with values bound in order on db (a statement without values runs
// unprepared); the error says what was being done.
Result<QSqlQuery> execQuery(QSqlDatabase &db, const QString &sql, const QVariantList &values = {},
                            const QString &doing = {});

} // namespace Cohort
