// Users of the console and CLI, with their roles. Passwords are kept only as slow hashes;
// full names and e-mail addresses only sealed with the data key (SealedData). An
// administrator also holds a key pair and a copy of the data key sealed to it (KeyPair),
// so the console opens personal data with the administrator's password alone.
#pragma once

#include "database.h"
#include "keypair.h"
#include "masterkey.h"
#include "result.h"

#include <QCoreApplication>

#include <optional>

namespace Cohort {

enum class Role {
    Administrator, // may change the cluster
    Auditor,       // sees everything, changes nothing
};

QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);

// users.locked_until of an account an administrator locked with no end: locked until
// unlocked (9999-12-31T23:59:59Z, so it still reads as a time).
inline constexpr qint64 LockedUntilUnlocked = 253402300799000;

struct NewUser
{
    QString name;
    QString password;
    Role role = Role::Auditor;
    QString fullName;
    QString email;
};

// A user as read back. Personal data is in clear only when it was read with the data
// key; without it, personalDataSealed says whether there is any to show.
struct UserRecord
{
    qint64 id = 0;
    QString name;
    Role role = Role::Auditor;
    QString fullName;
    QString email;
    bool personalDataSealed = false; // there is personal data, not opened (no data key)
    bool holdsDataKey = false;       // an administrator with a copy of the data key
    int failedLogins = 0;
    std::optional<qint64> lockedUntil;
    qint64 createdAt = 0;

    friend bool operator==(const UserRecord &, const UserRecord &) = default;
};

class Users
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Users)

public:
    // Why a value is not acceptable, or an empty string.
    static QString nameProblem(const QString &name);
    static QString fullNameProblem(const QString &fullName);
    static QString emailProblem(const QString &email);

    // A new user with its password hashed and, for an administrator, its key pair made
    // and wrapped by the password. Slow on purpose: call it before opening a transaction.
    struct Prepared
    {
        NewUser user;
        QString passwordHash;
        std::optional<KeyPair> keys;
        QString wrappedPrivateKey;
    };
    static Result<Prepared> prepare(const NewUser &user, const QByteArray &clusterContext);

    // Inserts a prepared user: its personal data sealed, and for an administrator a copy
    // of the data key. Returns its id.
    static Result<qint64> insert(QSqlDatabase &db, const Dialect &dialect, const Prepared &user,
                                 const MasterKey &dataKey, const QByteArray &clusterContext);

    // Every user, by name; personal data opened when dataKey is given.
    static Result<QList<UserRecord>> list(QSqlDatabase &db, const MasterKey *dataKey,
                                          const QByteArray &clusterContext);

    // Seals and stores a user's full name and e-mail address (an empty one is removed).
    // NotFound when there is no such user.
    static Result<void> setPersonalData(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                                        const QByteArray &clusterContext, const QString &name,
                                        const QString &fullName, const QString &email);

    // Gives an existing user (user.user.name) a new password: a new hash, the failed logins
    // forgotten and the lock lifted, and for an administrator a new key pair with a copy
    // of the data key (the way an administrator made before personal data was sealed gets
    // one). NotFound when there is no such user; the role is not changed.
    static Result<void> resetPassword(QSqlDatabase &db, const Dialect &dialect, const Prepared &user,
                                      const MasterKey &dataKey, const QByteArray &clusterContext);

    // Makes a user an auditor: its role, and its key pair and copy of the data key dropped
    // (an auditor opens no sealed data). NotFound when there is no such user.
    static Result<void> makeAuditor(QSqlDatabase &db, const QString &name);
    // Makes an existing user (user.user.name, prepared as an administrator) an
    // administrator: the new password, its key pair and a copy of the data key, the failed
    // logins forgotten. A lock stays. NotFound when there is no such user.
    static Result<void> makeAdministrator(QSqlDatabase &db, const Dialect &dialect, const Prepared &user,
                                          const MasterKey &dataKey, const QByteArray &clusterContext);
    // Locks an account until lockedUntil (database time, or LockedUntilUnlocked), or with
    // nullopt lifts the lock and forgets the failed logins. NotFound when there is no such user.
    static Result<void> setLock(QSqlDatabase &db, const QString &name, std::optional<qint64> lockedUntil);

    // The data key, opened with an administrator's password: the console's way in.
    // NotFound when the user holds no copy (an auditor, or an administrator made before
    // personal data was sealed: "cohortctl users reset-password" gives one).
    static Result<MasterKey> openDataKey(QSqlDatabase &db, const QByteArray &clusterContext,
                                         const QString &name, const QString &password);
    // The same in two steps, for a session that keeps the user's key pair (not the
    // password) to open the data key again after it is rotated.
    static Result<KeyPair> openKeyPair(QSqlDatabase &db, const QByteArray &clusterContext,
                                       const QString &name, const QString &password);
    static Result<MasterKey> openDataKey(QSqlDatabase &db, const QByteArray &clusterContext,
                                         const QString &name, const KeyPair &keys);
};

} // namespace Cohort
