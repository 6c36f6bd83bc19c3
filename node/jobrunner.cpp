#include "jobrunner.h"

#include "jobtypes.h"
#include "nodedrain.h"
#include "nodelogging.h"
#include "nodemetrics.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QSqlDriver>
#include <QSqlError>

#include <chrono>
#include <utility>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Polling is the fallback where notifications exist (PostgreSQL), and the only way to
// learn of new jobs where they do not (SQLite). It also picks up delayed and retried jobs.
constexpr int PollWithNotificationsMs = 1000;
constexpr int PollWithoutNotificationsMs = 100;
constexpr int ReconnectFirstMs = 200;
constexpr int ReconnectMaxMs = 5000;
// Jobs that take longer than this on average are not claimed ahead of free workers, so
// a node does not sit on long jobs its idle peers could run.
constexpr qint64 PrefetchBelowMicros = 50 * 1000;
// After the grace period, how long cancelled jobs get to notice before they are given
// up on and handed back regardless.
constexpr int CancelWaitMs = 5000;
// While the node completes jobs, its heartbeat rides along at most this often.
constexpr qint64 BeatWithCompletionsMs = 1000;
// A batch of outcomes the database refused this many times in a row (not a lost
// connection) is recorded one outcome at a time, to find the one it refuses.
constexpr int CompletionFailuresBeforeIsolating = 3;

} // namespace

JobRunner::JobRunner(Database &database, QString nodeGuid, QString incarnation, qint64 joinedAt,
                     Options options, SettingsCache &settings, ClaimLease &lease)
    : m_database(database)
    , m_nodeGuid(std::move(nodeGuid))
    , m_joinedAt(joinedAt)
    , m_options(std::move(options))
    , m_settings(settings)
    , m_lease(lease)
    , m_pool(database, m_nodeGuid, std::move(incarnation))
{}

JobRunner::~JobRunner()
{
    if (m_threads) {
        m_cancel = true;
        m_threads->waitForDone();
    }
    m_pool.reset();
}

void JobRunner::start()
{
    m_clock.start();
    m_threads = new QThreadPool(this);
    m_threads->setMaxThreadCount(m_options.workers);
    m_threads->setExpiryTimeout(-1); // keep the workers and their database connections
    m_pollTimer = new QTimer(this);
    m_pollTimer->setSingleShot(true);
    connect(m_pollTimer, &QTimer::timeout, this, [this] {
        m_checkLocal = true;
        scheduleRound();
    });
    m_retryTimer = new QTimer(this);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &JobRunner::scheduleRound);
    m_reconnectTimer = new QTimer(this);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &JobRunner::tryReconnect);
    m_graceTimer = new QTimer(this);
    m_graceTimer->setSingleShot(true);
    connect(m_graceTimer, &QTimer::timeout, this, &JobRunner::cancelRunning);

    if (!m_options.executionLog.isEmpty()) {
        m_log.setFileName(m_options.executionLog);
        if (!m_log.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
            qCWarning(lcJobs) << "cannot open the execution log" << m_options.executionLog
                              << m_log.errorString();
    }
    subscribe();
    scheduleRound();
}

void JobRunner::rejoined(qint64 joinedAt, const QString &incarnation)
{
    m_pool.setIncarnation(incarnation);
    m_joinedAt = joinedAt;
    if (m_holding)
        m_holdRecorded = false; // the new run starts undrained in the database
    m_checkLocal = true;
    scheduleRound();
}

void JobRunner::stop(int graceMs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_draining = true;
    if (m_pollTimer)
        m_pollTimer->stop();
    qCInfo(lcJobs) << "stopping: no new claims;" << m_running.size() << "claimed jobs get" << graceMs
                   << "ms to finish";
    if (graceMs <= 0)
        cancelRunning();
    else
        m_graceTimer->start(graceMs);
    scheduleRound();
}

void JobRunner::hold(int graceMs, const QString &actor)
{
    if (m_stopping || m_holding)
        return;
    m_holding = true;
    ++m_holdSerial;
    m_holdActor = actor;
    m_holdRecorded = false;
    m_drainedNoted = false;
    m_holdHandedBack = m_handedBack;
    m_draining = true; // claimed jobs not started yet go back
    qCInfo(lcJobs).noquote() << u"drained by %1: no new claims; %2 claimed jobs get %3 ms to finish"_s
                                    .arg(actor.isEmpty() ? u"an administrator"_s : actor)
                                    .arg(m_running.size())
                                    .arg(graceMs);
    const quint64 serial = m_holdSerial;
    QTimer::singleShot(qMax(0, graceMs), this, [this, serial] {
        if (m_holding && serial == m_holdSerial && !m_running.isEmpty())
            cancelRunning();
    });
    scheduleRound();
}

void JobRunner::resume(const QString &actor)
{
    if (m_stopping || !m_holding)
        return;
    m_holding = false;
    ++m_holdSerial;
    m_holdActor = actor;
    m_holdRecorded = false;
    m_drainedNoted = true;
    m_draining = false;
    m_cancel = false;
    m_checkLocal = true;
    qCInfo(lcJobs).noquote() << u"resumed by %1: claiming again"_s.arg(actor.isEmpty() ? u"an administrator"_s
                                                                                       : actor);
    scheduleRound();
}

void JobRunner::recordHold()
{
    if (m_holdRecorded)
        return;
    auto recorded = NodeDrain::set(m_database, m_nodeGuid, m_pool.incarnation(), m_holding, m_holdActor);
    if (!recorded) {
        if (recorded.code() == ErrorCode::Unavailable)
            databaseFailed(recorded.error());
        else
            qCWarning(lcJobs).noquote() << "cannot record the drain:" << recorded.message();
        return;
    }
    m_holdRecorded = true;
}

void JobRunner::cancelRunning()
{
    if (m_cancel.exchange(true))
        return;
    qCInfo(lcJobs) << "grace period over: cancelling" << m_running.size() << "jobs";
    // Jobs that ignore cancellation are handed back anyway after a while; their late
    // outcome is then fenced off.
    const quint64 serial = m_holdSerial;
    QTimer::singleShot(CancelWaitMs, this, [this, serial] {
        if (m_running.isEmpty() || serial != m_holdSerial)
            return;
        qCWarning(lcJobs) << m_running.size() << "jobs did not stop when cancelled; handing them back";
        for (const ClaimedJob &job : std::as_const(m_running))
            m_toHandBack.append(job);
        m_running.clear();
        scheduleRound();
    });
    scheduleRound();
}

void JobRunner::scheduleRound()
{
    if (m_roundScheduled)
        return;
    m_roundScheduled = true;
    QMetaObject::invokeMethod(this, &JobRunner::round, Qt::QueuedConnection);
}

int JobRunner::capacity() const
{
    const bool shortJobs = m_averageMicros.load() < PrefetchBelowMicros;
    return m_options.workers + (shortJobs ? m_options.batchSize : 0);
}

void JobRunner::round()
{
    m_roundScheduled = false;
    if (!m_connected)
        return; // the reconnect timer takes over

    if (!flushOutcomes())
        return;

    if (m_stopping) {
        if (m_running.isEmpty())
            finishStop();
        return;
    }
    if (!m_holdRecorded) {
        recordHold();
        if (!m_connected)
            return;
    }
    if (m_holding) {
        if (m_running.isEmpty() && m_toHandBack.isEmpty() && !m_drainedNoted && m_holdRecorded) {
            const int handedBack = m_handedBack - m_holdHandedBack;
            if (auto noted = NodeDrain::noteDrained(m_database, m_nodeGuid, handedBack); noted) {
                m_drainedNoted = true;
                qCInfo(lcJobs) << "drained:" << handedBack << "jobs handed back";
                Q_EMIT drained(handedBack);
            } else if (noted.code() == ErrorCode::Unavailable) {
                databaseFailed(noted.error());
                return;
            }
        }
        if (!m_roundScheduled && !m_pollTimer->isActive())
            m_pollTimer->start(PollWithNotificationsMs);
        return;
    }

    if (m_database.connectionSerial() != m_subscribedSerial)
        subscribe();
    claimPool();
    if (!m_connected || m_stopping)
        return;
    if (m_checkLocal) {
        m_checkLocal = false;
        claimLocal();
        if (!m_connected || m_stopping)
            return;
    }
    if (m_outage.isValid()) {
        qCInfo(lcJobs).noquote() << u"the database is available again after %1 ms"_s.arg(m_outage.elapsed());
        m_outage.invalidate();
        m_reconnectDelayMs = 0;
        Q_EMIT connectionChanged(true, {});
    }
    if (!m_roundScheduled && !m_pollTimer->isActive()) {
        m_pollTimer->start(m_database.dialect().hasNotifications() ? PollWithNotificationsMs
                                                                   : PollWithoutNotificationsMs);
    }
}

bool JobRunner::flushOutcomes()
{
    {
        QMutexLocker locker(&m_finishedMutex);
        for (const Finished &finished : std::as_const(m_finished)) {
            if (!m_running.remove(key(finished.outcome.job)))
                continue; // already handed back after a cancel that came too late
            if (finished.unsure)
                ++m_unsureHandedBack;
            if (finished.cancelled || finished.unsure)
                m_toHandBack.append(finished.outcome.job);
            else
                m_unrecorded.append(finished.outcome);
        }
        m_finished.clear();
    }
    if (m_options.metrics)
        m_options.metrics->setRunning(m_running.size());
    if (m_unsureHandedBack > 0) {
        qCWarning(lcJobs).noquote()
            << u"%1 claimed jobs were not started: this node could not confirm that their claims still stand "
               "(a peer may have declared it Offline); handing them back"_s.arg(m_unsureHandedBack);
        m_unsureHandedBack = 0;
    }
    if (!m_unrecorded.isEmpty()) {
        const qint64 retryBase = m_settings.integer(m_database, Setting::RetryBaseMs);
        const bool beat = !m_sinceBeat.isValid() || m_sinceBeat.elapsed() >= BeatWithCompletionsMs;
        const qint64 started = ClaimLease::nowMs();
        auto report = m_pool.complete(m_unrecorded, retryBase,
                                      beat ? JobPool::Heartbeat::Record : JobPool::Heartbeat::Skip);
        if (!report) {
            if (report.code() != ErrorCode::Unavailable
                && ++m_completionFailures >= CompletionFailuresBeforeIsolating)
                return recordOneByOne();
            databaseFailed(report.error());
            return false;
        }
        m_completionFailures = 0;
        if (m_options.metrics) {
            for (const JobOutcome &outcome : std::as_const(m_unrecorded)) {
                const NodeMetrics::JobOutcome counted = outcome.succeeded ? NodeMetrics::JobOutcome::Succeeded
                                                        : outcome.job.attempts < outcome.job.maxAttempts
                                                            ? NodeMetrics::JobOutcome::Retried
                                                            : NodeMetrics::JobOutcome::Failed;
                m_options.metrics->jobFinished(outcome.job.type, counted);
            }
        }
        if (beat) {
            if (report->heartbeatRecorded) {
                m_lease.renew(started);
            } else {
                // No longer Online in this run: declared dead; nothing claimed so far may start.
                m_lease.revoke();
            }
        }
        if (report->retried > 0) {
            // Look again when the first retry is due, not only at the next poll.
            qint64 soonest = JobPool::MaxRetryDelayMs;
            for (const JobOutcome &outcome : std::as_const(m_unrecorded)) {
                if (!outcome.succeeded && outcome.job.attempts < outcome.job.maxAttempts)
                    soonest = qMin(soonest, JobPool::retryDelayMs(outcome.job.attempts, retryBase));
            }
            m_retryTimer->start(int(soonest) + 5);
        }
        for (qint64 id : std::as_const(report->rejected)) {
            qCWarning(lcJobs) << "completion of job" << id
                              << "rejected: its claim was revoked (this node was declared Offline) and it "
                                 "belongs to another node now";
        }
        m_unrecorded.clear();
        if (beat)
            m_sinceBeat.start();
    }
    if (!m_toHandBack.isEmpty()) {
        auto handed = m_pool.handBack(m_toHandBack);
        if (!handed) {
            databaseFailed(handed.error());
            return false;
        }
        qCInfo(lcJobs) << "handed back" << *handed << "jobs";
        if (m_options.metrics) {
            for (const ClaimedJob &job : std::as_const(m_toHandBack))
                m_options.metrics->jobFinished(job.type, NodeMetrics::JobOutcome::HandedBack);
        }
        m_handedBack += *handed;
        m_toHandBack.clear();
    }
    return true;
}

void JobRunner::claimPool()
{
    const int free = capacity() - int(m_running.size());
    // Claim in worthwhile batches: a quarter of what the node can hold, or one job at a
    // time when jobs are long.
    const int threshold = qMax(1, qMin(m_options.batchSize, capacity()) / 4);
    if (free < threshold)
        return;
    const int limit = qMin(free, m_options.batchSize);
    const quint64 generation = m_lease.generation();
    QElapsedTimer claiming;
    claiming.start();
    auto jobs = m_pool.claim(limit);
    if (!jobs) {
        databaseFailed(jobs.error());
        return;
    }
    if (m_options.metrics)
        m_options.metrics->claimAnswered(double(claiming.nsecsElapsed()) / 1e9);
    for (const ClaimedJob &job : std::as_const(*jobs))
        dispatch(job, generation);
    // A full batch means more is probably waiting.
    if (jobs->size() == limit)
        scheduleRound();
}

void JobRunner::claimLocal()
{
    const quint64 generation = m_lease.generation();
    auto jobs = m_pool.claimLocal(m_joinedAt, 16);
    if (!jobs) {
        m_checkLocal = true;
        databaseFailed(jobs.error());
        return;
    }
    for (const ClaimedJob &job : std::as_const(*jobs))
        dispatch(job, generation);
}

void JobRunner::dispatch(const ClaimedJob &job, quint64 generation)
{
    m_running.insert(key(job), job);
    if (m_options.metrics)
        m_options.metrics->setRunning(m_running.size());
    m_threads->start([this, job, generation] { execute(job, generation); });
}

void JobRunner::execute(const ClaimedJob &job, quint64 generation)
{
    Finished finished;
    finished.outcome.job = job;
    if (m_cancel || m_draining) {
        finished.cancelled = true; // never started: handed back
    } else if (generation != m_lease.generation() || !m_lease.valid()) {
        // A job starts only while its claim is surely still this node's. Handing it back
        // is fenced: a claim that still stands is returned, a revoked one changes nothing.
        finished.unsure = true;
    } else {
        logExecution(job);
        QElapsedTimer timer;
        timer.start();
        Result<QString> result =
            makeError(ErrorCode::InvalidArgument,
                      tr("no job type \"%1\" on this node (version %2)").arg(job.type, m_options.version));
        if (const JobType *type = JobTypes::find(job.type)) {
            const QJsonDocument payload = QJsonDocument::fromJson(job.payload.toUtf8());
            JobContext context{m_database, job,        payload.object(),
                               m_nodeGuid, m_settings, [this] { return m_cancel.load(); }};
            result = type->run(context);
        }
        const qint64 micros = timer.nsecsElapsed() / 1000;
        finished.outcome.durationMs = micros / 1000;
        finished.outcome.succeeded = result.ok();
        if (!result.ok()) {
            finished.outcome.error = result.message();
            finished.cancelled = m_cancel.load();
        }
        // A running average, to decide whether to claim ahead of free workers.
        const qint64 average = m_averageMicros.load();
        m_averageMicros.store(average + (micros - average) / 8);
    }
    bool wasEmpty = false;
    {
        QMutexLocker locker(&m_finishedMutex);
        wasEmpty = m_finished.isEmpty();
        m_finished.append(std::move(finished));
    }
    if (wasEmpty)
        QMetaObject::invokeMethod(this, &JobRunner::scheduleRound, Qt::QueuedConnection);
}

bool JobRunner::recordOneByOne()
{
    // The database keeps refusing this batch of outcomes (a constraint, a trigger, a value
    // it will not take), while this node still looks alive to its peers: isolate the
    // outcome it refuses. Each is recorded alone; one refused alone fails its job with the
    // reason; a job that cannot even be failed is handed back; and if the database refuses
    // that too, the node stops so that its peers take its jobs over.
    qCWarning(lcJobs) << "the database refused a batch of" << m_unrecorded.size() << "outcomes"
                      << m_completionFailures << "times; recording them one by one";
    m_completionFailures = 0;
    const qint64 retryBase = m_settings.integer(m_database, Setting::RetryBaseMs);
    const QList<JobOutcome> outcomes = std::exchange(m_unrecorded, {});
    for (qsizetype i = 0; i < outcomes.size(); ++i) {
        const JobOutcome &outcome = outcomes.at(i);
        auto alone = m_pool.complete({outcome}, retryBase);
        if (alone)
            continue;
        if (alone.code() == ErrorCode::Unavailable) {
            m_unrecorded = outcomes.mid(i);
            databaseFailed(alone.error());
            return false;
        }
        auto marked = m_pool.failUnrecorded(outcome.job,
                                            tr("its outcome could not be recorded: %1").arg(alone.message()));
        if (marked) {
            qCWarning(lcJobs).noquote()
                << "job" << outcome.job.id << "failed: its outcome could not be recorded:" << alone.message();
            continue;
        }
        auto handed = m_pool.handBack({outcome.job});
        if (handed) {
            qCWarning(lcJobs).noquote()
                << "job" << outcome.job.id
                << "handed back: neither its outcome nor its failure could be recorded:" << marked.message();
            continue;
        }
        Q_EMIT fatal(
            tr("The database refuses to record job %1 and to take it back (%2); this node stops so that "
               "its peers take over its jobs.")
                .arg(outcome.job.id)
                .arg(handed.message()));
        return false;
    }
    return true;
}

void JobRunner::logExecution(const ClaimedJob &job)
{
    if (!m_log.isOpen())
        return;
    const QByteArray line =
        QByteArray::number(job.id) + ' ' + QByteArray::number(job.attempts) + ' ' + job.type.toUtf8() + ' '
        + QByteArray::number(QCoreApplication::applicationPid()) + ' '
        + QByteArray::number(qint64(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()))
        + '\n';
    QMutexLocker locker(&m_logMutex);
    m_log.write(line);
}

void JobRunner::databaseFailed(const Error &error)
{
    if (error.code != ErrorCode::Unavailable) {
        // A statement that failed on a live connection (a lock wait that ran out, a
        // serialisation failure): try again shortly.
        qCWarning(lcJobs).noquote() << error.message;
        m_pollTimer->start(500);
        return;
    }
    // One warning per outage, however often a reconnect works and the next write fails
    // again (a full disk lets a connection open but no transaction commit).
    if (!m_outage.isValid()) {
        qCWarning(lcJobs).noquote() << "the database is unavailable; retrying:" << error.message;
        m_outage.start();
        Q_EMIT connectionChanged(false, error.message);
    } else {
        qCDebug(lcJobs).noquote() << "the database is still unavailable:" << error.message;
    }
    m_connected = false;
    m_pool.reset();
    m_pollTimer->stop();
    m_reconnectDelayMs =
        m_reconnectDelayMs == 0 ? ReconnectFirstMs : qMin(m_reconnectDelayMs * 2, ReconnectMaxMs);
    m_reconnectTimer->start(m_reconnectDelayMs);
}

void JobRunner::tryReconnect()
{
    auto db = m_database.connection();
    if (!db) {
        m_reconnectDelayMs = qMin(m_reconnectDelayMs * 2, ReconnectMaxMs);
        m_reconnectTimer->start(m_reconnectDelayMs);
        return;
    }
    // A claim whose answer was lost with the connection may have been committed: give
    // back whatever the database says this node holds that it does not know of.
    QList<ClaimedJob> held = m_running.values();
    for (const JobOutcome &outcome : std::as_const(m_unrecorded))
        held.append(outcome.job);
    for (const ClaimedJob &job : std::as_const(m_toHandBack))
        held.append(job);
    auto unknown = m_pool.handBackUnknown(held);
    if (!unknown) {
        if (unknown.code() == ErrorCode::Unavailable)
            m_pool.reset();
        m_reconnectDelayMs = qMin(qMax(m_reconnectDelayMs, ReconnectFirstMs) * 2, ReconnectMaxMs);
        m_reconnectTimer->start(m_reconnectDelayMs);
        return;
    }
    if (*unknown > 0)
        qCInfo(lcJobs) << "handed back" << *unknown << "jobs claimed while the connection was lost";
    // Connected again; the outage ends (and the backoff with it) only when a round has
    // recorded outcomes and claimed (round()).
    m_connected = true;
    m_checkLocal = true;
    subscribe();
    scheduleRound();
}

void JobRunner::subscribe()
{
    if (!m_database.dialect().hasNotifications())
        return;
    auto db = m_database.connection();
    if (!db)
        return;
    m_subscribedSerial = m_database.connectionSerial();
    QSqlDriver *driver = db->driver();
    const QString channel = QString::fromUtf16(JobsChannel);
    if (!driver->subscribedToNotifications().contains(channel) && !driver->subscribeToNotification(channel)) {
        qCWarning(lcJobs) << "cannot listen for new jobs; polling instead:" << driver->lastError().text();
        return;
    }
    connect(driver, &QSqlDriver::notification, this, &JobRunner::notified, Qt::UniqueConnection);
}

void JobRunner::notified(const QString &, QSqlDriver::NotificationSource, const QVariant &payload)
{
    if (payload.toString() == u"local"_s)
        m_checkLocal = true;
    scheduleRound();
}

void JobRunner::finishStop()
{
    // A round queued before the last one stopped the loop (a notification, a job ending
    // after its cancel) finds nothing more to do: the node leaves once.
    if (m_stopped)
        return;
    if (!m_toHandBack.isEmpty() && !flushOutcomes())
        return;
    m_stopped = true;
    m_pollTimer->stop();
    m_graceTimer->stop();
    m_threads->waitForDone(1000);
    qCInfo(lcJobs) << "job loop stopped;" << m_handedBack << "jobs handed back";
    Q_EMIT stopped(m_handedBack);
}

} // namespace Cohort
