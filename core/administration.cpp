#include "administration.h"

#include "auditlog.h"
#include "configproperties.h"
#include "users.h"
#include "clustersettings.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the row lock (PostgreSQL), so the user is not removed or demoted while the change
// it authorizes is being made.
const QString SelectRole = u"SELECT role FROM users WHERE name = ?%1"_s;

const QString UpdateDescription = u"UPDATE nodes SET description = ? WHERE guid = ?"_s;
const QString SelectDescription = u"SELECT name, description FROM nodes WHERE guid = ?%1"_s;

// %1: the row lock.
const QString SelectAlert = uR"(
    SELECT kind, COALESCE(node_guid, ''), COALESCE(acknowledged_at, 0), COALESCE(cleared_at, 0)
      FROM alerts WHERE id = ?%1)"_s;
// %1: the database clock.
const QString AcknowledgeAlert = uR"(
    UPDATE alerts SET acknowledged_at = %1, acknowledged_by = ?
     WHERE id = ? AND acknowledged_at IS NULL AND cleared_at IS NULL)"_s;
const QString ClearAlert =
    u"UPDATE alerts SET cleared_at = %1, cleared_by = ? WHERE id = ? AND cleared_at IS NULL"_s;

// The stored values, raw: a value out of range must not stop an administrator fixing it.
const QString SelectSettings = u"SELECT name, value FROM cluster_settings WHERE name IN (?, ?, ?, ?)"_s;

constexpr qsizetype MaxDescriptionLength = 500;

QString quoted(const QString &text)
{
    return u"\""_s + text + u"\""_s;
}

// The operator's role as the users table says now, not as it was at login.
Result<void> authorize(QSqlDatabase &db, const Dialect &dialect, const UserSession &session)
{
    auto query = execQuery(db, SelectRole.arg(dialect.forUpdate()), {session.user},
                           Administration::tr("checking the role of %1").arg(session.user));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(ErrorCode::AccessDenied,
                         Administration::tr("The user %1 no longer exists and may not change the cluster.")
                             .arg(session.user));
    const QString role = query->value(0).toString();
    query->finish();
    if (roleFromName(role) != Role::Administrator)
        return makeError(
            ErrorCode::AccessDenied,
            Administration::tr("%1 is an auditor and may not change the cluster.").arg(session.user));
    return {};
}

struct AlertState
{
    QString kind;
    QString nodeGuid;
    qint64 acknowledgedAt = 0;
    qint64 clearedAt = 0;
};

Result<AlertState> readAlert(QSqlDatabase &db, const Dialect &dialect, qint64 alertId)
{
    auto query = execQuery(db, SelectAlert.arg(dialect.forUpdate()), {alertId},
                           Administration::tr("reading alert %1").arg(alertId));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(ErrorCode::NotFound, Administration::tr("There is no alert %1.").arg(alertId));
    AlertState alert{query->value(0).toString(), query->value(1).toString(), query->value(2).toLongLong(),
                     query->value(3).toLongLong()};
    query->finish();
    return alert;
}

QString alertDetails(const AlertState &alert)
{
    return alert.nodeGuid.isEmpty() ? u"kind=%1"_s.arg(alert.kind)
                                    : u"kind=%1 node=%2"_s.arg(alert.kind, alert.nodeGuid);
}

} // namespace

Administration::Administration(Database &database, UserSession session)
    : m_database(database)
    , m_session(std::move(session))
{}

Result<NodeInfo> Administration::decommissionNode(const QString &guid)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<NodeInfo> {
        if (auto allowed = authorize(db, dialect, m_session); !allowed)
            return allowed.error();
        // The same change as "cohortctl decommission": refused unless the node is still
        // Offline now, in this transaction.
        return NodeRegistry::decommissionIn(db, dialect, guid, m_session.user);
    });
}

Result<void> Administration::setNodeDescription(const QString &guid, const QString &description)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db, dialect, m_session); !allowed)
            return allowed;
        if (description.size() > MaxDescriptionLength)
            return makeError(ErrorCode::InvalidArgument,
                             tr("The description has %1 characters; at most %2 are allowed.")
                                 .arg(description.size())
                                 .arg(MaxDescriptionLength));
        auto node = execQuery(db, SelectDescription.arg(dialect.forUpdate()), {guid},
                              tr("finding node %1").arg(guid));
        if (!node)
            return node.error();
        if (!node->next())
            return makeError(ErrorCode::NotFound, tr("There is no node %1.").arg(guid));
        const QString name = node->value(0).toString();
        const QString before = node->value(1).toString();
        node->finish();
        // The column is NOT NULL; a null QString would bind as NULL.
        const QString after = description.isNull() ? u""_s : description;
        auto updated = execQuery(db, UpdateDescription, {after, guid}, tr("describing node %1").arg(name));
        if (!updated)
            return updated.error();
        return AuditLog::record(db, dialect, m_session.user, u"node.describe"_s, guid,
                                u"name=%1 description: %2 → %3"_s.arg(name, quoted(before), quoted(after)));
    });
}

Result<void> Administration::acknowledgeAlert(qint64 alertId)
{
    return changeAlert(alertId, AlertChange::Acknowledge);
}

Result<void> Administration::clearAlert(qint64 alertId)
{
    return changeAlert(alertId, AlertChange::Clear);
}

Result<void> Administration::changeAlert(qint64 alertId, AlertChange change)
{
    const bool clear = change == AlertChange::Clear;
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db, dialect, m_session); !allowed)
            return allowed;
        auto alert = readAlert(db, dialect, alertId);
        if (!alert)
            return alert.error();
        if (alert->clearedAt != 0)
            return makeError(ErrorCode::Conflict, tr("Alert %1 is already cleared.").arg(alertId));
        if (!clear && alert->acknowledgedAt != 0)
            return makeError(ErrorCode::Conflict, tr("Alert %1 is already acknowledged.").arg(alertId));
        const QString sql = (clear ? ClearAlert : AcknowledgeAlert).arg(dialect.nowMillis());
        auto updated = execQuery(db, sql, {m_session.user, alertId},
                                 clear ? tr("clearing alert %1").arg(alertId)
                                       : tr("acknowledging alert %1").arg(alertId));
        if (!updated)
            return updated.error();
        if (updated->numRowsAffected() != 1)
            return makeError(ErrorCode::Conflict, tr("Alert %1 changed meanwhile; look again.").arg(alertId));
        updated->finish();
        return AuditLog::record(db, dialect, m_session.user, clear ? u"alert.clear"_s : u"alert.acknowledge"_s,
                                QString::number(alertId), alertDetails(*alert));
    });
}

Result<void> Administration::saveSystemSettings(const SystemSettings &settings)
{
    using Field = SystemSettings::Field;
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db, dialect, m_session); !allowed)
            return allowed;
        if (const auto problems = settings.problems(); !problems.isEmpty())
            return makeError(ErrorCode::InvalidArgument, problems.constFirst().message);

        const QString addressName = systemSettingName(Field::LoadBalancerAddress);
        const QString heartbeatName = systemSettingName(Field::HeartbeatSeconds);
        const QString offlineName = systemSettingName(Field::OfflineAfterSeconds);
        const QString toleranceName = systemSettingName(Field::TimeToleranceSeconds);
        auto query = execQuery(db, SelectSettings, {addressName, heartbeatName, offlineName, toleranceName},
                               tr("reading the system settings"));
        if (!query)
            return query.error();
        QHash<QString, QString> stored;
        while (query->next())
            stored.insert(query->value(0).toString(), query->value(1).toString());
        query->finish();

        struct Change
        {
            QString name;
            QString before; // as stored, or the default when unset
            QString after;
            bool text;
        };
        const QList<Change> candidates = {
            {addressName, stored.value(addressName), settings.loadBalancerAddress, true},
            {heartbeatName,
             stored.value(heartbeatName, QString::number(Setting::HeartbeatSeconds.defaultValue)),
             QString::number(settings.heartbeatSeconds), false},
            {offlineName,
             stored.value(offlineName, QString::number(Setting::OfflineAfterSeconds.defaultValue)),
             QString::number(settings.offlineAfterSeconds), false},
            {toleranceName,
             stored.value(toleranceName, QString::number(Setting::TimeToleranceSeconds.defaultValue)),
             QString::number(settings.timeToleranceSeconds), false},
        };
        QStringList changes;
        for (const Change &change : candidates) {
            if (change.before == change.after)
                continue;
            // value is NOT NULL: an empty address is stored as an empty string.
            const QString value = change.after.isNull() ? u""_s : change.after;
            if (auto set = ClusterSettings::set(db, dialect, change.name, value, m_session.user); !set)
                return set;
            changes << u"%1: %2 → %3"_s.arg(change.name, change.text ? quoted(change.before) : change.before,
                                            change.text ? quoted(value) : value);
        }
        if (changes.isEmpty())
            return {};
        return AuditLog::record(db, dialect, m_session.user, u"settings.change"_s, u"cluster_settings"_s,
                                changes.join(u"; "_s));
    });
}

Result<void> Administration::setPersonalData(const MasterKey &dataKey, const QByteArray &clusterContext,
                                             const QString &user, const QString &fullName, const QString &email)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db, dialect, m_session); !allowed)
            return allowed;
        auto users = Users::list(db, &dataKey, clusterContext);
        if (!users)
            return users.error();
        const auto found = std::find_if(users->cbegin(), users->cend(),
                                        [&](const UserRecord &record) { return record.name == user; });
        if (found == users->cend())
            return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(user));
        QStringList changed;
        if (found->fullName != fullName)
            changed << u"full_name"_s;
        if (found->email != email)
            changed << u"email"_s;
        if (changed.isEmpty())
            return {};
        if (auto stored = Users::setPersonalData(db, dialect, dataKey, clusterContext, user, fullName, email); !stored)
            return stored;
        return AuditLog::record(db, dialect, m_session.user, u"user.update"_s, user, u"changed: "_s + changed.join(u", "));
    });
}

Result<void> Administration::setSecretProperty(const MasterKey &dataKey, const QByteArray &clusterContext,
                                               const QString &name, const QString &value)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db, dialect, m_session); !allowed)
            return allowed;
        if (auto stored = ConfigProperties::store(db, dialect, dataKey, clusterContext, name, value, m_session.user);
            !stored)
            return stored;
        return AuditLog::record(db, dialect, m_session.user, u"config.set"_s, name, QString());
    });
}

} // namespace Cohort
