#include "agents.h"

#include "sealeddata.h"
#include "sqlerror.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr QStringView HostNameColumn = u"host_name_sealed";
constexpr QStringView AddressesColumn = u"addresses_sealed";

bool printable(const QString &text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return false;
    }
    return true;
}

} // namespace

std::optional<QString> Agents::canonicalGuid(QStringView text)
{
    static const QRegularExpression pattern(
        u"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"_s);
    if (text.size() != 36 || !pattern.match(text).hasMatch())
        return std::nullopt;
    return text.toString().toLower();
}

QString Agents::checkinProblem(const AgentCheckin &checkin)
{
    if (!canonicalGuid(checkin.guid))
        return tr("\"%1\" is not an agent GUID (8-4-4-4-12 hexadecimal digits).").arg(checkin.guid.left(40));
    if (checkin.hostName.size() > MaxHostNameLength)
        return tr("host_name is longer than %1 characters.").arg(MaxHostNameLength);
    if (!printable(checkin.hostName))
        return tr("host_name holds control characters.");
    if (checkin.addresses.size() > MaxAddresses)
        return tr("addresses lists more than %1 addresses.").arg(MaxAddresses);
    for (const QString &address : checkin.addresses) {
        if (address.isEmpty() || address.size() > MaxAddressLength || !printable(address))
            return tr("addresses holds an entry that is empty, longer than %1 characters or not printable.")
                .arg(MaxAddressLength);
        if (address.contains(u'\n'))
            return tr("addresses holds an entry with a line break.");
    }
    if (checkin.version.size() > MaxVersionLength || !printable(checkin.version))
        return tr("version is longer than %1 characters or not printable.").arg(MaxVersionLength);
    if (checkin.listVersion.size() > MaxListVersionLength || !printable(checkin.listVersion))
        return tr("list_version is longer than %1 characters or not printable.").arg(MaxListVersionLength);
    return {};
}

Result<void> Agents::record(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                            const QByteArray &clusterContext, const QString &managerGuid,
                            const QList<AgentCheckin> &checkins)
{
    if (checkins.isEmpty())
        return {};
    if (auto locked = SealedData::lockCurrentKey(db, dialect, dataKey); !locked)
        return locked.error();
    // One statement, prepared once for the batch. A new agent gets its first check-in
    // time; a known one keeps it, adds the count and comes back online.
    const QString now = dialect.nowMillis();
    const QString sql =
        u"INSERT INTO agents (guid, name, manager_guid, last_checkin, state, offline_since, "
        u"host_name_sealed, "
        "addresses_sealed, version, list_version, checkins, first_checkin) "
        "VALUES (?, '', ?, %1, 'online', NULL, ?, ?, ?, ?, ?, %1) "
        "ON CONFLICT (guid) DO UPDATE SET manager_guid = excluded.manager_guid, "
        "last_checkin = excluded.last_checkin, state = 'online', offline_since = NULL, "
        "host_name_sealed = excluded.host_name_sealed, addresses_sealed = excluded.addresses_sealed, "
        "version = excluded.version, list_version = excluded.list_version, "
        "checkins = agents.checkins + excluded.checkins"_s.arg(now);
    QSqlQuery query(db);
    if (!query.prepare(sql))
        return sqlError(query, tr("preparing to record agent check-ins"));
    for (const AgentCheckin &checkin : checkins) {
        auto host = SealedData::sealText(
            dataKey, checkin.hostName, SealedData::agentField(clusterContext, checkin.guid, HostNameColumn));
        if (!host)
            return host.error();
        auto addresses =
            SealedData::sealText(dataKey, checkin.addresses.join(u'\n'),
                                 SealedData::agentField(clusterContext, checkin.guid, AddressesColumn));
        if (!addresses)
            return addresses.error();
        const QVariantList values = {checkin.guid,
                                     managerGuid,
                                     *host,
                                     *addresses,
                                     checkin.version.isNull() ? u""_s : checkin.version,
                                     checkin.listVersion.isNull() ? u""_s : checkin.listVersion,
                                     checkin.count};
        for (qsizetype i = 0; i < values.size(); ++i)
            query.bindValue(int(i), values.at(i));
        if (!query.exec())
            return sqlError(query, tr("recording agent %1's check-in").arg(checkin.guid));
    }
    return {};
}

Result<QList<AgentRecord>> Agents::list(QSqlDatabase &db, const MasterKey *dataKey,
                                        const QByteArray &clusterContext)
{
    auto query = execQuery(db,
                           u"SELECT guid, host_name_sealed, addresses_sealed, version, list_version, "
                           "COALESCE(manager_guid, ''), state, last_checkin, first_checkin, checkins "
                           "FROM agents ORDER BY guid"_s,
                           {}, tr("reading the agents"));
    if (!query)
        return query.error();
    QList<AgentRecord> agents;
    while (query->next()) {
        AgentRecord agent;
        agent.guid = query->value(0).toString();
        const QString sealedHost = query->value(1).toString();
        const QString sealedAddresses = query->value(2).toString();
        agent.version = query->value(3).toString();
        agent.listVersion = query->value(4).toString();
        agent.managerGuid = query->value(5).toString();
        agent.state = query->value(6).toString();
        agent.lastCheckinMs = query->value(7).toLongLong();
        agent.firstCheckinMs = query->value(8).toLongLong();
        agent.checkins = query->value(9).toLongLong();
        if (dataKey) {
            auto host = SealedData::openText(
                *dataKey, sealedHost, SealedData::agentField(clusterContext, agent.guid, HostNameColumn),
                tr("agent %1's host name").arg(agent.guid));
            if (!host)
                return host.error();
            auto addresses =
                SealedData::openText(*dataKey, sealedAddresses,
                                     SealedData::agentField(clusterContext, agent.guid, AddressesColumn),
                                     tr("agent %1's addresses").arg(agent.guid));
            if (!addresses)
                return addresses.error();
            agent.hostName = *host;
            agent.addresses = addresses->isEmpty() ? QStringList() : addresses->split(u'\n');
        } else {
            agent.personalDataSealed = !sealedHost.isEmpty() || !sealedAddresses.isEmpty();
        }
        agents << agent;
    }
    return agents;
}

} // namespace Cohort
