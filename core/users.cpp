#include "users.h"

#include "passwordhash.h"
#include "sealeddata.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString InsertUser =
    u"INSERT INTO users (name, password_hash, role, key_public, key_private, created_at) "
    "VALUES (?, ?, ?, ?, ?, %1)"_s;
const QString SelectUserId = u"SELECT id FROM users WHERE name = ?"_s;
const QString UpdatePersonalData = u"UPDATE users SET full_name_sealed = ?, email_sealed = ? WHERE id = ?"_s;
const QString UpdateKeyCopy = u"UPDATE users SET key_data = ? WHERE id = ?"_s;
const QString SelectUsers =
    u"SELECT id, name, role, full_name_sealed, email_sealed, key_data, failed_logins, "
    "locked_until, created_at FROM users ORDER BY name"_s;
const QString ResetPassword =
    u"UPDATE users SET password_hash = ?, key_public = ?, key_private = ?, key_data = ?, "
    "failed_logins = 0, locked_until = NULL WHERE id = ?"_s;
const QString SelectKeys = u"SELECT id, key_private, key_data FROM users WHERE name = ?"_s;
const QString MakeAuditor =
    u"UPDATE users SET role = 'auditor', key_public = '', key_private = '', key_data = '' "
    "WHERE id = ?"_s;
const QString MakeAdministrator =
    u"UPDATE users SET role = 'administrator', password_hash = ?, key_public = ?, "
    "key_private = ?, key_data = ?, failed_logins = 0 WHERE id = ?"_s;
const QString Lock = u"UPDATE users SET locked_until = ? WHERE name = ?"_s;
const QString Unlock = u"UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE name = ?"_s;

constexpr int MaxFullNameLength = 200;
constexpr int MaxEmailLength = 254; // RFC 5321's limit on a path

bool hasControlCharacters(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(),
                       [](QChar c) { return c.category() == QChar::Other_Control; });
}

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

QString Users::fullNameProblem(const QString &fullName)
{
    if (fullName.size() > MaxFullNameLength)
        return tr("The full name has %1 characters; at most %2 are allowed.")
            .arg(fullName.size())
            .arg(MaxFullNameLength);
    if (hasControlCharacters(fullName))
        return tr("The full name contains a control character (a line break or tab, for example).");
    if (fullName != fullName.trimmed())
        return tr("The full name begins or ends with white space.");
    return {};
}

QString Users::emailProblem(const QString &email)
{
    if (email.isEmpty())
        return {};
    // Deliberately loose: one @ with something on both sides, no spaces. Whether the
    // address works is for the mail system to say.
    static const QRegularExpression shape(u"^[^@\\s]+@[^@\\s]+$"_s);
    if (email.size() > MaxEmailLength)
        return tr("The e-mail address has %1 characters; at most %2 are allowed.")
            .arg(email.size())
            .arg(MaxEmailLength);
    if (hasControlCharacters(email) || !shape.match(email).hasMatch())
        return tr("\"%1\" is not an e-mail address: it needs one @ with a name before it and a domain after "
                  "it, "
                  "and no spaces.")
            .arg(email);
    return {};
}

Result<Users::Prepared> Users::prepare(const NewUser &user, const QByteArray &clusterContext)
{
    for (const QString &problem :
         {nameProblem(user.name), fullNameProblem(user.fullName), emailProblem(user.email)}) {
        if (!problem.isEmpty())
            return makeError(ErrorCode::InvalidArgument, problem);
    }
    if (const QString weakness = PasswordHash::weakness(user.password); !weakness.isEmpty())
        return makeError(ErrorCode::InvalidArgument, weakness);
    Prepared prepared;
    prepared.user = user;
    auto hash = PasswordHash::hash(user.password);
    if (!hash)
        return hash.error();
    prepared.passwordHash = *hash;
    if (user.role == Role::Administrator) {
        auto keys = KeyPair::generate();
        if (!keys)
            return keys.error();
        auto wrapped = keys->wrap(user.password, SealedData::userPrivateKey(clusterContext, user.name));
        if (!wrapped)
            return wrapped.error();
        prepared.keys = *keys;
        prepared.wrappedPrivateKey = *wrapped;
    }
    return prepared;
}

Result<qint64> Users::insert(QSqlDatabase &db, const Dialect &dialect, const Prepared &user,
                             const MasterKey &dataKey, const QByteArray &clusterContext)
{
    if (auto locked = SealedData::lockCurrentKey(db, dialect, dataKey); !locked)
        return locked.error();
    // Empty, not null, strings for an auditor: the columns are NOT NULL.
    const QString publicKey = user.keys ? user.keys->publicKeyText() : u""_s;
    const QString wrappedPrivateKey = user.keys ? user.wrappedPrivateKey : u""_s;
    auto inserted =
        execQuery(db, InsertUser.arg(dialect.nowMillis()),
                  {user.user.name, user.passwordHash, roleName(user.user.role), publicKey, wrappedPrivateKey},
                  tr("creating user %1").arg(user.user.name));
    if (!inserted)
        return inserted.error();
    inserted->finish();
    auto found =
        execQuery(db, SelectUserId, {user.user.name}, tr("reading user %1's id").arg(user.user.name));
    if (!found)
        return found.error();
    if (!found->next())
        return makeError(ErrorCode::Database,
                         tr("User %1 vanished right after it was created.").arg(user.user.name));
    const qint64 id = found->value(0).toLongLong();
    found->finish();

    auto fullName = SealedData::sealText(dataKey, user.user.fullName,
                                         SealedData::userField(clusterContext, id, u"full_name_sealed"));
    auto email = SealedData::sealText(dataKey, user.user.email,
                                      SealedData::userField(clusterContext, id, u"email_sealed"));
    if (!fullName)
        return fullName.error();
    if (!email)
        return email.error();
    if (auto updated = execQuery(db, UpdatePersonalData, {*fullName, *email, id},
                                 tr("sealing user %1's personal data").arg(user.user.name));
        !updated)
        return updated.error();
    if (user.keys) {
        auto copy = dataKey.sealTo(user.keys->publicKey(), SealedData::userDataKey(clusterContext, id));
        if (!copy)
            return copy.error();
        if (auto updated = execQuery(db, UpdateKeyCopy, {*copy, id},
                                     tr("giving user %1 the data key").arg(user.user.name));
            !updated)
            return updated.error();
    }
    return id;
}

Result<QList<UserRecord>> Users::list(QSqlDatabase &db, const MasterKey *dataKey,
                                      const QByteArray &clusterContext)
{
    auto query = execQuery(db, SelectUsers, {}, tr("reading the users"));
    if (!query)
        return query.error();
    QList<UserRecord> users;
    while (query->next()) {
        UserRecord user;
        user.id = query->value(0).toLongLong();
        user.name = query->value(1).toString();
        user.role = roleFromName(query->value(2).toString()).value_or(Role::Auditor);
        const QString fullName = query->value(3).toString();
        const QString email = query->value(4).toString();
        user.holdsDataKey = !query->value(5).toString().isEmpty();
        user.failedLogins = query->value(6).toInt();
        if (!query->value(7).isNull())
            user.lockedUntil = query->value(7).toLongLong();
        user.createdAt = query->value(8).toLongLong();
        if (dataKey) {
            auto openedName = SealedData::openText(
                *dataKey, fullName, SealedData::userField(clusterContext, user.id, u"full_name_sealed"),
                tr("user %1's full name").arg(user.name));
            auto openedEmail = SealedData::openText(
                *dataKey, email, SealedData::userField(clusterContext, user.id, u"email_sealed"),
                tr("user %1's e-mail address").arg(user.name));
            if (!openedName)
                return openedName.error();
            if (!openedEmail)
                return openedEmail.error();
            user.fullName = *openedName;
            user.email = *openedEmail;
        } else {
            user.personalDataSealed = !fullName.isEmpty() || !email.isEmpty();
        }
        users.append(user);
    }
    return users;
}

Result<void> Users::setPersonalData(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                                    const QByteArray &clusterContext, const QString &name,
                                    const QString &fullName, const QString &email)
{
    for (const QString &problem : {fullNameProblem(fullName), emailProblem(email)}) {
        if (!problem.isEmpty())
            return makeError(ErrorCode::InvalidArgument, problem);
    }
    if (auto locked = SealedData::lockCurrentKey(db, dialect, dataKey); !locked)
        return locked;
    auto found = execQuery(db, SelectUserId, {name}, tr("finding user %1").arg(name));
    if (!found)
        return found.error();
    if (!found->next())
        return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(name));
    const qint64 id = found->value(0).toLongLong();
    found->finish();
    auto sealedName = SealedData::sealText(dataKey, fullName,
                                           SealedData::userField(clusterContext, id, u"full_name_sealed"));
    auto sealedEmail =
        SealedData::sealText(dataKey, email, SealedData::userField(clusterContext, id, u"email_sealed"));
    if (!sealedName)
        return sealedName.error();
    if (!sealedEmail)
        return sealedEmail.error();
    auto updated = execQuery(db, UpdatePersonalData, {*sealedName, *sealedEmail, id},
                             tr("storing user %1's personal data").arg(name));
    if (!updated)
        return updated.error();
    return {};
}

Result<void> Users::resetPassword(QSqlDatabase &db, const Dialect &dialect, const Prepared &user,
                                  const MasterKey &dataKey, const QByteArray &clusterContext)
{
    if (auto locked = SealedData::lockCurrentKey(db, dialect, dataKey); !locked)
        return locked;
    auto found = execQuery(db, SelectUserId, {user.user.name}, tr("finding user %1").arg(user.user.name));
    if (!found)
        return found.error();
    if (!found->next())
        return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(user.user.name));
    const qint64 id = found->value(0).toLongLong();
    found->finish();
    QString publicKey = u""_s, copy = u""_s, wrappedPrivateKey = u""_s;
    if (user.keys) {
        wrappedPrivateKey = user.wrappedPrivateKey;
        auto sealed = dataKey.sealTo(user.keys->publicKey(), SealedData::userDataKey(clusterContext, id));
        if (!sealed)
            return sealed.error();
        publicKey = user.keys->publicKeyText();
        copy = *sealed;
    }
    auto updated = execQuery(db, ResetPassword, {user.passwordHash, publicKey, wrappedPrivateKey, copy, id},
                             tr("setting user %1's password").arg(user.user.name));
    if (!updated)
        return updated.error();
    return {};
}

Result<void> Users::makeAuditor(QSqlDatabase &db, const QString &name)
{
    auto found = execQuery(db, SelectUserId, {name}, tr("finding user %1").arg(name));
    if (!found)
        return found.error();
    if (!found->next())
        return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(name));
    const qint64 id = found->value(0).toLongLong();
    found->finish();
    auto updated = execQuery(db, MakeAuditor, {id}, tr("making user %1 an auditor").arg(name));
    if (!updated)
        return updated.error();
    return {};
}

Result<void> Users::makeAdministrator(QSqlDatabase &db, const Dialect &dialect, const Prepared &user,
                                      const MasterKey &dataKey, const QByteArray &clusterContext)
{
    const QString &name = user.user.name;
    if (user.user.role != Role::Administrator || !user.keys)
        return makeError(ErrorCode::InvalidArgument,
                         tr("User %1 was not prepared as an administrator: there is no key pair.").arg(name));
    if (auto locked = SealedData::lockCurrentKey(db, dialect, dataKey); !locked)
        return locked;
    auto found = execQuery(db, SelectUserId, {name}, tr("finding user %1").arg(name));
    if (!found)
        return found.error();
    if (!found->next())
        return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(name));
    const qint64 id = found->value(0).toLongLong();
    found->finish();
    auto copy = dataKey.sealTo(user.keys->publicKey(), SealedData::userDataKey(clusterContext, id));
    if (!copy)
        return copy.error();
    auto updated =
        execQuery(db, MakeAdministrator,
                  {user.passwordHash, user.keys->publicKeyText(), user.wrappedPrivateKey, *copy, id},
                  tr("making user %1 an administrator").arg(name));
    if (!updated)
        return updated.error();
    return {};
}

Result<void> Users::setLock(QSqlDatabase &db, const QString &name, std::optional<qint64> lockedUntil)
{
    auto updated = lockedUntil ? execQuery(db, Lock, {*lockedUntil, name}, tr("locking user %1").arg(name))
                               : execQuery(db, Unlock, {name}, tr("unlocking user %1").arg(name));
    if (!updated)
        return updated.error();
    if (updated->numRowsAffected() != 1)
        return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(name));
    return {};
}

namespace {

struct StoredKeys
{
    qint64 id = 0;
    QString wrappedPrivate;
    QString copy;
};

Result<StoredKeys> storedKeys(QSqlDatabase &db, const QString &name)
{
    auto query = execQuery(db, SelectKeys, {name}, Users::tr("reading user %1's key").arg(name));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(ErrorCode::NotFound, Users::tr("There is no user %1.").arg(name));
    StoredKeys keys{query->value(0).toLongLong(), query->value(1).toString(), query->value(2).toString()};
    if (keys.wrappedPrivate.isEmpty() || keys.copy.isEmpty())
        return makeError(
            ErrorCode::NotFound,
            Users::tr("User %1 holds no copy of the data key; set a new password, which gives one, "
                      "with \"cohortctl users reset-password %1\".")
                .arg(name));
    return keys;
}

} // namespace

Result<KeyPair> Users::openKeyPair(QSqlDatabase &db, const QByteArray &clusterContext, const QString &name,
                                   const QString &password)
{
    auto stored = storedKeys(db, name);
    if (!stored)
        return stored.error();
    return KeyPair::unwrap(stored->wrappedPrivate, password,
                           SealedData::userPrivateKey(clusterContext, name));
}

Result<MasterKey> Users::openDataKey(QSqlDatabase &db, const QByteArray &clusterContext, const QString &name,
                                     const KeyPair &keys)
{
    auto stored = storedKeys(db, name);
    if (!stored)
        return stored.error();
    return MasterKey::openSealedTo(stored->copy, keys, SealedData::userDataKey(clusterContext, stored->id));
}

Result<MasterKey> Users::openDataKey(QSqlDatabase &db, const QByteArray &clusterContext, const QString &name,
                                     const QString &password)
{
    auto keys = openKeyPair(db, clusterContext, name, password);
    if (!keys)
        return keys.error();
    return openDataKey(db, clusterContext, name, *keys);
}

} // namespace Cohort
