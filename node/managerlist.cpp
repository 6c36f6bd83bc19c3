#include "managerlist.h"

#include <QCryptographicHash>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

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
    std::sort(online.begin(), online.end(), [](const ManagerEntry &a, const ManagerEntry &b) { return a.guid < b.guid; });
    registered.sort();
    decommissioned.sort();
    // One line per fact, in a fixed order; no field can hold a line break (addresses and
    // fingerprints are validated, names too), so different lists never digest alike.
    QCryptographicHash digest(QCryptographicHash::Sha256);
    digest.addData(u"lb %1\n"_s.arg(loadBalancer).toUtf8());
    for (const ManagerEntry &entry : std::as_const(online))
        digest.addData(
            u"online %1 %2 %3 %4\n"_s.arg(entry.guid, entry.address, entry.certSha256, entry.incarnation).toUtf8());
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
