// Failure detection: how long after a kill -9 the others mark the node Offline and take over.
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

} // namespace Cohort::Bench
