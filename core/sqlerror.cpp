#include "sqlerror.h"

#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QString oneLine(QString text)
{
    text.replace(u'\n', u' ');
    return text.simplified();
}

} // namespace

QString describeSqlError(const QSqlError &error, const QString &doing)
{
    QString detail = oneLine(error.databaseText());
    const QString driver = oneLine(error.driverText());
    if (detail.isEmpty())
        detail = driver;
    if (detail.isEmpty())
        detail = u"unknown database error"_s;
    return doing.isEmpty() ? detail : doing + u": "_s + detail;
}

bool isConnectionLost(const QSqlError &error)
{
    if (error.type() == QSqlError::ConnectionError)
        return true;
    // PostgreSQL SQLSTATE class 08 is "connection exception"; 57P01..57P03 are the server
    // shutting down or not yet accepting connections.
    const QString code = error.nativeErrorCode();
    if (code.startsWith(u"08"_s) || code == u"57P01"_s || code == u"57P02"_s || code == u"57P03"_s)
        return true;
    const QString text = error.databaseText() + error.driverText();
    return text.contains(u"server closed the connection"_s)
        || text.contains(u"no connection to the server"_s)
        || text.contains(u"terminating connection"_s);
}

Error sqlError(const QSqlError &error, const QString &doing)
{
    return makeError(isConnectionLost(error) ? ErrorCode::Unavailable : ErrorCode::Database,
                     describeSqlError(error, doing));
}

Error sqlError(const QSqlQuery &query, const QString &doing)
{
    return sqlError(query.lastError(), doing);
}

} // namespace Cohort
