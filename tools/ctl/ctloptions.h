// Options and input helpers several cohortctl commands share.
#pragma once

#include "database.h"
#include "result.h"

#include <QCommandLineOption>
#include <QCoreApplication>
#include <QJsonValue>

#include <optional>

namespace Cohort::CtlOptions {

QCommandLineOption database();
QCommandLineOption secretFile();
QCommandLineOption json();

// Opens the database named by --db (parsing only; nothing is connected yet).
Result<std::unique_ptr<Database>>
openDatabase(const QString &url, Database::SqliteFile sqliteFile = Database::SqliteFile::MustExist);

// Who runs this command, for the audit log: "cohortctl:" and the operating system's
// user name ("cohortctl" alone when that is unknown).
QString actor();

// A database time (ms since the epoch) as ISO 8601 UTC; 0 (never) as an empty string.
QString utcTime(qint64 ms);
// The same for --json: ISO 8601 UTC, or ms itself; null for 0 (never).
QJsonValue jsonTime(qint64 ms);
QJsonValue jsonMs(qint64 ms);

// A whole number in [min, max], or nothing.
std::optional<qint64> wholeNumber(const QString &text, qint64 min, qint64 max);
// "30s", "15m", "1h", "7d" in milliseconds, at least a second and at most maxDays days.
std::optional<qint64> duration(const QString &text, qint64 maxDays);
// An ISO 8601 time ("2024-05-01T12:00:00Z", "...+02:00", or a date alone) as ms since
// the epoch; without an offset it is UTC, as cohortctl prints times.
std::optional<qint64> isoTime(const QString &text);

// Reads a password: the first line of file, or of standard input when file is empty
// (prompting without echo when standard input is a terminal).
Result<QString> readPassword(const QString &file, const QString &prompt);

} // namespace Cohort::CtlOptions
