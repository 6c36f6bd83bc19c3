#include "users.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString InsertUser = u"INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, %1)"_s;

} // namespace

QString roleName(Role role)
{
    switch (role) {
    case Role::Administrator:
        return u"administrator"_s;
    case Role::Auditor:
        return u"auditor"_s;
    }
    Q_UNREACHABLE();
}

std::optional<Role> roleFromName(const QString &name)
{
    if (name == u"administrator"_s)
        return Role::Administrator;
    if (name == u"auditor"_s)
        return Role::Auditor;
    return std::nullopt;
}

QString Users::nameProblem(const QString &name)
{
    static const QRegularExpression allowed(u"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"_s);
    if (name.isEmpty())
        return tr("The user name is empty.");
    if (!allowed.match(name).hasMatch())
        return tr("The user name \"%1\" is not allowed: use up to 64 letters, digits, '.', '_', '@' or '-', "
                  "starting with a letter or digit.")
            .arg(name);
    return {};
}

Result<void> Users::insert(QSqlDatabase &db, const Dialect &dialect, const QString &name,
                           const QString &passwordHash, Role role)
{
    auto inserted = execQuery(db, InsertUser.arg(dialect.nowMillis()), {name, passwordHash, roleName(role)},
                              tr("creating user %1").arg(name));
    if (!inserted)
        return inserted.error();
    return {};
}

} // namespace Cohort
