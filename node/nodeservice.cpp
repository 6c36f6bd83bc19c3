#include "nodeservice.h"

#include "agentinbox.h"
#include "agentrecorder.h"
#include "apiserver.h"
#include "cluster.h"
#include "healthmonitor.h"
#include "jobrunner.h"
#include "livenesslock.h"
#include "managerdirectory.h"
#include "masterkey.h"
#include "nodeapi.h"
#include "nodecertificate.h"
#include "nodeevents.h"
#include "nodeidentity.h"
#include "nodekeyring.h"
#include "nodelogging.h"
#include "nodemetrics.h"
#include "noderegistry.h"
#include "peerprober.h"
#include "schema.h"
#include "sessioncheck.h"
#include "softwareversion.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHostAddress>
#include <QSocketNotifier>
#include <QSysInfo>
#include <QTimeZone>
#include <QTimer>
#include <QUuid>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int signalNumber)
{
    const char byte = char(signalNumber);
    [[maybe_unused]] const auto written = ::write(signalPipe[0], &byte, 1);
}

// Beyond the grace period, how long a stop may take (a database that went away cannot
// be told) before the process ends anyway.
constexpr int StopDeadlineExtraMs = 15000;

} // namespace

NodeService::NodeService(NodeConfig config, QString version, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_version(std::move(version))
    , m_incarnation(QUuid::createUuid().toString(QUuid::WithoutBraces))
{}

NodeService::~NodeService()
{
    endThreads();
    // Never moved to its thread (start() failed before): nobody else deletes it.
    if (!m_membershipStarted)
        delete m_health;
}

void NodeService::endThreads()
{
    for (QThread *thread : {&m_agentsThread, &m_runnerThread, &m_membershipThread, &m_lockThread}) {
        if (thread->isRunning()) {
            thread->quit();
            thread->wait();
        }
    }
}

Result<bool> NodeService::takeSessionLock()
{
    if (m_database->url().backend() != Backend::Postgres)
        return true;
    m_lock = new LivenessLock(*m_database, m_guid, *m_lease);
    m_lock->moveToThread(&m_lockThread);
    connect(&m_lockThread, &QThread::finished, m_lock, &QObject::deleteLater);
    m_lockThread.setObjectName(u"session-lock"_s);
    m_lockThread.start();
    Result<bool> locked = false;
    QMetaObject::invokeMethod(
        m_lock, [&locked, lock = m_lock] { locked = lock->acquire(); }, Qt::BlockingQueuedConnection);
    return locked;
}

void NodeService::installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0) {
        qCWarning(lcNode) << "cannot watch for signals; SIGTERM will kill this node without a graceful stop";
        return;
    }
    m_signalNotifier = new QSocketNotifier(signalPipe[1], QSocketNotifier::Read, this);
    connect(m_signalNotifier, &QSocketNotifier::activated, this, [this] {
        char byte = 0;
        if (::read(signalPipe[1], &byte, 1) != 1)
            return;
        const QString name = byte == SIGINT ? u"SIGINT"_s : u"SIGTERM"_s;
        if (m_stopping) {
            qCWarning(lcNode).noquote() << name << "again while stopping; still waiting for running jobs";
            return;
        }
        stop(NodeExitOk, tr("received %1").arg(name));
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

bool NodeService::listen(QString *error)
{
    // The key and certificate the API serves, made on first start; written to the data
    // folder only once the port is ours, so a node that cannot serve writes nothing.
    const QString host = m_config.apiHost();
    const QString bareHost =
        host.startsWith(u'[') && host.endsWith(u']') ? host.mid(1, host.size() - 2) : host;
    auto certificate = NodeCertificate::loadOrMake(m_config.dataDir, bareHost);
    if (!certificate) {
        *error = certificate.message();
        return false;
    }

    // The token comes from the keyring, opened later; until then protected routes say 503.
    // Made here, before the server's threads can ask it, and never replaced.
    m_keyring = std::make_unique<NodeKeyring>(m_config.secretFile, m_config.name);
    NodeKeyring *keyring = m_keyring.get();
    m_metrics = std::make_unique<NodeMetrics>();
    m_inbox = std::make_unique<AgentInbox>();
    NodeApi::Hooks hooks;
    hooks.token = [keyring] { return keyring->apiToken(); };
    // Called on a server thread: the stop itself runs on the main thread.
    hooks.drain = [this] {
        QMetaObject::invokeMethod(
            this, [this] { stop(NodeExitOk, tr("a drain was requested through the node API")); },
            Qt::QueuedConnection);
    };
    hooks.hold = [this](bool hold, const QString &actor) {
        QMetaObject::invokeMethod(
            this, [this, hold, actor] { setHeld(hold, actor); }, Qt::QueuedConnection);
    };
    hooks.inbox = m_inbox.get();
    hooks.metrics = m_metrics.get();
    m_api = std::make_unique<NodeApi>(hooks);
    NodeApi *api = m_api.get();
    ApiServer::Limits limits;
    limits.threads = m_config.apiThreads;
    std::vector<std::string> proxies;
    for (const QString &proxy : m_config.trustedProxies)
        proxies.push_back(proxy.toStdString());
    const auto makeEndpoint = [&] {
        auto endpoint = std::make_unique<ApiServer>(
            limits, [api](const ApiRequest &request) { return api->handle(request); });
        std::string ignored; // NodeConfig checked every address
        endpoint->trustProxies(proxies, &ignored);
        return endpoint;
    };
    m_endpoint = makeEndpoint();
    // A name (the host's, say) may stand for any of this machine's addresses: all of them.
    QHostAddress address;
    const bool literal = address.setAddress(bareHost);
    std::string reason;
    bool listening = false;
    for (const QString &candidate :
         literal ? QStringList{address.toString()} : QStringList{u"::"_s, u"0.0.0.0"_s}) {
        std::string attempt;
        listening = m_endpoint->listen(candidate.toStdString(), m_config.apiPort(),
                                       certificate->keyPem().toStdString(),
                                       certificate->certificatePem().toStdString(), &attempt);
        if (listening)
            break;
        if (reason.empty())
            reason = attempt;
        // A fresh server for the next address: a failed one cannot listen again.
        m_endpoint = makeEndpoint();
    }
    if (!listening) {
        const QString why = QString::fromStdString(reason);
        *error = literal ? tr("Cannot serve the node API at %1: %2.").arg(m_config.apiAddress, why)
                         : tr("Cannot serve the node API at %1 (port %2 on every address): %3.")
                               .arg(m_config.apiAddress, QString::number(m_config.apiPort()), why);
        m_endpoint.reset();
        return false;
    }
    if (auto saved = certificate->save(m_config.dataDir); !saved) {
        *error = saved.message();
        m_endpoint.reset();
        return false;
    }
    if (certificate->created())
        qCInfo(lcNode).noquote() << "made the node API's key and certificate, SHA-256"
                                 << certificate->sha256();
    m_certificateSha256 = certificate->sha256();
    // Port 0 picked a free port: that one is where peers and agents find this node.
    if (m_config.apiPort() == 0)
        m_config.apiAddress = u"%1:%2"_s.arg(host).arg(m_endpoint->port());
    return true;
}

int NodeService::start(QString *error)
{
    // The port first: a node that cannot serve its API stops before it writes anything,
    // and peers can probe it from the moment it joins.
    if (!listen(error))
        return NodeExitFailure;

    auto database = Database::fromUrl(m_config.databaseUrl);
    if (!database) {
        *error = database.message();
        return NodeExitUsage;
    }
    m_database = std::move(database).value();
    // Through a pooler that shares server sessions, the liveness lock would mean nothing.
    if (auto sessions = SessionCheck::verify(m_database->url()); !sessions) {
        *error = sessions.message();
        return NodeExitFailure;
    }

    // The master key first: a wrong secret stops the node before it writes anything.
    auto secret = MasterKey::readSecretFile(m_config.secretFile);
    if (!secret) {
        *error = secret.message();
        return NodeExitFailure;
    }
    auto cluster = Cluster::load(*m_database);
    if (!cluster) {
        *error = cluster.message();
        return NodeExitFailure;
    }
    if (!cluster->has_value()) {
        *error =
            tr("%1 holds no cluster; create one with \"cohortctl init\".").arg(m_database->url().redacted());
        return NodeExitFailure;
    }
    if (auto opened = m_keyring->open(*m_database, *secret); !opened) {
        if (opened.code() == ErrorCode::AccessDenied) {
            *error =
                tr("Cannot start with the secret in %1: %2 Every node needs the cluster's current secret "
                   "(after \"cohortctl masterkey rotate-secret\", the new one).")
                    .arg(m_config.secretFile, opened.message());
            noteRefusal(NodeEventKind::SecretRefused,
                        tr("The local secret in %1 on %2 did not unlock the cluster's data key; the node did "
                           "not start.")
                            .arg(m_config.secretFile, QSysInfo::machineHostName()));
        } else
            *error = tr("Cannot open the cluster's data key: %1").arg(opened.message());
        return NodeExitFailure;
    }

    auto guid = NodeIdentity::loadOrCreate(m_config.guidFile());
    if (!guid) {
        *error = guid.message();
        return NodeExitFailure;
    }
    m_guid = *guid;
    m_keyring->setNodeGuid(m_guid);
    m_api->setIdentity({m_guid, m_config.name, m_version, m_config.apiAddress, m_certificateSha256,
                        QDateTime::currentMSecsSinceEpoch()});

    const QDateTime now = QDateTime::currentDateTime();
    NodeJoin join;
    join.guid = m_guid;
    join.name = m_config.name;
    join.apiAddress = m_config.apiAddress;
    join.version = m_version;
    join.incarnation = m_incarnation;
    join.hostname = QSysInfo::machineHostName();
    join.hostId = NodeRegistry::hostIdentity();
    join.pid = QCoreApplication::applicationPid();
    join.tzName = QString::fromUtf8(QTimeZone::systemTimeZoneId());
    join.tzOffsetSeconds = now.offsetFromUtc();
    join.guidFile = m_config.guidFile();
    join.certSha256 = m_certificateSha256;
    join.configHash = m_config.effectiveHash();
    join.keyCheck = m_keyring->keyCheck();

    // Schema and version: a node newer than the cluster upgrades it (the first one
    // upgraded takes over); an older one does no work.
    if (auto found = Schema::version(*m_database); found && *found < Schema::CurrentVersion) {
        qCInfo(lcNode).noquote()
            << u"the database's schema is at version %1: upgrading it to %2, waiting up to %3 s "
               "for another process's migration or lock"_s.arg(*found)
                   .arg(Schema::CurrentVersion)
                   .arg(m_config.migrationWaitSeconds);
    }
    // The software version, under the same lock: the first node of a newer version takes
    // over; an older one is refused before it does anything.
    VersionAdmission admission;
    const auto admit = [&](QSqlDatabase &db, const MigrationOutcome &) -> Result<void> {
        auto admitted = SoftwareVersion::admit(db, m_database->dialect(), m_version, m_guid, m_config.name);
        if (!admitted)
            return admitted.error();
        admission = *admitted;
        return {};
    };
    auto migrated =
        Schema::migrate(*m_database, m_guid, admit, Schema::CurrentVersion, m_config.migrationWaitSeconds);
    if (!migrated) {
        if (migrated.code() == ErrorCode::UpgradeRequired) {
            auto required = SoftwareVersion::ofCluster(*m_database);
            if (auto recorded =
                    NodeRegistry::recordUpgradeRequired(*m_database, join, required ? *required : QString());
                !recorded)
                qCWarning(lcNode).noquote() << "cannot record this node's version:" << recorded.message();
            *error =
                tr("%1 This node shows as Offline (Upgrade Required) until it runs the cluster's version.")
                    .arg(migrated.message());
            return NodeExitUpgradeRequired;
        }
        *error = migrated.message();
        return NodeExitFailure;
    }
    if (migrated->changed())
        qCInfo(lcNode).noquote() << migrated->describe();
    if (admission.raised && !admission.clusterVersion.isEmpty()) {
        qCInfo(lcNode).noquote()
            << u"the cluster ran version %1; it now runs this node's %2, and this node takes "
               "over%3"_s.arg(admission.clusterVersion, m_version,
                              admission.superseded.isEmpty() ? QString()
                                                             : u" from %1 (stopping until upgraded)"_s.arg(
                                                                 admission.superseded.join(u", "_s)));
    }

    m_lease = std::make_unique<ClaimLease>(m_database->url().backend() == Backend::Postgres);
    HealthMonitor::Options healthOptions;
    healthOptions.timing = m_config.timing();
    healthOptions.join = join;
    m_health = new HealthMonitor(*m_database, healthOptions, m_settings, *m_lease);
    m_health->setKeyring(m_keyring.get());
    m_health->setMetrics(m_metrics.get());
    // The threshold decides below whether a previous run of this GUID may still be alive.
    m_health->readClusterTiming();
    join.offlineAfterMs = m_health->offlineAfterMs();
    join.heartbeatMs = qint64(m_health->heartbeatSeconds()) * 1000;

    // A second live process with this GUID (a cloned machine) already holds the lock.
    auto locked = takeSessionLock();
    if (!locked) {
        *error = locked.message();
        return NodeExitFailure;
    }
    join.livenessLockHeld = m_database->url().backend() == Backend::Postgres && *locked;
    if (!*locked) {
        *error =
            tr("Another live cohort-node already runs as node %1. If this machine was cloned from another, "
               "delete %2 to join as a new node.")
                .arg(m_guid, m_config.guidFile());
        noteRefusal(NodeEventKind::CloneRefused,
                    tr("Refused process %1 on %2: another live process holds this node's session lock.")
                        .arg(QCoreApplication::applicationPid())
                        .arg(QSysInfo::machineHostName()));
        return NodeExitFailure;
    }

    join.clockMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 joining = ClaimLease::nowMs();
    auto joined = NodeRegistry::join(*m_database, join);
    if (!joined) {
        *error = joined.message();
        return NodeExitFailure;
    }
    // Joining counts as a heartbeat; the first real one, within a second, learns how long
    // the peers allow.
    m_lease->setAllowance(qMin(join.offlineAfterMs, 2 * join.heartbeatMs));
    m_lease->renew(joining);
    if (joined->recoveredJobs > 0)
        qCInfo(lcNode) << joined->recoveredJobs << "jobs of this node's previous run went back to the pool";

    m_health->setJoin(join);
    m_health->setLivenessLock(m_lock);

    JobRunner::Options runnerOptions;
    runnerOptions.workers = m_config.workers;
    runnerOptions.batchSize = m_config.batchSize;
    runnerOptions.executionLog = m_config.executionLog;
    runnerOptions.version = m_version;
    runnerOptions.metrics = m_metrics.get();
    m_runner = new JobRunner(*m_database, m_guid, m_incarnation, joined->joinedAt, runnerOptions, m_settings,
                             *m_lease);
    m_runner->moveToThread(&m_runnerThread);
    connect(&m_runnerThread, &QThread::finished, m_runner, &QObject::deleteLater);
    connect(m_runner, &JobRunner::stopped, this, &NodeService::runnerStopped);
    connect(m_runner, &JobRunner::fatal, this,
            [this](const QString &reason) { stop(NodeExitFailure, reason); });
    connect(m_health, &HealthMonitor::rejoined, m_runner, &JobRunner::rejoined);
    connect(m_health, &HealthMonitor::mustStop, this,
            [this](int code, const QString &reason) { stop(code, reason); });
    connect(m_health, &HealthMonitor::left, this, &NodeService::left);
    m_runnerThread.setObjectName(u"job-loop"_s);
    m_runnerThread.start();
    QMetaObject::invokeMethod(m_runner, &JobRunner::start, Qt::QueuedConnection);
    if (m_held) // drained through the API while the node was still starting
        setHeld(true, m_heldBy);

    PeerProber::Options proberOptions;
    proberOptions.selfGuid = m_guid;
    proberOptions.version = m_version;
    proberOptions.heartbeatSeconds = [health = QPointer<HealthMonitor>(m_health)] {
        return health ? health->heartbeatSeconds() : 1;
    };
    m_prober = new PeerProber(*m_database, proberOptions);

    // From here on the main thread only answers HTTP and signals; membership has its own
    // thread and connection, as the session lock has.
    m_health->moveToThread(&m_membershipThread);
    m_prober->moveToThread(&m_membershipThread);
    connect(&m_membershipThread, &QThread::finished, m_health, &QObject::deleteLater);
    connect(&m_membershipThread, &QThread::finished, m_prober, &QObject::deleteLater);
    m_membershipThread.setObjectName(u"membership"_s);
    m_membershipThread.start();
    m_membershipStarted = true;
    QMetaObject::invokeMethod(m_health, &HealthMonitor::start, Qt::QueuedConnection);
    QMetaObject::invokeMethod(m_prober, &PeerProber::start, Qt::QueuedConnection);
    if (m_lock)
        QMetaObject::invokeMethod(m_lock, &LivenessLock::start, Qt::QueuedConnection);
    startAgents();
    m_database->resetConnection(); // the main thread's, used only to start

    qCInfo(lcNode).noquote() << u"node %1 (%2) joined the cluster at %3 as %4, version %5, %6 workers"_s.arg(
        m_config.name, m_guid, m_database->url().redacted(), m_config.apiAddress, m_version,
        QString::number(m_config.workers));
    return NodeExitOk;
}

void NodeService::setHeld(bool hold, const QString &actor)
{
    m_held = hold;
    m_heldBy = actor;
    if (!m_runner)
        return; // applied once the job loop exists
    const int graceMs = m_config.graceSeconds * 1000;
    if (hold)
        QMetaObject::invokeMethod(
            m_runner, [runner = m_runner, graceMs, actor] { runner->hold(graceMs, actor); },
            Qt::QueuedConnection);
    else
        QMetaObject::invokeMethod(
            m_runner, [runner = m_runner, actor] { runner->resume(actor); }, Qt::QueuedConnection);
}

void NodeService::noteRefusal(const QString &kind, const QString &details)
{
    QString guid = m_guid;
    if (guid.isEmpty()) {
        auto stored = NodeIdentity::load(m_config.guidFile());
        if (!stored)
            return; // a node that never joined has no timeline
        guid = *stored;
    }
    auto noted = NodeEvents::recordIfKnown(
        *m_database,
        {.nodeGuid = guid, .kind = kind, .actor = guid, .actorName = m_config.name, .details = details});
    if (!noted)
        qCWarning(lcNode).noquote() << "could not record the refusal in the node's timeline:"
                                    << noted.message();
}

void NodeService::startAgents()
{
    m_metrics->setIdentity(m_guid, m_config.name, m_version);
    NodeApi *api = m_api.get();
    m_directory =
        new ManagerDirectory(*m_database, [api](const ManagerList &list) { api->setManagers(list); });
    // The first list before agents are answered; a database that cannot give it now is
    // asked again every second, and check-ins wait (503) until then.
    m_directory->refresh();
    m_recorder = new AgentRecorder(*m_database, *m_keyring, m_guid, *m_inbox, *m_metrics);
    m_directory->moveToThread(&m_agentsThread);
    m_recorder->moveToThread(&m_agentsThread);
    connect(&m_agentsThread, &QThread::finished, m_directory, &QObject::deleteLater);
    connect(&m_agentsThread, &QThread::finished, m_recorder, &QObject::deleteLater);
    m_agentsThread.setObjectName(u"agents"_s);
    m_agentsThread.start();
    QMetaObject::invokeMethod(m_directory, &ManagerDirectory::start, Qt::QueuedConnection);
    QMetaObject::invokeMethod(m_recorder, &AgentRecorder::start, Qt::QueuedConnection);
}

void NodeService::stop(int exitCode, const QString &reason)
{
    if (m_stopping) {
        // A reason to fail that comes up while stopping still decides the exit code.
        if (m_exitCode == NodeExitOk && exitCode != NodeExitOk) {
            qCInfo(lcNode).noquote() << "while stopping:" << reason;
            m_exitCode = exitCode;
        }
        return;
    }
    m_stopping = true;
    m_exitCode = exitCode;
    m_stopReason = reason;
    qCInfo(lcNode).noquote() << "stopping:" << reason;
    // Health says "draining" from now on, so load balancers and agents go elsewhere.
    if (m_api)
        m_api->setDraining();
    if (!m_runner) {
        QCoreApplication::exit(exitCode);
        return;
    }
    QMetaObject::invokeMethod(m_health, &HealthMonitor::beginStop, Qt::QueuedConnection);
    // A leaving node's view of its peers no longer matters; its endpoint still answers.
    QMetaObject::invokeMethod(m_prober, &PeerProber::stop, Qt::QueuedConnection);
    const int graceMs = m_config.graceSeconds * 1000;
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, graceMs] { runner->stop(graceMs); }, Qt::QueuedConnection);
    // A stop that cannot reach the database must still end.
    QTimer::singleShot(graceMs + StopDeadlineExtraMs, this, [this] {
        qCCritical(lcNode) << "the job loop did not stop in time (is the database reachable?); exiting";
        m_exitCode = m_exitCode == NodeExitOk ? NodeExitFailure : m_exitCode;
        finish();
    });
}

void NodeService::runnerStopped(int handedBack)
{
    Q_UNUSED(handedBack);
    // The timeline says why the node stopped; a job handed back, why it was not finished.
    const QString jobsReason = tr("node %1 stopped before running it").arg(m_config.name);
    QString why = m_stopReason;
    if (why.endsWith(u'.'))
        why.chop(1);
    QMetaObject::invokeMethod(
        m_health,
        [health = m_health, reason = tr("Stopped: %1.").arg(why), jobsReason] {
            health->leave(reason, jobsReason);
        },
        Qt::QueuedConnection);
}

void NodeService::left(bool ok, const QString &error)
{
    if (!ok) {
        qCCritical(lcNode).noquote() << "cannot mark this node Offline:" << error;
        if (m_exitCode == NodeExitOk)
            m_exitCode = NodeExitFailure;
    } else {
        qCInfo(lcNode) << "marked Offline; bye";
    }
    finish();
}

void NodeService::finish()
{
    // Once: the stop deadline or a second "left" arriving after the threads ended must not
    // touch the objects those threads deleted.
    if (m_finished)
        return;
    m_finished = true;
    // The check-ins answered so far are written before the agents thread ends (no more are
    // taken while draining).
    if (m_recorder) {
        QMetaObject::invokeMethod(
            m_recorder,
            [recorder = m_recorder] {
                recorder->stop();
                QThread::currentThread()->quit();
            },
            Qt::QueuedConnection);
        if (!m_agentsThread.wait(5000)) {
            qCCritical(lcNode)
                << "the agents thread is still writing check-ins after the stop; ending the process";
            ::_exit(m_exitCode);
        }
    }
    for (QThread *thread : {&m_runnerThread, &m_membershipThread, &m_lockThread}) {
        thread->quit();
        if (!thread->wait(5000)) {
            // A job that ignores cancellation, or a database that does not answer, cannot
            // hold the process hostage.
            qCCritical(lcNode).noquote()
                << thread->objectName() << "still busy after the stop; ending the process";
            ::_exit(m_exitCode);
        }
    }
    QCoreApplication::exit(m_exitCode);
}

} // namespace Cohort
