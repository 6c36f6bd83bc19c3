#include "authentication.h"

#include "auditlog.h"
#include "passwordhash.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString SelectAccount =
    u"SELECT password_hash, role, COALESCE(locked_until, 0), %1 FROM users WHERE name = ?"_s;
// Only while the hash is still the one checked and no lock has been set meanwhile.
const QString ResetFailures = uR"(
    UPDATE users SET failed_logins = 0, locked_until = NULL
     WHERE name = ? AND password_hash = ? AND COALESCE(locked_until, 0) <= %1
    RETURNING role, %1)"_s;
// Counted by the database, so concurrent wrong passwords all count. A lock that has run
// out starts a new count.
const QString CountFailure = uR"(
    UPDATE users
       SET failed_logins = CASE WHEN locked_until <= %1 THEN 1 ELSE failed_logins + 1 END,
           locked_until = CASE WHEN locked_until <= %1 THEN NULL ELSE locked_until END
     WHERE name = ?
    RETURNING failed_logins)"_s;
// Once: a concurrent failure that reached the limit too finds the lock set.
const QString Lock = uR"(
    UPDATE users SET locked_until = %1 + ?
     WHERE name = ? AND locked_until IS NULL AND failed_logins >= ?)"_s;

// What the audit log records of a name nobody has (it may be anything someone typed).
constexpr qsizetype MaxUnknownNameLength = 100;

struct Account
{
    QString passwordHash;
    QString role;
    qint64 lockedUntil = 0;
    qint64 now = 0; // database time when it was read
};

Result<std::optional<Account>> readAccount(QSqlDatabase &db, const Dialect &dialect, const QString &user)
{
    auto query = execQuery(db, SelectAccount.arg(dialect.nowMillis()), {user},
                           Authentication::tr("looking up user %1").arg(user));
    if (!query)
        return query.error();
    std::optional<Account> account;
    if (query->next()) {
        account = Account{query->value(0).toString(), query->value(1).toString(),
                          query->value(2).toLongLong(), query->value(3).toLongLong()};
    }
    // A SQLite statement left open would keep this connection on its snapshot.
    query->finish();
    return account;
}

Error wrongPassword()
{
    return makeError(ErrorCode::AccessDenied, Authentication::tr("Wrong user name or password."));
}

Error locked(const QString &user, qint64 lockedUntil, qint64 now)
{
    if (lockedUntil >= LockedUntilUnlocked)
        return makeError(
            ErrorCode::AccessDenied,
            Authentication::tr("The account %1 is locked until an administrator unlocks it.").arg(user));
    const int minutes = int(qMax<qint64>(1, (lockedUntil - now + 59999) / 60000));
    return makeError(
        ErrorCode::AccessDenied,
        Authentication::tr("The account %1 is locked after too many wrong passwords; try again in "
                           "%n minute(s).",
                           nullptr, minutes)
            .arg(user));
}

// A hash with the parameters of real ones, so that an unknown user costs the same time
// as a wrong password.
const QString &dummyHash()
{
    static const QString hash = [] {
        auto made = PasswordHash::hash(u"no such user, no such password"_s);
        return made ? *made : QString();
    }();
    return hash;
}

} // namespace

Result<UserSession> Authentication::login(Database &database, const QString &user, const QString &password)
{
    const Dialect &dialect = database.dialect();
    const QString name = user.isNull() ? u""_s : user;

    std::optional<Account> account;
    if (Users::nameProblem(name).isEmpty()) {
        auto db = database.connection();
        if (!db)
            return db.error();
        auto read = readAccount(*db, dialect, name);
        if (!read)
            return database.noteFailure(db, read.error());
        account = *read;
    }

    if (account && account->lockedUntil > account->now) {
        auto audited = database.write([&](QSqlDatabase &db) -> Result<void> {
            return AuditLog::record(db, dialect, name, u"user.login-failed"_s, name, u"account locked"_s);
        });
        if (!audited)
            return audited.error();
        return locked(name, account->lockedUntil, account->now);
    }

    // Deliberately slow: never inside a write transaction, which would hold up every
    // other writer (on SQLite, every node) for as long.
    const bool verified = PasswordHash::verify(password, account ? account->passwordHash : dummyHash());

    if (!account) {
        const QString shown = name.left(MaxUnknownNameLength);
        auto audited = database.write([&](QSqlDatabase &db) -> Result<void> {
            return AuditLog::record(db, dialect, shown, u"user.login-failed"_s, shown, u"unknown user"_s);
        });
        if (!audited)
            return audited.error();
        return wrongPassword();
    }

    if (!verified) {
        // Committed although the login fails: the count and the lock are the point.
        auto counted = database.write([&](QSqlDatabase &db) -> Result<void> {
            auto maxFailures = ClusterSettings::integer(db, Setting::LoginMaxFailures);
            if (!maxFailures)
                return maxFailures.error();
            auto lockoutSeconds = ClusterSettings::integer(db, Setting::LoginLockoutSeconds);
            if (!lockoutSeconds)
                return lockoutSeconds.error();
            auto count = execQuery(db, CountFailure.arg(dialect.nowMillis()), {name},
                                   tr("counting a failed login of %1").arg(name));
            if (!count)
                return count.error();
            const qint64 failures = count->next() ? count->value(0).toLongLong() : 0;
            count->finish();
            if (auto audited = AuditLog::record(db, dialect, name, u"user.login-failed"_s, name,
                                                u"wrong password (%1 in a row)"_s.arg(failures));
                !audited)
                return audited.error();
            if (failures < *maxFailures)
                return {};
            auto lock =
                execQuery(db, Lock.arg(dialect.nowMillis()), {*lockoutSeconds * 1000, name, *maxFailures},
                          tr("locking the account %1").arg(name));
            if (!lock)
                return lock.error();
            if (lock->numRowsAffected() == 1) {
                lock->finish();
                return AuditLog::record(
                    db, dialect, name, u"user.locked"_s, name,
                    u"%1 wrong passwords in a row; locked for %2 s"_s.arg(failures).arg(*lockoutSeconds));
            }
            return {};
        });
        if (!counted)
            return counted.error();
        return wrongPassword();
    }

    return database.write([&](QSqlDatabase &db) -> Result<UserSession> {
        auto reset = execQuery(db, ResetFailures.arg(dialect.nowMillis()), {name, account->passwordHash},
                               tr("recording the login of %1").arg(name));
        if (!reset)
            return reset.error();
        if (!reset->next()) {
            // Locked, given a new password or removed since it was read.
            reset->finish();
            auto current = readAccount(db, dialect, name);
            if (!current)
                return current.error();
            if (*current && (*current)->lockedUntil > (*current)->now)
                return locked(name, (*current)->lockedUntil, (*current)->now);
            return wrongPassword();
        }
        UserSession session;
        session.user = name;
        const QString roleText = reset->value(0).toString();
        session.loggedInAt = reset->value(1).toLongLong();
        reset->finish();
        const auto role = roleFromName(roleText);
        if (!role)
            return makeError(ErrorCode::Database,
                             tr("User %1 has the unknown role \"%2\".").arg(name, roleText));
        session.role = *role;
        if (auto audited = AuditLog::record(db, dialect, name, u"user.login"_s, name, roleName(*role));
            !audited)
            return audited.error();
        return session;
    });
}

} // namespace Cohort
