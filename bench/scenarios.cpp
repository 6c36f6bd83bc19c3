#include "scenarios.h"

#include "database.h"
#include "jobpool.h"
#include "postgresserver.h"
#include "testcluster.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTextStream>
#include <QThread>

#include <csignal>
#include <latch>
#include <thread>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

// cohort-node's own defaults, spelled out: the harness passes a fast heartbeat and a
// short offline threshold for tests, and later flags win.
const QStringList NodeDefaults = {
    u"--workers"_s,       u"4"_s,   u"--batch"_s, u"64"_s, u"--heartbeat"_s, u"10"_s,
    u"--offline-after"_s, u"180"_s, u"--grace"_s, u"30"_s,
};

constexpr int JoinTimeoutMs = 60000;
constexpr int IdleTimeoutMs = 120000;
// Peers trust a missing session lock once their own session is 6 s old (HealthMonitor).
constexpr int PeerSessionGraceMs = 7000;

void progress(const QString &line)
{
    QTextStream out(stdout);
    out << line << Qt::endl;
}

JobSpec noopJob()
{
    JobSpec spec;
    spec.type = u"noop"_s;
    return spec;
}

Error benchError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

// A cluster database with its nodes and a second connection to watch it from. Nodes
// are killed and the PostgreSQL database dropped when it goes, also after a failure.
class BenchCluster
{
public:
    static Result<std::unique_ptr<BenchCluster>> onPostgres(Test::PostgresServer &server,
                                                            const QString &label)
    {
        std::unique_ptr<BenchCluster> bench(new BenchCluster);
        auto name = server.createDatabase(label);
        if (!name)
            return name.error();
        bench->m_server = &server;
        bench->m_databaseName = *name;
        auto cluster = Test::TestCluster::createAt(server.url(*name), label);
        if (!cluster)
            return cluster.error();
        bench->m_cluster = std::move(cluster).value();
        if (auto opened = bench->openObserver(); !opened)
            return opened.error();
        return bench;
    }

    static Result<std::unique_ptr<BenchCluster>> onSqlite(const QString &label)
    {
        std::unique_ptr<BenchCluster> bench(new BenchCluster);
        auto cluster = Test::TestCluster::create(Backend::Sqlite, label);
        if (!cluster)
            return cluster.error();
        bench->m_cluster = std::move(cluster).value();
        if (auto opened = bench->openObserver(); !opened)
            return opened.error();
        return bench;
    }

    ~BenchCluster()
    {
        m_observer.reset();
        m_cluster.reset(); // kills the nodes that still run
        if (m_server && !m_databaseName.isEmpty())
            (void)m_server->dropDatabase(m_databaseName);
    }

    Test::TestCluster &cluster() { return *m_cluster; }
    // The connection jobs are submitted on.
    Database &submitter() { return m_cluster->database(); }
    const Dialect &dialect() { return m_observer->dialect(); }

    // Starts count nodes at once and waits until each says it joined and its job loop
    // has started (it opens its execution log first thing).
    Result<QList<Test::NodeProcess *>> startNodes(int count, const QStringList &arguments)
    {
        QList<Test::NodeProcess *> nodes;
        for (int i = 1; i <= count; ++i)
            nodes.append(m_cluster->startNode(u"node-%1"_s.arg(i), arguments));
        for (Test::NodeProcess *node : std::as_const(nodes)) {
            if (interrupted())
                return interruptedError();
            if (!node->waitForJoined(JoinTimeoutMs))
                return benchError(u"%1 did not join: %2"_s.arg(node->name(), node->output().right(2000)));
        }
        auto started = waitFor(u"the job loops to start"_s, JoinTimeoutMs, 5, [&]() -> Result<bool> {
            for (Test::NodeProcess *node : std::as_const(nodes)) {
                if (!node->running())
                    return benchError(u"%1 exited: %2"_s.arg(node->name(), node->output().right(2000)));
                if (!QFile::exists(node->executionLog()))
                    return false;
            }
            return true;
        });
        if (!started)
            return started.error();
        return nodes;
    }

    // Fails, with what the node said last, when a node ended unasked.
    Result<void> nodesAlive()
    {
        for (const auto &node : m_cluster->nodes()) {
            if (node->running() || node.get() == m_killed)
                continue;
            node->waitForExit(1000);
            return benchError(u"%1 ended (exit status %2, code %3); its last output: %4"_s.arg(node->name())
                                  .arg(node->process().exitStatus() == QProcess::NormalExit
                                           ? u"normal"_s
                                           : u"crashed or killed"_s)
                                  .arg(node->process().exitCode())
                                  .arg(node->output().right(1500)));
        }
        return {};
    }

    // Kills a node with SIGKILL on purpose: nodesAlive() does not count it.
    void kill(Test::NodeProcess *node)
    {
        m_killed = node;
        node->signal(SIGKILL);
    }

    // A single integer from the watching connection.
    Result<qint64> number(const QString &sql, const QVariantList &values = {})
    {
        auto query = m_observer->exec(sql, values);
        if (!query)
            return query.error();
        if (!query->next())
            return benchError(u"no row from: "_s + sql);
        return query->value(0).toLongLong();
    }

    Result<QString> text(const QString &sql, const QVariantList &values = {})
    {
        auto query = m_observer->exec(sql, values);
        if (!query)
            return query.error();
        return query->next() ? query->value(0).toString() : QString();
    }

    // No job due or running (the nodes' own housekeeping included).
    Result<void> waitIdle()
    {
        const QString sql =
            u"SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') AND run_after <= "_s
            + dialect().nowMillis();
        return waitFor(u"the pool to be idle"_s, IdleTimeoutMs, 20, [&]() -> Result<bool> {
            auto busy = number(sql);
            if (!busy)
                return busy.error();
            if (auto alive = nodesAlive(); !alive)
                return alive.error();
            return *busy == 0;
        });
    }

    // Succeeded noop jobs in job_stats, per node name, as "node-1 33%, ...".
    QString shares()
    {
        auto query =
            m_observer->exec(u"SELECT COALESCE(n.name, s.node_guid), SUM(s.succeeded) FROM job_stats s "
                             "LEFT JOIN nodes n ON n.guid = s.node_guid WHERE s.job_type = 'noop' "
                             "GROUP BY 1 ORDER BY 1"_s);
        if (!query)
            return query.message();
        QList<QPair<QString, qint64>> rows;
        qint64 total = 0;
        while (query->next()) {
            rows.append({query->value(0).toString(), query->value(1).toLongLong()});
            total += rows.last().second;
        }
        QStringList parts;
        for (const auto &row : std::as_const(rows))
            parts << u"%1 %2%"_s.arg(row.first).arg(total > 0 ? 100 * row.second / total : 0);
        return parts.join(u", "_s);
    }

private:
    BenchCluster() = default;

    Result<void> openObserver()
    {
        auto opened = Database::fromUrl(m_cluster->url());
        if (!opened)
            return opened.error();
        m_observer = std::move(opened).value();
        return {};
    }

    Test::PostgresServer *m_server = nullptr;
    QString m_databaseName;
    std::unique_ptr<Test::TestCluster> m_cluster;
    std::unique_ptr<Database> m_observer;
    const Test::NodeProcess *m_killed = nullptr;
};

struct Drain
{
    double submitSeconds = 0;     // JobPool::submit, commit included
    double fromStartSeconds = 0;  // submit started .. the last job succeeded
    double fromCommitSeconds = 0; // submit returned .. the last job succeeded
    qint64 doneAtCommit = 0;      // already succeeded when the first check ran after the commit
    // PostgreSQL: when autovacuum last analyzed jobs, in seconds after the commit
    // (negative: not during this drain), and the drain rate from then on.
    double analyzedAfterSeconds = -1;
    double rateAfterAnalyze = 0;
};

// When autovacuum last analyzed the jobs table (ms since the epoch), 0 if never.
Result<qint64> lastAutoAnalyze(BenchCluster &bench)
{
    return bench.number(u"SELECT COALESCE(CAST(EXTRACT(EPOCH FROM last_autoanalyze) * 1000 AS BIGINT), 0) "
                        "FROM pg_stat_user_tables WHERE relname = 'jobs'"_s);
}

// Submits jobs noop jobs in one transaction and waits until all have succeeded. The
// end is the start of the first check that saw them all: its snapshot was taken then.
Result<Drain> drain(BenchCluster &bench, int jobs, const Settings &settings)
{
    const QString countRows = u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s;
    // Nodes add to job_stats in the transaction that marks the jobs succeeded, so this
    // sum moves in step with the count above without scanning the jobs table.
    const QString sumStats = u"SELECT COALESCE(SUM(succeeded), 0) FROM job_stats WHERE job_type = 'noop'"_s;
    const QString &doneSql = settings.countJobsRows ? countRows : sumStats;
    auto rowsBefore = bench.number(countRows);
    if (!rowsBefore)
        return rowsBefore.error();
    auto before = bench.number(doneSql);
    if (!before)
        return before.error();

    const bool postgres = bench.dialect().backend() == Backend::Postgres;
    const QList<JobSpec> specs(jobs, noopJob());
    QElapsedTimer clock;
    clock.start();
    auto submitted = JobPool::submit(bench.submitter(), specs);
    const qint64 committedNs = clock.nsecsElapsed();
    const qint64 committedAtMs = QDateTime::currentMSecsSinceEpoch();
    if (!submitted)
        return submitted.error();
    if (*submitted != jobs)
        return benchError(u"submitted %1 jobs, not %2"_s.arg(*submitted).arg(jobs));
    if (settings.analyzeAfterSubmit && postgres) {
        // The experiment (--analyze-after-submit): fresh statistics for the claim's plan.
        if (auto analyzed = bench.submitter().exec(u"ANALYZE jobs"_s); !analyzed)
            return analyzed.error();
    }

    Drain result;
    result.doneAtCommit = -1;
    qint64 doneNs = 0;
    qint64 reportedNs = committedNs;
    QList<QPair<qint64, qint64>> samples; // (ns since the start of submit, jobs done)
    const int timeoutMs = 300000 + jobs;  // 1,000 jobs/s would be far below anything sane
    auto waited =
        waitFor(u"%1 jobs to succeed"_s.arg(jobs), timeoutMs, settings.pollMs, [&]() -> Result<bool> {
            if (auto alive = bench.nodesAlive(); !alive)
                return alive.error();
            const qint64 askedNs = clock.nsecsElapsed();
            auto done = bench.number(doneSql);
            if (!done)
                return done.error();
            if (result.doneAtCommit < 0)
                result.doneAtCommit = *done - *before;
            samples.append({askedNs, *done - *before});
            if (askedNs - reportedNs >= 10'000'000'000) { // a sign of life in long runs
                reportedNs = askedNs;
                progress(u"      %1 of %2 done after %3 s"_s.arg(
                    formatNumber(double(*done - *before), 0), formatNumber(jobs, 0),
                    formatNumber(double(askedNs - committedNs) / 1e9, 0)));
            }
            if (*done - *before < jobs)
                return false;
            doneNs = askedNs;
            return true;
        });
    if (!waited)
        return waited.error();
    auto rowsAfter = bench.number(countRows);
    if (!rowsAfter)
        return rowsAfter.error();
    if (*rowsAfter - *rowsBefore != jobs)
        return benchError(u"%1 noop jobs succeeded, not %2"_s.arg(*rowsAfter - *rowsBefore).arg(jobs));
    result.submitSeconds = double(committedNs) / 1e9;
    result.fromStartSeconds = double(doneNs) / 1e9;
    result.fromCommitSeconds = double(doneNs - committedNs) / 1e9;
    if (postgres) {
        auto analyzedAt = lastAutoAnalyze(bench);
        if (!analyzedAt)
            return analyzedAt.error();
        const qint64 afterCommitNs = (*analyzedAt - committedAtMs) * 1'000'000;
        if (*analyzedAt > 0 && afterCommitNs >= 0 && afterCommitNs < doneNs - committedNs) {
            result.analyzedAfterSeconds = double(afterCommitNs) / 1e9;
            // The first check after the ANALYZE finished, to the end.
            for (const auto &sample : std::as_const(samples)) {
                if (sample.first >= committedNs + afterCommitNs) {
                    if (doneNs > sample.first)
                        result.rateAfterAnalyze =
                            double(jobs - sample.second) / (double(doneNs - sample.first) / 1e9);
                    break;
                }
            }
        }
    }
    return result;
}

// One throughput run: a fresh cluster, nodes joined and warmed up, then the drain.
Result<Drain> throughputRun(std::unique_ptr<BenchCluster> bench, int nodeCount, int jobs,
                            const Settings &settings)
{
    auto nodes = bench->startNodes(nodeCount, NodeDefaults);
    if (!nodes)
        return nodes.error();
    if (settings.warmupJobs > 0) {
        if (auto warm = drain(*bench, settings.warmupJobs, settings); !warm)
            return makeError(warm.code(), u"warming up: "_s + warm.message());
    }
    if (auto idle = bench->waitIdle(); !idle)
        return idle.error();
    auto result = drain(*bench, jobs, settings);
    if (result) {
        QString analyzed;
        if (bench->dialect().backend() == Backend::Postgres) {
            analyzed = result->analyzedAfterSeconds < 0
                           ? u"; autovacuum did not analyze jobs during the drain"_s
                           : u"; autovacuum analyzed jobs %1 s after commit, %2 jobs/s from then"_s.arg(
                               formatNumber(result->analyzedAfterSeconds, 1),
                               formatNumber(result->rateAfterAnalyze, 0));
        }
        progress(u"    submit %1 s, %2 done at the first check; drained %3 s after commit (%4 jobs/s), "
                 "%5 s after the start of submit (%6 jobs/s); %7%8"_s.arg(
                     formatNumber(result->submitSeconds, 2), formatNumber(double(result->doneAtCommit), 0),
                     formatNumber(result->fromCommitSeconds, 2),
                     formatNumber(jobs / result->fromCommitSeconds, 0),
                     formatNumber(result->fromStartSeconds, 2),
                     formatNumber(jobs / result->fromStartSeconds, 0), bench->shares(), analyzed));
    }
    return result;
}

struct ThroughputRows
{
    Measurement fromCommit;
    Measurement fromStart;
    Measurement submit;
    Measurement doneAtCommit;
    Measurement analyzedAfter;
    Measurement rateAfterAnalyze;
};

ThroughputRows throughputRows(const QString &label, int jobs)
{
    ThroughputRows rows;
    rows.fromCommit = Measurement(label + u", from commit"_s, u"jobs/s"_s);
    rows.fromStart = Measurement(label + u", from start of submit"_s, u"jobs/s"_s);
    rows.submit = Measurement(label + u": submit() of %1 jobs (one transaction)"_s.arg(formatNumber(jobs, 0)),
                              u"s"_s, 2);
    rows.doneAtCommit = Measurement(label + u": jobs succeeded by the first check after commit"_s, u"jobs"_s);
    rows.analyzedAfter = Measurement(label + u": autovacuum ANALYZE of jobs, after commit"_s, u"s"_s, 1);
    rows.rateAfterAnalyze = Measurement(label + u": rate from that ANALYZE to the end"_s, u"jobs/s"_s);
    return rows;
}

void addDrain(ThroughputRows &rows, const Drain &run, int jobs)
{
    rows.fromCommit.runs.append(jobs / run.fromCommitSeconds);
    rows.fromStart.runs.append(jobs / run.fromStartSeconds);
    rows.submit.runs.append(run.submitSeconds);
    rows.doneAtCommit.runs.append(double(run.doneAtCommit));
    if (run.analyzedAfterSeconds >= 0) {
        rows.analyzedAfter.runs.append(run.analyzedAfterSeconds);
        rows.rateAfterAnalyze.runs.append(run.rateAfterAnalyze);
    }
}

void addFailure(QList<Measurement *> rows, int run, const QString &message)
{
    progress(u"    run %1 failed: %2"_s.arg(run).arg(message));
    for (Measurement *row : rows)
        row->notes.append(u"run %1 failed: %2"_s.arg(run).arg(message));
}

} // namespace

QList<Measurement> postgresThroughput(Test::PostgresServer &server, const Settings &settings)
{
    const QString label = u"PostgreSQL, 3 nodes, %1 jobs"_s.arg(formatNumber(settings.postgresJobs, 0));
    progress(u"== %1%2 =="_s.arg(
        label, settings.analyzeAfterSubmit ? u", EXPERIMENT: ANALYZE jobs after submit"_s : QString()));
    ThroughputRows rows =
        throughputRows(settings.analyzeAfterSubmit
                           ? u"PostgreSQL throughput, 3 nodes, with ANALYZE after submit (experiment)"_s
                           : u"PostgreSQL throughput, 3 nodes"_s,
                       settings.postgresJobs);
    rows.fromCommit.goal = Goal::AtLeast;
    rows.fromCommit.target = 20000;
    for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
        progress(u"  run %1/%2"_s.arg(run).arg(settings.runs));
        auto bench = BenchCluster::onPostgres(server, u"bench_throughput"_s);
        if (!bench) {
            addFailure({&rows.fromCommit, &rows.fromStart}, run, bench.message());
            continue;
        }
        auto result = throughputRun(std::move(bench).value(), 3, settings.postgresJobs, settings);
        if (!result) {
            addFailure({&rows.fromCommit, &rows.fromStart}, run, result.message());
            continue;
        }
        addDrain(rows, *result, settings.postgresJobs);
    }
    if (settings.countJobsRows)
        rows.fromCommit.notes.append(u"polled COUNT(*) over jobs (--count-rows)"_s);
    const int unanalyzed = int(rows.fromCommit.runs.size() - rows.analyzedAfter.runs.size());
    if (unanalyzed > 0)
        rows.analyzedAfter.notes.append(
            u"%1 of %2 runs drained without an autovacuum ANALYZE of jobs"_s.arg(unanalyzed)
                .arg(rows.fromCommit.runs.size()));
    return {rows.fromCommit,   rows.fromStart,     rows.submit,
            rows.doneAtCommit, rows.analyzedAfter, rows.rateAfterAnalyze};
}

QList<Measurement> sqliteThroughput(const Settings &settings)
{
    QList<Measurement> all;
    for (int nodeCount : {1, 3}) {
        const QString label =
            u"SQLite throughput, %1 node%2"_s.arg(nodeCount).arg(nodeCount == 1 ? u""_s : u"s"_s);
        progress(u"== %1, %2 jobs =="_s.arg(label, formatNumber(settings.sqliteJobs, 0)));
        ThroughputRows rows = throughputRows(label, settings.sqliteJobs);
        if (nodeCount == 1) {
            rows.fromCommit.goal = Goal::AtLeast;
            rows.fromCommit.target = 5000;
        }
        for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
            progress(u"  run %1/%2"_s.arg(run).arg(settings.runs));
            auto bench = BenchCluster::onSqlite(u"bench"_s);
            if (!bench) {
                addFailure({&rows.fromCommit, &rows.fromStart}, run, bench.message());
                continue;
            }
            auto result = throughputRun(std::move(bench).value(), nodeCount, settings.sqliteJobs, settings);
            if (!result) {
                addFailure({&rows.fromCommit, &rows.fromStart}, run, result.message());
                continue;
            }
            addDrain(rows, *result, settings.sqliteJobs);
        }
        all << rows.fromCommit << rows.fromStart << rows.submit;
    }
    return all;
}

namespace {

struct LatencyRun
{
    QList<double> fromCommitMs;
    QList<double> fromBeforeMs;
    QList<double> submitMs;
};

Result<LatencyRun> latencyRun(BenchCluster &bench, const Settings &settings)
{
    auto nodes = bench.startNodes(3, NodeDefaults);
    if (!nodes)
        return nodes.error();
    std::vector<std::unique_ptr<LogTail>> tails;
    for (Test::NodeProcess *node : std::as_const(*nodes))
        tails.push_back(std::make_unique<LogTail>(node->executionLog()));
    if (auto idle = bench.waitIdle(); !idle)
        return idle.error();

    QSet<qint64> seen;
    // Reads every log; returns the noop executions not seen before.
    auto newExecutions = [&]() -> Result<QList<Execution>> {
        QList<Execution> found;
        for (const auto &tail : tails) {
            for (const QByteArray &line : tail->newLines()) {
                auto execution = parseExecution(line);
                if (!execution)
                    return benchError(u"unreadable execution log line: "_s + QString::fromUtf8(line));
                if (execution->type != "noop")
                    continue;
                if (seen.contains(execution->id))
                    return benchError(u"job %1 ran twice"_s.arg(execution->id));
                seen.insert(execution->id);
                found.append(*execution);
            }
        }
        return found;
    };
    if (auto stale = newExecutions(); !stale)
        return stale.error();

    LatencyRun result;
    const QList<JobSpec> one{noopJob()};
    const int total = settings.warmupProbes + settings.probes;
    for (int probe = 0; probe < total; ++probe) {
        pause(settings.gapMs); // the deliberate idle gap
        if (interrupted())
            return interruptedError();
        const qint64 before = systemMicros();
        auto submitted = JobPool::submit(bench.submitter(), one);
        const qint64 after = systemMicros();
        if (!submitted)
            return submitted.error();
        // Wait for its execution-log line, reading only the bytes added since last time.
        QDeadlineTimer deadline(10000);
        std::optional<Execution> started;
        int polls = 0;
        while (!started) {
            auto found = newExecutions();
            if (!found)
                return found.error();
            if (found->size() > 1)
                return benchError(
                    u"probe %1: %2 jobs started for one submitted"_s.arg(probe).arg(found->size()));
            if (found->size() == 1) {
                started = found->first();
                break;
            }
            if (interrupted())
                return interruptedError();
            if (deadline.hasExpired())
                return benchError(u"probe %1: no node started the job within 10 s"_s.arg(probe));
            if (++polls % 64 == 0) {
                QCoreApplication::processEvents(); // read node output now and then
                if (auto alive = bench.nodesAlive(); !alive)
                    return alive.error();
            }
            QThread::usleep(200);
        }
        if (probe < settings.warmupProbes)
            continue;
        result.fromCommitMs.append(double(started->startMicros - after) / 1000);
        result.fromBeforeMs.append(double(started->startMicros - before) / 1000);
        result.submitMs.append(double(after - before) / 1000);
    }
    // Every probe ran exactly once and succeeded.
    auto finished = waitFor(u"the probes to succeed"_s, 30000, 20, [&]() -> Result<bool> {
        auto done = bench.number(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s);
        if (!done)
            return done.error();
        return *done == total;
    });
    if (!finished)
        return finished.error();
    auto count = bench.number(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop'"_s);
    if (!count)
        return count.error();
    if (*count != total || seen.size() != total)
        return benchError(
            u"%1 probe jobs, %2 executions, %3 probes"_s.arg(*count).arg(seen.size()).arg(total));
    return result;
}

} // namespace

QList<Measurement> postgresLatency(Test::PostgresServer &server, const Settings &settings)
{
    progress(u"== PostgreSQL idle-start latency, 3 idle nodes, %1 probes a run =="_s.arg(settings.probes));
    Measurement medianCommit(u"Idle-start latency, median, from commit"_s, u"ms"_s, 2, Goal::AtMost, 2);
    Measurement p99Commit(u"Idle-start latency, p99, from commit"_s, u"ms"_s, 2, Goal::AtMost, 5);
    Measurement medianBefore(u"Idle-start latency, median, from before submit()"_s, u"ms"_s, 2);
    Measurement p99Before(u"Idle-start latency, p99, from before submit()"_s, u"ms"_s, 2);
    Measurement submitMedian(u"submit() of one job (insert, NOTIFY, commit), median"_s, u"ms"_s, 2);
    LatencyRun pooled;
    for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
        progress(u"  run %1/%2"_s.arg(run).arg(settings.runs));
        auto bench = BenchCluster::onPostgres(server, u"bench_latency"_s);
        if (!bench) {
            addFailure({&medianCommit, &p99Commit}, run, bench.message());
            continue;
        }
        auto result = latencyRun(**bench, settings);
        if (!result) {
            addFailure({&medianCommit, &p99Commit}, run, result.message());
            continue;
        }
        medianCommit.runs.append(median(result->fromCommitMs));
        p99Commit.runs.append(percentile(result->fromCommitMs, 0.99));
        medianBefore.runs.append(median(result->fromBeforeMs));
        p99Before.runs.append(percentile(result->fromBeforeMs, 0.99));
        submitMedian.runs.append(median(result->submitMs));
        pooled.fromCommitMs += result->fromCommitMs;
        pooled.fromBeforeMs += result->fromBeforeMs;
        progress(u"    from commit: median %1 ms, p99 %2 ms, max %3 ms; from before submit: median %4 ms, "
                 u"p99 %5 ms; "
                 "submit() median %6 ms"_s.arg(
                     formatNumber(medianCommit.runs.last(), 2), formatNumber(p99Commit.runs.last(), 2),
                     formatNumber(percentile(result->fromCommitMs, 1.0), 2),
                     formatNumber(medianBefore.runs.last(), 2), formatNumber(p99Before.runs.last(), 2),
                     formatNumber(submitMedian.runs.last(), 2)));
    }
    if (!pooled.fromCommitMs.isEmpty()) {
        medianCommit.notes.append(
            u"all %1 probes pooled: from commit median %2 ms, p99 %3 ms, max %4 ms; from before "
            "submit() median %5 ms, p99 %6 ms"_s.arg(pooled.fromCommitMs.size())
                .arg(formatNumber(median(pooled.fromCommitMs), 2),
                     formatNumber(percentile(pooled.fromCommitMs, 0.99), 2),
                     formatNumber(percentile(pooled.fromCommitMs, 1.0), 2),
                     formatNumber(median(pooled.fromBeforeMs), 2),
                     formatNumber(percentile(pooled.fromBeforeMs, 0.99), 2)));
    }
    return {medianCommit, p99Commit, medianBefore, p99Before, submitMedian};
}

namespace {

Result<double> failureRun(BenchCluster &bench, QString *how)
{
    auto nodes = bench.startNodes(3, NodeDefaults);
    if (!nodes)
        return nodes.error();
    QElapsedTimer sinceJoined;
    sinceJoined.start();
    auto online = waitFor(u"three nodes online"_s, 30000, 10, [&]() -> Result<bool> {
        auto count = bench.number(u"SELECT COUNT(*) FROM nodes WHERE state = 'online'"_s);
        if (!count)
            return count.error();
        return *count == 3;
    });
    if (!online)
        return online.error();
    // Deliberate: the peers must have held their own session for SessionGraceMs; then a
    // random part of a second, so the kill does not always land at the same point of
    // the peers' once-a-second check.
    const int phaseMs = int(QRandomGenerator::global()->bounded(1000));
    pause(int(qMax<qint64>(0, PeerSessionGraceMs + phaseMs - sinceJoined.elapsed())));
    if (interrupted())
        return interruptedError();

    Test::NodeProcess *victim = nodes->last();
    const QString guid = victim->guid();
    QElapsedTimer clock;
    clock.start();
    bench.kill(victim);
    qint64 detectedNs = 0;
    auto offline = waitFor(u"the killed node to be marked offline"_s, 60000, 10, [&]() -> Result<bool> {
        const qint64 askedNs = clock.nsecsElapsed();
        auto state = bench.text(u"SELECT state FROM nodes WHERE guid = ?"_s, {guid});
        if (!state)
            return state.error();
        if (*state != u"offline"_s)
            return false;
        detectedNs = askedNs;
        return true;
    });
    if (!offline)
        return offline.error();
    for (Test::NodeProcess *node : std::as_const(*nodes)) {
        if (node == victim)
            continue;
        node->process().waitForReadyRead(100); // the peer's log line, if it is the one that marked it
        for (const QString &line : node->output().split(u'\n')) {
            if (line.contains(u"marked node"_s) && line.contains(u"Offline"_s))
                *how = node->name() + u": "_s + line.section(u"marked node"_s, 1).simplified();
        }
    }
    return double(detectedNs) / 1e6;
}

} // namespace

QList<Measurement> failureDetection(Test::PostgresServer &server, const Settings &settings)
{
    progress(u"== PostgreSQL failure detection: kill -9 one of 3 nodes =="_s);
    Measurement detection(u"Failure detection (kill -9 until state 'offline')"_s, u"ms"_s, 0, Goal::AtMost,
                          1000, u"about 1 s (≤ 1,000 ms)"_s);
    QString how;
    for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
        auto bench = BenchCluster::onPostgres(server, u"bench_failover"_s);
        if (!bench) {
            addFailure({&detection}, run, bench.message());
            continue;
        }
        auto result = failureRun(**bench, &how);
        if (!result) {
            addFailure({&detection}, run, result.message());
            continue;
        }
        detection.runs.append(*result);
        progress(u"  run %1/%2: offline after %3 ms (%4)"_s.arg(run)
                     .arg(settings.runs)
                     .arg(formatNumber(*result, 0), how));
    }
    if (!how.isEmpty())
        detection.notes.append(u"last run: "_s + how);
    return {detection};
}

namespace {

struct PeerWorker
{
    qint64 completed = 0;
    QString error;
};

// One client of the bare loop: its own connection, claim a batch with SKIP LOCKED, then
// mark it done, until nothing is left.
void peerWorker(const Test::PostgresServer &server, const QString &database, int batch, int index,
                std::latch &ready, PeerWorker &result)
{
    const QString name = u"bench-peer-%1"_s.arg(index);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        db.setHostName(server.host());
        db.setPort(server.port());
        db.setUserName(server.user());
        db.setPassword(server.password());
        db.setDatabaseName(database);
        bool ok = db.open();
        QSqlQuery claim(db);
        QSqlQuery complete(db);
        if (!ok) {
            result.error = db.lastError().text();
        } else if (!claim.prepare(u"UPDATE peer_jobs SET state = 'running', claimed_at = clock_timestamp() "
                                  "WHERE id IN (SELECT id FROM peer_jobs WHERE state = 'queued' ORDER BY id "
                                  "LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING id"_s)) {
            result.error = claim.lastError().text();
            ok = false;
        } else if (!complete.prepare(
                       u"UPDATE peer_jobs SET state = 'succeeded', finished_at = clock_timestamp() "
                       "WHERE id = ANY(CAST(? AS bigint[]))"_s)) {
            result.error = complete.lastError().text();
            ok = false;
        }
        ready.arrive_and_wait();
        QStringList ids;
        while (ok && !interrupted()) {
            claim.bindValue(0, batch);
            if (!claim.exec()) {
                result.error = claim.lastError().text();
                break;
            }
            ids.clear();
            while (claim.next())
                ids.append(claim.value(0).toString());
            claim.finish();
            if (ids.isEmpty())
                break;
            complete.bindValue(0, QString(u"{"_s + ids.join(u',') + u"}"_s));
            if (!complete.exec()) {
                result.error = complete.lastError().text();
                break;
            }
            complete.finish();
            result.completed += ids.size();
        }
    }
    QSqlDatabase::removeDatabase(name);
}

Result<double> peerRun(Test::PostgresServer &server, const QString &databaseName, Database &setup, int batch,
                       int rows, int threads)
{
    for (const QString &sql :
         {u"DROP TABLE IF EXISTS peer_jobs"_s,
          u"CREATE TABLE peer_jobs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
          "state TEXT NOT NULL DEFAULT 'queued', payload TEXT NOT NULL DEFAULT '{}', "
          "claimed_at TIMESTAMPTZ, finished_at TIMESTAMPTZ)"_s,
          u"CREATE INDEX peer_jobs_queued ON peer_jobs (id) WHERE state = 'queued'"_s,
          u"INSERT INTO peer_jobs (payload) SELECT '{}' FROM generate_series(1, %1)"_s.arg(rows),
          u"ANALYZE peer_jobs"_s}) {
        if (auto done = setup.exec(sql); !done)
            return done.error();
    }
    std::vector<PeerWorker> results(static_cast<size_t>(threads));
    std::vector<std::thread> workers;
    std::latch ready(threads + 1);
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back(peerWorker, std::cref(server), std::cref(databaseName), batch, i,
                             std::ref(ready), std::ref(results[size_t(i)]));
    }
    ready.arrive_and_wait();
    QElapsedTimer clock;
    clock.start();
    for (std::thread &worker : workers)
        worker.join();
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    qint64 completed = 0;
    for (const PeerWorker &result : results) {
        if (!result.error.isEmpty())
            return benchError(result.error);
        completed += result.completed;
    }
    if (interrupted())
        return interruptedError();
    auto query = setup.exec(u"SELECT COUNT(*) FROM peer_jobs WHERE state = 'succeeded'"_s);
    if (!query)
        return query.error();
    const qint64 succeeded = query->next() ? query->value(0).toLongLong() : 0;
    if (completed != rows || succeeded != rows)
        return benchError(u"%1 rows done (%2 by count), not %3"_s.arg(completed).arg(succeeded).arg(rows));
    return rows / seconds;
}

} // namespace

QList<Measurement> peerReference(Test::PostgresServer &server, const Settings &settings)
{
    progress(u"== Reference: bare FOR UPDATE SKIP LOCKED loop, %1 clients =="_s.arg(settings.peerThreads));
    QList<Measurement> rows;
    auto name = server.createDatabase(u"bench_peer"_s);
    if (!name) {
        Measurement failed(u"Reference: bare SKIP LOCKED loop"_s, u"jobs/s"_s);
        failed.notes.append(name.message());
        return {failed};
    }
    {
        auto setup = Database::fromUrl(server.url(*name));
        for (int batch : {50, 1}) {
            const int count = batch == 1 ? settings.peerRowsSingle : settings.peerRows;
            Measurement row(u"Reference: bare SKIP LOCKED loop, %1 clients, %2 a claim (%3 rows)"_s
                                .arg(settings.peerThreads)
                                .arg(batch)
                                .arg(formatNumber(count, 0)),
                            u"jobs/s"_s);
            for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
                if (!setup) {
                    addFailure({&row}, run, setup.message());
                    break;
                }
                auto result = peerRun(server, *name, **setup, batch, count, settings.peerThreads);
                if (!result) {
                    addFailure({&row}, run, result.message());
                    continue;
                }
                row.runs.append(*result);
                progress(u"  %1 a claim, run %2/%3: %4 jobs/s"_s.arg(batch)
                             .arg(run)
                             .arg(settings.runs)
                             .arg(formatNumber(*result, 0)));
            }
            rows.append(row);
        }
    }
    (void)server.dropDatabase(*name);
    return rows;
}

} // namespace Cohort::Bench
