#include "peercomparison.h"

#include "benchsystem.h"
#include "database.h"
#include "peersystem.h"
#include "postgresserver.h"
#include "scenarios.h"
#include "svgbarchart.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTime>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

// The values one system got for one figure, a run each, and what went wrong.
struct Series
{
    QList<double> runs;
    QStringList notes;   // failed runs
    QStringList remarks; // what a figure needs said (a budget ran out, jobs never taken over)
};

class Figures
{
public:
    Series &at(const QString &configuration, const QString &figure, const QString &system)
    {
        return m_series[key(configuration, figure, system)];
    }
    const Series value(const QString &configuration, const QString &figure, const QString &system) const
    {
        return m_series.value(key(configuration, figure, system));
    }
    void add(const QString &configuration, const QString &figure, const QString &system, double value)
    {
        at(configuration, figure, system).runs.append(value);
    }
    // A failed run: a note on the figure's first series, never a number.
    void fail(const QString &configuration, const QString &figure, const QString &system, int run,
              const QString &message)
    {
        say(u"    run %1 failed: %2"_s.arg(run).arg(message));
        at(configuration, figure, system).notes.append(u"run %1: %2"_s.arg(run).arg(message));
        m_failed = true;
    }
    bool failed() const { return m_failed; }
    // Every failed run's note, as "configuration, system, figure: note".
    QStringList notes() const
    {
        QStringList all;
        for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
            const QStringList parts = it.key().split(u'\x1f');
            for (const QString &note : it->notes)
                all.append(
                    u"%1, %2, %3: failed, %4"_s.arg(parts.value(0), parts.value(2), parts.value(1), note));
            for (const QString &remark : it->remarks)
                all.append(u"%1, %2, %3: %4"_s.arg(parts.value(0), parts.value(2), parts.value(1), remark));
        }
        all.sort();
        return all;
    }

private:
    static QString key(const QString &configuration, const QString &figure, const QString &system)
    {
        return configuration + u'\x1f' + figure + u'\x1f' + system;
    }
    QHash<QString, Series> m_series;
    bool m_failed = false;
};

QString cell(const Series &series, int decimals)
{
    if (series.runs.isEmpty())
        return !series.notes.isEmpty() ? u"failed"_s : !series.remarks.isEmpty() ? u"see below"_s : u"–"_s;
    const auto [low, high] = std::minmax_element(series.runs.cbegin(), series.runs.cend());
    QString text = formatNumber(median(series.runs), decimals);
    if (series.runs.size() > 1 && *low != *high)
        text += u" (%1–%2)"_s.arg(formatNumber(*low, decimals), formatNumber(*high, decimals));
    if (!series.notes.isEmpty())
        text += u" [%1 failed]"_s.arg(series.notes.size());
    if (!series.remarks.isEmpty())
        text += u" *"_s;
    return text;
}

QString ratio(const Series &numerator, const Series &denominator)
{
    if (numerator.runs.isEmpty() || denominator.runs.isEmpty() || median(denominator.runs) == 0)
        return u"–"_s;
    return formatNumber(median(numerator.runs) / median(denominator.runs), 2) + u"×"_s;
}

// pgbench's simple-update transactions a second, the machine's write ceiling for this
// server: scale 10, 8 clients over 2 threads, 10 s.
Result<double> pgbenchTps(Test::PostgresServer &server)
{
    auto name = server.createDatabase(u"peers_pgbench"_s);
    if (!name)
        return name.error();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"PGPASSWORD"_s, server.password());
    const QStringList connection = {u"-h"_s, server.host(), u"-p"_s, QString::number(server.port()),
                                    u"-U"_s, server.user()};
    auto run = [&](const QStringList &arguments, QByteArray *output) -> Result<void> {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(u"pgbench"_s, connection + arguments + QStringList{*name});
        if (!process.waitForFinished(180000) || process.exitCode() != 0)
            return makeError(ErrorCode::Database,
                             u"pgbench %1 failed: %2"_s.arg(arguments.join(u' '),
                                                            QString::fromUtf8(process.readAll().right(800))));
        *output = process.readAll();
        return {};
    };
    QByteArray output;
    auto result = run({u"-i"_s, u"-q"_s, u"-s"_s, u"10"_s}, &output);
    if (result)
        result =
            run({u"-n"_s, u"-b"_s, u"simple-update"_s, u"-c"_s, u"8"_s, u"-j"_s, u"2"_s, u"-T"_s, u"10"_s},
                &output);
    (void)server.dropDatabase(*name);
    if (!result)
        return result.error();
    const auto match = QRegularExpression(u"tps = ([0-9.]+)"_s).match(QString::fromUtf8(output));
    if (!match.hasMatch())
        return makeError(ErrorCode::Database,
                         u"no tps in pgbench's output: "_s + QString::fromUtf8(output.right(500)));
    return match.captured(1).toDouble();
}

// "[10:42:07] ": when each measurement began, for reading a long run's output.
QString stamp()
{
    return u"[%1] "_s.arg(QTime::currentTime().toString(u"HH:mm:ss"_s));
}

const QString Durable = u"durable"_s;
const QString Fast = u"fast"_s;
const QString Sqlite = u"sqlite"_s;
const QString Machine = u"machine"_s; // the ceiling figures, one "system"

class Comparison
{
public:
    Comparison(const QList<std::shared_ptr<System>> &systems, const PeerSettings &settings)
        : m_systems(systems)
        , m_settings(settings)
    {}

    void runConfiguration(const QString &configuration)
    {
        const auto durability = configuration == Durable ? Test::PostgresServer::Durability::Durable
                                                         : Test::PostgresServer::Durability::Fast;
        auto started = Test::PostgresServer::start(durability);
        if (!started) {
            m_figures.fail(configuration, u"server"_s, {}, 0,
                           u"cannot start PostgreSQL: "_s + started.message());
            return;
        }
        Test::PostgresServer &server = **started;
        m_servers.insert(configuration, postgresDescription(server.url(u"postgres"_s)));
        say(u"== %1 server on port %2: %3"_s.arg(configuration)
                .arg(server.port())
                .arg(m_servers.value(configuration)));
        auto admin = Database::fromUrl(server.url(u"postgres"_s));
        if (!admin) {
            m_figures.fail(configuration, u"server"_s, {}, 0, admin.message());
            return;
        }
        const Place place{&server, {}};
        for (int run = 1; run <= m_settings.runs && !interrupted(); ++run) {
            // Interleaved: every system once per run, starting with a different one each run.
            QList<std::shared_ptr<System>> order;
            for (qsizetype i = 0; i < m_systems.size(); ++i) {
                const auto &system = m_systems.at((i + run - 1) % m_systems.size());
                if (system->supportsPostgres())
                    order.append(system);
            }
            if (m_settings.measurements.contains(u"drain"_s)) {
                for (int workers : m_settings.workerCounts) {
                    for (const auto &system : std::as_const(order))
                        drain(configuration, run, *system, place, admin->get(), workers);
                }
            }
            if (m_settings.measurements.contains(u"latency"_s)) {
                for (const auto &system : std::as_const(order))
                    latency(configuration, run, *system, place, admin->get());
            }
            if (m_settings.measurements.contains(u"failover"_s)) {
                for (const auto &system : std::as_const(order))
                    failover(configuration, run, *system, place);
            }
            if (m_settings.measurements.contains(u"ceiling"_s))
                ceiling(configuration, run, server);
        }
    }

    void runSqlite()
    {
        QTemporaryDir scratch;
        for (int run = 1; run <= m_settings.runs && !interrupted(); ++run) {
            int file = 0;
            for (qsizetype i = 0; i < m_systems.size(); ++i) {
                System &system = *m_systems.at((i + run - 1) % m_systems.size());
                if (!system.supportsSqlite() || interrupted())
                    continue;
                const Place place{nullptr, scratch.filePath(u"run-%1-%2.db"_s.arg(run).arg(++file))};
                say(stamp()
                    + u"sqlite, run %1/%2, %3: drain %4 jobs, 1 worker"_s.arg(run)
                          .arg(m_settings.runs)
                          .arg(system.label())
                          .arg(m_settings.sqliteJobs));
                auto figures = measureDrain(system, place, nullptr, m_settings.sqliteJobs, 1,
                                            m_settings.concurrency, m_settings.drainBudgetS);
                if (!figures) {
                    m_figures.fail(Sqlite, u"drain"_s, system.label(), run, figures.message());
                    continue;
                }
                say(u"    %1 jobs/s"_s.arg(formatNumber(figures->jobsPerSecond, 0)));
                if (figures->completed < figures->jobs) {
                    m_figures.at(Sqlite, u"drain"_s, system.label())
                        .remarks.append(
                            u"run %1: %2 of %3 jobs done when the %4 s budget ran out; the rate is theirs"_s
                                .arg(run)
                                .arg(figures->completed)
                                .arg(figures->jobs)
                                .arg(m_settings.drainBudgetS));
                }
                m_figures.add(Sqlite, u"drain"_s, system.label(), figures->jobsPerSecond);
            }
        }
    }

    QString report(const QList<Unavailable> &unavailable) const;
    // The chart of one configuration's drain and latency (SVG; empty without figures).
    QString chart(const QString &configuration) const;
    bool failed() const { return m_figures.failed(); }

private:
    void drain(const QString &configuration, int run, System &system, const Place &place, Database *admin,
               int workers)
    {
        if (interrupted())
            return;
        say(stamp()
            + u"%1, run %2/%3, %4: drain %5 jobs, %6 worker(s)"_s.arg(configuration)
                  .arg(run)
                  .arg(m_settings.runs)
                  .arg(system.label())
                  .arg(m_settings.drainJobs)
                  .arg(workers));
        const QString figure = u"drain-%1"_s.arg(workers);
        const bool withCost = workers == m_settings.workerCounts.last();
        auto figures = measureDrain(system, place, withCost ? admin : nullptr, m_settings.drainJobs, workers,
                                    m_settings.concurrency, m_settings.drainBudgetS);
        if (!figures) {
            m_figures.fail(configuration, figure, system.label(), run, figures.message());
            return;
        }
        if (figures->completed < figures->jobs) {
            m_figures.at(configuration, figure, system.label())
                .remarks.append(
                    u"run %1: %2 of %3 jobs done when the %4 s budget ran out; the rate is theirs"_s.arg(run)
                        .arg(figures->completed)
                        .arg(figures->jobs)
                        .arg(m_settings.drainBudgetS));
        }
        say(u"    %1 jobs/s%2%3"_s.arg(formatNumber(figures->jobsPerSecond, 0))
                .arg(withCost ? u"; %1 commits and %2 WAL bytes a job"_s.arg(
                         formatNumber(figures->commitsPerJob, 2), formatNumber(figures->walBytesPerJob, 0))
                              : QString())
                .arg(figures->executedTwice > 0 ? u"; %1 jobs started twice"_s.arg(figures->executedTwice)
                                                : QString()));
        m_figures.add(configuration, figure, system.label(), figures->jobsPerSecond);
        if (withCost) {
            m_figures.add(configuration, u"commits"_s, system.label(), figures->commitsPerJob);
            m_figures.add(configuration, u"wal"_s, system.label(), figures->walBytesPerJob);
        }
    }

    void latency(const QString &configuration, int run, System &system, const Place &place, Database *admin)
    {
        if (interrupted())
            return;
        say(stamp()
            + u"%1, run %2/%3, %4: idle load, then %5 probes"_s.arg(configuration)
                  .arg(run)
                  .arg(m_settings.runs)
                  .arg(system.label())
                  .arg(m_settings.probes));
        auto figures = measureLatency(system, place, admin, m_settings);
        if (!figures) {
            m_figures.fail(configuration, u"p50"_s, system.label(), run, figures.message());
            return;
        }
        say(u"    idle: %1 transactions/s; %2 probes: p50 %3 ms, p99 %4 ms, max %5 ms"_s
                .arg(formatNumber(figures->idleTransactionsPerSecond, 1))
                .arg(figures->probes)
                .arg(formatNumber(figures->p50Ms, 2), formatNumber(figures->p99Ms, 2),
                     formatNumber(figures->maxMs, 1)));
        if (figures->warmupCut) {
            m_figures.at(configuration, u"probes"_s, system.label())
                .remarks.append(
                    u"run %1: the %2 s budget ran out within the %3 warm-up probes; all but the first "
                    "are counted"_s.arg(run)
                        .arg(m_settings.probeBudgetS)
                        .arg(m_settings.warmupProbes));
        }
        m_figures.add(configuration, u"p50"_s, system.label(), figures->p50Ms);
        m_figures.add(configuration, u"p99"_s, system.label(), figures->p99Ms);
        m_figures.add(configuration, u"probes"_s, system.label(), figures->probes);
        m_figures.add(configuration, u"idle"_s, system.label(), figures->idleTransactionsPerSecond);
    }

    void failover(const QString &configuration, int run, System &system, const Place &place)
    {
        if (interrupted())
            return;
        say(stamp()
            + u"%1, run %2/%3, %4: failover, %5 jobs of %6 ms, 3 workers"_s.arg(configuration)
                  .arg(run)
                  .arg(m_settings.runs)
                  .arg(system.label())
                  .arg(m_settings.failoverJobs)
                  .arg(m_settings.failoverJobMs));
        auto figures = measureFailover(system, place, m_settings);
        if (!figures) {
            m_figures.fail(configuration, u"takeover"_s, system.label(), run, figures.message());
            return;
        }
        say(u"    killed %1 holding %2; %3; noticed %4 ms; lost %5, still queued or locked %6, started twice "
            u"%7, "
            "finished twice %8, completed twice %9"_s.arg(figures->victim)
                .arg(figures->held)
                .arg(figures->takeoverS >= 0
                         ? u"all ran elsewhere within %1 s"_s.arg(formatNumber(figures->takeoverS, 2))
                         : u"%1 never ran elsewhere"_s.arg(figures->stillHeld))
                .arg(figures->noticedMs)
                .arg(figures->lost)
                .arg(figures->pending)
                .arg(figures->executedTwice)
                .arg(figures->finishedTwice)
                .arg(figures->completedTwice));
        const QString label = system.label();
        if (figures->takeoverS >= 0)
            m_figures.add(configuration, u"takeover"_s, label, figures->takeoverS);
        else
            m_figures.at(configuration, u"takeover"_s, label)
                .remarks.append(u"run %1: %2 of %3 never ran elsewhere"_s.arg(run)
                                    .arg(figures->stillHeld)
                                    .arg(figures->held));
        if (figures->noticedMs >= 0)
            m_figures.add(configuration, u"noticed"_s, label, figures->noticedMs);
        m_figures.add(configuration, u"held"_s, label, figures->held);
        m_figures.add(configuration, u"lost"_s, label, double(figures->lost));
        m_figures.add(configuration, u"pending"_s, label, double(figures->pending));
        m_figures.add(configuration, u"started-twice"_s, label, double(figures->executedTwice));
        if (figures->finishedTwice >= 0)
            m_figures.add(configuration, u"finished-twice"_s, label, double(figures->finishedTwice));
        if (figures->completedTwice >= 0)
            m_figures.add(configuration, u"completed-twice"_s, label, double(figures->completedTwice));
    }

    void ceiling(const QString &configuration, int run, Test::PostgresServer &server)
    {
        if (interrupted())
            return;
        say(stamp()
            + u"%1, run %2/%3: the machine's ceiling"_s.arg(configuration).arg(run).arg(m_settings.runs));
        auto tps = pgbenchTps(server);
        if (tps) {
            say(u"    pgbench simple-update: %1 transactions/s"_s.arg(formatNumber(*tps, 0)));
            m_figures.add(configuration, u"pgbench"_s, Machine, *tps);
        } else {
            m_figures.fail(configuration, u"pgbench"_s, Machine, run, tps.message());
        }
        Settings loop;
        loop.runs = 1;
        const QList<Measurement> rows = peerReference(server, loop);
        for (const Measurement &row : rows) {
            const QString figure = row.name.contains(u", 1 a claim"_s) ? u"loop-1"_s : u"loop-50"_s;
            for (double value : row.runs)
                m_figures.add(configuration, figure, Machine, value);
            for (const QString &note : row.notes)
                m_figures.fail(configuration, figure, Machine, run, note);
        }
    }

    QString configurationTables(const QString &configuration) const;
    QString targets() const;
    const System *find(const QString &prefix, const QString &variant) const
    {
        for (const auto &system : m_systems) {
            if (system->name().startsWith(prefix, Qt::CaseInsensitive)
                && (variant.isEmpty() || system->variant() == variant))
                return system.get();
        }
        return nullptr;
    }

    QList<std::shared_ptr<System>> m_systems;
    PeerSettings m_settings;
    Figures m_figures;
    QMap<QString, QString> m_servers;
};

QString Comparison::configurationTables(const QString &configuration) const
{
    const QString cohort = m_systems.first()->label();
    QString text;
    const QStringList &ms = m_settings.measurements;
    if (ms.contains(u"drain"_s)) {
        text += u"#### Drain: %1 no-op jobs queued, then the workers started (jobs/s)\n\n"_s.arg(
            formatNumber(m_settings.drainJobs, 0));
        text += u"| system |"_s;
        for (int workers : m_settings.workerCounts)
            text += u" %1 worker%2 |"_s.arg(workers).arg(workers == 1 ? QString() : u"s"_s);
        text += u" Cohort ÷ system (%1) | commits a job | WAL bytes a job |\n|---|"_s.arg(
            m_settings.workerCounts.last());
        for (qsizetype i = 0; i < m_settings.workerCounts.size() + 3; ++i)
            text += u"--:|"_s;
        text += u'\n';
        const QString most = u"drain-%1"_s.arg(m_settings.workerCounts.last());
        for (const auto &system : m_systems) {
            if (!system->supportsPostgres())
                continue;
            text += u"| %1 |"_s.arg(system->label());
            for (int workers : m_settings.workerCounts)
                text += u" %1 |"_s.arg(
                    cell(m_figures.value(configuration, u"drain-%1"_s.arg(workers), system->label()), 0));
            text += u" %1 | %2 | %3 |\n"_s.arg(
                system->label() == cohort ? u"–"_s
                                          : ratio(m_figures.value(configuration, most, cohort),
                                                  m_figures.value(configuration, most, system->label())),
                cell(m_figures.value(configuration, u"commits"_s, system->label()), 3),
                cell(m_figures.value(configuration, u"wal"_s, system->label()), 0));
        }
        text += u'\n';
    }
    if (ms.contains(u"latency"_s)) {
        text += u"#### Enqueue to start, one job at a time into an idle pool of 3 workers (ms, from before "
                u"the enqueue call)\n\n"
                "| system | probes | p50 | p99 | system's p50 ÷ Cohort's | idle load (transactions/s) |\n"
                "|---|--:|--:|--:|--:|--:|\n"_s;
        for (const auto &system : m_systems) {
            if (!system->supportsPostgres())
                continue;
            const QString label = system->label();
            text += u"| %1 | %2 | %3 | %4 | %5 | %6 |\n"_s.arg(
                label, cell(m_figures.value(configuration, u"probes"_s, label), 0),
                cell(m_figures.value(configuration, u"p50"_s, label), 2),
                cell(m_figures.value(configuration, u"p99"_s, label), 2),
                label == cohort ? u"–"_s
                                : ratio(m_figures.value(configuration, u"p50"_s, label),
                                        m_figures.value(configuration, u"p50"_s, cohort)),
                cell(m_figures.value(configuration, u"idle"_s, label), 1));
        }
        text += u'\n';
    }
    if (ms.contains(u"failover"_s)) {
        text += u"#### Failover: %1 jobs of %2 ms on 3 workers (%3 at once each), `kill -9` of the one "
                u"holding the most\n\n"
                "| system | jobs it held | all ran elsewhere after (s) | dead worker noticed (ms) | lost | "
                "still queued or locked at the end | started twice | finished twice | completed twice |\n"
                "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n"_s.arg(formatNumber(m_settings.failoverJobs, 0))
                    .arg(m_settings.failoverJobMs)
                    .arg(m_settings.failoverConcurrency);
        for (const auto &system : m_systems) {
            if (!system->supportsPostgres())
                continue;
            const QString label = system->label();
            text += u"| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 | %9 |\n"_s.arg(
                label, cell(m_figures.value(configuration, u"held"_s, label), 0),
                cell(m_figures.value(configuration, u"takeover"_s, label), 2),
                cell(m_figures.value(configuration, u"noticed"_s, label), 0),
                cell(m_figures.value(configuration, u"lost"_s, label), 0),
                cell(m_figures.value(configuration, u"pending"_s, label), 0),
                cell(m_figures.value(configuration, u"started-twice"_s, label), 0),
                cell(m_figures.value(configuration, u"finished-twice"_s, label), 0),
                cell(m_figures.value(configuration, u"completed-twice"_s, label), 0));
        }
        text += u'\n';
    }
    if (ms.contains(u"ceiling"_s)) {
        text += u"#### The machine's ceiling in the same run\n\n"
                "| pgbench simple-update, 8 clients (transactions/s) | bare SKIP LOCKED claim and complete, "
                "1 a claim (jobs/s) | 50 a claim (jobs/s) |\n|--:|--:|--:|\n| %1 | %2 | %3 |\n\n"_s.arg(
                    cell(m_figures.value(configuration, u"pgbench"_s, Machine), 0),
                    cell(m_figures.value(configuration, u"loop-1"_s, Machine), 0),
                    cell(m_figures.value(configuration, u"loop-50"_s, Machine), 0));
    }
    return text;
}

QString Comparison::chart(const QString &configuration) const
{
    const QString cohort = m_systems.first()->label();
    const auto barsOf = [&](const QString &figure, int decimals) {
        QList<SvgBarChart::Bar> bars;
        for (const auto &system : m_systems) {
            if (!system->supportsPostgres())
                continue;
            const Series series = m_figures.value(configuration, figure, system->label());
            SvgBarChart::Bar bar;
            bar.label = system->label();
            bar.highlighted = system->label() == cohort;
            bar.text = cell(series, decimals);
            if (!series.runs.isEmpty()) {
                bar.median = median(series.runs);
                bar.low = *std::min_element(series.runs.cbegin(), series.runs.cend());
                bar.high = *std::max_element(series.runs.cbegin(), series.runs.cend());
            }
            bars.append(bar);
        }
        return bars;
    };
    SvgBarChart chart(u"Cohort and its peers, PostgreSQL %1 settings, %2"_s.arg(
        configuration == Durable ? u"durable (default)"_s : u"fast"_s,
        m_settings.runs == 1 ? u"one run"_s : u"medians of %1 interleaved runs"_s.arg(m_settings.runs)));
    if (m_settings.measurements.contains(u"drain"_s)) {
        const int workers = m_settings.workerCounts.last();
        chart.addPanel(
            {u"Drain: %1 queued no-op jobs, %2 worker process%3 (jobs/s)"_s
                 .arg(formatNumber(m_settings.drainJobs, 0))
                 .arg(workers)
                 .arg(workers == 1 ? QString() : u"es"_s),
             u"Longer is better. Logarithmic axis; the whisker spans the runs; * a time budget ran out "
             "(docs/BENCHMARKS.md)."_s,
             barsOf(u"drain-%1"_s.arg(workers), 0)});
    }
    if (m_settings.measurements.contains(u"latency"_s)) {
        chart.addPanel({u"Enqueue to start into an idle pool, p50 (ms)"_s,
                        u"Shorter is better. Logarithmic axis."_s, barsOf(u"p50"_s, 2)});
        chart.addPanel({u"Enqueue to start into an idle pool, p99 (ms)"_s,
                        u"Shorter is better. Logarithmic axis."_s, barsOf(u"p99"_s, 2)});
    }
    return chart.render();
}

QString Comparison::targets() const
{
    const QString cohort = m_systems.first()->label();
    QString text = u"| target (durable settings) | measured | met |\n|---|---|---|\n"_s;
    auto row = [&](const QString &target, const QString &measured, std::optional<bool> met) {
        text += u"| %1 | %2 | %3 |\n"_s.arg(target, measured,
                                            !met   ? u"not measured"_s
                                            : *met ? u"yes"_s
                                                   : u"**no**"_s);
    };
    const QString most = u"drain-%1"_s.arg(m_settings.workerCounts.last());
    const Series ours = m_figures.value(Durable, most, cohort);
    auto drainTarget = [&](const System *peer, double factor) {
        if (!peer)
            return;
        const Series theirs = m_figures.value(Durable, most, peer->label());
        std::optional<bool> met;
        if (!ours.runs.isEmpty() && !theirs.runs.isEmpty())
            met = median(ours.runs) >= factor * median(theirs.runs);
        row(u"drain with %1 workers ≥ %2× %3"_s.arg(m_settings.workerCounts.last())
                .arg(factor)
                .arg(peer->label()),
            ratio(ours, theirs), met);
    };
    drainTarget(find(u"graphile-worker"_s, u"batched"_s), 1.5);
    // pg-boss: against its faster variant.
    const System *bossDefault = find(u"pg-boss"_s, u"default"_s);
    const System *bossBatched = find(u"pg-boss"_s, u"batched"_s);
    const System *boss = bossDefault;
    if (bossBatched && bossDefault
        && median(m_figures.value(Durable, most, bossBatched->label()).runs)
               > median(m_figures.value(Durable, most, bossDefault->label()).runs))
        boss = bossBatched;
    drainTarget(boss, 10);
    const Series p50 = m_figures.value(Durable, u"p50"_s, cohort);
    const Series p99 = m_figures.value(Durable, u"p99"_s, cohort);
    row(u"enqueue to start, p50 ≤ 1.2 ms"_s, cell(p50, 2) + u" ms"_s,
        p50.runs.isEmpty() ? std::nullopt : std::optional<bool>(median(p50.runs) <= 1.2));
    row(u"enqueue to start, p99 ≤ 3 ms"_s, cell(p99, 2) + u" ms"_s,
        p99.runs.isEmpty() ? std::nullopt : std::optional<bool>(median(p99.runs) <= 3.0));
    const Series lost = m_figures.value(Durable, u"lost"_s, cohort);
    const Series twice = m_figures.value(Durable, u"completed-twice"_s, cohort);
    const Series noticed = m_figures.value(Durable, u"noticed"_s, cohort);
    auto worst = [](const Series &series) {
        return *std::max_element(series.runs.cbegin(), series.runs.cend());
    };
    row(u"failover: 0 lost, 0 completed twice (every run)"_s,
        u"lost %1, completed twice %2"_s.arg(cell(lost, 0), cell(twice, 0)),
        lost.runs.isEmpty() || twice.runs.isEmpty()
            ? std::nullopt
            : std::optional<bool>(worst(lost) == 0 && worst(twice) == 0));
    row(u"failover: the dead node noticed within about a second"_s, cell(noticed, 0) + u" ms"_s,
        noticed.runs.isEmpty() ? std::nullopt : std::optional<bool>(median(noticed.runs) <= 1200));
    if (const System *minion = find(u"Minion"_s, {}); minion && minion->supportsSqlite()) {
        const Series theirs = m_figures.value(Sqlite, u"drain"_s, minion->label());
        const Series mine = m_figures.value(Sqlite, u"drain"_s, cohort);
        row(u"SQLite drain, 1 worker ≥ 3× %1's SQLite backend"_s.arg(minion->label()), ratio(mine, theirs),
            mine.runs.isEmpty() || theirs.runs.isEmpty()
                ? std::nullopt
                : std::optional<bool>(median(mine.runs) >= 3 * median(theirs.runs)));
    }
    return text;
}

QString Comparison::report(const QList<Unavailable> &unavailable) const
{
    QString text = u"## Side by side\n\n"_s;
    text += u"Medians of %1 interleaved runs, (min–max) where they differ; each run on a fresh database. "
            "Concurrency: %2 jobs at once per worker process for every system.\n\n"_s.arg(m_settings.runs)
                .arg(m_settings.concurrency);
    text += u"### Targets\n\n"_s + targets() + u'\n';
    text += u"### Systems\n\n| system | how it ran |\n|---|---|\n"_s;
    for (const auto &system : m_systems) {
        const auto *peer = dynamic_cast<const PeerSystem *>(system.get());
        QString capped;
        if (system->jobsFor(m_settings.drainJobs) < m_settings.drainJobs)
            capped = u" **At most %1 jobs a run**: %2."_s.arg(
                formatNumber(system->jobsFor(m_settings.drainJobs), 0), system->maxJobsWhy());
        text += u"| %1 | %2%3 |\n"_s.arg(system->label(),
                                         peer ? peer->language() + u"; "_s + peer->variantText()
                                              : u"cohort-node with its defaults (--batch 64, --heartbeat 10, "
                                                "--offline-after 180); C++, Qt 6"_s,
                                         capped);
    }
    for (const Unavailable &missing : unavailable)
        text += u"| %1 | **not measured**: %2 |\n"_s.arg(missing.peer, missing.reason);
    text += u'\n';
    for (const QString &configuration : m_settings.configurations) {
        text += u"### %1\n\n%2\n\n"_s.arg(
            configuration == Durable
                ? u"PostgreSQL with its durable defaults (the headline)"_s
                : u"PostgreSQL with fsync, synchronous_commit and full_page_writes off"_s,
            m_servers.value(configuration));
        if (!m_settings.chartDirectory.isEmpty()) {
            const QString name = u"peers-%1.svg"_s.arg(configuration);
            const QString svg = chart(configuration);
            QFile file(QDir(m_settings.chartDirectory).filePath(name));
            if (!svg.isEmpty() && file.open(QIODevice::WriteOnly | QIODevice::Truncate)
                && file.write(svg.toUtf8()) > 0)
                text += u"![Drain and latency, %1](%2)\n\n"_s.arg(configuration, name);
            else if (!svg.isEmpty())
                say(u"cannot write the chart %1: %2"_s.arg(file.fileName(), file.errorString()));
        }
        text += configurationTables(configuration);
    }
    if (m_settings.measurements.contains(u"sqlite"_s)) {
        text += u"### SQLite: %1 no-op jobs queued, then one worker started (jobs/s)\n\n"
                "| system | jobs/s | Cohort ÷ system |\n|---|--:|--:|\n"_s.arg(
                    formatNumber(m_settings.sqliteJobs, 0));
        const QString cohort = m_systems.first()->label();
        for (const auto &system : m_systems) {
            if (!system->supportsSqlite())
                continue;
            const Series series = m_figures.value(Sqlite, u"drain"_s, system->label());
            text += u"| %1 | %2 | %3 |\n"_s.arg(
                system->label(), cell(series, 0),
                system->label() == cohort ? u"–"_s
                                          : ratio(m_figures.value(Sqlite, u"drain"_s, cohort), series));
        }
        text += u'\n';
    }
    if (const QStringList notes = m_figures.notes(); !notes.isEmpty()) {
        text += u"### Remarks (*) and failed runs\n\n"_s;
        for (const QString &note : notes)
            text += u"- "_s + note + u'\n';
        text += u'\n';
    }
    return text;
}

} // namespace

QString comparePeers(const QList<std::shared_ptr<System>> &systems, const QList<Unavailable> &unavailable,
                     const PeerSettings &settings, bool *ok)
{
    Comparison comparison(systems, settings);
    for (const QString &configuration : settings.configurations) {
        if (!interrupted())
            comparison.runConfiguration(configuration);
    }
    if (settings.measurements.contains(u"sqlite"_s) && !interrupted())
        comparison.runSqlite();
    *ok = !comparison.failed() && !interrupted();
    return comparison.report(unavailable);
}

} // namespace Cohort::Bench
