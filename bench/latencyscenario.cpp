// Latency: how long a job submitted to an idle cluster waits before a node starts it, on PostgreSQL.
#include "benchcluster.h"
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

} // namespace Cohort::Bench
