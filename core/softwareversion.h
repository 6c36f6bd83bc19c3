// SoftwareVersion: the one version of the program a cluster runs. The cluster records it;
// the first node of a newer version raises it under the migration lock and takes over:
// every older node is marked with the version it must be upgraded to, claims nothing
// from then on, stops at its next heartbeat and shows as Offline (Upgrade Required). An
// older node that starts later is refused before it does anything.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>
#include <QStringList>

namespace Cohort {

struct VersionAdmission
{
    QString clusterVersion; // what the cluster ran before ("" if it had none recorded)
    bool raised = false;    // this node's version is newer: the cluster now runs it
    QStringList superseded; // names of the nodes that must now be upgraded
};

class SoftwareVersion
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::SoftwareVersion)

public:
    // <0, 0, >0 as a is older than, the same as, newer than b (numeric segments: 0.10 > 0.9).
    static int compare(const QString &a, const QString &b);
    // Whether text is a version number this program compares ("1.2.3").
    static bool isValid(const QString &text);

    // The version the cluster runs; empty before any node recorded one (or on a schema
    // older than version 4).
    static Result<QString> ofCluster(QSqlDatabase &db, const Dialect &dialect);
    static Result<QString> ofCluster(Database &database);

    // Inside the migration's transaction, under its lock: admits a node of version mine.
    // The same version: nothing changes. Newer: the cluster is raised to it, older nodes
    // are marked and alerted about, and the audit log records who did it. Older: refused
    // with ErrorCode::UpgradeRequired, naming the version needed; nothing is written.
    static Result<VersionAdmission> admit(QSqlDatabase &db, const Dialect &dialect, const QString &mine,
                                          const QString &nodeGuid, const QString &nodeName);
};

} // namespace Cohort
