// Authentication: console and CLI users proving who they are. The slow password hash is
// checked here, in core; repeated wrong passwords lock the account for a while.
#pragma once

#include "clustersettings.h"
#include "database.h"
#include "result.h"
#include "users.h"

#include <QCoreApplication>

namespace Cohort {

namespace Setting {
// This many wrong passwords in a row lock an account...
inline constexpr IntegerSetting LoginMaxFailures{u"login.max_failures", 5, 1, 100};
// ... for this long.
inline constexpr IntegerSetting LoginLockoutSeconds{u"login.lockout_seconds", 300, 1, 86400};
} // namespace Setting

// Who is logged in, as the database said at login. Changes are authorized again in core
// against the users table (Administration), so a stale role grants nothing.
struct UserSession
{
    QString user;
    Role role = Role::Auditor;
    qint64 loggedInAt = 0; // database time

    bool isAdministrator() const { return role == Role::Administrator; }
};

class Authentication
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Authentication)

public:
    // Checks the user name and password against the users table.
    // - Success resets the failure count and writes "user.login" to the audit log.
    // - A wrong password (or unknown user: same message, same time spent) counts a
    //   failure; the Setting::LoginMaxFailures-th in a row locks the account for
    //   Setting::LoginLockoutSeconds ("user.locked" audited); each failure is audited as
    //   "user.login-failed". Error: AccessDenied, "Wrong user name or password."
    // - A locked account is refused without checking the password: AccessDenied with a
    //   message that says it is locked and for how many more minutes.
    // - Database trouble: the database's error (Unavailable when unreachable).
    static Result<UserSession> login(Database &database, const QString &user, const QString &password);
};

} // namespace Cohort
