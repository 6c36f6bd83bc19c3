#include "agentcheckins.h"

#include "agentsprocess.h"
#include "jobpool.h"
#include "postgresserver.h"
#include "scenarios.h"
#include "testcluster.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QTest>

#include <array>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr int Nodes = 3;
constexpr int MeasureSeconds = 20;
// Before it: every agent has checked in (they start over the first second) and the lists
// settled; check-ins started before it stay out of the latency figures.
constexpr int WarmUpSeconds = 3;
// Simulator processes generating the check-ins, each on one thread.
constexpr int Generators = 2;
// The pool's load alongside: this many noop jobs submitted every 100 ms (1,000 a second).
constexpr int JobsPerTenth = 100;
// How the agents connect: resuming the session each had with that node (what an agent's
// TLS library does, and cohort-agents' default), or a full handshake every time.
struct Mode
{
    QString name;
    QStringList arguments;
    QList<int> offeredRates;
};
const QList<Mode> Modes = {
    {u"resumed sessions"_s, {}, {500, 1000, 2000}},
    {u"full handshakes"_s, {u"--full-handshakes"_s}, {1000, 2000}},
};

struct RunFigures
{
    double answeredPerSecond = 0;
    double p99Ms = 0;
    double p50Ms = 0;
    double resumedShare = 0; // of the check-ins in the window
    qint64 failedRounds = 0;
    qint64 jobsDone = 0;
};

Result<RunFigures> oneRun(Test::PostgresServer &server, const Mode &mode, int offered, int run)
{
    auto name = server.createDatabase(u"bench_agents"_s);
    if (!name)
        return name.error();
    struct Drop
    {
        Test::PostgresServer &server;
        QString name;
        ~Drop() { (void)server.dropDatabase(name); }
    } drop{server, *name};
    auto created = Test::TestCluster::createAt(server.url(*name), u"bench_agents"_s);
    if (!created)
        return created.error();
    std::unique_ptr<Test::TestCluster> cluster = std::move(created).value();

    QStringList addresses, pins;
    for (int i = 0; i < Nodes; ++i) {
        Test::NodeProcess *node = cluster->startNode(
            u"node-%1"_s.arg(i), {u"--heartbeat"_s, u"10"_s, u"--offline-after"_s, u"180"_s},
            Test::TestCluster::Timing::ClusterSettings);
        if (!node->waitForJoined())
            return makeError(ErrorCode::Unavailable,
                             u"node %1 did not join: %2"_s.arg(i).arg(node->output().right(500)));
        addresses << cluster->apiAddress(node->guid());
        pins << cluster->apiPin(node->guid());
    }

    // The agents: one check-in a second each, so the count is the offered rate. They run in
    // two simulator processes of one thread each: one process's threads contend for
    // OpenSSL 3.0's internal locks, and the load generator shares the two cores.
    std::array<Test::AgentsProcess, Generators> generators;
    for (int g = 0; g < Generators; ++g) {
        const int count = offered / Generators + (g < offered % Generators ? 1 : 0);
        generators[std::size_t(g)].start(
            QStringList{u"--managers"_s,      addresses.join(u','),
                        u"--pin"_s,           pins.join(u','),
                        u"--count"_s,         QString::number(count),
                        u"--interval"_s,      u"1"_s,
                        u"--jitter"_s,        u"0.1"_s,
                        u"--timeout"_s,       u"3000"_s,
                        u"--summary-every"_s, u"1"_s,
                        u"--warm-up"_s,       QString::number(WarmUpSeconds),
                        u"--threads"_s,       u"1"_s,
                        u"--source-net"_s,    u"127.9.%1.0/17"_s.arg(128 * g),
                        u"--seed"_s,          QString::number(run * Generators + g)}
            + mode.arguments);
    }
    // Warm up: every agent started (they start over the first interval) and the lists settled.
    std::array<QJsonObject, Generators> start;
    for (int g = 0; g < Generators; ++g) {
        Test::AgentsProcess &agents = generators[std::size_t(g)];
        if (agents
                .waitForSummary(
                    [](const QJsonObject &s) {
                        return s.value(u"elapsed_ms"_s).toInteger() >= WarmUpSeconds * 1000;
                    },
                    30000)
                .isEmpty())
            return makeError(ErrorCode::Unavailable,
                             u"the agents did not start: "_s + agents.errors().right(500));
        start[std::size_t(g)] = agents.summaries().last();
    }

    // The measured window, with jobs submitted alongside.
    JobSpec spec;
    spec.type = u"noop"_s;
    qint64 submitted = 0;
    QDeadlineTimer window(MeasureSeconds * 1000);
    QDeadlineTimer nextBatch(0);
    while (!window.hasExpired() && !interrupted()) {
        if (nextBatch.hasExpired()) {
            if (auto done = JobPool::submit(cluster->database(), QList<JobSpec>(JobsPerTenth, spec)); done)
                submitted += *done;
            nextBatch.setRemainingTime(100);
        }
        QTest::qWait(10);
    }
    RunFigures figures;
    qint64 checkins = 0, resumed = 0;
    for (int g = 0; g < Generators; ++g) {
        const QJsonObject &first = start[std::size_t(g)];
        const QJsonObject end = generators[std::size_t(g)].summaries().last();
        const auto delta = [&](const QString &key) {
            return end.value(key).toInteger() - first.value(key).toInteger();
        };
        const double seconds = double(delta(u"elapsed_ms"_s)) / 1000.0;
        if (seconds > 0)
            figures.answeredPerSecond += double(delta(u"checkins"_s)) / seconds;
        checkins += delta(u"checkins"_s);
        resumed += delta(u"resumed_checkins"_s);
        figures.failedRounds += delta(u"failed_rounds"_s);
        // After the warm-up (--warm-up). The larger of the generators' figures: the
        // percentile of both together lies at or below it.
        const QJsonObject latency = end.value(u"latency_ms"_s).toObject();
        figures.p99Ms = std::max(figures.p99Ms, latency.value(u"p99"_s).toDouble());
        figures.p50Ms = std::max(figures.p50Ms, latency.value(u"p50"_s).toDouble());
    }
    if (checkins > 0)
        figures.resumedShare = double(resumed) / double(checkins);
    figures.jobsDone =
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s)
            .toLongLong();
    Q_UNUSED(submitted);
    return figures;
}

} // namespace

QList<Measurement> agentCheckins(Test::PostgresServer &server, const Settings &settings)
{
    say(u"== Agent check-ins: 3 nodes, a new TLS connection each, jobs running alongside =="_s);
    QList<Measurement> rows;
    for (const Mode &mode : Modes) {
        for (const int offered : mode.offeredRates) {
            const bool target = offered == 2000;
            const QString label = u"%1/s offered, %2"_s.arg(offered).arg(mode.name);
            Measurement answered(u"Agent check-ins answered, "_s + label, u"/s"_s, 0,
                                 target ? Goal::AtLeast : Goal::None, 2000,
                                 target ? u"≥ 2,000/s"_s : QString());
            Measurement p99(u"Check-in p99 (connect to answer), "_s + label, u"ms"_s, 1,
                            target ? Goal::AtMost : Goal::None, 50, target ? u"< 50 ms"_s : QString());
            Measurement p50(u"Check-in median, "_s + label, u"ms"_s, 1);
            Measurement resumed(u"Check-ins that resumed a session, "_s + label, u"%"_s, 0);
            Measurement failed(u"Rounds with no manager answering, "_s + label, u""_s, 0);
            Measurement jobs(u"Jobs done alongside (1,000/s submitted), "_s + label, u""_s, 0);
            for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
                auto figures = oneRun(server, mode, offered, run);
                if (!figures) {
                    say(u"    run %1 failed: %2"_s.arg(run).arg(figures.message()));
                    answered.notes.append(u"run %1 failed: %2"_s.arg(run).arg(figures.message()));
                    continue;
                }
                answered.runs.append(figures->answeredPerSecond);
                p99.runs.append(figures->p99Ms);
                p50.runs.append(figures->p50Ms);
                resumed.runs.append(100.0 * figures->resumedShare);
                failed.runs.append(double(figures->failedRounds));
                jobs.runs.append(double(figures->jobsDone));
                say(u"  %1, run %2: %3/s answered, p50 %4 ms, p99 %5 ms, %6% resumed, %7 rounds failed, %8 jobs done"_s
                        .arg(label)
                        .arg(run)
                        .arg(formatNumber(figures->answeredPerSecond, 0), formatNumber(figures->p50Ms, 1),
                             formatNumber(figures->p99Ms, 1), formatNumber(100.0 * figures->resumedShare, 0))
                        .arg(figures->failedRounds)
                        .arg(figures->jobsDone));
            }
            rows << answered << p50 << p99 << resumed << failed << jobs;
        }
    }
    return rows;
}

} // namespace Cohort::Bench
