#include "databaseurl.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// The libpq parameters a URL may carry, and the values each accepts (empty: any).
const QMap<QString, QStringList> &allowedPostgresOptions()
{
    static const QMap<QString, QStringList> options{
        {u"sslmode"_s,
         {u"disable"_s, u"allow"_s, u"prefer"_s, u"require"_s, u"verify-ca"_s, u"verify-full"_s}},
        {u"connect_timeout"_s, {}},
        {u"application_name"_s, {}},
        {u"sslrootcert"_s, {}},
        {u"keepalives"_s, {u"0"_s, u"1"_s}},
        {u"keepalives_idle"_s, {}},
        {u"keepalives_interval"_s, {}},
        {u"keepalives_count"_s, {}},
        {u"tcp_user_timeout"_s, {}},
        {u"target_session_attrs"_s,
         {u"any"_s, u"read-write"_s, u"read-only"_s, u"primary"_s, u"standby"_s, u"prefer-standby"_s}},
    };
    return options;
}

} // namespace

Result<DatabaseUrl> DatabaseUrl::parse(const QString &input)
{
    const QString text = input.trimmed();
    if (text.isEmpty())
        return makeError(ErrorCode::InvalidArgument, tr("The database URL is empty."));

    DatabaseUrl url;
    if (text.startsWith(u"sqlite:"_s)) {
        QString path = text.mid(7);
        if (path.startsWith(u"//"_s)) // sqlite:///abs/path
            path = path.mid(2);
        if (path.isEmpty())
            return makeError(
                ErrorCode::InvalidArgument,
                tr("The SQLite URL \"%1\" names no file; write sqlite:/path/to/cohort.db.").arg(text));
        if (path == u":memory:"_s || path.startsWith(u"file::memory:"_s))
            return makeError(
                ErrorCode::InvalidArgument,
                tr("An in-memory SQLite database cannot be shared by nodes and threads; give a file path."));
        if (path.contains(u'?'))
            return makeError(ErrorCode::InvalidArgument,
                             tr("The SQLite URL \"%1\" has options; Cohort sets them itself.").arg(text));
        url.m_backend = Backend::Sqlite;
        url.m_path = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
        return url;
    }

    // Several servers ("h1:5432,h2:5433"): QUrl takes one host, so it checks the URL with
    // the first, and the list is read here.
    QString single = text;
    QList<Server> servers;
    {
        const qsizetype authorityStart = text.indexOf(u"://"_s);
        if (authorityStart > 0) {
            const qsizetype from = authorityStart + 3;
            qsizetype to = text.indexOf(u'/', from);
            const qsizetype query = text.indexOf(u'?', from);
            if (to < 0 || (query >= 0 && query < to))
                to = query;
            if (to < 0)
                to = text.size();
            const QString authority = text.mid(from, to - from);
            const qsizetype at = authority.lastIndexOf(u'@');
            const QString hostList = authority.mid(at + 1);
            if (hostList.contains(u',')) {
                for (const QString &entry : hostList.split(u',')) {
                    const QUrl one(u"postgresql://"_s + entry, QUrl::StrictMode);
                    if (entry.isEmpty() || !one.isValid() || one.host().isEmpty() || one.port() == 0
                        || !one.path().isEmpty() || one.hasQuery() || !one.userInfo().isEmpty())
                        return makeError(
                            ErrorCode::InvalidArgument,
                            tr("The PostgreSQL URL's server list has an invalid entry \"%1\"; write "
                               "host:port,host:port.")
                                .arg(entry));
                    servers.append({one.host(QUrl::FullyDecoded), one.port(5432)});
                }
                single =
                    text.left(from) + authority.left(at + 1) + hostList.section(u',', 0, 0) + text.mid(to);
            }
        }
    }

    const QUrl parsed(single, QUrl::StrictMode);
    const QString scheme = parsed.scheme().toLower();
    if (scheme != u"postgresql"_s && scheme != u"postgres"_s) {
        if (!text.contains(u':'))
            return makeError(ErrorCode::InvalidArgument,
                             tr("\"%1\" is not a database URL; write sqlite:PATH or "
                                "postgresql://user:password@host:port/database.")
                                 .arg(text));
        return makeError(ErrorCode::InvalidArgument,
                         tr("Unsupported database URL scheme \"%1\"; use sqlite: or postgresql://.")
                             .arg(text.section(u':', 0, 0)));
    }
    // QUrl's own error text quotes the whole URL, password included: never show it.
    if (!parsed.isValid())
        return makeError(ErrorCode::InvalidArgument,
                         tr("Malformed PostgreSQL URL: check the port (1 to 65535) and percent-encode "
                            "special characters in the user name and password (%40 for @, %25 for %)."));
    if (parsed.host().isEmpty())
        return makeError(
            ErrorCode::InvalidArgument,
            tr("The PostgreSQL URL names no host; write postgresql://user:password@host:port/database."));
    if (parsed.port() == 0)
        return makeError(ErrorCode::InvalidArgument,
                         tr("The PostgreSQL URL has port 0; give a port from 1 to 65535."));
    if (parsed.userName().isEmpty())
        return makeError(
            ErrorCode::InvalidArgument,
            tr("The PostgreSQL URL names no user; write postgresql://user:password@host:port/database."));
    QString database = parsed.path(QUrl::FullyDecoded);
    if (database.startsWith(u'/'))
        database = database.mid(1);
    if (database.isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         tr("The PostgreSQL URL names no database; add /database after the host and port."));
    if (database.contains(u'/'))
        return makeError(ErrorCode::InvalidArgument,
                         tr("The PostgreSQL URL path \"%1\" must be a single database name.").arg(database));
    if (parsed.hasFragment())
        return makeError(ErrorCode::InvalidArgument, tr("The PostgreSQL URL must not have a #fragment."));

    const QUrlQuery query(parsed);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        const auto allowed = allowedPostgresOptions().constFind(key);
        if (allowed == allowedPostgresOptions().cend())
            return makeError(ErrorCode::InvalidArgument,
                             tr("Unknown PostgreSQL URL option \"%1\"; known options: %2.")
                                 .arg(key, allowedPostgresOptions().keys().join(u", "_s)));
        // libpq's connection string is "key=value key=value": a value with spaces, quotes
        // or separators could smuggle in other parameters.
        static const QRegularExpression safeValue(u"^[A-Za-z0-9._/:@+-]+$"_s);
        if (!safeValue.match(value).hasMatch())
            return makeError(ErrorCode::InvalidArgument,
                             tr("The value of %1 may only hold letters, digits and . _ / : @ + -.").arg(key));
        if (!allowed->isEmpty() && !allowed->contains(value))
            return makeError(
                ErrorCode::InvalidArgument,
                tr("Invalid value \"%1\" for %2; use one of: %3.").arg(value, key, allowed->join(u", "_s)));
        if (key == u"connect_timeout"_s) {
            bool isNumber = false;
            const int seconds = value.toInt(&isNumber);
            if (!isNumber || seconds < 1)
                return makeError(
                    ErrorCode::InvalidArgument,
                    tr("connect_timeout must be a whole number of seconds above 0, not \"%1\".").arg(value));
        }
        url.m_options.insert(key, value);
    }

    url.m_backend = Backend::Postgres;
    if (servers.isEmpty())
        servers.append({parsed.host(QUrl::FullyDecoded), parsed.port(5432)});
    url.m_servers = servers;
    url.m_user = parsed.userName(QUrl::FullyDecoded);
    url.m_password = parsed.password(QUrl::FullyDecoded);
    url.m_database = database;
    return url;
}

QString DatabaseUrl::redacted() const
{
    if (m_backend == Backend::Sqlite)
        return u"sqlite:"_s + m_path;
    return format(false);
}

QString DatabaseUrl::toString() const
{
    if (m_backend == Backend::Sqlite)
        return redacted();
    return format(true);
}

QString DatabaseUrl::format(bool withPassword) const
{
    // One QUrl per server gives each its encoding; the list joins their authorities.
    QStringList authorities;
    QString head;
    QString tail;
    for (qsizetype i = 0; i < m_servers.size(); ++i) {
        QUrl url;
        url.setScheme(u"postgresql"_s);
        url.setUserName(m_user);
        if (withPassword && !m_password.isEmpty())
            url.setPassword(m_password);
        url.setHost(m_servers.at(i).host);
        url.setPort(m_servers.at(i).port);
        url.setPath(u"/"_s + m_database);
        QUrlQuery query;
        for (auto it = m_options.cbegin(); it != m_options.cend(); ++it)
            query.addQueryItem(it.key(), it.value());
        url.setQuery(query);
        if (m_servers.size() == 1)
            return url.toString();
        const QString text = url.toString();
        const QString authority = url.authority(QUrl::FullyEncoded);
        const QString hostPort = authority.mid(authority.lastIndexOf(u'@') + 1);
        if (i == 0) {
            const qsizetype at = text.indexOf(authority);
            head = text.left(at) + authority.left(authority.size() - hostPort.size());
            tail = text.mid(at + authority.size());
        }
        authorities << hostPort;
    }
    return head + authorities.join(u',') + tail;
}

QString DatabaseUrl::serverList() const
{
    QStringList list;
    for (const Server &server : m_servers)
        list << u"%1:%2"_s.arg(server.host).arg(server.port);
    return list.join(u", "_s);
}

} // namespace Cohort
