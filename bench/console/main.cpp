// cohort-bench-console: the console benchmarks (docs/BENCHMARKS.md, "Console" and "System
// Information"). For each scenario, backend (the test harness's private PostgreSQL
// server, and SQLite) and run: a fresh cluster, the real console signing in on the
// offscreen platform, then refreshes of a page while the cluster changes: the Manager
// Nodes page with 200 nodes (console), the System Information page's graphs with 50 nodes
// and a million jobs an hour (system-information). Prints a markdown table of medians,
// minima and maxima over the runs per scenario. Run it with `bench/run --only console` or
// `--only system-information` (options after it come here), which builds it first.
#include "benchsupport.h"
#include "consolescenario.h"
#include "postgresserver.h"
#include "systeminformationscenario.h"
#include "timedapplication.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTextStream>

#include <functional>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Bench;

namespace {

const QStringList Backends = {u"postgresql"_s, u"sqlite"_s};
const QString Console = u"console"_s;
const QString SystemInformation = u"system-information"_s;
const QStringList Scenarios = {Console, SystemInformation};

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
        u"Benchmarks the Cohort console, on a private PostgreSQL server and on SQLite: Manager Nodes "
        u"refreshes "
        "(worker and GUI thread) and the time from login to the first page (console); refreshes of the "
        "System "
        "Information page's graphs (system-information). See docs/BENCHMARKS.md."_s);
    parser.addHelpOption();
    parser.addOptions({
        {u"only"_s, u"Comma-separated scenarios: %1 (default: both)."_s.arg(Scenarios.join(u", "_s)),
         u"LIST"_s},
        {u"runs"_s, u"Runs per backend, each on a fresh cluster (default 5)."_s, u"N"_s},
        {u"rounds"_s,
         u"Measured refreshes per run (default 30); system-information: per graph and per longer period "
         "(default 20)."_s,
         u"N"_s},
        {u"nodes"_s, u"Manager nodes in the cluster (default 200; system-information: 50)."_s, u"N"_s},
        {u"job-types"_s, u"system-information: job types (default 20)."_s, u"N"_s},
        {u"hour-jobs"_s, u"system-information: jobs finished in the last hour (default 1000000)."_s, u"N"_s},
        {u"backends"_s, u"Comma-separated backends: %1 (default: both)."_s.arg(Backends.join(u", "_s)),
         u"LIST"_s},
        {u"experiment"_s,
         u"Comma-separated experiments, labelled as such in the report, applied to each cluster before the "
         "console signs in (console scenario only): %1."_s.arg(experimentList.join(u"; "_s)),
         u"LIST"_s},
        {u"verbose"_s, u"Print every refresh."_s},
        {u"output"_s, u"Also write the report (markdown) to FILE."_s, u"FILE"_s},
    });
    parser.process(app);

    ConsoleBenchSettings settings;
    SystemInformationBenchSettings information;
    bool ok = true;
    settings.runs = information.runs = positive(parser, u"runs"_s, settings.runs, &ok);
    settings.rounds = positive(parser, u"rounds"_s, settings.rounds, &ok);
    information.rounds = positive(parser, u"rounds"_s, information.rounds, &ok);
    settings.nodes = positive(parser, u"nodes"_s, settings.nodes, &ok);
    information.nodes = positive(parser, u"nodes"_s, information.nodes, &ok);
    information.jobTypes = positive(parser, u"job-types"_s, information.jobTypes, &ok);
    information.hourJobs = positive(parser, u"hour-jobs"_s, int(information.hourJobs), &ok);
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
    settings.verbose = information.verbose = parser.isSet(u"verbose"_s);
    const QStringList selected = listOption(parser, u"backends"_s, Backends, u"backend"_s, &ok);
    const QStringList scenarios = listOption(parser, u"only"_s, Scenarios, u"scenario"_s, &ok);
    if (!ok)
        return 2;

    // The cluster set-up and the console log each migration step and login.
    QLoggingCategory::setFilterRules(u"cohort.*.info=false"_s);
    installSignalHandlers();
    const QString command =
        qEnvironmentVariable("COHORT_BENCH_COMMAND", QCoreApplication::arguments().join(u' '));
    const Machine machine = describeMachine();
    const QString loadBefore = loadAverage();
    say(u"cohort-bench-console: %1; %2 runs; %3 (platform %4)"_s.arg(scenarios.join(u", "_s))
            .arg(settings.runs)
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

    QString report;
    QList<Measurement> allRows;
    const auto section = [&](const QString &title, const QList<Measurement> &rows) {
        report += u"## %1 results\n\n"_s.arg(title) + resultsTable(rows);
        if (const QString notes = notesList(rows); !notes.isEmpty())
            report += u"\nNotes:\n\n"_s + notes;
        report += u"\n"_s;
        allRows += rows;
    };
    // One scenario on each selected backend, then its section of the report.
    const auto runScenario =
        [&](const QString &title,
            const std::function<QList<Measurement>(Backend, Test::PostgresServer *)> &scenario) {
            QList<Measurement> rows;
            if (selected.contains(u"postgresql"_s) && !interrupted())
                rows += scenario(Backend::Postgres, server.get());
            if (selected.contains(u"sqlite"_s) && !interrupted())
                rows += scenario(Backend::Sqlite, nullptr);
            section(title, rows);
        };
    if (scenarios.contains(Console)) {
        say(u"console: %1 runs of %2 refreshes, %3 nodes"_s.arg(settings.runs)
                .arg(settings.rounds)
                .arg(settings.nodes));
        runScenario(u"Console"_s, [&](Backend backend, Test::PostgresServer *on) {
            return consoleScenario(backend, on, settings, app);
        });
    }
    if (scenarios.contains(SystemInformation) && !interrupted()) {
        say(u"system-information: %1 runs of %2 refreshes per graph and per longer period, %3 nodes, %4 job "
            "types, %5 jobs in the last hour, %6 h of statistics"_s.arg(information.runs)
                .arg(information.rounds)
                .arg(information.nodes)
                .arg(information.jobTypes)
                .arg(formatNumber(double(information.hourJobs), 0))
                .arg(information.hours));
        runScenario(u"System Information"_s, [&](Backend backend, Test::PostgresServer *on) {
            return systemInformationScenario(backend, on, information, app);
        });
    }
    report += u"## Machine\n\n"_s;
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
    if (scenarios.contains(Console))
        report +=
            u"- Console: %1 runs per backend, each a fresh cluster of %2 nodes; %3 measured refreshes a run\n"_s
                .arg(settings.runs)
                .arg(settings.nodes)
                .arg(settings.rounds);
    if (scenarios.contains(SystemInformation))
        report +=
            u"- System Information: %1 runs per backend, each a fresh cluster of %2 nodes, %3 job types, %4 "
            "jobs in the last hour and %5 h of per-minute statistics; a 1280×800 window; %6 measured "
            "refreshes per graph (last hour) and per longer period (6 h, 24 h) a run\n"_s
                .arg(information.runs)
                .arg(information.nodes)
                .arg(information.jobTypes)
                .arg(formatNumber(double(information.hourJobs), 0))
                .arg(information.hours)
                .arg(information.rounds);
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
    return exitCode(allRows);
}
