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

// Reads a password: the first line of file, or of standard input when file is empty
// (prompting without echo when standard input is a terminal).
Result<QString> readPassword(const QString &file, const QString &prompt);

} // namespace Cohort::CtlOptions
