// Users of the console and CLI, with their roles. Passwords are kept only as slow hashes.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

enum class Role {
    Administrator, // may change the cluster
    Auditor,       // sees everything, changes nothing
};

QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);

class Users
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Users)

public:
    // Why a user name is not acceptable, or an empty string.
    static QString nameProblem(const QString &name);

    // Inserts a user whose password is already hashed (hash it before opening a
    // transaction: it is deliberately slow).
    static Result<void> insert(QSqlDatabase &db, const Dialect &dialect, const QString &name,
                               const QString &passwordHash, Role role);
};

} // namespace Cohort
