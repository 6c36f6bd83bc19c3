#include "peermeasurements.h"

#include "benchsupport.h"
#include "database.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QSqlQuery>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr int PollMs = 20;
constexpr qint64 ProbeKeys = 10'000'000; // probes' keys start here, far from the queued jobs'

Error measureError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

// What the server has counted for one database: its transactions and the WAL position.
struct ServerCount
{
    qint64 transactions = 0;
    QString walPosition;
};

Result<qint64> transactions(Database &admin, const QString &database)
{
    auto query = admin.exec(u"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ?"_s,
                            {database});
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

Result<ServerCount> serverCount(Database &admin, const QString &database)
{
    ServerCount count;
    auto counted = transactions(admin, database);
    if (!counted)
        return counted.error();
    count.transactions = *counted;
    auto query = admin.exec(u"SELECT pg_current_wal_lsn()::text"_s);
    if (!query)
        return query.error();
    count.walPosition = query->next() ? query->value(0).toString() : QString();
    return count;
}

// The transaction count once every backend that ended has reported: it stops moving.
Result<qint64> settledTransactions(Database &admin, const QString &database)
{
    auto last = transactions(admin, database);
    if (!last)
        return last.error();
    for (int i = 0; i < 8; ++i) {
        pause(1100); // backends report at most once a second
        auto now = transactions(admin, database);
        if (!now)
            return now.error();
        if (*now == *last)
            break;
        last = now;
    }
    return last;
}

Result<qint64> walBytesSince(Database &admin, const QString &position)
{
    auto query =
        admin.exec(u"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), CAST(? AS pg_lsn))::bigint"_s, {position});
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

// Asks the system how many jobs are left, and how long to wait before asking again: a
// count that takes long (a scan of a big table) is asked less often, so the polls never
// take more than about a twentieth of a CPU from the system being measured.
class RemainingPoll
{
public:
    explicit RemainingPoll(SystemRun &run)
        : m_run(run)
    {}

    Result<qint64> ask()
    {
        QElapsedTimer took;
        took.start();
        auto left = m_run.remaining();
        m_intervalMs = std::max<qint64>(PollMs, took.elapsed() * 20);
        return left;
    }

    // Waits until check() is true (or fails), asking no more often than the last count allows.
    Result<void> until(const QString &what, int timeoutMs, const std::function<Result<bool>()> &check)
    {
        return waitFor(
            what, timeoutMs, [this] { return int(m_intervalMs); }, check);
    }

private:
    SystemRun &m_run;
    qint64 m_intervalMs = PollMs;
};

// Reads a run's events as they come: starts and finishes per key, in order.
class EventBook
{
public:
    Result<void> read(SystemRun &run)
    {
        auto events = run.newEvents();
        if (!events)
            return events.error();
        for (const JobEvent &event : std::as_const(*events)) {
            switch (event.kind) {
            case 'S':
                m_starts[event.key].append(event);
                m_firstStart = std::min(m_firstStart, event.micros);
                ++m_startCount;
                break;
            case 'E':
                m_finishes[event.key].append(event);
                break;
            case 'Q':
                m_enqueued.insert(event.key, event.micros);
                break;
            }
        }
        return {};
    }

    qint64 firstStart() const { return m_firstStart; }
    qint64 startCount() const { return m_startCount; }
    const QHash<qint64, QList<JobEvent>> &starts() const { return m_starts; }
    const QHash<qint64, QList<JobEvent>> &finishes() const { return m_finishes; }
    const QHash<qint64, qint64> &enqueued() const { return m_enqueued; }

    qint64 keysWithMore(const QHash<qint64, QList<JobEvent>> &events) const
    {
        return std::count_if(events.cbegin(), events.cend(),
                             [](const QList<JobEvent> &list) { return list.size() > 1; });
    }

    // Keys the worker started and did not finish, as its events tell.
    QList<qint64> inFlight(const QString &worker) const
    {
        QList<qint64> keys;
        for (auto it = m_starts.cbegin(); it != m_starts.cend(); ++it) {
            const bool started =
                std::any_of(it->cbegin(), it->cend(), [&](const JobEvent &e) { return e.worker == worker; });
            if (!started)
                continue;
            const auto finished = m_finishes.constFind(it.key());
            if (finished == m_finishes.cend()
                || std::none_of(finished->cbegin(), finished->cend(),
                                [&](const JobEvent &e) { return e.worker == worker; }))
                keys.append(it.key());
        }
        return keys;
    }

    // When key first started on a worker other than worker after micros (0: not yet).
    qint64 startedElsewhere(qint64 key, const QString &worker, qint64 micros) const
    {
        for (const JobEvent &event : m_starts.value(key)) {
            if (event.worker != worker && event.micros >= micros)
                return event.micros;
        }
        return 0;
    }

private:
    QHash<qint64, QList<JobEvent>> m_starts;
    QHash<qint64, QList<JobEvent>> m_finishes;
    QHash<qint64, qint64> m_enqueued;
    qint64 m_firstStart = std::numeric_limits<qint64>::max();
    qint64 m_startCount = 0;
};

} // namespace

Result<DrainFigures> measureDrain(System &system, const Place &place, Database *admin, int jobs, int workers,
                                  int concurrency, int budgetS)
{
    jobs = system.jobsFor(jobs);
    auto opened = system.open(place);
    if (!opened)
        return opened.error();
    SystemRun &run = **opened;
    const QString database = run.databaseName();
    ServerCount before;
    if (admin) {
        auto counted = serverCount(*admin, database);
        if (!counted)
            return counted.error();
        before = *counted;
    }
    if (auto queued = run.enqueue(jobs, 0, 0); !queued)
        return queued.error();
    if (auto started = run.startWorkers(workers, concurrency); !started)
        return started.error();

    EventBook book;
    qint64 endMicros = 0;
    qint64 left = jobs;
    QElapsedTimer clock;
    clock.start();
    const qint64 startTimeoutMs = 600000; // the first job must start by then
    RemainingPoll poll(run);
    auto drained = poll.until(
        u"%1 jobs to complete"_s.arg(jobs), std::numeric_limits<int>::max(), [&]() -> Result<bool> {
            if (auto alive = run.workersAlive(); !alive)
                return alive.error();
            if (auto read = book.read(run); !read)
                return read.error();
            const qint64 asked = systemMicros();
            auto remaining = poll.ask();
            if (!remaining)
                return remaining.error();
            left = *remaining;
            if (left == 0) {
                endMicros = asked; // the snapshot that saw none left was taken after this
                return true;
            }
            if (book.startCount() == 0) {
                if (clock.elapsed() > startTimeoutMs)
                    return measureError(u"no job started within %1 s"_s.arg(startTimeoutMs / 1000));
                return false;
            }
            if (asked - book.firstStart() >= qint64(budgetS) * 1'000'000) {
                endMicros = asked; // out of time: the rate is what was done by now
                return true;
            }
            return false;
        });
    if (!drained)
        return drained.error();
    if (auto read = book.read(run); !read)
        return read.error();
    if (left == 0 && book.starts().size() != jobs)
        return measureError(u"%1 jobs started, not %2"_s.arg(book.starts().size()).arg(jobs));
    if (book.firstStart() >= endMicros)
        return measureError(u"the drain ended before its first job started"_s);

    DrainFigures figures;
    figures.jobs = jobs;
    figures.completed = jobs - left;
    figures.jobsPerSecond = double(figures.completed) / (double(endMicros - book.firstStart()) / 1e6);
    figures.executedTwice = book.keysWithMore(book.starts());
    if (auto stopped = run.stopWorkers(); !stopped)
        return stopped.error();
    if (admin) {
        auto wal = walBytesSince(*admin, before.walPosition);
        if (!wal)
            return wal.error();
        const qint64 own = run.ownQueries();
        run.closeConnection();
        auto after = settledTransactions(*admin, database);
        if (!after)
            return after.error();
        // Per job completed; a drain cut short by its budget still paid for queueing them all.
        figures.commitsPerJob = double(*after - before.transactions - own) / double(figures.completed);
        figures.walBytesPerJob = double(*wal) / double(figures.completed);
    }
    return figures;
}

Result<LatencyFigures> measureLatency(System &system, const Place &place, Database *admin,
                                      const PeerSettings &settings)
{
    auto opened = system.open(place);
    if (!opened)
        return opened.error();
    SystemRun &run = **opened;
    if (auto started = run.startWorkers(3, settings.concurrency); !started)
        return started.error();
    pause(2000); // whatever a worker does as it starts is over

    LatencyFigures figures;
    if (admin) {
        // The load an idle cluster puts on the database: its workers' polls, heartbeats
        // and housekeeping, as the server counts transactions.
        auto first = transactions(*admin, run.databaseName());
        if (!first)
            return first.error();
        pause(settings.idleSeconds * 1000);
        auto last = transactions(*admin, run.databaseName());
        if (!last)
            return last.error();
        figures.idleTransactionsPerSecond = double(*last - *first) / settings.idleSeconds;
    }
    if (auto alive = run.workersAlive(); !alive)
        return alive.error();

    const int total = settings.warmupProbes + settings.probes;
    if (auto probed = run.probe(total, settings.gapMs, int(ProbeKeys), settings.probeBudgetS * 1000); !probed)
        return probed.error();
    EventBook book;
    if (auto read = book.read(run); !read)
        return read.error();
    // The warm-up probes are left out; a system so slow that the time budget ran out
    // within them gets all its probes but the first.
    auto latenciesFrom = [&](qint64 firstKey) {
        QList<double> found;
        for (auto it = book.enqueued().cbegin(); it != book.enqueued().cend(); ++it) {
            if (it.key() < firstKey)
                continue;
            const QList<JobEvent> starts = book.starts().value(it.key());
            if (starts.isEmpty())
                continue; // enqueued as the time budget ran out
            found.append(double(starts.first().micros - it.value()) / 1000.0);
        }
        return found;
    };
    QList<double> latencies = latenciesFrom(ProbeKeys + settings.warmupProbes);
    if (latencies.isEmpty()) {
        latencies = latenciesFrom(ProbeKeys + 1);
        figures.warmupCut = true;
    }
    if (latencies.isEmpty())
        return measureError(u"no probe started within %1 s"_s.arg(settings.probeBudgetS));
    figures.probes = int(latencies.size());
    figures.p50Ms = percentile(latencies, 0.5);
    figures.p99Ms = percentile(latencies, 0.99);
    figures.maxMs = *std::max_element(latencies.cbegin(), latencies.cend());
    return figures;
}

Result<FailoverFigures> measureFailover(System &system, const Place &place, const PeerSettings &settings)
{
    auto opened = system.open(place);
    if (!opened)
        return opened.error();
    SystemRun &run = **opened;
    const int jobs = system.jobsFor(settings.failoverJobs);
    if (auto queued = run.enqueue(jobs, 0, settings.failoverJobMs); !queued)
        return queued.error();
    if (auto started = run.startWorkers(3, settings.failoverConcurrency); !started)
        return started.error();

    // Kill once a fifth is done and the workers have run for a while, as they would have in
    // production (Cohort's peers trust a missing session lock only once their own session
    // is 6 s old): every worker is busy then.
    EventBook book;
    QElapsedTimer running;
    running.start();
    RemainingPoll poll(run);
    auto busy = poll.until(u"a fifth of the jobs to complete"_s, 600000, [&]() -> Result<bool> {
        if (auto alive = run.workersAlive(); !alive)
            return alive.error();
        if (auto read = book.read(run); !read)
            return read.error();
        auto left = poll.ask();
        if (!left)
            return left.error();
        if (running.elapsed() < settings.failoverSettleS * 1000)
            return false;
        return *left <= jobs * 4 / 5 || running.elapsed() >= qint64(settings.failoverBusyS) * 1000;
    });
    if (!busy)
        return busy.error();

    // The victim: the worker holding the most, as the system records it or, when it does
    // not say, as the events show (started, not finished).
    FailoverFigures figures;
    figures.jobs = jobs;
    qint64 most = -1;
    for (const QString &worker : run.workerNames()) {
        auto held = run.heldBy(worker);
        if (!held)
            return held.error();
        const qint64 count = run.recordsHoldings() ? held->size() : book.inFlight(worker).size();
        if (count > most) {
            most = count;
            figures.victim = worker;
        }
    }
    run.killWorker(figures.victim);
    const qint64 killedAt = systemMicros();
    auto recorded = run.heldBy(figures.victim);
    if (!recorded)
        return recorded.error();
    if (auto read = book.read(run); !read)
        return read.error();
    const QList<qint64> held = run.recordsHoldings() ? *recorded : book.inFlight(figures.victim);
    figures.held = int(held.size());
    auto noticed = run.noticedOfflineMs(figures.victim, killedAt);
    if (!noticed)
        return noticed.error();
    figures.noticedMs = double(*noticed);

    // Until every job is done or the wait is over: a system may keep a dead worker's jobs
    // locked far longer, which is then what it shows.
    const double expectedS =
        double(jobs) * settings.failoverJobMs / 1000.0 / (2.0 * settings.failoverConcurrency);
    const int waitMs = int(expectedS * 2000) + settings.failoverWaitS * 1000;
    qint64 left = -1;
    auto finished = poll.until(u"the jobs to complete"_s, waitMs, [&]() -> Result<bool> {
        if (auto alive = run.workersAlive(); !alive)
            return alive.error();
        if (auto read = book.read(run); !read)
            return read.error();
        auto remaining = poll.ask();
        if (!remaining)
            return remaining.error();
        left = *remaining;
        return left == 0;
    });
    if (!finished && interrupted())
        return finished.error();
    if (auto read = book.read(run); !read)
        return read.error();

    qint64 lastTakeover = 0;
    for (qint64 key : held) {
        const qint64 at = book.startedElsewhere(key, figures.victim, killedAt);
        if (at == 0)
            ++figures.stillHeld;
        else
            lastTakeover = std::max(lastTakeover, at);
    }
    if (figures.stillHeld == 0)
        figures.takeoverS = held.isEmpty() ? 0 : double(lastTakeover - killedAt) / 1e6;
    figures.pending = std::max<qint64>(left, 0);
    figures.executedTwice = book.keysWithMore(book.starts());
    auto completed = run.completedCount();
    if (!completed)
        return completed.error();
    if (*completed < 0) {
        figures.finishedTwice = book.keysWithMore(book.finishes());
        figures.lost = std::max<qint64>(0, jobs - book.finishes().size() - figures.pending);
    } else {
        figures.lost = std::max<qint64>(0, jobs - *completed - figures.pending);
    }
    auto extra = run.extraCompletions();
    if (!extra)
        return extra.error();
    figures.completedTwice = *extra;
    (void)run.stopWorkers();
    return figures;
}

} // namespace Cohort::Bench
