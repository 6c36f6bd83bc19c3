// DatabaseUrl: where the cluster's shared database is, parsed from the one string an
// administrator types: "sqlite:PATH" or "postgresql://user:pass@host:port/db". A
// PostgreSQL URL may list several servers, "postgresql://user:pass@h1:5432,h2:5432/db",
// tried in order (libpq's multi-host form; with ?target_session_attrs=read-write only a
// primary is taken, so nodes follow a failover to a promoted standby).
#pragma once

#include "result.h"

#include <QCoreApplication>
#include <QList>
#include <QMap>
#include <QString>

namespace Cohort {

enum class Backend { Sqlite, Postgres };

class DatabaseUrl
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::DatabaseUrl)

public:
    static Result<DatabaseUrl> parse(const QString &text);

    Backend backend() const { return m_backend; }
    // SQLite: the database file (absolute).
    QString path() const { return m_path; }
    // PostgreSQL connection parts; host() and port() are the first server's.
    struct Server
    {
        QString host;
        int port = 5432;
    };
    QList<Server> servers() const { return m_servers; }
    QString host() const { return m_servers.value(0).host; }
    int port() const { return m_servers.value(0).port; }
    // "host:port" of each server, comma-separated.
    QString serverList() const;
    QString user() const { return m_user; }
    QString password() const { return m_password; }
    QString databaseName() const { return m_database; }
    // Extra libpq options allowed in the query string (sslmode, connect_timeout, ...).
    QMap<QString, QString> options() const { return m_options; }

    // The URL as it may be shown or logged: the password is never included.
    QString redacted() const;
    // The URL with the password, to hand to another process.
    QString toString() const;

private:
    QString format(bool withPassword) const;

    Backend m_backend = Backend::Sqlite;
    QString m_path;
    QList<Server> m_servers;
    QString m_user;
    QString m_password;
    QString m_database;
    QMap<QString, QString> m_options;
};

} // namespace Cohort
