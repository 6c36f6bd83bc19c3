#include "healthmonitor.h"

#include "clustersettings.h"
#include "jobpool.h"
#include "jobtypes.h"
#include "livenesslock.h"
#include "nodekeyring.h"
#include "nodelogging.h"
#include "nodemetrics.h"
#include "peerprober.h"
#include "schema.h"
#include "systemsettings.h"
#include "timecheck.h"

#include <QDateTime>
#include <QNetworkProxy>
#include <QTcpSocket>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int CheckIntervalMs = 1000;
// A peer without its session lock is only declared dead once this node's own session
// has stood this long: after a database restart every node needs a moment to reconnect.
// Longer than a connection attempt may take (connect_timeout, 5 s) plus a check.
constexpr qint64 SessionGraceMs = 6000;
// A peer whose session lock is gone but whose API port cannot be reached (neither
// answering nor refusing: a host that went away) is dead once this passes. A dropped
// session is taken again within a second; a network blip of a few seconds takes nothing over.
constexpr qint64 LockFreeGraceMs = 5000;
// How long a connection to a suspect peer's API port may take.
constexpr int PortCheckTimeoutMs = 1000;

enum class PortCheck { Answers, Refuses, Unreachable };

// Whether something listens on a peer's API port. On the membership thread, so waiting a
// moment here delays nothing that answers HTTP. Refused means nothing listens there: a
// process that was killed. Anything else may be a network problem, not a dead node.
PortCheck checkPort(const QString &apiAddress)
{
    const PeerProber::Endpoint endpoint = PeerProber::parseAddress(apiAddress);
    if (!endpoint.valid)
        return PortCheck::Unreachable;
    QTcpSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    socket.connectToHost(endpoint.host, endpoint.port);
    if (socket.waitForConnected(PortCheckTimeoutMs)) {
        socket.abort();
        return PortCheck::Answers;
    }
    return socket.error() == QAbstractSocket::ConnectionRefusedError ? PortCheck::Refuses
                                                                     : PortCheck::Unreachable;
}
// How often the cluster's heartbeat settings are read again: a change on the console's
// System Settings page is in force on every node within this long (and one check).
constexpr qint64 TimingReadIntervalMs = 15000;
constexpr qint64 TimeCheckIntervalMs = 60000;

QString timingSource(bool given, const char16_t *flag, const IntegerSetting &setting)
{
    return given ? u"%1 given to this node"_s.arg(QString::fromUtf16(flag))
                 : u"cluster setting %1"_s.arg(QString::fromUtf16(setting.name));
}

} // namespace

HealthMonitor::HealthMonitor(Database &database, Options options, SettingsCache &settings, ClaimLease &lease,
                             QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_options(std::move(options))
    , m_settings(settings)
    , m_lease(lease)
    , m_hostId(NodeRegistry::hostIdentity())
    , m_judge(database.url().backend() == Backend::Postgres ? PeerJudge::Seed::DatabaseAge
                                                            : PeerJudge::Seed::FirstSight)
{
    // Until the cluster settings are read: their defaults.
    m_timing = m_options.timing.withCluster(Setting::HeartbeatSeconds.defaultValue,
                                            Setting::OfflineAfterSeconds.defaultValue);
    m_wanted = m_timing;
    m_options.join.offlineAfterMs = offlineAfterMs();
    m_timer.setInterval(qMin(CheckIntervalMs, m_timing.heartbeatSeconds * 1000));
    connect(&m_timer, &QTimer::timeout, this, &HealthMonitor::tick);
}

void HealthMonitor::setJoin(const NodeJoin &join)
{
    m_options.join = join;
    m_options.join.offlineAfterMs = offlineAfterMs();
}

void HealthMonitor::readClusterTiming()
{
    m_sinceTimingRead.start();
    if (!m_options.timing.followsCluster()) {
        putInForce(m_timing);
        return;
    }
    // The second read only when the first worked: a lost connection costs one wait, not two.
    const Result<qint64> heartbeat = ClusterSettings::integer(m_database, Setting::HeartbeatSeconds);
    const Result<qint64> offlineAfter =
        heartbeat ? ClusterSettings::integer(m_database, Setting::OfflineAfterSeconds)
                  : Result<qint64>(heartbeat.error());
    if (!offlineAfter) {
        if (!m_timingReadFailing)
            qCWarning(lcHealth).noquote()
                << u"cannot read the cluster's heartbeat settings; keeping a heartbeat every %1 s and peers "
                   "Offline after %2 s until they can be read:"_s.arg(m_timing.heartbeatSeconds)
                       .arg(m_timing.offlineAfterSeconds)
                << offlineAfter.message();
        m_timingReadFailing = true;
        putInForce(m_timing); // announced at least once
        return;
    }
    if (m_timingReadFailing)
        qCInfo(lcHealth) << "read the cluster's heartbeat settings again";
    m_timingReadFailing = false;

    const std::pair<qint64, qint64> stored{*heartbeat, *offlineAfter};
    if (m_stored == stored)
        return;
    QStringList adjustments;
    m_wanted = m_options.timing.withCluster(stored.first, stored.second, &adjustments);
    for (const QString &adjustment : std::as_const(adjustments))
        qCWarning(lcHealth).noquote() << adjustment;
    if (m_stored && m_stored->first != stored.first) {
        // Peers read the change up to one interval before or after this node. Until all
        // have, a peer may heartbeat at either pace: this one keeps to the faster and
        // allows for the slower, so nobody is marked Offline for being on time.
        const bool inTransition = !m_transitionEnds.hasExpired();
        const int before = int(m_stored->first);
        const int after = int(stored.first);
        m_transitionFastest = qMin(inTransition ? m_transitionFastest : before, after);
        m_transitionSlowest = qMax(inTransition ? m_transitionSlowest : before, after);
        m_transitionEnds.setRemainingTime(TimingReadIntervalMs + 2 * CheckIntervalMs);
        qCInfo(lcHealth).noquote()
            << u"the cluster's heartbeat changed from %1 s to %2 s; allowing for both paces for %3 s, until "
               "every node has read it"_s.arg(before)
                   .arg(after)
                   .arg((m_transitionEnds.remainingTime() + 999) / 1000);
    }
    m_stored = stored;
    putInForce(inForce());
}

NodeTiming HealthMonitor::inForce() const
{
    NodeTiming timing = m_wanted;
    if (m_transitionEnds.hasExpired())
        return timing;
    if (!m_options.timing.heartbeatExplicit)
        timing.heartbeatSeconds = qMin(timing.heartbeatSeconds, m_transitionFastest);
    if (!m_options.timing.offlineAfterExplicit)
        timing.offlineAfterSeconds = qMax(timing.offlineAfterSeconds, 2 * m_transitionSlowest);
    return timing;
}

void HealthMonitor::endTransitionIfDue()
{
    if (m_transitionSlowest == 0 || !m_transitionEnds.hasExpired())
        return;
    m_transitionFastest = m_transitionSlowest = 0;
    putInForce(m_wanted);
}

void HealthMonitor::putInForce(const NodeTiming &timing)
{
    if (!m_timingAnnounced) {
        qCInfo(lcHealth).noquote() << u"heartbeat every %1 s (%2), peers Offline after %3 s of silence (%4)"_s
                                          .arg(timing.heartbeatSeconds)
                                          .arg(timingSource(m_options.timing.heartbeatExplicit,
                                                            u"--heartbeat", Setting::HeartbeatSeconds))
                                          .arg(timing.offlineAfterSeconds)
                                          .arg(timingSource(m_options.timing.offlineAfterExplicit,
                                                            u"--offline-after",
                                                            Setting::OfflineAfterSeconds));
        m_timingAnnounced = true;
    } else if (!timing.sameValues(m_timing)) {
        QStringList changes;
        if (timing.heartbeatSeconds != m_timing.heartbeatSeconds)
            changes << u"heartbeat now every %1 s (was %2 s)"_s.arg(timing.heartbeatSeconds)
                           .arg(m_timing.heartbeatSeconds);
        if (timing.offlineAfterSeconds != m_timing.offlineAfterSeconds)
            changes << u"peers now Offline after %1 s of silence (was %2 s)"_s.arg(timing.offlineAfterSeconds)
                           .arg(m_timing.offlineAfterSeconds);
        qCInfo(lcHealth).noquote() << changes.join(u", "_s);
    }
    m_timing = timing;
    m_options.join.offlineAfterMs = offlineAfterMs();
    m_timer.setInterval(qMin(CheckIntervalMs, m_timing.heartbeatSeconds * 1000));
}

void HealthMonitor::start()
{
    m_sinceBeat.start();
    // Joining was this run's first heartbeat: a gap from here (the database lost before
    // the first beat) forgives the peers' silence like any later gap.
    m_lastBeatDone = ClaimLease::nowMs();
    m_timer.start();
    checkTime();
}

void HealthMonitor::beginStop()
{
    m_stopping = true;
}

void HealthMonitor::leave(const QString &reason, const QString &jobsReason)
{
    m_timer.stop();
    auto left =
        NodeRegistry::leave(m_database, m_options.join.guid, m_options.join.incarnation, reason, jobsReason);
    Q_EMIT this->left(left.ok(), left.ok() ? QString() : left.message());
}

void HealthMonitor::tick()
{
    endTransitionIfDue();
    // A failed heartbeat is tried again at the next check, not a whole interval later.
    if (!m_databaseOk
        || m_sinceBeat.elapsed() >= qint64(m_timing.heartbeatSeconds) * 1000 - CheckIntervalMs / 2) {
        m_sinceBeat.start();
        beat();
    }
    // Not while the heartbeat fails: the database would only make this check wait again.
    if (m_databaseOk && m_options.timing.followsCluster()
        && (!m_sinceTimingRead.isValid() || m_sinceTimingRead.hasExpired(TimingReadIntervalMs)))
        readClusterTiming();
    if (!m_stopping)
        checkPeers();
    // Manager Time Out of Sync: every five heartbeats, and at least once a minute.
    if (m_databaseOk && !m_stopping
        && m_sinceTimeCheck.hasExpired(
            qMin<qint64>(5LL * m_timing.heartbeatSeconds * 1000, TimeCheckIntervalMs)))
        checkTime();
}

void HealthMonitor::checkTime()
{
    m_sinceTimeCheck.start();
    // At the same pace: whether the data key was rotated or re-wrapped.
    if (m_keyring)
        m_keyring->refresh(m_database);
    QString problem;
    const qint64 toleranceMs = m_settings.integer(m_database, Setting::TimeToleranceSeconds, &problem) * 1000;
    if (!problem.isEmpty())
        qCWarning(lcHealth).noquote() << problem;
    auto checked = TimeCheck::run(m_database, m_options.join.guid, m_options.join.name, toleranceMs);
    if (!checked) {
        if (!m_timeCheckFailing)
            qCWarning(lcHealth).noquote()
                << "cannot compare this node's clock with the database's:" << checked.message();
        m_timeCheckFailing = true;
        return;
    }
    m_timeCheckFailing = false;
    const bool outOfSync = !checked->problems.isEmpty();
    if (outOfSync && (checked->raised || !m_timeOutOfSync)) {
        qCWarning(lcHealth).noquote() << "Manager Time Out of Sync:" << checked->problems.join(u"; "_s)
                                      << u"(tolerance %1 s)"_s.arg(toleranceMs / 1000);
    } else if (!outOfSync && (m_timeOutOfSync || checked->cleared > 0)) {
        qCInfo(lcHealth).noquote() << u"time in sync with the database again: clock %1 ms off, zone %2"_s.arg(
            QString::number(checked->skewMs), checked->nodeZone);
    }
    m_timeOutOfSync = outOfSync;
}

void HealthMonitor::beat()
{
    const qint64 started = ClaimLease::nowMs();
    const qint64 heartbeatMs = qint64(m_timing.heartbeatSeconds) * 1000;
    auto heartbeat = NodeRegistry::heartbeat(m_database, m_options.join.guid, m_options.join.incarnation,
                                             heartbeatMs, offlineAfterMs());
    if (!heartbeat) {
        if (m_databaseOk)
            qCWarning(lcHealth).noquote() << "heartbeat failed:" << heartbeat.message();
        m_databaseOk = false;
        return;
    }
    if (!m_databaseOk)
        qCInfo(lcHealth) << "heartbeat recorded again";
    m_databaseOk = true;
    // A gap in this node's own heartbeats (it could not reach the database, waited long for
    // it, or was stopped): the silence it measured of its peers meanwhile is not theirs,
    // since they were probably held up too. They get a fresh window.
    const qint64 done = ClaimLease::nowMs();
    if (done - m_lastBeatDone > heartbeatMs + qMax<qint64>(heartbeatMs, 2000)) {
        qCInfo(lcHealth).noquote() << u"no heartbeat of this node's own for %1 ms; peers get a fresh window"_s
                                          .arg(done - m_lastBeatDone);
        m_judge.forgive(done);
    }
    m_lastBeatDone = done;

    if (!heartbeat->upgradeTo.isEmpty()) {
        // A node of a newer version took over: this one claims nothing any more (its claims
        // check the same mark), finishes or hands back what it runs, and stops.
        Q_EMIT mustStop(
            3, tr("A node of version %1 took over the cluster; this node (version %2) claims nothing "
                  "more and stops. It shows as Offline (Upgrade Required) until it runs version %1.")
                   .arg(heartbeat->upgradeTo, m_options.join.version));
        return;
    }
    if (heartbeat->schemaVersion > Schema::CurrentVersion) {
        Q_EMIT mustStop(3,
                        tr("The cluster was upgraded to schema version %1; this node (schema %2, version %3) "
                           "must be upgraded too, and stops.")
                            .arg(heartbeat->schemaVersion)
                            .arg(Schema::CurrentVersion)
                            .arg(m_options.join.version));
        return;
    }
    if (!heartbeat->online) {
        if (heartbeat->state == u"online"_s) {
            Q_EMIT mustStop(1, tr("Another process now runs as node %1; this one stops. If this machine was "
                                  "cloned, delete %2 to join it as a new node.")
                                   .arg(m_options.join.guid, m_options.join.guidFile));
            return;
        }
        if (heartbeat->state == u"decommissioned"_s || heartbeat->state.isEmpty()) {
            Q_EMIT mustStop(
                1, tr("This node was decommissioned; it stops and cannot rejoin. To run this machine "
                      "as a new node, delete %1.")
                       .arg(m_options.join.guidFile));
            return;
        }
        // A peer declared us dead (we were cut off, or hung): our claims went back to
        // the pool, and none of them may start now.
        m_lease.revoke();
        if (m_stopping)
            return;
        // Join again, as a new run: outcomes of the old claims will be fenced off, and
        // the peers see a new incarnation, not the one they declared dead coming back.
        m_options.join.incarnation = QUuid::createUuid().toString(QUuid::WithoutBraces);
        qCWarning(lcHealth).noquote()
            << "this node was declared Offline by a peer; joining again as run" << m_options.join.incarnation;
        m_options.join.clockMs = QDateTime::currentMSecsSinceEpoch();
        m_options.join.heartbeatMs = heartbeatMs;
        const qint64 joining = ClaimLease::nowMs();
        auto joined = NodeRegistry::join(m_database, m_options.join);
        if (!joined) {
            qCWarning(lcHealth).noquote() << "joining again failed:" << joined.message();
            return;
        }
        m_lease.renew(joining);
        Q_EMIT rejoined(joined->joinedAt, m_options.join.incarnation);
        return;
    }
    // Claims stand until a peer could declare this node Offline.
    m_lease.setAllowance(heartbeat->peersAllowMs > 0 ? heartbeat->peersAllowMs
                                                     : PeerJudge::allowanceMs(offlineAfterMs(), heartbeatMs));
    m_lease.renew(started);
    if (!m_stopping)
        scheduleHousekeeping(heartbeat->at);
}

void HealthMonitor::checkPeers()
{
    auto peers = NodeRegistry::onlinePeers(m_database, m_options.join.guid);
    if (!peers) {
        if (m_databaseOk && !m_peersReadFailing)
            qCWarning(lcHealth).noquote() << "cannot check the peers:" << peers.message();
        m_peersReadFailing = true;
        return;
    }
    m_peersReadFailing = false;
    const qint64 now = ClaimLease::nowMs();
    m_judge.observe(*peers, now);
    if (m_metrics) {
        QList<NodeMetrics::PeerAge> ages;
        for (const PeerBeat &peer : std::as_const(*peers))
            ages.append({peer.guid, peer.name, m_judge.silentMs(peer.guid, now)});
        m_metrics->setPeerAges(ages);
    }
    // While this node's own heartbeat fails, its view of the others' is no better.
    QList<NodeDeath> dead =
        m_databaseOk ? m_judge.expired(*peers, offlineAfterMs(), now) : QList<NodeDeath>();
    if (m_database.url().backend() == Backend::Postgres)
        findSessionDeaths(*peers, now, &dead);
    else
        findProcessDeaths(*peers, &dead);

    for (const NodeDeath &death : std::as_const(dead)) {
        auto marked = NodeRegistry::markOffline(m_database, death, m_options.join.guid);
        if (!marked) {
            qCWarning(lcHealth).noquote()
                << "cannot mark node" << death.name << "Offline:" << marked.message();
            continue;
        }
        if (*marked)
            qCWarning(lcHealth).noquote()
                << "marked node" << death.name << death.guid << "Offline:" << death.reason;
    }
}

void HealthMonitor::findSessionDeaths(const QList<PeerBeat> &peers, qint64 now, QList<NodeDeath> *dead)
{
    // Until this node's own session has stood a while, others may simply not be back yet
    // (after a database restart every node reconnects).
    if (!m_lock || m_lock->heldForMs() <= SessionGraceMs) {
        m_lockFreeSince.clear();
        return;
    }
    auto db = m_database.connection();
    if (!db)
        return;
    auto live = NodeRegistry::liveSessions(*db);
    if (!live) {
        m_database.noteFailure(db, live.error());
        return;
    }
    QSet<QString> judged;
    for (const NodeDeath &death : std::as_const(*dead))
        judged.insert(death.guid);
    QSet<QString> suspects;
    for (const PeerBeat &peer : peers) {
        if (judged.contains(peer.guid) || live->contains(NodeRegistry::livenessKey(peer.guid)))
            continue;
        suspects.insert(peer.guid);
        const qint64 freeSince = m_lockFreeSince.value(peer.guid, now);
        m_lockFreeSince.insert(peer.guid, freeSince);
        // A lost session is not a dead node: confirm before taking anything over.
        const PortCheck port = checkPort(peer.apiAddress);
        NodeDeath death;
        if (port == PortCheck::Refuses) {
            death.reason = tr("its database session ended and nothing listens on its API port (%1)")
                               .arg(peer.apiAddress);
        } else if (port == PortCheck::Unreachable && now - freeSince > LockFreeGraceMs) {
            death.reason = tr("its database session ended %1 s ago and its API (%2) cannot be reached")
                               .arg((now - freeSince) / 1000)
                               .arg(peer.apiAddress);
        } else {
            if (!m_lockFreeLogged.contains(peer.incarnation)) {
                m_lockFreeLogged.insert(peer.incarnation);
                qCInfo(lcHealth).noquote()
                    << u"node %1 has no database session; %2, so it is not taken over yet"_s.arg(
                           peer.name,
                           port == PortCheck::Answers ? u"its API answers"_s : u"waiting before deciding"_s);
            }
            continue;
        }
        death.guid = peer.guid;
        death.name = peer.name;
        death.incarnation = peer.incarnation;
        death.sessionEnded = true;
        death.heartbeatCount = peer.heartbeatCount;
        dead->append(death);
    }
    for (auto it = m_lockFreeSince.begin(); it != m_lockFreeSince.end();)
        it = suspects.contains(it.key()) ? std::next(it) : m_lockFreeSince.erase(it);
}

void HealthMonitor::findProcessDeaths(const QList<PeerBeat> &peers, QList<NodeDeath> *dead)
{
    // SQLite: one machine. A process id means something only in the PID namespace of the
    // same kernel boot, whatever the host names say (containers may share one).
    if (m_hostId.isEmpty())
        return;
    for (const PeerBeat &peer : peers) {
        if (peer.hostId != m_hostId || NodeRegistry::processAlive(peer.pid))
            continue;
        if (std::any_of(dead->cbegin(), dead->cend(),
                        [&](const NodeDeath &d) { return d.guid == peer.guid; }))
            continue;
        NodeDeath death;
        death.guid = peer.guid;
        death.name = peer.name;
        death.incarnation = peer.incarnation;
        death.heartbeatCount = peer.heartbeatCount;
        death.reason = tr("its process %1 ended").arg(peer.pid);
        dead->append(death);
    }
}

void HealthMonitor::scheduleHousekeeping(qint64 now)
{
    QList<JobSpec> due;
    for (const JobType &type : JobTypes::all()) {
        if (type.defaultPeriodSeconds <= 0)
            continue;
        QString problem;
        const qint64 periodMs =
            m_settings.periodSeconds(m_database, type.name, type.defaultPeriodSeconds, &problem) * 1000;
        if (!problem.isEmpty())
            qCWarning(lcHealth).noquote() << problem;
        const qint64 bucket = now / periodMs;
        if (m_scheduledBucket.value(type.name, -1) == bucket)
            continue;
        JobSpec spec;
        spec.type = type.name;
        spec.scope = type.scope;
        spec.maxAttempts = 3;
        // The key makes the period's job unique across the cluster: every node offers
        // it, one insert wins.
        spec.scheduleKey = u"%1@%2"_s.arg(type.name).arg(bucket * periodMs);
        due.append(spec);
        m_scheduledBucket.insert(type.name, bucket);
    }
    if (due.isEmpty())
        return;
    auto submitted = JobPool::submit(m_database, due);
    if (!submitted) {
        qCWarning(lcHealth).noquote() << "cannot schedule housekeeping:" << submitted.message();
        for (const JobSpec &spec : std::as_const(due))
            m_scheduledBucket.remove(spec.type);
        return;
    }
    if (*submitted > 0)
        qCInfo(lcHealth) << "scheduled" << *submitted << "housekeeping jobs";
}

} // namespace Cohort
