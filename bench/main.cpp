// cohort-bench: the job pool benchmark (docs/BENCHMARKS.md). Starts a private
// PostgreSQL server through the test harness, runs real cohort-node processes on fresh
// cluster databases, and prints a markdown table of medians, minima and maxima. Run it
// with bench/run, which builds it first.
#include "agentcheckins.h"
#include "benchsupport.h"
#include "cohortsystem.h"
#include "peercomparison.h"
#include "peersystem.h"
#include "postgresserver.h"
#include "scenarios.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTextStream>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Bench;

namespace {

const QStringList PeerMeasurements = {u"drain"_s, u"latency"_s, u"failover"_s, u"ceiling"_s, u"sqlite"_s};

// The report's closing section: how, where and when it was measured.
QString machineSection(const Machine &machine, const QString &command, const QString &loadBefore)
{
    QString text = u"\n## Machine\n\n"_s;
    text += u"- Command: `%1`\n"_s.arg(command);
    text += u"- Date: %1\n"_s.arg(machine.date);
    text += u"- Commit: %1\n"_s.arg(machine.commit);
    text += u"- CPU: %1, %2 CPUs\n"_s.arg(machine.cpuModel).arg(machine.cpus);
    text += u"- Memory: %1\n"_s.arg(machine.memory);
    text += u"- System: %1, Qt %2\n"_s.arg(machine.kernel, QString::fromLatin1(qVersion()));
    text += u"- Load average (1, 5, 15 min) before: %1; after: %2\n"_s.arg(loadBefore, loadAverage());
    return text;
}

// cohort-bench --peers: the systems found under bench/peers, Cohort first.
int runPeers(QCommandLineParser &parser, const QString &command)
{
    PeerSettings settings;
    bool ok = true;
    settings.runs = positive(parser, u"runs"_s, settings.runs, &ok);
    settings.drainJobs = positive(parser, u"drain-jobs"_s, settings.drainJobs, &ok);
    settings.drainBudgetS = positive(parser, u"drain-budget"_s, settings.drainBudgetS, &ok);
    settings.probeBudgetS = positive(parser, u"probe-budget"_s, settings.probeBudgetS, &ok);
    settings.failoverWaitS = positive(parser, u"failover-wait"_s, settings.failoverWaitS, &ok);
    settings.failoverJobs = positive(parser, u"failover-jobs"_s, settings.failoverJobs, &ok);
    settings.sqliteJobs = positive(parser, u"sqlite-drain-jobs"_s, settings.sqliteJobs, &ok);
    settings.probes = positive(parser, u"probes"_s, settings.probes, &ok);
    settings.idleSeconds = positive(parser, u"idle-seconds"_s, settings.idleSeconds, &ok);
    settings.measurements = listOption(parser, u"measurements"_s, PeerMeasurements, u"measurement"_s, &ok);
    settings.configurations =
        listOption(parser, u"configurations"_s, {u"durable"_s, u"fast"_s}, u"configuration"_s, &ok);
    // The charts go beside the report, when there is a report file.
    if (const QString output = parser.value(u"output"_s); !output.isEmpty()) {
        settings.chartDirectory = QFileInfo(output).absolutePath();
        QDir().mkpath(settings.chartDirectory);
    }
    const QString peersDir = QStringLiteral(COHORT_SOURCE_DIR "/bench/peers");
    const QString buildDir = parser.isSet(u"peers-build"_s) ? parser.value(u"peers-build"_s) : u"peers"_s;
    QStringList folders;
    for (const QFileInfo &entry :
         QDir(peersDir).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        if (QFileInfo::exists(entry.filePath() + u"/peer.json"_s))
            folders.append(entry.fileName());
    }
    const QStringList chosen =
        listOption(parser, u"systems"_s, QStringList{u"cohort"_s} + folders, u"system"_s, &ok);
    if (!ok)
        return 2;

    QList<std::shared_ptr<System>> systems;
    QList<Unavailable> unavailable;
    if (chosen.contains(u"cohort"_s))
        systems.append(std::make_shared<CohortSystem>());
    else
        say(u"Cohort is not among --systems: the ratios are against the first system"_s);
    for (const QString &folder : folders) {
        if (!chosen.contains(folder))
            continue;
        QFile reason(QDir(buildDir).filePath(folder + u".unavailable"_s));
        if (reason.open(QIODevice::ReadOnly)) {
            unavailable.append({folder, QString::fromUtf8(reason.readAll()).simplified()});
            continue;
        }
        auto loaded = PeerSystem::load(QDir(peersDir).filePath(folder), buildDir);
        if (!loaded) {
            unavailable.append({folder, loaded.message()});
            continue;
        }
        for (const auto &system : std::as_const(*loaded))
            systems.append(system);
    }
    if (systems.isEmpty()) {
        say(u"no system to measure"_s);
        return 2;
    }
    QStringList labels;
    for (const auto &system : std::as_const(systems))
        labels.append(system->label());
    say(u"cohort-bench --peers: %1 runs of %2; %3"_s.arg(settings.runs)
            .arg(settings.measurements.join(u", "_s), labels.join(u", "_s)));
    for (const Unavailable &missing : std::as_const(unavailable))
        say(u"not measured: %1: %2"_s.arg(missing.peer, missing.reason));

    const Machine machine = describeMachine();
    const QString loadBefore = loadAverage();
    bool allRan = false;
    QString report = comparePeers(systems, unavailable, settings, &allRan);
    report += machineSection(machine, command, loadBefore);
    if (interrupted())
        report += u"\n**Interrupted: the figures above are incomplete.**\n"_s;
    publishReport(report, parser.value(u"output"_s));
    return interrupted() ? 130 : allRan ? 0 : 1;
}

const QStringList Scenarios = {u"pg-throughput"_s, u"pg-latency"_s,     u"sqlite-throughput"_s,
                               u"failover"_s,      u"agent-checkins"_s, u"reference"_s};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cohort-bench"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Benchmarks the Cohort job pool with real cohort-node processes on a private "
        "PostgreSQL server and on SQLite. See docs/BENCHMARKS.md."_s);
    parser.addHelpOption();
    parser.addOptions({
        {u"runs"_s, u"Runs of each measurement (default 5)."_s, u"N"_s},
        {u"only"_s, u"Comma-separated scenarios to run: %1 (default: all)."_s.arg(Scenarios.join(u", "_s)),
         u"LIST"_s},
        {u"pg-jobs"_s, u"Jobs in a PostgreSQL throughput run (default 200000)."_s, u"N"_s},
        {u"sqlite-jobs"_s, u"Jobs in a SQLite throughput run (default 50000)."_s, u"N"_s},
        {u"probes"_s, u"Idle-start latency probes a run (default 300)."_s, u"N"_s},
        {u"count-rows"_s,
         u"End a throughput run by polling COUNT(*) over jobs (the table scan competes with the "
         "nodes) instead of the succeeded sum in job_stats."_s},
        {u"analyze-after-submit"_s,
         u"An experiment, labelled as such in the report: run ANALYZE on the jobs table "
         "right after each PostgreSQL submit commits (inside the measured time)."_s},
        {u"output"_s, u"Also write the report (markdown) to FILE."_s, u"FILE"_s},
        {u"peers"_s,
         u"Instead: Cohort side by side with the peer job systems in bench/peers (docs/BENCHMARKS.md, "
         "\"Side by side\"); bench/run --peers installs them first."_s},
        {u"peers-build"_s, u"Where the peers' install scripts put what they built (default: ./peers)."_s,
         u"DIR"_s},
        {u"systems"_s,
         u"With --peers: the systems to run, comma-separated folder names under bench/peers "
         "and \"cohort\" (default: all)."_s,
         u"LIST"_s},
        {u"measurements"_s, u"With --peers: %1 (default: all)."_s.arg(PeerMeasurements.join(u", "_s)),
         u"LIST"_s},
        {u"configurations"_s, u"With --peers: durable, fast (default: both)."_s, u"LIST"_s},
        {u"drain-jobs"_s, u"With --peers: jobs in a drain (default 100000)."_s, u"N"_s},
        {u"drain-budget"_s,
         u"With --peers: seconds a drain may take; a slower system's rate is what it did by "
         "then (default 90)."_s,
         u"S"_s},
        {u"probe-budget"_s, u"With --peers: seconds the probes of one latency run may take (default 60)."_s,
         u"S"_s},
        {u"failover-wait"_s,
         u"With --peers: seconds a failover run waits after the kill, beyond twice its expected "
         "drain time (default 60)."_s,
         u"S"_s},
        {u"failover-jobs"_s, u"With --peers: jobs of 100 ms in a failover run (default 30000)."_s, u"N"_s},
        {u"sqlite-drain-jobs"_s, u"With --peers: jobs in a SQLite drain (default 50000)."_s, u"N"_s},
        {u"idle-seconds"_s, u"With --peers: how long the idle load is measured (default 20)."_s, u"N"_s},
    });
    parser.process(app);
    // The cluster set-up in this process would log each migration step.
    QLoggingCategory::setFilterRules(u"cohort.*.info=false"_s);
    installSignalHandlers();
    const QString command =
        qEnvironmentVariable("COHORT_BENCH_COMMAND", QCoreApplication::arguments().join(u' '));
    if (parser.isSet(u"peers"_s))
        return runPeers(parser, command);

    Settings settings;
    bool ok = true;
    settings.runs = positive(parser, u"runs"_s, settings.runs, &ok);
    settings.postgresJobs = positive(parser, u"pg-jobs"_s, settings.postgresJobs, &ok);
    settings.sqliteJobs = positive(parser, u"sqlite-jobs"_s, settings.sqliteJobs, &ok);
    settings.probes = positive(parser, u"probes"_s, settings.probes, &ok);
    settings.countJobsRows = parser.isSet(u"count-rows"_s);
    settings.analyzeAfterSubmit = parser.isSet(u"analyze-after-submit"_s);
    const QStringList selected = listOption(parser, u"only"_s, Scenarios, u"scenario"_s, &ok);
    if (!ok)
        return 2;

    const Machine machine = describeMachine();
    const QString loadBefore = loadAverage();
    say(u"cohort-bench: %1 runs each; %2"_s.arg(settings.runs).arg(selected.join(u", "_s)));

    auto started = Test::PostgresServer::start();
    if (!started) {
        say(u"cannot start PostgreSQL: "_s + started.message());
        return 1;
    }
    std::unique_ptr<Test::PostgresServer> server = std::move(started).value();
    const QString serverText = postgresDescription(server->url(u"postgres"_s));
    say(u"private server on port %1: %2"_s.arg(server->port()).arg(serverText));

    QList<Measurement> rows;
    QString durableText;
    if (selected.contains(u"pg-throughput"_s) && !interrupted())
        rows += postgresThroughput(*server, settings);
    if (selected.contains(u"pg-latency"_s) && !interrupted())
        rows += postgresLatency(*server, settings);
    if (selected.contains(u"sqlite-throughput"_s) && !interrupted())
        rows += sqliteThroughput(settings);
    if (selected.contains(u"failover"_s) && !interrupted())
        rows += failureDetection(*server, settings);
    if (selected.contains(u"agent-checkins"_s) && !interrupted()) {
        // Users run their database durable: this one is measured on a server with its
        // defaults (fsync and synchronous commit on), started for it.
        auto durable = Test::PostgresServer::start(Test::PostgresServer::Durability::Durable);
        if (!durable) {
            say(u"cannot start the durable PostgreSQL server: "_s + durable.message());
        } else {
            durableText = postgresDescription((*durable)->url(u"postgres"_s));
            say(u"durable server for agent-checkins: "_s + durableText);
            rows += agentCheckins(**durable, settings);
        }
    }
    if (selected.contains(u"reference"_s) && !interrupted())
        rows += peerReference(*server, settings);

    QString report = u"## Results\n\n"_s + resultsTable(rows);
    if (const QString notes = notesList(rows); !notes.isEmpty())
        report += u"\nNotes:\n\n"_s + notes;
    report += machineSection(machine, command, loadBefore);
    report += u"- Database: %1 (the test harness's private server)\n"_s.arg(serverText);
    if (!durableText.isEmpty())
        report +=
            u"- Database for agent-checkins: %1 (a second private server, with PostgreSQL's durable defaults)\n"_s
                .arg(durableText);
    report +=
        u"- Runs per measurement: %1; %2\n"_s.arg(settings.runs)
            .arg(settings.countJobsRows ? u"throughput runs end by polling COUNT(*) over jobs"_s
                                        : u"throughput runs end by polling the succeeded sum in job_stats"_s);
    if (settings.analyzeAfterSubmit)
        report +=
            u"- **Experiment**: ANALYZE jobs ran after each PostgreSQL submit (--analyze-after-submit); "
            "these throughput figures are not the benchmark's\n"_s;
    if (interrupted())
        report += u"\n**Interrupted: the figures above are incomplete.**\n"_s;

    publishReport(report, parser.value(u"output"_s));
    server.reset(); // stops the server and removes its folder
    return exitCode(rows);
}
