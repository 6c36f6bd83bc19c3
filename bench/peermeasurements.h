// The side-by-side benchmark's measurements (cohort-bench --peers): each takes one system
// through one fresh database and returns its figures; the same code measures Cohort and
// every peer, from the events their workers record (bench/peers/README.md).
#pragma once

#include "benchsystem.h"

#include <QStringList>

namespace Cohort {
class Database;
}

namespace Cohort::Bench {

struct PeerSettings
{
    int runs = 3;
    int drainJobs = 100000;
    int drainBudgetS = 90; // a slower system's rate is what it did in that time, from its first start
    QList<int> workerCounts{1, 2, 3};
    int concurrency = 4; // jobs at once per worker process (cohort-node's default --workers)
    int probes = 1000;
    int warmupProbes = 20; // not measured
    int gapMs = 20;        // idle gap before each probe
    int probeBudgetS = 60; // a system slower than that gets fewer probes
    int failoverJobs = 30000;
    int failoverJobMs = 100;
    int failoverConcurrency = 50;
    int failoverWaitS = 60;  // after the kill, beyond twice the drain's expected time
    int failoverSettleS = 8; // the workers run at least this long before the kill
    int failoverBusyS = 60;  // and then kill once a fifth is done, or after this long
    int idleSeconds = 20;
    int sqliteJobs = 50000;
    QStringList measurements;   // drain, latency, failover, ceiling, sqlite
    QStringList configurations; // durable, fast
    QStringList systems;        // labels to run (all when empty)
    QString chartDirectory;     // where the charts go (peers-CONFIGURATION.svg); none when empty
};

struct DrainFigures
{
    double jobsPerSecond = 0;
    double commitsPerJob = -1; // PostgreSQL only
    double walBytesPerJob = -1;
    qint64 executedTwice = 0;
    int jobs = 0;         // queued
    qint64 completed = 0; // fewer than the jobs when the time budget ran out first
};

struct LatencyFigures
{
    int probes = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    double idleTransactionsPerSecond = -1;
    bool warmupCut = false; // the budget ran out within the warm-up: only the first probe left out
};

struct FailoverFigures
{
    QString victim;
    int held = 0;          // the killed worker's jobs in flight
    double takeoverS = -1; // until the last of them started elsewhere; -1: not all did
    int stillHeld = 0;     // of those, never started elsewhere within the wait
    double noticedMs = -1; // the cluster marked the worker offline (Cohort)
    qint64 lost = 0;       // neither finished nor still queued at the end
    qint64 pending = 0;    // still queued or locked at the end
    qint64 executedTwice = 0;
    qint64 finishedTwice = -1;  // from E events (-1: the system records none)
    qint64 completedTwice = -1; // as the system records it (-1: it does not say)
    int jobs = 0;               // queued
};

// Admin connection to the server's "postgres" database, for statistics; null on SQLite.
Result<DrainFigures> measureDrain(System &system, const Place &place, Database *admin, int jobs, int workers,
                                  int concurrency, int budgetS);
Result<LatencyFigures> measureLatency(System &system, const Place &place, Database *admin,
                                      const PeerSettings &settings);
Result<FailoverFigures> measureFailover(System &system, const Place &place, const PeerSettings &settings);

} // namespace Cohort::Bench
