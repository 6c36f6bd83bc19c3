// Administration: the changes an operator makes from the console or cohortctl. Each runs
// in one transaction that first checks the operator's authority (for a console user, the
// role read again from the users table: an auditor, or a user removed since login, is
// refused with AccessDenied), re-checks the state it depends on, and writes the audit
// entry with the change.
#pragma once

#include "authentication.h"
#include "database.h"
#include "masterkey.h"
#include "noderegistry.h"
#include "result.h"
#include "systemsettings.h"
#include "users.h"

#include <QCoreApplication>
#include <QHash>

namespace Cohort {

class Administration
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Administration)

public:
    // A console user: every change first reads the user's role again.
    Administration(Database &database, UserSession session);
    // cohortctl's operator, whose authority is holding the database's URL (as for
    // "cohortctl decommission"): no console user, so no role to read; every change is
    // audited with actor ("cohortctl:<os user>").
    static Administration commandLine(Database &database, const QString &actor);

    // For the command line's operator: the actor as user, with an administrator's role.
    const UserSession &session() const { return m_session; }

    // Decommissions an Offline node by GUID. A node that is Online again (or otherwise not
    // Offline) is refused with Conflict and a message naming its status; audited as
    // "node.decommission".
    Result<NodeInfo> decommissionNode(const QString &guid);
    // Audited as "node.describe". At most 500 characters.
    Result<void> setNodeDescription(const QString &guid, const QString &description);
    // Audited as "alert.acknowledge" / "alert.clear". Acknowledging an acknowledged or
    // cleared alert, or clearing a cleared one, is a Conflict.
    Result<void> acknowledgeAlert(qint64 alertId);
    Result<void> clearAlert(qint64 alertId);
    // Refused with InvalidArgument (message: the first problem) when settings.problems()
    // is not empty; nothing is written then. Audited as "settings.change" with the changed
    // names and values.
    Result<void> saveSystemSettings(const SystemSettings &settings);
    // Sets only the named fields to their values in settings; the others keep the values
    // stored now, read in the same transaction (a concurrent change to another field is
    // kept). Validated and audited as saveSystemSettings, but the problem's message starts
    // with the setting's name. A stored value of another field that is not a number is
    // InvalidArgument too: set it as well to repair it.
    Result<void> changeSystemSettings(const SystemSettings &settings,
                                      const QList<SystemSettings::Field> &fields);
    // A user's full name and e-mail address, sealed with dataKey (which must be the
    // cluster's current one: Conflict otherwise). Audited as "user.update" with the names
    // of the fields changed, never their values.
    Result<void> setPersonalData(const MasterKey &dataKey, const QByteArray &clusterContext,
                                 const QString &user, const QString &fullName, const QString &email);
    // A secret configuration property, sealed with dataKey; audited as "config.set" with
    // its name only.
    Result<void> setSecretProperty(const MasterKey &dataKey, const QByteArray &clusterContext,
                                   const QString &name, const QString &value);

    // Users' roles and locks. Refused with Conflict when afterwards no administrator would
    // be left unlocked (the administrators' rows are locked while this is checked), and
    // with NotFound for an unknown user.
    // An administrator becomes an auditor: its key pair and copy of the data key are
    // dropped. Conflict when it already is one. Audited as "user.role".
    Result<void> makeAuditor(const QString &user);
    // An auditor becomes an administrator with the new password, key pair and copy of the
    // data key in user (Users::prepare with Role::Administrator; dataKey must be the
    // cluster's current one). Conflict when it already is one. Audited as "user.role".
    Result<void> makeAdministrator(const Users::Prepared &user, const MasterKey &dataKey,
                                   const QByteArray &clusterContext);
    // Locks an account for minutes (database time), or with nullopt until it is unlocked
    // (LockedUntilUnlocked). Audited as "user.lock".
    Result<void> lockUser(const QString &user, std::optional<qint64> minutes);
    // Lifts a lock and forgets the failed logins. Conflict when the account is not
    // locked. Audited as "user.unlock".
    Result<void> unlockUser(const QString &user);

private:
    enum class Authority { ConsoleUser, DatabaseUrl };
    Administration(Database &database, UserSession session, Authority authority);

    // The operator's authority in this transaction: a console user's role read again.
    Result<void> authorize(QSqlDatabase &db) const;
    enum class AlertChange { Acknowledge, Clear };
    Result<void> changeAlert(qint64 alertId, AlertChange change);
    // The system settings' stored values by name (only those set).
    Result<QHash<QString, QString>> readSettings(QSqlDatabase &db) const;
    // Stores the fields of settings that differ from stored and audits them.
    Result<void> storeSettings(QSqlDatabase &db, const QHash<QString, QString> &stored,
                               const SystemSettings &settings);
    enum class UserChange { MakeAuditor, MakeAdministrator, Lock, Unlock };
    struct UserChangeRequest;
    Result<void> changeUser(const UserChangeRequest &request);

    Database &m_database;
    UserSession m_session;
    Authority m_authority = Authority::ConsoleUser;
};

} // namespace Cohort
