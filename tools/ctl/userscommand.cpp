#include "userscommand.h"

#include "administration.h"
#include "auditlog.h"
#include "cluster.h"
#include "ctloptions.h"
#include "masterkey.h"
#include "texttable.h"
#include "users.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// A year: a longer lock is one until unlocked.
constexpr qint64 MaxLockMinutes = 366 * 24 * 60;

const QStringList Actions = {u"list"_s,     u"add"_s,  u"set"_s,   u"reset-password"_s,
                             u"set-role"_s, u"lock"_s, u"unlock"_s};

} // namespace

QString UsersCommand::name() const
{
    return u"users"_s;
}

QString UsersCommand::summary() const
{
    return tr("Lists the console's users, adds one, changes one's data, password or role, locks one.");
}

QString UsersCommand::description() const
{
    return summary() + u"\n\n"_s
           + tr("list                  Every user. Full names and e-mail addresses are sealed with the\n"
                "                      data key: they show only with --secret-file.\n"
                "add NAME              A new user (--role, default auditor; --full-name, --email).\n"
                "set NAME              Changes a user's --full-name or --email (an empty value removes it).\n"
                "reset-password NAME   A new password; lifts a lock. An administrator also gets a new\n"
                "                      key and a copy of the data key, so the console opens sealed data.\n"
                "set-role NAME ROLE    administrator or auditor. An auditor made administrator gets a\n"
                "                      new password (--password-file, or standard input) with a key\n"
                "                      wrapped by it and a copy of the data key: this needs --secret-file.\n"
                "                      An administrator made auditor loses its key and copy.\n"
                "lock NAME             Locks the account: for --minutes, or until unlocked.\n"
                "unlock NAME           Lifts a lock and forgets the failed logins.\n"
                "add, set, reset-password and set-role NAME administrator need --secret-file; set-role\n"
                "NAME auditor, lock and unlock need only --db. The last administrator who is not locked\n"
                "cannot be made auditor or locked. All but list are recorded in the audit log.");
}

void UsersCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::secretFile());
    parser.addOption(CtlOptions::json());
    parser.addOption({u"role"_s, tr("add: administrator or auditor (default: auditor)."), u"ROLE"_s});
    parser.addOption(
        {u"minutes"_s,
         tr("lock: for this many minutes, from 1 to %1 (default: until unlocked).").arg(MaxLockMinutes),
         u"N"_s});
    parser.addOption({u"full-name"_s, tr("add, set: the user's full name."), u"TEXT"_s});
    parser.addOption({u"email"_s, tr("add, set: the user's e-mail address."), u"ADDRESS"_s});
    parser.addOption({u"password-file"_s,
                      tr("add, reset-password, set-role NAME administrator: a file whose first line is the "
                         "password (default: read it from standard input)."),
                      u"FILE"_s});
    parser.addPositionalArgument(u"ACTION"_s,
                                 tr("list, add, set, reset-password, set-role, lock or unlock."));
    parser.addPositionalArgument(u"NAME"_s, tr("The user (not for list)."), u"[NAME]"_s);
    parser.addPositionalArgument(u"ROLE"_s, tr("set-role: administrator or auditor."), u"[ROLE]"_s);
}

int UsersCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        return usage(tr("give an ACTION: list, add, set, reset-password, set-role, lock or unlock"));
    const QString action = arguments.constFirst();
    if (!Actions.contains(action))
        return usage(tr("unknown ACTION \"%1\": use list, add, set, reset-password, set-role, lock or unlock")
                         .arg(action));
    if (action != u"lock"_s && parser.isSet(u"minutes"_s))
        return usage(tr("--minutes is only for lock"));
    if (action == u"list"_s) {
        if (arguments.size() != 1)
            return usage(tr("list takes no NAME"));
        return list(parser);
    }
    if (action == u"set-role"_s) {
        if (arguments.size() != 3)
            return usage(tr("set-role needs a NAME and a ROLE (administrator or auditor)"));
        return setRole(arguments.at(1), arguments.at(2), parser);
    }
    if (arguments.size() != 2)
        return usage(tr("%1 needs exactly one NAME").arg(action));
    if (action == u"lock"_s || action == u"unlock"_s)
        return lock(action, arguments.at(1), parser);
    return change(action, arguments.at(1), parser);
}

Result<ClusterInfo> UsersCommand::loadCluster(Database &database)
{
    auto cluster = Cluster::load(database);
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value())
        return makeError(ErrorCode::NotFound, tr("The database holds no cluster."));
    if ((*cluster)->schemaVersion < 5) {
        return makeError(
            ErrorCode::UpgradeRequired,
            tr("The database's schema is at version %1; users' personal data needs version 5. Run "
               "\"cohortctl migrate\" first.")
                .arg((*cluster)->schemaVersion));
    }
    return **cluster;
}

int UsersCommand::list(const QCommandLineParser &parser)
{
    std::optional<QByteArray> secret;
    if (parser.isSet(u"secret-file"_s)) {
        auto read = MasterKey::readSecretFile(parser.value(u"secret-file"_s));
        if (!read)
            return fail(read.message());
        secret = *read;
    }
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto cluster = loadCluster(*database);
    if (!cluster)
        return fail(cluster.message());
    const QByteArray context = cluster->keyContext();
    std::optional<MasterKey> key;
    if (secret) {
        auto unlocked = MasterKey::unwrap(cluster->wrappedDataKey, *secret, context);
        if (!unlocked)
            return fail(unlocked.message());
        key = *unlocked;
    }
    auto db = database->connection();
    if (!db)
        return fail(db.message());
    auto users = Users::list(*db, key ? &*key : nullptr, context);
    if (!users)
        return fail(users.message());

    const QString sealed = tr("(sealed)");
    if (parser.isSet(u"json"_s)) {
        QJsonArray array;
        for (const UserRecord &user : std::as_const(*users)) {
            const auto personal = [&](const QString &value) {
                if (key)
                    return value.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(value);
                return QJsonValue(QJsonValue::Null);
            };
            array.append(QJsonObject{
                {u"name"_s, user.name},
                {u"role"_s, roleName(user.role)},
                {u"full_name"_s, personal(user.fullName)},
                {u"email"_s, personal(user.email)},
                {u"personal_data_sealed"_s, user.personalDataSealed},
                {u"holds_data_key"_s, user.holdsDataKey},
                {u"failed_logins"_s, user.failedLogins},
                {u"locked_until"_s, user.lockedUntil ? QJsonValue(CtlOptions::utcTime(*user.lockedUntil))
                                                     : QJsonValue(QJsonValue::Null)},
            });
        }
        m_out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        return ExitSuccess;
    }
    TextTable table({tr("NAME", "table heading"), tr("ROLE", "table heading"), tr("FULL NAME"),
                     tr("E-MAIL", "table heading"), tr("SEALED DATA"), tr("LOCKED UNTIL")});
    for (const UserRecord &user : std::as_const(*users)) {
        QString access = user.role == Role::Administrator
                             ? (user.holdsDataKey ? tr("opens") : tr("no key: reset-password"))
                             : QString();
        table.addRow({user.name, roleName(user.role), user.personalDataSealed ? sealed : user.fullName,
                      user.personalDataSealed ? sealed : user.email, access,
                      !user.lockedUntil                          ? QString()
                      : *user.lockedUntil >= LockedUntilUnlocked ? tr("until unlocked")
                                                                 : CtlOptions::utcTime(*user.lockedUntil)});
    }
    table.print(m_out);
    return ExitSuccess;
}

int UsersCommand::change(const QString &action, const QString &user, const QCommandLineParser &parser)
{
    QString secretPath;
    if (!required(parser, u"secret-file"_s, &secretPath))
        return ExitUsage;
    const bool adding = action == u"add"_s;
    const bool setting = action == u"set"_s;
    if (!adding && parser.isSet(u"role"_s))
        return usage(tr("--role is only for add; set-role changes a user's role"));
    if (!adding && !setting && (parser.isSet(u"full-name"_s) || parser.isSet(u"email"_s)))
        return usage(tr("--full-name and --email are for add and set"));
    if (setting && !parser.isSet(u"full-name"_s) && !parser.isSet(u"email"_s))
        return usage(tr("set needs --full-name or --email"));
    if (setting && parser.isSet(u"password-file"_s))
        return usage(tr("set does not change the password; use reset-password"));

    NewUser wanted;
    wanted.name = user;
    if (const QString problem = Users::nameProblem(user); !problem.isEmpty())
        return invalid(problem);
    if (adding) {
        const auto role =
            roleFromName(parser.value(u"role"_s).isEmpty() ? u"auditor"_s : parser.value(u"role"_s));
        if (!role)
            return invalid(
                tr("--role must be administrator or auditor, not \"%1\"").arg(parser.value(u"role"_s)));
        wanted.role = *role;
    }
    wanted.fullName = parser.value(u"full-name"_s);
    wanted.email = parser.value(u"email"_s);
    for (const QString &problem :
         {Users::fullNameProblem(wanted.fullName), Users::emailProblem(wanted.email)}) {
        if (!problem.isEmpty())
            return invalid(problem);
    }

    auto secret = MasterKey::readSecretFile(secretPath);
    if (!secret)
        return fail(secret.message());
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto cluster = loadCluster(*database);
    if (!cluster)
        return fail(cluster.message());
    const QByteArray context = cluster->keyContext();
    auto key = MasterKey::unwrap(cluster->wrappedDataKey, *secret, context);
    if (!key)
        return fail(key.message());

    auto db = database->connection();
    if (!db)
        return fail(db.message());
    auto existing = Users::list(*db, &*key, context);
    if (!existing)
        return fail(existing.message());
    const auto found = std::find_if(existing->cbegin(), existing->cend(),
                                    [&](const UserRecord &record) { return record.name == user; });
    if (adding && found != existing->cend())
        return fail(tr("There already is a user %1; nothing was changed.").arg(user));
    if (!adding && found == existing->cend())
        return fail(tr("There is no user %1.").arg(user));

    const QString actor = CtlOptions::actor();
    if (setting) {
        const QString fullName = parser.isSet(u"full-name"_s) ? wanted.fullName : found->fullName;
        const QString email = parser.isSet(u"email"_s) ? wanted.email : found->email;
        auto stored = database->write([&](QSqlDatabase &tx) -> Result<void> {
            if (auto set =
                    Users::setPersonalData(tx, database->dialect(), *key, context, user, fullName, email);
                !set)
                return set;
            QStringList changed;
            if (parser.isSet(u"full-name"_s))
                changed << u"full_name"_s;
            if (parser.isSet(u"email"_s))
                changed << u"email"_s;
            return AuditLog::record(tx, database->dialect(), actor, u"user.update"_s, user,
                                    u"changed: "_s + changed.join(u", "));
        });
        if (!stored)
            return fail(stored.message());
        m_out << tr("Updated user %1.").arg(user) << Qt::endl;
        return ExitSuccess;
    }

    if (!adding)
        wanted.role = found->role;
    auto password =
        CtlOptions::readPassword(parser.value(u"password-file"_s), tr("Password for %1: ").arg(user));
    if (!password)
        return fail(password.message());
    wanted.password = *password;
    auto prepared = Users::prepare(wanted, context);
    if (!prepared)
        return prepared.code() == ErrorCode::InvalidArgument ? invalid(prepared.message())
                                                             : fail(prepared.message());
    auto stored = database->write([&](QSqlDatabase &tx) -> Result<void> {
        if (adding) {
            auto inserted = Users::insert(tx, database->dialect(), *prepared, *key, context);
            if (!inserted)
                return inserted.error();
            return AuditLog::record(tx, database->dialect(), actor, u"user.create"_s, user,
                                    u"role=%1"_s.arg(roleName(wanted.role)));
        }
        if (auto reset = Users::resetPassword(tx, database->dialect(), *prepared, *key, context); !reset)
            return reset;
        return AuditLog::record(tx, database->dialect(), actor, u"user.password-reset"_s, user, QString());
    });
    if (!stored)
        return fail(stored.message());
    m_out << (adding ? tr("Added %1 %2.").arg(roleName(wanted.role), user)
                     : tr("Set a new password for %1; the account is unlocked.").arg(user))
          << Qt::endl;
    return ExitSuccess;
}

int UsersCommand::setRole(const QString &user, const QString &roleText, const QCommandLineParser &parser)
{
    for (const QString &option : {u"role"_s, u"full-name"_s, u"email"_s}) {
        if (parser.isSet(option))
            return usage(tr("--%1 does not apply to set-role").arg(option));
    }
    if (const QString problem = Users::nameProblem(user); !problem.isEmpty())
        return invalid(problem);
    const auto role = roleFromName(roleText);
    if (!role)
        return invalid(tr("the ROLE must be administrator or auditor, not \"%1\"").arg(roleText));
    const bool promoting = *role == Role::Administrator;
    if (!promoting && parser.isSet(u"password-file"_s))
        return usage(tr("--password-file is for set-role NAME administrator; an auditor's password stays"));
    QString secretPath;
    if (promoting && !required(parser, u"secret-file"_s, &secretPath))
        return ExitUsage;

    std::optional<QByteArray> secret;
    if (promoting) {
        auto read = MasterKey::readSecretFile(secretPath);
        if (!read)
            return fail(read.message());
        secret = *read;
    }
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    Administration administration = Administration::commandLine(*database, CtlOptions::actor());
    if (!promoting) {
        if (auto changed = administration.makeAuditor(user); !changed)
            return fail(changed.message());
        m_out << tr("%1 is now an auditor; its key and copy of the data key are gone.").arg(user) << Qt::endl;
        return ExitSuccess;
    }

    auto cluster = loadCluster(*database);
    if (!cluster)
        return fail(cluster.message());
    const QByteArray context = cluster->keyContext();
    auto key = MasterKey::unwrap(cluster->wrappedDataKey, *secret, context);
    if (!key)
        return fail(key.message());
    // Asked before the password is: the change itself checks again in its transaction.
    auto db = database->connection();
    if (!db)
        return fail(db.message());
    auto existing = Users::list(*db, nullptr, context);
    if (!existing)
        return fail(existing.message());
    const auto found = std::find_if(existing->cbegin(), existing->cend(),
                                    [&](const UserRecord &record) { return record.name == user; });
    if (found == existing->cend())
        return fail(tr("There is no user %1.").arg(user));
    if (found->role == Role::Administrator)
        return fail(tr("%1 is already an administrator; nothing was changed.").arg(user));

    auto password =
        CtlOptions::readPassword(parser.value(u"password-file"_s), tr("New password for %1: ").arg(user));
    if (!password)
        return fail(password.message());
    auto prepared = Users::prepare(NewUser{user, *password, Role::Administrator, {}, {}}, context);
    if (!prepared)
        return prepared.code() == ErrorCode::InvalidArgument ? invalid(prepared.message())
                                                             : fail(prepared.message());
    if (auto changed = administration.makeAdministrator(*prepared, *key, context); !changed)
        return fail(changed.message());
    m_out << tr("%1 is now an administrator, with a new password that opens the data key.").arg(user)
          << Qt::endl;
    return ExitSuccess;
}

int UsersCommand::lock(const QString &action, const QString &user, const QCommandLineParser &parser)
{
    for (const QString &option : {u"role"_s, u"full-name"_s, u"email"_s, u"password-file"_s}) {
        if (parser.isSet(option))
            return usage(tr("--%1 does not apply to %2").arg(option, action));
    }
    if (const QString problem = Users::nameProblem(user); !problem.isEmpty())
        return invalid(problem);
    std::optional<qint64> minutes;
    if (parser.isSet(u"minutes"_s)) {
        minutes = CtlOptions::wholeNumber(parser.value(u"minutes"_s), 1, MaxLockMinutes);
        if (!minutes)
            return invalid(tr("--minutes must be a whole number from 1 to %1, not \"%2\"")
                               .arg(MaxLockMinutes)
                               .arg(parser.value(u"minutes"_s)));
    }

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    Administration administration = Administration::commandLine(*database, CtlOptions::actor());
    if (action == u"unlock"_s) {
        if (auto unlocked = administration.unlockUser(user); !unlocked)
            return fail(unlocked.message());
        m_out << tr("Unlocked %1.").arg(user) << Qt::endl;
        return ExitSuccess;
    }
    if (auto locked = administration.lockUser(user, minutes); !locked)
        return fail(locked.message());
    m_out << (minutes ? tr("Locked %1 for %n minute(s).", nullptr, int(*minutes)).arg(user)
                      : tr("Locked %1 until it is unlocked.").arg(user))
          << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
