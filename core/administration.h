// Administration: the changes an operator makes from the console. Each runs in one
// transaction that first reads the operator's role again from the users table (an
// auditor, or a user removed since login, is refused with AccessDenied), re-checks the
// state it depends on, and writes the audit entry with the change.
#pragma once

#include "authentication.h"
#include "database.h"
#include "masterkey.h"
#include "noderegistry.h"
#include "result.h"
#include "systemsettings.h"

#include <QCoreApplication>

namespace Cohort {

class Administration
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Administration)

public:
    Administration(Database &database, UserSession session);

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
    // A user's full name and e-mail address, sealed with dataKey (which must be the
    // cluster's current one: Conflict otherwise). Audited as "user.update" with the names
    // of the fields changed, never their values.
    Result<void> setPersonalData(const MasterKey &dataKey, const QByteArray &clusterContext, const QString &user,
                                 const QString &fullName, const QString &email);
    // A secret configuration property, sealed with dataKey; audited as "config.set" with
    // its name only.
    Result<void> setSecretProperty(const MasterKey &dataKey, const QByteArray &clusterContext, const QString &name,
                                   const QString &value);

private:
    enum class AlertChange { Acknowledge, Clear };
    Result<void> changeAlert(qint64 alertId, AlertChange change);

    Database &m_database;
    UserSession m_session;
};

} // namespace Cohort
