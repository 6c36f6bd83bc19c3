// The console benchmark's scenario: a cluster of `nodes` manager nodes, a real console
// (ConsoleShell: LoginDialog, then MainWindow with the Manager Nodes page) signing in to
// it, then `rounds` refreshes, each after the cluster changed. Returns the rows of the
// results table for one backend; a failed run becomes a note, never a number.
#pragma once

#include "benchsupport.h"
#include "database.h"

#include <QPair>
#include <QStringList>

namespace Cohort::Test {
class PostgresServer;
}

namespace Cohort::Bench {

class TimedApplication;

struct ConsoleBenchSettings
{
    int runs = 5;
    int rounds = 30;      // measured refreshes per run
    int warmupRounds = 2; // refreshes before those, not measured
    int nodes = 200;
    int probeMs = 5;   // the event-loop probe's interval
    int pollMs = 1000; // the console's poll interval until the first page (its default)
    // Experiments, labelled as such in the report, applied to each cluster before the
    // console signs in: see consoleExperiments().
    QStringList experiments;
    bool verbose = false; // print every refresh
};

// The experiments --experiment takes, by name, with what each changes. Not the product's
// configuration: each is something to try on the way to a fix.
QList<QPair<QString, QString>> consoleExperiments();

// server is only used for Backend::Postgres.
QList<Measurement> consoleScenario(Backend backend, Test::PostgresServer *server,
                                   const ConsoleBenchSettings &settings, TimedApplication &app);

} // namespace Cohort::Bench
