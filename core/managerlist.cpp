#include "managerlist.h"

#include <QCryptographicHash>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString SelectNodes =
    u"SELECT guid, name, api_address, COALESCE(cert_sha256, ''), state, COALESCE(incarnation, '') FROM nodes"_s;
const QString SelectLoadBalancer = u"SELECT value FROM cluster_settings WHERE name = ?"_s;
const QString LoadBalancerSetting = u"agents.load_balancer_address"_s;

} // namespace

Result<ManagerList> ManagerList::read(Database &database, const QString &asDecommissioned)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    auto list = read(*db, asDecommissioned);
    if (!list && list.code() == ErrorCode::Unavailable)
        return database.noteFailure(db, list.error());
    return list;
}

Result<ManagerList> ManagerList::read(QSqlDatabase &db, const QString &asDecommissioned)
{
    auto nodes = execQuery(db, SelectNodes, {}, tr("reading the managers for agents"));
    if (!nodes)
        return nodes.error();
    QList<ManagerEntry> online;
    QStringList registered;
    QStringList decommissioned;
    while (nodes->next()) {
        const QString guid = nodes->value(0).toString();
        const QString state = nodes->value(4).toString();
        if (state == u"decommissioned"_s || guid == asDecommissioned) {
            decommissioned << guid;
            continue;
        }
        registered << guid;
        if (state == u"online"_s) {
            online.append({guid, nodes->value(1).toString(), nodes->value(2).toString(),
                           nodes->value(3).toString(), nodes->value(5).toString()});
        }
    }
    nodes->finish();
    auto balancer =
        execQuery(db, SelectLoadBalancer, {LoadBalancerSetting}, tr("reading the load balancer address"));
    if (!balancer)
        return balancer.error();
    const QString loadBalancer = balancer->next() ? balancer->value(0).toString().trimmed() : QString();
    balancer->finish();
    return make(std::move(online), std::move(registered), std::move(decommissioned), loadBalancer);
}

QStringList ManagerList::managers() const
{
    if (!loadBalancer.isEmpty())
        return {loadBalancer};
    QStringList addresses;
    for (const ManagerEntry &entry : online)
        addresses << entry.address;
    return addresses;
}

QStringList ManagerList::pins() const
{
    QStringList pins;
    for (const ManagerEntry &entry : online) {
        if (!entry.certSha256.isEmpty() && !pins.contains(entry.certSha256))
            pins << entry.certSha256;
    }
    return pins;
}

ManagerList ManagerList::make(QList<ManagerEntry> online, QStringList registered, QStringList decommissioned,
                              QString loadBalancer)
{
    std::sort(online.begin(), online.end(),
              [](const ManagerEntry &a, const ManagerEntry &b) { return a.guid < b.guid; });
    registered.sort();
    decommissioned.sort();
    // One line per fact, in a fixed order; no field can hold a line break (addresses and
    // fingerprints are validated, names too), so different lists never digest alike.
    QCryptographicHash digest(QCryptographicHash::Sha256);
    digest.addData(u"lb %1\n"_s.arg(loadBalancer).toUtf8());
    for (const ManagerEntry &entry : std::as_const(online))
        digest.addData(
            u"online %1 %2 %3 %4\n"_s.arg(entry.guid, entry.address, entry.certSha256, entry.incarnation)
                .toUtf8());
    for (const QString &guid : std::as_const(registered))
        digest.addData(u"node %1\n"_s.arg(guid).toUtf8());
    for (const QString &guid : std::as_const(decommissioned))
        digest.addData(u"decommissioned %1\n"_s.arg(guid).toUtf8());
    ManagerList list;
    list.version = QString::fromLatin1(digest.result().toHex().left(16));
    list.loadBalancer = std::move(loadBalancer);
    list.online = std::move(online);
    list.registered = std::move(registered);
    list.decommissioned = std::move(decommissioned);
    return list;
}

} // namespace Cohort
