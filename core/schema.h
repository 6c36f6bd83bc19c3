// Schema: the cluster database's tables and the versioned migrations that create and
// upgrade them. Migrations run under the cluster-wide migration lock, in one
// transaction, so any number of nodes or installers may start at once.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>
#include <QStringList>

#include <functional>

namespace Cohort {

struct MigrationOutcome
{
    int fromVersion = 0; // 0: the database was empty
    int toVersion = 0;
    bool changed() const { return fromVersion != toVersion; }
    QString describe() const;
};

class Schema
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Schema)

public:
    // The version this program's code expects. Raise it with each new migration step.
    static constexpr int CurrentVersion = 8;

    // The tables of the current version, sorted.
    static QStringList tableNames();

    // Work done in the migration's transaction, under its lock, after the schema is current.
    using InTransaction = std::function<Result<void>(QSqlDatabase &db, const MigrationOutcome &outcome)>;

    // Brings the database to CurrentVersion. appliedBy names who did it (node GUID,
    // "cohortctl", ...) in schema_migrations. A database newer than this program is
    // left untouched (ErrorCode::UpgradeRequired).
    // targetVersion below CurrentVersion stops early: tests use it to build the databases
    // older programs made. waitSeconds bounds the wait for the migration lock and, on
    // PostgreSQL, for each table lock the migration needs: past it the migration is
    // rolled back and fails, saying what it waited for.
    static constexpr int DefaultWaitSeconds = 120;
    static Result<MigrationOutcome> migrate(Database &database, const QString &appliedBy,
                                            const InTransaction &alsoDo = {},
                                            int targetVersion = CurrentVersion,
                                            int waitSeconds = DefaultWaitSeconds);

    // The database's schema version without taking the lock; 0 for an empty database.
    static Result<int> version(Database &database);
    static Result<int> version(QSqlDatabase &db, const Dialect &dialect);
};

} // namespace Cohort
