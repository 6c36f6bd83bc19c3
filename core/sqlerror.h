// Turns Qt Sql's errors into Cohort errors with one-line messages a person can act on.
#pragma once

#include "result.h"

#include <QSqlError>

class QSqlQuery;

namespace Cohort {

// One line: the driver's text with its line breaks folded, prefixed by what was being done.
QString describeSqlError(const QSqlError &error, const QString &doing);

// Whether the error itself says the connection is gone (server down, restarted, network).
// A statement error without a SQLSTATE may also mean that: Database::exec probes.
bool isConnectionLost(const QSqlError &error);

Error sqlError(const QSqlQuery &query, const QString &doing);
Error sqlError(const QSqlError &error, const QString &doing);

} // namespace Cohort
