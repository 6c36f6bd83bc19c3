#include "database.h"

#include "logging.h"
#include "sqlerror.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSqlError>
#include <QThread>
#include <QThreadStorage>

#include <atomic>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

std::atomic<quint64> nextDatabaseId{1};
std::atomic<quint64> nextConnectionSerial{1};

// SQLite waits this long for another process's write lock before giving up.
constexpr int SqliteBusyTimeoutMs = 15000;
constexpr int PostgresConnectTimeoutSeconds = 5;
// Probes after 5 s of quiet, every 2 s, 3 unanswered end it; data unacknowledged for 10 s
// ends it too (tcp_user_timeout, in ms).
const std::pair<QString, QString> PostgresKeepalives[] = {
    {u"keepalives"_s, u"1"_s},       {u"keepalives_idle"_s, u"5"_s},      {u"keepalives_interval"_s, u"2"_s},
    {u"keepalives_count"_s, u"3"_s}, {u"tcp_user_timeout"_s, u"10000"_s},
};

// The connections this thread opened; removed when the thread ends, since Qt Sql
// connections must be closed on their own thread. QThreadStorage, not thread_local:
// Qt destroys it before QThread::wait() returns, thread_local only after.
struct ThreadConnections
{
    QStringList names;
    QHash<QString, quint64> serials;
    // Statements kept prepared, by connection and SQL text; dropped before their connection.
    QHash<QString, QHash<QString, std::shared_ptr<QSqlQuery>>> statements;
    ~ThreadConnections()
    {
        statements.clear();
        for (const QString &name : std::as_const(names))
            QSqlDatabase::removeDatabase(name);
    }
};

QThreadStorage<ThreadConnections> threadConnections;

} // namespace

Database::Database(DatabaseUrl url, SqliteFile sqliteFile)
    : m_url(std::move(url))
    , m_dialect(Dialect::create(m_url.backend()))
    , m_sqliteFile(sqliteFile)
    , m_id(nextDatabaseId++)
{}

Database::~Database()
{
    resetConnection();
}

Result<std::unique_ptr<Database>> Database::fromUrl(const QString &text, SqliteFile sqliteFile)
{
    auto url = DatabaseUrl::parse(text);
    if (!url)
        return url.error();
    return std::make_unique<Database>(std::move(url).value(), sqliteFile);
}

QString Database::connectionName() const
{
    return u"cohort-%1-%2"_s.arg(m_id).arg(reinterpret_cast<quintptr>(QThread::currentThread()));
}

Result<QSqlDatabase> Database::connection()
{
    const QString name = connectionName();
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isOpen())
            return db;
        db = QSqlDatabase();
        resetConnection();
    }
    return openConnection(name);
}

Result<QSqlDatabase> Database::openConnection(const QString &name)
{
    const QString driver = m_dialect->driverName();
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        return makeError(
            ErrorCode::Unavailable,
            m_url.backend() == Backend::Postgres
                ? tr("Qt's PostgreSQL driver (QPSQL) is not installed; install libqt6sql6-psql.")
                : tr("Qt's SQLite driver (QSQLITE) is not installed; install libqt6sql6-sqlite."));
    }

    if (m_url.backend() == Backend::Sqlite) {
        const QFileInfo file(m_url.path());
        if (!file.dir().exists())
            return makeError(
                ErrorCode::NotFound,
                tr("The folder %1 of the SQLite database does not exist.").arg(file.absolutePath()));
        if (m_sqliteFile == SqliteFile::MustExist && !file.exists())
            return makeError(
                ErrorCode::NotFound,
                tr("The SQLite database %1 does not exist; create a cluster with \"cohortctl init\".")
                    .arg(m_url.path()));
    }

    QSqlDatabase db = QSqlDatabase::addDatabase(driver, name);
    threadConnections.localData().names << name;
    threadConnections.localData().serials.insert(name, nextConnectionSerial++);
    if (m_url.backend() == Backend::Sqlite) {
        db.setDatabaseName(m_url.path());
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=%1"_s.arg(SqliteBusyTimeoutMs));
    } else {
        const QList<DatabaseUrl::Server> servers = m_url.servers();
        db.setUserName(m_url.user());
        db.setPassword(m_url.password());
        db.setDatabaseName(m_url.databaseName());
        QMap<QString, QString> options = m_url.options();
        if (servers.size() == 1) {
            db.setHostName(servers.first().host);
            db.setPort(servers.first().port);
        } else {
            // libpq's lists: hosts and ports in the same order, tried one after another.
            QStringList hosts;
            QStringList ports;
            for (const DatabaseUrl::Server &server : servers) {
                hosts << server.host;
                ports << QString::number(server.port);
            }
            db.setHostName(hosts.join(u','));
            options.insert(u"port"_s, ports.join(u','));
        }
        options.insert(u"application_name"_s, options.value(u"application_name"_s, u"cohort"_s));
        options.insert(u"connect_timeout"_s,
                       options.value(u"connect_timeout"_s, QString::number(PostgresConnectTimeoutSeconds)));
        // A connection whose other end vanished (a cut cable, a black-holed route, a failed
        // over primary) must die in seconds, not in the kernel's two hours: it may hold a
        // node's session lock, or keep a node waiting. Given in the URL, these win.
        for (const auto &[key, value] : PostgresKeepalives) {
            if (!options.contains(key))
                options.insert(key, value);
        }
        QStringList pairs;
        for (auto it = options.cbegin(); it != options.cend(); ++it)
            pairs << it.key() + u'=' + it.value();
        db.setConnectOptions(pairs.join(u';'));
    }

    if (!db.open()) {
        const QString where = m_url.backend() == Backend::Sqlite
                                  ? tr("Cannot open the SQLite database %1").arg(m_url.path())
                                  : tr("Cannot connect to PostgreSQL at %1 (database %2, user %3)")
                                        .arg(m_url.serverList(), m_url.databaseName(), m_url.user());
        Error error = sqlError(db.lastError(), where);
        const QSqlError raw = db.lastError();
        db = QSqlDatabase();
        resetConnection();
        // A refused password or a missing database is not an outage: say so, so nobody
        // waits for it to recover. libpq reports no SQLSTATE for a failed connection, so
        // this reads the (English) server text; in another language the error stays
        // Unavailable, and its message is still shown as the server wrote it.
        const QString text = raw.databaseText();
        if (text.contains(u"password authentication failed"_s) || text.contains(u"no password supplied"_s))
            error.code = ErrorCode::AccessDenied;
        else if (text.contains(u"does not exist"_s))
            error.code = ErrorCode::NotFound;
        else if (m_url.backend() == Backend::Postgres)
            error.code = ErrorCode::Unavailable;
        return error;
    }

    if (auto ready = m_dialect->initializeConnection(db); !ready) {
        db = QSqlDatabase();
        resetConnection();
        return ready.error();
    }
    qCDebug(lcDb) << "opened" << m_url.redacted() << "as" << name;
    return db;
}

Result<QSqlQuery *> Database::kept(const QString &sql, const QString &doing)
{
    auto db = connection();
    if (!db)
        return db.error();
    std::shared_ptr<QSqlQuery> &query = threadConnections.localData().statements[connectionName()][sql];
    if (query)
        return query.get();
    auto made = std::make_shared<QSqlQuery>(*db);
    if (!made->prepare(sql)) {
        Error error = sqlError(*made, doing.isEmpty() ? sql.simplified() : doing);
        threadConnections.localData().statements[connectionName()].remove(sql);
        return noteFailure(db, error);
    }
    query = std::move(made);
    return query.get();
}

void Database::resetConnection()
{
    const QString name = connectionName();
    if (threadConnections.hasLocalData())
        threadConnections.localData().statements.remove(name);
    if (!QSqlDatabase::contains(name))
        return;
    QSqlDatabase::removeDatabase(name);
    threadConnections.localData().names.removeAll(name);
    threadConnections.localData().serials.remove(name);
}

quint64 Database::connectionSerial() const
{
    return threadConnections.hasLocalData() ? threadConnections.localData().serials.value(connectionName())
                                            : 0;
}

Result<QSqlQuery> Database::exec(const QString &sql, const QVariantList &values, const QString &doing)
{
    auto db = connection();
    if (!db)
        return db.error();
    auto result = execQuery(*db, sql, values, doing);
    if (result)
        return result;
    return noteFailure(db, result.error());
}

Error Database::noteFailure(Result<QSqlDatabase> &db, Error error)
{
    if (!db)
        return error;
    if (error.code != ErrorCode::Unavailable && m_url.backend() == Backend::Postgres
        && error.sqlState.isEmpty()) {
        // A statement error without a SQLSTATE did not come from the server: find out
        // whether the connection is still there.
        QSqlQuery probe(*db);
        if (!probe.exec(u"SELECT 1"_s)
            && (isConnectionLost(probe.lastError()) || probe.lastError().nativeErrorCode().isEmpty()))
            error.code = ErrorCode::Unavailable;
    }
    if (error.code == ErrorCode::Unavailable) {
        db = Error{};
        resetConnection();
    }
    return error;
}

Result<QSqlQuery> execQuery(QSqlDatabase &db, const QString &sql, const QVariantList &values,
                            const QString &doing)
{
    QSqlQuery query(db);
    const QString what = doing.isEmpty() ? sql.simplified() : doing;
    const bool ran = values.isEmpty()
                         // Nothing to bind: run it directly. QPSQL's PREPARE also cannot take DDL.
                         ? query.exec(sql)
                         : query.prepare(sql) && [&query, &values] {
                               for (const QVariant &value : values)
                                   query.addBindValue(value);
                               return query.exec();
                           }();
    if (!ran)
        return sqlError(query, what);
    return query;
}

} // namespace Cohort
