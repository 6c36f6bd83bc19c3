#include "nodeconfig.h"

#include "databaseurl.h"

#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QSettings>
#include <QStandardPaths>
#include <QSysInfo>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

struct Key
{
    const char16_t *name;
    const char16_t *valueName;
    const char *help;
};

// One list for the flags and the INI keys ([node] section), so they never drift apart.
const Key Keys[] = {
    {u"db", u"URL",
     QT_TRANSLATE_NOOP(
         "Cohort::NodeConfig",
         "The cluster database: sqlite:/path/cohort.db or postgresql://user:pass@host:port/db.")},
    {u"name", u"NAME", QT_TRANSLATE_NOOP("Cohort::NodeConfig", "This node's name (default: the host name).")},
    {u"api", u"HOST:PORT",
     QT_TRANSLATE_NOOP(
         "Cohort::NodeConfig",
         "The address peers and agents reach this node at (default: HOSTNAME:8443). The node API "
         "listens on PORT, on HOST when it is an IP address and on every address otherwise. Port 0 "
         "picks a free port, which the node records as its address.")},
    {u"data-dir", u"DIR",
     QT_TRANSLATE_NOOP("Cohort::NodeConfig",
                       "The folder that holds node.guid, this node's identity (created if missing).")},
    {u"secret-file", u"FILE",
     QT_TRANSLATE_NOOP("Cohort::NodeConfig",
                       "The cluster's local secret, which unlocks its data key (required).")},
    {u"workers", u"N", QT_TRANSLATE_NOOP("Cohort::NodeConfig", "Jobs run at once, 1 to 256 (default: 4).")},
    {u"heartbeat", u"SECONDS",
     QT_TRANSLATE_NOOP(
         "Cohort::NodeConfig",
         "Seconds between heartbeats, 1 to 300. Overrides the cluster setting (System Settings, "
         "default 10) for this node only; without it the node follows the cluster setting.")},
    {u"offline-after", u"SECONDS",
     QT_TRANSLATE_NOOP(
         "Cohort::NodeConfig",
         "A peer silent this long is marked Offline and its jobs taken over, 2 to 86400 and at least "
         "twice the heartbeat. Overrides the cluster setting (System Settings, default 180) for this "
         "node only; without it the node follows the cluster setting.")},
    {u"grace", u"SECONDS",
     QT_TRANSLATE_NOOP("Cohort::NodeConfig",
                       "On SIGTERM, how long running jobs may finish, 0 to 3600 (default: 30).")},
    {u"batch", u"N",
     QT_TRANSLATE_NOOP("Cohort::NodeConfig", "Jobs claimed at once, 1 to 1000 (default: 64).")},
    {u"trusted-proxy", u"ADDRESSES",
     QT_TRANSLATE_NOOP(
         "Cohort::NodeConfig",
         "IP addresses of load balancers, comma-separated, that name the agent they forward with a "
         "PROXY protocol v2 header (HAProxy: send-proxy-v2); a connection from one counts as that "
         "agent's for the per-client limits. A header from any other address is refused.")},
    {u"api-threads", u"N",
     QT_TRANSLATE_NOOP(
         "Cohort::NodeConfig",
         "Threads serving the node API, 1 to 64 (default: 1). One thread answers thousands of "
         "check-ins a second; more help only on a machine with cores to spare (docs/BENCHMARKS.md).")},
    {u"migration-wait", u"SECONDS",
     QT_TRANSLATE_NOOP("Cohort::NodeConfig",
                       "At start, how long to wait for another process's schema migration or lock, 1 to 3600 "
                       "(default: 120); then the node exits and changes nothing.")},
    {u"execution-log", u"FILE",
     QT_TRANSLATE_NOOP("Cohort::NodeConfig",
                       "Append one line per job execution to FILE: job id, attempt, type, process id, start "
                       "time in microseconds since the epoch.")},
};

QCommandLineParser &configure(QCommandLineParser &parser)
{
    parser.setApplicationDescription(
        NodeConfig::tr("Runs one Cohort manager node: joins the cluster in the shared "
                       "database, heartbeats, watches its peers and runs jobs."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({u"config"_s,
                      NodeConfig::tr("An INI file with the same settings, in a [node] section; flags win."),
                      u"FILE"_s});
    for (const Key &key : Keys) {
        parser.addOption(
            {QString::fromUtf16(key.name), NodeConfig::tr(key.help), QString::fromUtf16(key.valueName)});
    }
    return parser;
}

Result<int> integer(const QString &key, const QString &text, int minimum, int maximum)
{
    bool ok = false;
    const int value = text.trimmed().toInt(&ok);
    if (!ok || value < minimum || value > maximum)
        return makeError(ErrorCode::InvalidArgument,
                         NodeConfig::tr("--%1 must be a whole number from %2 to %3, not \"%4\".")
                             .arg(key)
                             .arg(minimum)
                             .arg(maximum)
                             .arg(text));
    return value;
}

QStringList withProgramName(const QStringList &arguments)
{
    if (!arguments.isEmpty() && !arguments.first().startsWith(u'-'))
        return arguments;
    return QStringList{u"cohort-node"_s} + arguments;
}

} // namespace

NodeTiming NodeTiming::withCluster(qint64 clusterHeartbeatSeconds, qint64 clusterOfflineAfterSeconds,
                                   QStringList *adjustments) const
{
    NodeTiming timing = *this;
    if (!heartbeatExplicit)
        timing.heartbeatSeconds = int(qBound(Setting::HeartbeatSeconds.minimum, clusterHeartbeatSeconds,
                                             Setting::HeartbeatSeconds.maximum));
    if (!offlineAfterExplicit)
        timing.offlineAfterSeconds =
            int(qBound(Setting::OfflineAfterSeconds.minimum, clusterOfflineAfterSeconds,
                       Setting::OfflineAfterSeconds.maximum));
    if (timing.offlineAfterSeconds >= 2 * timing.heartbeatSeconds)
        return timing;

    // The value given to the node stays; the one from the cluster gives way. (Both given:
    // parse() refused the pair already.)
    QString why;
    if (offlineAfterExplicit) {
        timing.heartbeatSeconds = qMax(1, timing.offlineAfterSeconds / 2);
        why = u"the cluster's heartbeat of %1 s is more than half of --offline-after (%2 s); this node "
              "heartbeats every %3 s"_s.arg(clusterHeartbeatSeconds)
                  .arg(timing.offlineAfterSeconds)
                  .arg(timing.heartbeatSeconds);
    } else if (heartbeatExplicit) {
        const int stored = timing.offlineAfterSeconds;
        timing.offlineAfterSeconds = 2 * timing.heartbeatSeconds;
        why =
            u"the cluster's offline threshold of %1 s is less than twice --heartbeat (%2 s); this node marks "
            "peers Offline after %3 s"_s.arg(stored)
                .arg(timing.heartbeatSeconds)
                .arg(timing.offlineAfterSeconds);
    } else {
        const int stored = timing.offlineAfterSeconds;
        timing.offlineAfterSeconds = 2 * timing.heartbeatSeconds;
        why = u"the cluster settings disagree: %1 (%2 s) is less than twice %3 (%4 s); peers are marked "
              "Offline after %5 s"_s.arg(QString::fromUtf16(Setting::OfflineAfterSeconds.name))
                  .arg(stored)
                  .arg(QString::fromUtf16(Setting::HeartbeatSeconds.name))
                  .arg(timing.heartbeatSeconds)
                  .arg(timing.offlineAfterSeconds);
    }
    if (adjustments)
        adjustments->append(why);
    return timing;
}

QStringList NodeConfig::sharedSettings() const
{
    QStringList proxies = trustedProxies;
    proxies.sort();
    return {
        u"heartbeat=%1"_s.arg(heartbeatExplicit ? QString::number(heartbeatSeconds) : u"cluster"_s),
        u"offline-after=%1"_s.arg(offlineAfterExplicit ? QString::number(offlineAfterSeconds) : u"cluster"_s),
        u"grace=%1"_s.arg(graceSeconds), u"migration-wait=%1"_s.arg(migrationWaitSeconds),
        u"trusted-proxy=%1"_s.arg(proxies.join(u','))};
}

QString NodeConfig::effectiveHash() const
{
    const QByteArray digest =
        QCryptographicHash::hash(sharedSettings().join(u'\n').toUtf8(), QCryptographicHash::Sha256);
    return QString::fromLatin1(digest.toHex().left(16));
}

QString NodeConfig::guidFile() const
{
    return QDir(dataDir).filePath(u"node.guid"_s);
}

QString NodeConfig::apiHost() const
{
    return apiAddress.left(apiAddress.lastIndexOf(u':'));
}

quint16 NodeConfig::apiPort() const
{
    return quint16(apiAddress.mid(apiAddress.lastIndexOf(u':') + 1).toUInt());
}

QString NodeConfig::helpText()
{
    QCommandLineParser parser;
    return configure(parser).helpText();
}

bool NodeConfig::wantsHelp(const QStringList &arguments)
{
    QCommandLineParser parser;
    configure(parser).parse(withProgramName(arguments));
    return parser.isSet(u"help"_s);
}

bool NodeConfig::wantsVersion(const QStringList &arguments)
{
    QCommandLineParser parser;
    configure(parser).parse(withProgramName(arguments));
    return parser.isSet(u"version"_s);
}

Result<NodeConfig> NodeConfig::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    configure(parser);
    if (!parser.parse(withProgramName(arguments)))
        return makeError(ErrorCode::InvalidArgument, parser.errorText());
    if (!parser.positionalArguments().isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         tr("Unexpected argument \"%1\"; every setting is a --flag.")
                             .arg(parser.positionalArguments().first()));

    // The file's values first, then the flags over them.
    QHash<QString, QString> values;
    if (parser.isSet(u"config"_s)) {
        const QString path = parser.value(u"config"_s);
        if (!QFileInfo(path).isFile())
            return makeError(ErrorCode::InvalidArgument,
                             tr("The configuration file %1 does not exist.").arg(path));
        QSettings ini(path, QSettings::IniFormat);
        if (ini.status() != QSettings::NoError)
            return makeError(ErrorCode::InvalidArgument,
                             tr("The configuration file %1 is not a valid INI file.").arg(path));
        QStringList known;
        for (const Key &key : Keys)
            known << u"node/"_s + QString::fromUtf16(key.name);
        for (const QString &key : ini.allKeys()) {
            if (!known.contains(key))
                return makeError(ErrorCode::InvalidArgument,
                                 tr("Unknown setting \"%1\" in %2; the [node] section takes: %3.")
                                     .arg(key, path, known.join(u", "_s).remove(u"node/"_s)));
            // QSettings reads an unquoted "a,b" as a list; the value is the whole text.
            const QVariant value = ini.value(key);
            values.insert(key.mid(5), value.userType() == QMetaType::QStringList
                                          ? value.toStringList().join(u',')
                                          : value.toString());
        }
    }
    for (const Key &key : Keys) {
        const QString name = QString::fromUtf16(key.name);
        if (parser.isSet(name))
            values.insert(name, parser.value(name));
    }

    NodeConfig config;
    const QString host = QSysInfo::machineHostName();
    config.databaseUrl = values.value(u"db"_s);
    if (config.databaseUrl.isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         tr("Name the cluster database with --db URL (or db= in --config)."));
    if (auto url = DatabaseUrl::parse(config.databaseUrl); !url)
        return url.error();

    config.name = values.value(u"name"_s, host).trimmed();
    if (config.name.isEmpty() || config.name.size() > 64
        || std::any_of(config.name.cbegin(), config.name.cend(),
                       [](QChar c) { return c.category() == QChar::Other_Control; }))
        return makeError(ErrorCode::InvalidArgument, tr("--name must be 1 to 64 printable characters."));

    config.apiAddress = values.value(u"api"_s, host + u":8443"_s).trimmed();
    {
        const qsizetype colon = config.apiAddress.lastIndexOf(u':');
        bool portOk = false;
        const int port = colon > 0 ? config.apiAddress.mid(colon + 1).toInt(&portOk) : 0;
        const QString hostPart = colon > 0 ? config.apiAddress.left(colon) : QString();
        const bool hostOk =
            !hostPart.isEmpty() && std::all_of(hostPart.cbegin(), hostPart.cend(), [](QChar c) {
                return c.isLetterOrNumber() || c == u'.' || c == u'-' || c == u'_' || c == u':' || c == u'['
                       || c == u']';
            });
        // Port 0: any free port, recorded once the node listens (tests run nodes side by side).
        if (!portOk || port < 0 || port > 65535 || !hostOk)
            return makeError(
                ErrorCode::InvalidArgument,
                tr("--api must be HOST:PORT with a port from 0 (any free port) to 65535, not \"%1\".")
                    .arg(config.apiAddress));
    }

    for (const QString &entry : values.value(u"trusted-proxy"_s).split(u',', Qt::SkipEmptyParts)) {
        const QString text = entry.trimmed();
        if (QHostAddress address; text.isEmpty() || !address.setAddress(text))
            return makeError(
                ErrorCode::InvalidArgument,
                tr("--trusted-proxy must list IP addresses separated by commas; \"%1\" is not one.")
                    .arg(text));
        config.trustedProxies << text;
    }

    config.dataDir = values.value(u"data-dir"_s);
    if (config.dataDir.isEmpty())
        config.dataDir =
            QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/cohort-node"_s;
    config.secretFile = values.value(u"secret-file"_s);
    if (config.secretFile.isEmpty())
        return makeError(
            ErrorCode::InvalidArgument,
            tr("Name the cluster's local secret with --secret-file FILE (or secret-file= in --config)."));
    config.executionLog = values.value(u"execution-log"_s);

    struct Bound
    {
        const char16_t *key;
        int *target;
        int minimum;
        int maximum;
    } bounds[] = {
        {u"workers", &config.workers, 1, 256},
        {u"heartbeat", &config.heartbeatSeconds, 1, 300},
        {u"offline-after", &config.offlineAfterSeconds, 2, 86400},
        {u"grace", &config.graceSeconds, 0, 3600},
        {u"batch", &config.batchSize, 1, 1000},
        {u"api-threads", &config.apiThreads, 1, 64},
        {u"migration-wait", &config.migrationWaitSeconds, 1, 3600},
    };
    for (const Bound &bound : bounds) {
        const QString key = QString::fromUtf16(bound.key);
        if (!values.contains(key))
            continue;
        auto value = integer(key, values.value(key), bound.minimum, bound.maximum);
        if (!value)
            return value.error();
        *bound.target = *value;
    }
    config.heartbeatExplicit = values.contains(u"heartbeat"_s);
    config.offlineAfterExplicit = values.contains(u"offline-after"_s);
    // With only one of the two given, the other comes from the cluster and gives way
    // (NodeTiming::withCluster, which the health monitor logs).
    if (config.heartbeatExplicit && config.offlineAfterExplicit
        && config.offlineAfterSeconds < 2 * config.heartbeatSeconds)
        return makeError(
            ErrorCode::InvalidArgument,
            tr("--offline-after (%1 s) must be at least twice --heartbeat (%2 s), or a late heartbeat "
               "would get a live node marked Offline.")
                .arg(config.offlineAfterSeconds)
                .arg(config.heartbeatSeconds));
    return config;
}

} // namespace Cohort
