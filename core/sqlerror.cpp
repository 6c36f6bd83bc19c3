#include "sqlerror.h"

#include <QCoreApplication>
#include <QSqlDriver>
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
    return doing.isEmpty() ? detail
                           : QCoreApplication::translate("Cohort::Database", "%1: %2").arg(doing, detail);
}

bool isConnectionLost(const QSqlError &error)
{
    if (error.type() == QSqlError::ConnectionError)
        return true;
    // PostgreSQL SQLSTATE class 08 is "connection exception"; 57P01..57P03 are the server
    // shutting down or not yet accepting connections. SQLSTATEs do not depend on the
    // language the server or libpq speak.
    const QString code = error.nativeErrorCode();
    return code.startsWith(u"08"_s) || code == u"57P01"_s || code == u"57P02"_s || code == u"57P03"_s;
}

Error sqlError(const QSqlError &error, const QString &doing)
{
    return Error{isConnectionLost(error) ? ErrorCode::Unavailable : ErrorCode::Database,
                 describeSqlError(error, doing), error.nativeErrorCode()};
}

Error sqlError(const QSqlQuery &query, const QString &doing)
{
    const QSqlError error = query.lastError();
    if (query.driver() && query.driver()->dbmsType() == QSqlDriver::SQLite) {
        // Qt's SQLite driver reports every failed step as a ConnectionError, a constraint
        // or a trigger's RAISE included, yet a file has no connection to lose. What can pass
        // is the file being busy, locked, full or unreadable for a while: retried like an
        // outage. Anything else is the statement's own fault and would fail again.
        bool numeric = false;
        const int primary = error.nativeErrorCode().toInt(&numeric) & 0xff;
        constexpr int Busy = 5, Locked = 6, IoError = 10, Full = 13, CantOpen = 14;
        const bool passing = !numeric || primary == Busy || primary == Locked || primary == IoError
                             || primary == Full || primary == CantOpen;
        return Error{passing ? ErrorCode::Unavailable : ErrorCode::Database, describeSqlError(error, doing),
                     error.nativeErrorCode()};
    }
    return sqlError(error, doing);
}

} // namespace Cohort
