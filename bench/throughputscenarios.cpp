// Throughput: how fast a cluster drains a batch of noop jobs, on PostgreSQL and SQLite.
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

} // namespace Cohort::Bench
