// Options and input helpers several cohortctl commands share.
#pragma once

#include "database.h"
#include "result.h"

#include <QCommandLineOption>
#include <QCoreApplication>

namespace Cohort::CtlOptions {

QCommandLineOption database();
QCommandLineOption secretFile();
QCommandLineOption json();

// Opens the database named by --db (parsing only; nothing is connected yet).
Result<std::unique_ptr<Database>> openDatabase(const QString &url,
                                               Database::SqliteFile sqliteFile = Database::SqliteFile::MustExist);

// Who runs this command, for the audit log: "cohortctl:" and the operating system's
// user name ("cohortctl" alone when that is unknown).
QString actor();

// A database time (ms since the epoch) as ISO 8601 UTC; 0 (never) as an empty string.
QString utcTime(qint64 ms);

// Reads a password: the first line of file, or of standard input when file is empty
// (prompting without echo when standard input is a terminal).
Result<QString> readPassword(const QString &file, const QString &prompt);

} // namespace Cohort::CtlOptions
