// NodeConfig: how one cohort-node runs, from an INI file and from flags (flags win),
// checked in full before anything starts.
#pragma once

#include "result.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>

namespace Cohort {

struct NodeConfig
{
    QString databaseUrl;
    QString name;       // default: the host name
    QString apiAddress; // HOST:PORT peers and agents use; default: hostname:8443
    QString dataDir;    // holds node.guid
    QString secretFile; // the cluster's local secret
    int workers = 4;
    int heartbeatSeconds = 10;
    int offlineAfterSeconds = 180;
    int graceSeconds = 30;
    int batchSize = 64;
    QString executionLog; // optional: one line per job execution, for tests and audits

    QString guidFile() const;

    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeConfig)

public:
    // Parses arguments (argv without the program name is fine too). Returns the config,
    // or an error whose message is one line for the user. --help and --version are
    // handled by the caller through helpText() / wantsHelp().
    static Result<NodeConfig> parse(const QStringList &arguments);
    static QString helpText();
    static bool wantsHelp(const QStringList &arguments);
    static bool wantsVersion(const QStringList &arguments);
};

} // namespace Cohort
