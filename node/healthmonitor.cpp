#include "healthmonitor.h"

#include "clustersettings.h"
#include "jobpool.h"
#include "jobtypes.h"
#include "nodelogging.h"
#include "schema.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int CheckIntervalMs = 1000;
// A peer without its session lock is only declared dead once this node's own session
// has stood this long: after a database restart every node needs a moment to reconnect.
// Longer than a connection attempt may take (connect_timeout, 5 s) plus a check.
constexpr qint64 SessionGraceMs = 6000;
// How often the cluster's heartbeat settings are read again: a change on the console's
// System Settings page is in force on every node within this long (and one check).
constexpr qint64 TimingReadIntervalMs = 15000;

QString timingSource(bool given, const char16_t *flag, const IntegerSetting &setting)
{
    return given ? u"%1 given to this node"_s.arg(QString::fromUtf16(flag))
                 : u"cluster setting %1"_s.arg(QString::fromUtf16(setting.name));
}

} // namespace

HealthMonitor::HealthMonitor(Database &database, Options options, SettingsCache &settings, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_options(std::move(options))
    , m_settings(settings)
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
    const Result<qint64> offlineAfter = heartbeat ? ClusterSettings::integer(m_database, Setting::OfflineAfterSeconds)
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
                                          .arg(timingSource(m_options.timing.heartbeatExplicit, u"--heartbeat",
                                                            Setting::HeartbeatSeconds))
                                          .arg(timing.offlineAfterSeconds)
                                          .arg(timingSource(m_options.timing.offlineAfterExplicit,
                                                            u"--offline-after", Setting::OfflineAfterSeconds));
        m_timingAnnounced = true;
    } else if (!timing.sameValues(m_timing)) {
        QStringList changes;
        if (timing.heartbeatSeconds != m_timing.heartbeatSeconds)
            changes << u"heartbeat now every %1 s (was %2 s)"_s.arg(timing.heartbeatSeconds).arg(m_timing.heartbeatSeconds);
        if (timing.offlineAfterSeconds != m_timing.offlineAfterSeconds)
            changes << u"peers now Offline after %1 s of silence (was %2 s)"_s.arg(timing.offlineAfterSeconds)
                           .arg(m_timing.offlineAfterSeconds);
        qCInfo(lcHealth).noquote() << changes.join(u", "_s);
    }
    m_timing = timing;
    m_options.join.offlineAfterMs = offlineAfterMs();
    m_timer.setInterval(qMin(CheckIntervalMs, m_timing.heartbeatSeconds * 1000));
}

Result<bool> HealthMonitor::takeSessionLock()
{
    if (m_database.url().backend() != Backend::Postgres)
        return true;
    auto db = m_database.connection();
    if (!db)
        return db.error();
    auto locked = NodeRegistry::tryLivenessLock(*db, m_options.join.guid);
    if (!locked)
        return m_database.noteFailure(db, locked.error());
    m_sessionLocked = *locked;
    m_sessionSerial = m_database.connectionSerial();
    if (m_sessionLocked)
        m_sessionAge.start();
    return *locked;
}

void HealthMonitor::start()
{
    m_sinceBeat.start();
    m_timer.start();
}

void HealthMonitor::beginStop()
{
    m_stopping = true;
}

bool HealthMonitor::ensureSession()
{
    if (m_database.url().backend() != Backend::Postgres)
        return true;
    // A new connection (after the old one was lost) holds no lock yet.
    auto db = m_database.connection();
    if (!db)
        return false;
    if (m_sessionLocked && m_sessionSerial == m_database.connectionSerial())
        return true;
    auto locked = NodeRegistry::tryLivenessLock(*db, m_options.join.guid);
    if (!locked) {
        m_database.noteFailure(db, locked.error());
        return false;
    }
    m_sessionLocked = *locked;
    m_sessionSerial = m_database.connectionSerial();
    if (m_sessionLocked) {
        m_sessionAge.start();
        qCInfo(lcHealth) << "holding this node's session lock again";
    } else {
        qCWarning(lcHealth) << "another session holds this node's lock; retrying";
    }
    return m_sessionLocked;
}

void HealthMonitor::tick()
{
    endTransitionIfDue();
    const bool session = ensureSession();
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
    if (!m_stopping && session)
        checkPeers();
}

void HealthMonitor::beat()
{
    auto heartbeat = NodeRegistry::heartbeat(m_database, m_options.join.guid, m_options.join.incarnation);
    if (!heartbeat) {
        if (m_databaseOk)
            qCWarning(lcHealth).noquote() << "heartbeat failed:" << heartbeat.message();
        m_databaseOk = false;
        return;
    }
    if (!m_databaseOk) {
        qCInfo(lcHealth) << "heartbeat recorded again";
        // Peers cut off with us need a heartbeat of their own before they are judged.
        m_backSince.start();
    }
    m_databaseOk = true;

    if (heartbeat->schemaVersion > Schema::CurrentVersion) {
        Q_EMIT mustStop(3, tr("The cluster was upgraded to schema version %1; this node (schema %2, version %3) "
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
            Q_EMIT mustStop(1, tr("This node was decommissioned; it stops and cannot rejoin. To run this machine "
                                  "as a new node, delete %1.")
                                   .arg(m_options.join.guidFile));
            return;
        }
        if (m_stopping)
            return;
        // A peer declared us dead (we were cut off, or hung): our claims went back to
        // the pool. Join again; outcomes of the old claims will be fenced off.
        qCWarning(lcHealth) << "this node was declared Offline by a peer; joining again";
        m_options.join.clockMs = QDateTime::currentMSecsSinceEpoch();
        auto joined = NodeRegistry::join(m_database, m_options.join);
        if (!joined) {
            qCWarning(lcHealth).noquote() << "joining again failed:" << joined.message();
            return;
        }
        Q_EMIT rejoined(joined->joinedAt);
        return;
    }
    if (!m_stopping)
        scheduleHousekeeping(heartbeat->at);
}

void HealthMonitor::checkPeers()
{
    std::optional<QSet<quint32>> sessions;
    if (m_database.url().backend() == Backend::Postgres) {
        // The heartbeat may have found the connection lost since ensureSession(): then
        // this is a new session without the lock, and the others may not be back yet.
        if (!m_sessionLocked || m_sessionSerial != m_database.connectionSerial()) {
            m_sessionLocked = false;
            return;
        }
    }
    if (m_database.url().backend() == Backend::Postgres && m_sessionAge.elapsed() > SessionGraceMs) {
        auto db = m_database.connection();
        if (!db)
            return;
        auto live = NodeRegistry::liveSessions(*db);
        if (!live) {
            m_database.noteFailure(db, live.error());
            return;
        }
        sessions = *live;
    }
    const qint64 offlineAfterMs = this->offlineAfterMs();
    // After this node was cut off from the database, its peers probably were too: their
    // heartbeats are judged again once they had time to write one.
    const bool judgeHeartbeats = !m_backSince.isValid()
                                 || m_backSince.elapsed() > qint64(m_timing.heartbeatSeconds) * 1000 + 2000;
    auto dead = NodeRegistry::findDead(m_database, m_options.join.guid, judgeHeartbeats ? offlineAfterMs : 0,
                                       sessions, m_options.join.hostname);
    if (!dead) {
        if (m_databaseOk)
            qCWarning(lcHealth).noquote() << "cannot check the peers:" << dead.message();
        return;
    }
    for (const NodeDeath &death : std::as_const(*dead)) {
        auto marked = NodeRegistry::markOffline(m_database, death, offlineAfterMs, m_options.join.guid);
        if (!marked) {
            qCWarning(lcHealth).noquote() << "cannot mark node" << death.name << "Offline:" << marked.message();
            continue;
        }
        if (*marked)
            qCWarning(lcHealth).noquote() << "marked node" << death.name << death.guid << "Offline:" << death.reason;
    }
}

void HealthMonitor::scheduleHousekeeping(qint64 now)
{
    QList<JobSpec> due;
    for (const JobType &type : JobTypes::all()) {
        if (type.defaultPeriodSeconds <= 0)
            continue;
        QString problem;
        const qint64 periodMs = m_settings.periodSeconds(m_database, type.name, type.defaultPeriodSeconds, &problem) * 1000;
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
