#include "userscommand.h"

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

QString UsersCommand::name() const
{
    return u"users"_s;
}

QString UsersCommand::summary() const
{
    return tr("Lists the console's users, adds one, or changes one's personal data or password.");
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
                "All but list need --secret-file, and are recorded in the audit log.");
}

void UsersCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::secretFile());
    parser.addOption(CtlOptions::json());
    parser.addOption({u"role"_s, tr("add: administrator or auditor (default: auditor)."), u"ROLE"_s});
    parser.addOption({u"full-name"_s, tr("add, set: the user's full name."), u"TEXT"_s});
    parser.addOption({u"email"_s, tr("add, set: the user's e-mail address."), u"ADDRESS"_s});
    parser.addOption({u"password-file"_s,
                      tr("add, reset-password: a file whose first line is the password (default: read it from "
                         "standard input)."),
                      u"FILE"_s});
    parser.addPositionalArgument(u"ACTION"_s, tr("list, add, set or reset-password."));
    parser.addPositionalArgument(u"NAME"_s, tr("The user (not for list)."), u"[NAME]"_s);
}

int UsersCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        return usage(tr("give an ACTION: list, add, set or reset-password"));
    const QString action = arguments.constFirst();
    if (action == u"list"_s) {
        if (arguments.size() != 1)
            return usage(tr("list takes no NAME"));
        return list(parser);
    }
    if (action != u"add"_s && action != u"set"_s && action != u"reset-password"_s)
        return usage(tr("unknown ACTION \"%1\": use list, add, set or reset-password").arg(action));
    if (arguments.size() != 2)
        return usage(tr("%1 needs exactly one NAME").arg(action));
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
        return makeError(ErrorCode::UpgradeRequired,
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
    TextTable table({tr("NAME"), tr("ROLE"), tr("FULL NAME"), tr("E-MAIL"), tr("SEALED DATA"), tr("LOCKED UNTIL")});
    for (const UserRecord &user : std::as_const(*users)) {
        QString access = user.role == Role::Administrator
                             ? (user.holdsDataKey ? tr("opens") : tr("no key: reset-password"))
                             : QString();
        table.addRow({user.name, roleName(user.role), user.personalDataSealed ? sealed : user.fullName,
                      user.personalDataSealed ? sealed : user.email, access,
                      user.lockedUntil ? CtlOptions::utcTime(*user.lockedUntil) : QString()});
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
        return usage(tr("--role is only for add; a user's role does not change"));
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
        const auto role = roleFromName(parser.value(u"role"_s).isEmpty() ? u"auditor"_s : parser.value(u"role"_s));
        if (!role)
            return invalid(tr("--role must be administrator or auditor, not \"%1\"").arg(parser.value(u"role"_s)));
        wanted.role = *role;
    }
    wanted.fullName = parser.value(u"full-name"_s);
    wanted.email = parser.value(u"email"_s);
    for (const QString &problem : {Users::fullNameProblem(wanted.fullName), Users::emailProblem(wanted.email)}) {
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
            if (auto set = Users::setPersonalData(tx, database->dialect(), *key, context, user, fullName, email); !set)
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
    auto password = CtlOptions::readPassword(parser.value(u"password-file"_s), tr("Password for %1: ").arg(user));
    if (!password)
        return fail(password.message());
    wanted.password = *password;
    auto prepared = Users::prepare(wanted, context);
    if (!prepared)
        return prepared.code() == ErrorCode::InvalidArgument ? invalid(prepared.message()) : fail(prepared.message());
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

} // namespace Cohort
