// ManagerList: what agents are told about the managers, with its version. managers() is
// what an agent connects to: every online node's API address, or only the load balancer's
// when one is set; pins() the certificate fingerprints any of them may present (behind a
// load balancer, every online node's). The version is a digest of all of it and of which
// nodes are registered or decommissioned and of each online node's run (incarnation), so it
// changes when a node joins (or joins again), goes Offline, is decommissioned, or the load
// balancer address changes, and is the same on every node that sees the same. Only a load
// balancer address set and then put back gives an earlier version again, with the same list.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace Cohort {

struct ManagerEntry
{
    QString guid;
    QString name;
    QString address;
    QString certSha256;
    QString incarnation; // the node's current run

    friend bool operator==(const ManagerEntry &, const ManagerEntry &) = default;
};

struct ManagerList
{
    QString version;
    QString loadBalancer;        // empty: none
    QList<ManagerEntry> online;  // by GUID
    QStringList registered;      // GUIDs of the nodes not decommissioned, sorted
    QStringList decommissioned;  // GUIDs, sorted

    QStringList managers() const;
    QStringList pins() const;

    // Sorts what it is given and computes the version.
    static ManagerList make(QList<ManagerEntry> online, QStringList registered, QStringList decommissioned,
                            QString loadBalancer);
};

} // namespace Cohort
