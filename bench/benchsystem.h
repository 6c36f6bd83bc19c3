// A job system under test in the side-by-side benchmark (cohort-bench --peers): Cohort
// itself, or a peer driven through its runner (bench/peers/README.md). Every system is
// measured through this interface alone, so the measurements are the same for all.
#pragma once

#include "result.h"

#include <QList>
#include <QString>

#include <memory>

namespace Cohort::Test {
class PostgresServer;
}

namespace Cohort::Bench {

// One line of a run's execution record: a job started (S) or its code finished (E) on a
// worker, or a probe's enqueue call began (Q). micros: system clock, since the epoch.
struct JobEvent
{
    char kind = 'S';
    qint64 key = 0;
    qint64 micros = 0;
    QString worker;
};

// Where a run's database lives.
struct Place
{
    Test::PostgresServer *server = nullptr; // null: SQLite
    QString sqliteFile;                     // with server null
};

// One fresh database with one system's schema in it, and the worker processes started
// on it. Destroying it kills what still runs and drops the database.
class SystemRun
{
public:
    virtual ~SystemRun() = default;

    // Queues count jobs with keys first, first + 1, ... (each sleeping jobMs, 0: a no-op),
    // with the system's fastest bulk API.
    virtual Result<void> enqueue(int count, int first, int jobMs) = 0;
    // Starts count worker processes, each running up to concurrency jobs at once, and
    // returns once all can take jobs.
    virtual Result<void> startWorkers(int count, int concurrency) = 0;
    // Jobs queued or running, not yet recorded as completed.
    virtual Result<qint64> remaining() = 0;
    // count probes into the idle pool, gapMs apart, keys from first: each is one job
    // enqueued alone; returns when each has started or when budgetMs has passed.
    virtual Result<void> probe(int count, int gapMs, int first, int budgetMs) = 0;
    // The events recorded since the last call.
    virtual Result<QList<JobEvent>> newEvents() = 0;
    // Fails, with what the worker said, when a worker ended unasked.
    virtual Result<void> workersAlive() = 0;
    virtual QStringList workerNames() const = 0;
    // SIGKILL, on purpose: workersAlive() no longer counts it.
    virtual void killWorker(const QString &name) = 0;
    // SIGTERM to every worker, waiting for them to exit.
    virtual Result<void> stopWorkers() = 0;
    // Whether heldBy() answers; otherwise a worker's jobs in flight are those its events
    // show started and not finished.
    virtual bool recordsHoldings() const { return false; }
    // The keys the system holds for a worker (claimed or running, not completed).
    virtual Result<QList<qint64>> heldBy(const QString & /*worker*/) { return QList<qint64>(); }
    // Jobs the system recorded as completed (-1: it does not say; the E events count then).
    virtual Result<qint64> completedCount() { return qint64(-1); }
    // Completions the system recorded beyond one a job (-1: it does not say).
    virtual Result<qint64> extraCompletions() { return qint64(-1); }
    // For Cohort: ms from the kill until the cluster marked the worker offline (-1: n/a).
    virtual Result<qint64> noticedOfflineMs(const QString & /*worker*/, qint64 /*killedAtMicros*/)
    {
        return qint64(-1);
    }
    // Statements the benchmark itself ran in the run's database (its polls), to take out of
    // the database's transaction count.
    virtual qint64 ownQueries() const = 0;
    // Closes the benchmark's own connection to the run's database (its statistics are then
    // flushed); nothing but the destructor may follow.
    virtual void closeConnection() = 0;
    // The PostgreSQL database's name (empty on SQLite).
    virtual QString databaseName() const = 0;
};

class System
{
public:
    virtual ~System() = default;
    // "Cohort 0.9.0", "graphile-worker 0.17.3".
    virtual QString name() const = 0;
    // "default", "batched"; empty when the system has one way only.
    virtual QString variant() const = 0;
    QString label() const { return variant().isEmpty() ? name() : name() + u" (" + variant() + u')'; }
    // How many jobs to queue when a measurement asks for requested: fewer for a system
    // that could not get through more within the time budget anyway (maxJobsWhy says why).
    virtual int jobsFor(int requested) const { return requested; }
    virtual QString maxJobsWhy() const { return {}; }
    virtual bool supportsPostgres() const = 0;
    virtual bool supportsSqlite() const = 0;
    // A fresh database at place with the schema made.
    virtual Result<std::unique_ptr<SystemRun>> open(const Place &place) = 0;
};

} // namespace Cohort::Bench
