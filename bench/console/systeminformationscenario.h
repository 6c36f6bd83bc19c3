// The System Information benchmark (issue 5's speed target): a cluster of `nodes` manager
// nodes, `jobTypes` job types and per-minute job statistics adding up to `hourJobs` jobs
// in the last hour (and `hours` hours of them in all), with every Online node's probes of
// its peers; the real console signed in on the System Information page of a 1280×800
// MainWindow. Each graph in turn is refreshed `rounds` times while the cluster changes,
// then the worker's reads are measured for the 6 and 24 hour periods too. Returns the
// rows of the results table for one backend; a failed run becomes a note, never a number.
#pragma once

#include "benchsupport.h"
#include "databaseurl.h"

namespace Cohort::Test {
class PostgresServer;
}

namespace Cohort::Bench {

class TimedApplication;

struct SystemInformationBenchSettings
{
    int runs = 5;
    int rounds = 20;      // measured refreshes per graph (last hour) and per longer period
    int warmupRounds = 2; // refreshes before those, not measured
    int nodes = 50;
    int jobTypes = 20;
    qint64 hourJobs = 1000000; // succeeded + failed in the last hour's job_stats rows
    int hours = 24;            // of per-minute job_stats rows, the last one included
    int probeMs = 5;           // the event-loop probe's interval
    int pollMs = 1000;         // the console's poll interval until the page shows (its default)
    bool verbose = false;      // print every refresh
};

// server is only used for Backend::Postgres.
QList<Measurement> systemInformationScenario(Backend backend, Test::PostgresServer *server,
                                             const SystemInformationBenchSettings &settings,
                                             TimedApplication &app);

} // namespace Cohort::Bench
