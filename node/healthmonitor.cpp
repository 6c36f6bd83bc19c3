#include "healthmonitor.h"

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

} // namespace

HealthMonitor::HealthMonitor(Database &database, Options options, SettingsCache &settings, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_options(std::move(options))
    , m_settings(settings)
{
    m_timer.setInterval(qMin(CheckIntervalMs, m_options.heartbeatSeconds * 1000));
    connect(&m_timer, &QTimer::timeout, this, &HealthMonitor::tick);
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
    const bool session = ensureSession();
    // A failed heartbeat is tried again at the next check, not a whole interval later.
    if (!m_databaseOk
        || m_sinceBeat.elapsed() >= qint64(m_options.heartbeatSeconds) * 1000 - CheckIntervalMs / 2) {
        m_sinceBeat.start();
        beat();
    }
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
    const qint64 offlineAfterMs = qint64(m_options.offlineAfterSeconds) * 1000;
    // After this node was cut off from the database, its peers probably were too: their
    // heartbeats are judged again once they had time to write one.
    const bool judgeHeartbeats = !m_backSince.isValid()
                                 || m_backSince.elapsed() > qint64(m_options.heartbeatSeconds) * 1000 + 2000;
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
