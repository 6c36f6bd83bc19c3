// ManagerList: what agents are told about the managers, with its version. managers() is
// what an agent connects to: every online node's API address, or only the load balancer's
// when one is set; pins() the certificate fingerprints any of them may present (behind a
// load balancer, every online node's). The version is a digest of all of it and of which
// nodes are registered or decommissioned and of each online node's run (incarnation), so it
// changes when a node joins (or joins again), goes Offline, is decommissioned, or the load
// balancer address changes, and is the same on every node that sees the same. Only a load
// balancer address set and then put back gives an earlier version again, with the same list.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>
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
    Q_DECLARE_TR_FUNCTIONS(Cohort::ManagerList)

public:
    QString version;
    QString loadBalancer;       // empty: none
    QList<ManagerEntry> online; // by GUID
    QStringList registered;     // GUIDs of the nodes not decommissioned, sorted
    QStringList decommissioned; // GUIDs, sorted

    QStringList managers() const;
    QStringList pins() const;

    // Sorts what it is given and computes the version.
    static ManagerList make(QList<ManagerEntry> online, QStringList registered, QStringList decommissioned,
                            QString loadBalancer);
    // The list as the nodes table and the load balancer setting give it now; with
    // asDecommissioned, as it will be once that node is decommissioned (the decommission
    // pre-flight shows the version agents then move to).
    static Result<ManagerList> read(Database &database, const QString &asDecommissioned = {});
    static Result<ManagerList> read(QSqlDatabase &db, const QString &asDecommissioned = {});
};

} // namespace Cohort
