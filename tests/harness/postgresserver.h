// PostgresServer: a real, throwaway PostgreSQL server for tests: initdb and pg_ctl in a
// temporary folder, on a free loopback port, with password authentication. As root it
// runs the server as the unprivileged "postgres" user, since initdb refuses root.
#pragma once

#include "result.h"

#include <QProcess>
#include <QString>

#include <memory>

namespace Cohort::Test {

class PostgresServer
{
public:
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    enum class Durability {
        Fast,    // fsync, synchronous_commit and full_page_writes off: for tests that never crash it
        Durable, // the server's defaults: a commit survives a crash
    };
    // Starts a new server; the object stops it and removes its folder when destroyed.
    static Result<std::unique_ptr<PostgresServer>> start(Durability durability = Durability::Fast);
    // Attaches to a server started by another process (see writeState()); the object
    // leaves it running.
    static Result<std::unique_ptr<PostgresServer>> attach(const QString &stateFile);
    Result<void> writeState(const QString &stateFile) const;
    // Leaves the server running when this object is destroyed.
    void detach() { m_owned = false; }

    QString host() const { return QStringLiteral("127.0.0.1"); }
    int port() const { return m_port; }
    QString user() const { return m_user; }
    QString password() const { return m_password; }
    QString directory() const { return m_directory; }
    // postgresql://user:password@127.0.0.1:port/database
    QString url(const QString &database) const;

    // Creates a database with a fresh unique name made from prefix; returns the name.
    Result<QString> createDatabase(const QString &prefix);
    Result<void> dropDatabase(const QString &name);

    // The postmaster's process id, for tests that stop or kill it.
    qint64 pid() const;
    enum class StopMode {
        Fast,      // sessions are ended, the server shuts down cleanly
        Immediate, // the server quits at once, as in a crash; it recovers from its WAL on start
    };
    Result<void> stop(StopMode mode = StopMode::Fast);
    Result<void> restart();

    // A streaming replica of this server (pg_basebackup), started on a free port, read
    // only, following this server until promote(); stopped and removed with the object.
    Result<std::unique_ptr<PostgresServer>> startStandby() const;
    // Makes a standby the primary (pg_ctl promote), waiting until it takes writes.
    Result<void> promote();

    // pgbouncer in front of one database, in poolMode ("session", "transaction" or
    // "statement"), on a free port; it stops when the Pooler is destroyed.
    struct Pooler
    {
        Pooler() = default;
        Pooler(Pooler &&) = default;
        Pooler &operator=(Pooler &&) = default;
        ~Pooler();
        std::unique_ptr<QProcess> process;
        QString url; // reaches the database through the pooler
    };
    Result<Pooler> startPooler(const QString &database, const QString &poolMode) const;

private:
    PostgresServer() = default;
    Result<void> pgCtl(const QStringList &arguments, int timeoutMs) const;
    Result<void> runAsServerUser(const QString &program, const QStringList &arguments, int timeoutMs) const;
    Result<void> adminExec(const QString &sql);

    QString m_binDir;
    QString m_directory;
    int m_port = 0;
    QString m_user = QStringLiteral("cohort_test");
    QString m_password;
    bool m_owned = false;
    Durability m_durability = Durability::Fast;
    bool m_running = false;
};

} // namespace Cohort::Test
