// The job pool benchmark's scenarios. Each runs settings.runs times, each time on a
// fresh cluster database with real cohort-node processes, and returns its rows for the
// results table; a failed run becomes a note, never a number.
#pragma once

#include "benchsupport.h"

namespace Cohort::Test {
class PostgresServer;
}

namespace Cohort::Bench {

struct Settings
{
    int runs = 5;
    int postgresJobs = 200000;
    int sqliteJobs = 50000;
    int warmupJobs = 1000;      // drained before each throughput run, not measured
    int probes = 300;           // idle-start latency probes per run
    int warmupProbes = 20;      // not measured
    int gapMs = 20;             // idle gap between probes
    int pollMs = 20;            // how often a throughput run checks for the end
    bool countJobsRows = false; // poll COUNT(*) on jobs instead of SUM over job_stats
    // An experiment, not the benchmark: ANALYZE jobs right after each PostgreSQL submit
    // commits (inside the measured time), to see what fresh planner statistics give.
    bool analyzeAfterSubmit = false;
    int peerThreads = 3;
    int peerRows = 200000;      // bare SKIP LOCKED loop, 50 a claim
    int peerRowsSingle = 20000; // and 1 a claim
};

QList<Measurement> postgresThroughput(Test::PostgresServer &server, const Settings &settings);
QList<Measurement> postgresLatency(Test::PostgresServer &server, const Settings &settings);
QList<Measurement> sqliteThroughput(const Settings &settings);
QList<Measurement> failureDetection(Test::PostgresServer &server, const Settings &settings);
QList<Measurement> peerReference(Test::PostgresServer &server, const Settings &settings);

} // namespace Cohort::Bench
