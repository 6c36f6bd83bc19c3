// cohort-bench-console: the console benchmark (docs/BENCHMARKS.md, "Console"). For each
// backend (the test harness's private PostgreSQL server, and SQLite) and each run: a
// fresh cluster with 200 manager nodes and their activity, the real console signing in
// on the offscreen platform, then refreshes of the Manager Nodes page while the cluster
// changes. Prints a markdown table of medians, minima and maxima over the runs. Run it
// with `bench/run --only console` (options after it come here), which builds it first.
#include "benchsupport.h"
#include "consolescenario.h"
#include "postgresserver.h"
#include "timedapplication.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTextStream>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Bench;

namespace {

const QStringList Backends = {u"postgresql"_s, u"sqlite"_s};

} // namespace

int main(int argc, char *argv[])
{
    // Before the application exists: no display needed, and the console's remembered
    // settings go to a throwaway folder, never the user's.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QTemporaryDir configHome;
    if (configHome.isValid())
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(configHome.path()));

    TimedApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cohort-bench-console"_s);
    QApplication::setQuitOnLastWindowClosed(false);

    QStringList experimentNames;
    QStringList experimentList;
    for (const auto &[name, what] : consoleExperiments()) {
        experimentNames << name;
        experimentList << name + u" ("_s + what + u")"_s;
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Benchmarks the Cohort console: Manager Nodes refreshes (worker and GUI thread) and the time from "
        "login to the first page, on a private PostgreSQL server and on SQLite. See docs/BENCHMARKS.md."_s);
    parser.addHelpOption();
    parser.addOptions({
        {u"runs"_s, u"Runs per backend, each on a fresh cluster (default 5)."_s, u"N"_s},
        {u"rounds"_s, u"Measured refreshes per run (default 30)."_s, u"N"_s},
        {u"nodes"_s, u"Manager nodes in the cluster (default 200)."_s, u"N"_s},
        {u"backends"_s, u"Comma-separated backends: %1 (default: both)."_s.arg(Backends.join(u", "_s)),
         u"LIST"_s},
        {u"experiment"_s,
         u"Comma-separated experiments, labelled as such in the report, applied to each cluster before the "
         "console signs in: %1."_s.arg(experimentList.join(u"; "_s)),
         u"LIST"_s},
        {u"verbose"_s, u"Print every refresh."_s},
        {u"output"_s, u"Also write the report (markdown) to FILE."_s, u"FILE"_s},
    });
    parser.process(app);

    ConsoleBenchSettings settings;
    bool ok = true;
    settings.runs = positive(parser, u"runs"_s, settings.runs, &ok);
    settings.rounds = positive(parser, u"rounds"_s, settings.rounds, &ok);
    settings.nodes = positive(parser, u"nodes"_s, settings.nodes, &ok);
    if (parser.isSet(u"experiment"_s)) {
        settings.experiments = parser.value(u"experiment"_s).split(u',', Qt::SkipEmptyParts);
        for (const QString &name : std::as_const(settings.experiments)) {
            if (!experimentNames.contains(name)) {
                say(u"unknown experiment \"%1\"; the experiments are %2"_s.arg(
                    name, experimentNames.join(u", "_s)));
                ok = false;
            }
        }
    }
    settings.verbose = parser.isSet(u"verbose"_s);
    const QStringList selected = listOption(parser, u"backends"_s, Backends, u"backend"_s, &ok);
    if (!ok)
        return 2;

    // The cluster set-up and the console log each migration step and login.
    QLoggingCategory::setFilterRules(u"cohort.*.info=false"_s);
    installSignalHandlers();
    const QString command =
        qEnvironmentVariable("COHORT_BENCH_COMMAND", QCoreApplication::arguments().join(u' '));
    const Machine machine = describeMachine();
    const QString loadBefore = loadAverage();
    say(u"cohort-bench-console: %1 runs of %2 refreshes, %3 nodes; %4 (platform %5)"_s.arg(settings.runs)
            .arg(settings.rounds)
            .arg(settings.nodes)
            .arg(selected.join(u", "_s), QGuiApplication::platformName()));

    std::unique_ptr<Test::PostgresServer> server;
    QString serverText;
    if (selected.contains(u"postgresql"_s)) {
        auto started = Test::PostgresServer::start();
        if (!started) {
            say(u"cannot start PostgreSQL: "_s + started.message());
            return 1;
        }
        server = std::move(started).value();
        serverText = postgresDescription(server->url(u"postgres"_s));
        say(u"private server on port %1: %2"_s.arg(server->port()).arg(serverText));
    }

    QList<Measurement> rows;
    if (selected.contains(u"postgresql"_s) && !interrupted())
        rows += consoleScenario(Backend::Postgres, server.get(), settings, app);
    if (selected.contains(u"sqlite"_s) && !interrupted())
        rows += consoleScenario(Backend::Sqlite, nullptr, settings, app);

    QString report = u"## Console results\n\n"_s + resultsTable(rows);
    if (const QString notes = notesList(rows); !notes.isEmpty())
        report += u"\nNotes:\n\n"_s + notes;
    report += u"\n## Machine\n\n"_s;
    report += u"- Command: `%1`\n"_s.arg(command);
    report += u"- Date: %1\n"_s.arg(machine.date);
    report += u"- Commit: %1\n"_s.arg(machine.commit);
    report += u"- CPU: %1, %2 CPUs\n"_s.arg(machine.cpuModel).arg(machine.cpus);
    report += u"- Memory: %1\n"_s.arg(machine.memory);
    report += u"- System: %1, Qt %2, platform %3\n"_s.arg(machine.kernel, QString::fromLatin1(qVersion()),
                                                          QGuiApplication::platformName());
    if (!serverText.isEmpty())
        report += u"- Database: %1 (the test harness's private server)\n"_s.arg(serverText);
    report += u"- Load average (1, 5, 15 min) before: %1; after: %2\n"_s.arg(loadBefore, loadAverage());
    report += u"- Runs per backend: %1, each a fresh cluster of %2 nodes; %3 measured refreshes a run\n"_s
                  .arg(settings.runs)
                  .arg(settings.nodes)
                  .arg(settings.rounds);
    for (const auto &[name, what] : consoleExperiments()) {
        if (settings.experiments.contains(name))
            report +=
                u"- **Experiment** `%1`: %2; the rows it touches are labelled and are not the product's "
                "figures\n"_s.arg(name, what);
    }
    if (interrupted())
        report += u"\n**Interrupted: the figures above are incomplete.**\n"_s;

    publishReport(report, parser.value(u"output"_s));
    server.reset(); // stops the server and removes its folder
    return exitCode(rows);
}
