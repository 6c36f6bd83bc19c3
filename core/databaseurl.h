// DatabaseUrl: where the cluster's shared database is, parsed from the one string an
// administrator types: "sqlite:PATH" or "postgresql://user:pass@host:port/db".
#pragma once

#include "result.h"

#include <QCoreApplication>
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
    // PostgreSQL connection parts.
    QString host() const { return m_host; }
    int port() const { return m_port; }
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
    Backend m_backend = Backend::Sqlite;
    QString m_path;
    QString m_host;
    int m_port = 5432;
    QString m_user;
    QString m_password;
    QString m_database;
    QMap<QString, QString> m_options;
};

} // namespace Cohort
