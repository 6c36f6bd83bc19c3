#include "administration.h"

#include "auditlog.h"
#include "clustersettings.h"
#include "configproperties.h"

#include <QDateTime>

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

// The user a role or lock change is about, and every administrator: whether one is left
// unlocked is decided with all their rows locked (PostgreSQL), in id order so two such
// changes at once wait for each other instead of deadlocking. %1: the database clock;
// %2: the row lock.
const QString SelectUserAndAdministrators = uR"(
    SELECT name, role, COALESCE(locked_until, 0), %1 FROM users
     WHERE role = 'administrator' OR name = ? ORDER BY id%2)"_s;

constexpr qsizetype MaxDescriptionLength = 500;
constexpr qint64 MinuteMs = 60 * 1000;

QString quoted(const QString &text)
{
    return u"\""_s + text + u"\""_s;
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

struct Administration::UserChangeRequest
{
    UserChange change;
    QString user;
    const Users::Prepared *credentials = nullptr; // MakeAdministrator
    const MasterKey *dataKey = nullptr;           // MakeAdministrator
    QByteArray clusterContext;                    // MakeAdministrator
    std::optional<qint64> minutes;                // Lock: nullopt until unlocked
};

Administration::Administration(Database &database, UserSession session)
    : Administration(database, std::move(session), Authority::ConsoleUser)
{}

Administration::Administration(Database &database, UserSession session, Authority authority)
    : m_database(database)
    , m_session(std::move(session))
    , m_authority(authority)
{}

Administration Administration::commandLine(Database &database, const QString &actor)
{
    return Administration(database, UserSession{actor, Role::Administrator, 0}, Authority::DatabaseUrl);
}

Result<void> Administration::authorize(QSqlDatabase &db) const
{
    // Whoever holds the database's URL may change it directly; the audit names them.
    if (m_authority == Authority::DatabaseUrl)
        return {};
    // The console user's role as the users table says now, not as it was at login.
    auto query = execQuery(db, SelectRole.arg(m_database.dialect().forUpdate()), {m_session.user},
                           tr("checking the role of %1").arg(m_session.user));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(
            ErrorCode::AccessDenied,
            tr("The user %1 no longer exists and may not change the cluster.").arg(m_session.user));
    const QString role = query->value(0).toString();
    query->finish();
    if (roleFromName(role) != Role::Administrator)
        return makeError(ErrorCode::AccessDenied,
                         tr("%1 is an auditor and may not change the cluster.").arg(m_session.user));
    return {};
}

Result<NodeInfo> Administration::decommissionNode(const QString &guid)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<NodeInfo> {
        if (auto allowed = authorize(db); !allowed)
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
        if (auto allowed = authorize(db); !allowed)
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
        if (auto allowed = authorize(db); !allowed)
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
        return AuditLog::record(db, dialect, m_session.user,
                                clear ? u"alert.clear"_s : u"alert.acknowledge"_s, QString::number(alertId),
                                alertDetails(*alert));
    });
}

Result<void> Administration::saveSystemSettings(const SystemSettings &settings)
{
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db); !allowed)
            return allowed;
        if (const auto problems = settings.problems(); !problems.isEmpty())
            return makeError(ErrorCode::InvalidArgument, problems.constFirst().message);
        auto stored = readSettings(db);
        if (!stored)
            return stored.error();
        return storeSettings(db, *stored, settings);
    });
}

Result<void> Administration::changeSystemSettings(const SystemSettings &settings,
                                                  const QList<SystemSettings::Field> &fields)
{
    using Field = SystemSettings::Field;
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db); !allowed)
            return allowed;
        auto stored = readSettings(db);
        if (!stored)
            return stored.error();
        // The values stored now, raw, so one out of range is reported by problems() like
        // any other; the fields being set replace them.
        SystemSettings merged;
        merged.loadBalancerAddress = stored->value(systemSettingName(Field::LoadBalancerAddress));
        const QList<std::pair<Field, qint64 SystemSettings::*>> numbers = {
            {Field::HeartbeatSeconds, &SystemSettings::heartbeatSeconds},
            {Field::OfflineAfterSeconds, &SystemSettings::offlineAfterSeconds},
            {Field::TimeToleranceSeconds, &SystemSettings::timeToleranceSeconds},
        };
        for (const auto &[field, member] : numbers) {
            const QString name = systemSettingName(field);
            if (fields.contains(field) || !stored->contains(name))
                continue;
            bool ok = false;
            merged.*member = stored->value(name).trimmed().toLongLong(&ok);
            if (!ok)
                return makeError(ErrorCode::InvalidArgument,
                                 tr("%1: the stored value \"%2\" is not a whole number; set it too.")
                                     .arg(name, stored->value(name)));
        }
        if (fields.contains(Field::LoadBalancerAddress))
            merged.loadBalancerAddress = settings.loadBalancerAddress;
        for (const auto &[field, member] : numbers) {
            if (fields.contains(field))
                merged.*member = settings.*member;
        }
        if (const auto problems = merged.problems(); !problems.isEmpty()) {
            const SystemSettings::Problem &first = problems.constFirst();
            return makeError(ErrorCode::InvalidArgument,
                             tr("%1: %2").arg(systemSettingName(first.field), first.message));
        }
        return storeSettings(db, *stored, merged);
    });
}

Result<QHash<QString, QString>> Administration::readSettings(QSqlDatabase &db) const
{
    using Field = SystemSettings::Field;
    auto query = execQuery(
        db, SelectSettings,
        {systemSettingName(Field::LoadBalancerAddress), systemSettingName(Field::HeartbeatSeconds),
         systemSettingName(Field::OfflineAfterSeconds), systemSettingName(Field::TimeToleranceSeconds)},
        tr("reading the system settings"));
    if (!query)
        return query.error();
    QHash<QString, QString> stored;
    while (query->next())
        stored.insert(query->value(0).toString(), query->value(1).toString());
    query->finish();
    return stored;
}

Result<void> Administration::storeSettings(QSqlDatabase &db, const QHash<QString, QString> &stored,
                                           const SystemSettings &settings)
{
    using Field = SystemSettings::Field;
    const Dialect &dialect = m_database.dialect();
    const QString addressName = systemSettingName(Field::LoadBalancerAddress);
    const QString heartbeatName = systemSettingName(Field::HeartbeatSeconds);
    const QString offlineName = systemSettingName(Field::OfflineAfterSeconds);
    const QString toleranceName = systemSettingName(Field::TimeToleranceSeconds);
    struct Change
    {
        QString name;
        QString before; // as stored, or the default when unset
        QString after;
        bool text;
    };
    const QList<Change> candidates = {
        {addressName, stored.value(addressName), settings.loadBalancerAddress, true},
        {heartbeatName, stored.value(heartbeatName, QString::number(Setting::HeartbeatSeconds.defaultValue)),
         QString::number(settings.heartbeatSeconds), false},
        {offlineName, stored.value(offlineName, QString::number(Setting::OfflineAfterSeconds.defaultValue)),
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
}

Result<void> Administration::setPersonalData(const MasterKey &dataKey, const QByteArray &clusterContext,
                                             const QString &user, const QString &fullName,
                                             const QString &email)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db); !allowed)
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
        if (auto stored = Users::setPersonalData(db, dialect, dataKey, clusterContext, user, fullName, email);
            !stored)
            return stored;
        return AuditLog::record(db, dialect, m_session.user, u"user.update"_s, user,
                                u"changed: "_s + changed.join(u", "));
    });
}

Result<void> Administration::setSecretProperty(const MasterKey &dataKey, const QByteArray &clusterContext,
                                               const QString &name, const QString &value)
{
    const Dialect &dialect = m_database.dialect();
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db); !allowed)
            return allowed;
        if (auto stored =
                ConfigProperties::store(db, dialect, dataKey, clusterContext, name, value, m_session.user);
            !stored)
            return stored;
        return AuditLog::record(db, dialect, m_session.user, u"config.set"_s, name, QString());
    });
}

Result<void> Administration::makeAuditor(const QString &user)
{
    return changeUser({UserChange::MakeAuditor, user, nullptr, nullptr, {}, std::nullopt});
}

Result<void> Administration::makeAdministrator(const Users::Prepared &user, const MasterKey &dataKey,
                                               const QByteArray &clusterContext)
{
    return changeUser(
        {UserChange::MakeAdministrator, user.user.name, &user, &dataKey, clusterContext, std::nullopt});
}

Result<void> Administration::lockUser(const QString &user, std::optional<qint64> minutes)
{
    return changeUser({UserChange::Lock, user, nullptr, nullptr, {}, minutes});
}

Result<void> Administration::unlockUser(const QString &user)
{
    return changeUser({UserChange::Unlock, user, nullptr, nullptr, {}, std::nullopt});
}

Result<void> Administration::changeUser(const UserChangeRequest &request)
{
    const Dialect &dialect = m_database.dialect();
    const QString &user = request.user;
    if (request.change == UserChange::Lock && request.minutes
        && (*request.minutes < 1 || *request.minutes > (LockedUntilUnlocked / MinuteMs) / 2))
        return makeError(ErrorCode::InvalidArgument,
                         tr("A lock lasts a whole number of minutes from 1, not %1.").arg(*request.minutes));
    return m_database.write([&](QSqlDatabase &db) -> Result<void> {
        if (auto allowed = authorize(db); !allowed)
            return allowed;
        auto query = execQuery(db, SelectUserAndAdministrators.arg(dialect.nowMillis(), dialect.forUpdate()),
                               {user}, tr("reading the administrators"));
        if (!query)
            return query.error();
        std::optional<Role> role;
        qint64 lockedUntil = 0;
        qint64 now = 0;
        int othersUnlocked = 0;
        while (query->next()) {
            const auto rowRole = roleFromName(query->value(1).toString());
            const qint64 until = query->value(2).toLongLong();
            now = query->value(3).toLongLong();
            if (query->value(0).toString() == user) {
                role = rowRole.value_or(Role::Auditor);
                lockedUntil = until;
            } else if (rowRole == Role::Administrator && until <= now) {
                ++othersUnlocked;
            }
        }
        query->finish();
        if (!role)
            return makeError(ErrorCode::NotFound, tr("There is no user %1.").arg(user));
        const bool lastAdministrator = *role == Role::Administrator && othersUnlocked == 0;

        QString action = u"user.role"_s;
        QString details;
        switch (request.change) {
        case UserChange::MakeAuditor: {
            if (*role == Role::Auditor)
                return makeError(ErrorCode::Conflict, tr("%1 is already an auditor.").arg(user));
            if (lastAdministrator)
                return makeError(
                    ErrorCode::Conflict,
                    tr("No administrator but %1 is unlocked: making %1 an auditor would leave none. "
                       "Add or unlock another administrator first.")
                        .arg(user));
            if (auto changed = Users::makeAuditor(db, user); !changed)
                return changed;
            details = u"administrator → auditor"_s;
            break;
        }
        case UserChange::MakeAdministrator: {
            if (*role == Role::Administrator)
                return makeError(ErrorCode::Conflict, tr("%1 is already an administrator.").arg(user));
            if (auto changed = Users::makeAdministrator(db, dialect, *request.credentials, *request.dataKey,
                                                        request.clusterContext);
                !changed)
                return changed;
            details = u"auditor → administrator"_s;
            break;
        }
        case UserChange::Lock: {
            if (lastAdministrator)
                return makeError(
                    ErrorCode::Conflict,
                    tr("No administrator but %1 is unlocked: locking %1 would leave none. Add or "
                       "unlock another administrator first.")
                        .arg(user));
            const qint64 until = request.minutes ? now + *request.minutes * MinuteMs : LockedUntilUnlocked;
            if (auto locked = Users::setLock(db, user, until); !locked)
                return locked;
            action = u"user.lock"_s;
            details = request.minutes
                          ? u"for %1 min, until %2"_s.arg(*request.minutes)
                                .arg(QDateTime::fromMSecsSinceEpoch(until, Qt::UTC).toString(Qt::ISODate))
                          : u"until unlocked"_s;
            break;
        }
        case UserChange::Unlock: {
            if (lockedUntil <= now)
                return makeError(ErrorCode::Conflict, tr("%1 is not locked.").arg(user));
            if (auto unlocked = Users::setLock(db, user, std::nullopt); !unlocked)
                return unlocked;
            action = u"user.unlock"_s;
            details = lockedUntil >= LockedUntilUnlocked
                          ? u"was locked until unlocked"_s
                          : u"was locked until %1"_s.arg(
                              QDateTime::fromMSecsSinceEpoch(lockedUntil, Qt::UTC).toString(Qt::ISODate));
            break;
        }
        }
        return AuditLog::record(db, dialect, m_session.user, action, user, details);
    });
}

} // namespace Cohort
