// Rolling chaos (issue 11, scenario 6): three nodes under steady load; every 10 s one of
// them, picked at random, is killed (kill -9), paused past the offline threshold
// (SIGSTOP, then SIGCONT), or restarted (a killed one started again in its folder, else a
// running one stopped with SIGTERM and started again), for COHORT_CHAOS_SECONDS (default
// 300). Then every node runs again, the pool drains, and FaultScenario's invariants hold:
// every job succeeded once, and a job ran twice only if a fault hit the node running it.
// Figures: faults of each kind, re-executions, and re-executions per fault. The random
// seed is printed, and COHORT_CHAOS_SEED replays a run. Heartbeat 1 s, threshold 5 s.
// CTest runs one backend per test ("rollingChaos:sqlite"), so the two run side by side.
// CTest label "faults".
#include "faultscenario.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr int ThresholdMs = 5000;
constexpr int FaultEveryMs = 10000;
// A node's resident memory is sampled this often, from this long after it joined (the
// first jobs, connections and caches make the baseline).
constexpr int MemorySampleEveryMs = 2000;
constexpr int MemoryWarmUpMs = 10000;

// VmRSS of a process in kB, 0 when it is gone.
qint64 residentKb(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (pid <= 0 || !status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return 0;
}

} // namespace

class TestFaultsChaos : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rollingChaos_data() { addBackendRows(); }
    void rollingChaos();
};

void TestFaultsChaos::rollingChaos()
{
    QFETCH(QString, backend);
    auto created = TestCluster::create(backendFromName(backend), u"chaos"_s);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    std::unique_ptr<TestCluster> cluster = std::move(created).value();
    const auto printOnFailure = qScopeGuard([&] {
        if (QTest::currentTestFailed())
            cluster->printNodeOutput(30);
    });

    const int seconds = qEnvironmentVariableIsSet("COHORT_CHAOS_SECONDS")
                            ? qEnvironmentVariableIntValue("COHORT_CHAOS_SECONDS")
                            : 300;
    const quint32 seed = qEnvironmentVariableIsSet("COHORT_CHAOS_SEED")
                             ? quint32(qEnvironmentVariableIntValue("COHORT_CHAOS_SEED"))
                             : QRandomGenerator::system()->generate();
    qInfo("chaos for %d s, seed %u (COHORT_CHAOS_SEED replays it)", seconds, seed);
    QRandomGenerator random(seed);

    const QStringList arguments{u"--workers"_s, u"4"_s, u"--batch"_s, u"16"_s};
    const QStringList names{u"c1"_s, u"c2"_s, u"c3"_s};
    // The process now standing for each name: running, paused, or dead.
    QHash<QString, NodeProcess *> current;
    QHash<QString, QString> folders;
    for (const QString &name : names) {
        NodeProcess *node = cluster->startNode(name, arguments);
        QVERIFY2(node->waitForJoined(), qPrintable(name));
        current.insert(name, node);
        folders.insert(name, node->dataDir());
    }

    FaultScenario scenario(*cluster, backend);
    struct Paused
    {
        QString name;
        qint64 resumeAt;
    };
    QList<Paused> paused;
    int kills = 0;
    int pauses = 0;
    int restarts = 0;
    auto isPaused = [&](const QString &name) {
        return std::any_of(paused.cbegin(), paused.cend(), [&](const Paused &p) { return p.name == name; });
    };
    auto running = [&] {
        QStringList up;
        for (const QString &name : names) {
            if (current.value(name)->running() && !isPaused(name))
                up << name;
        }
        return up;
    };

    QElapsedTimer clock;
    clock.start();
    // Memory of each node process over its life: the first sample after the warm-up and
    // the last one before it ended (a figure, not a check: the machine is shared).
    struct Memory
    {
        qint64 bornAt = 0;
        qint64 firstKb = 0;
        qint64 firstAt = 0;
        qint64 lastKb = 0;
        qint64 lastAt = 0;
    };
    QHash<NodeProcess *, Memory> memory;
    const auto sampleMemory = [&] {
        for (const QString &name : names) {
            NodeProcess *node = current.value(name);
            Memory &m = memory[node];
            if (m.bornAt == 0)
                m.bornAt = clock.elapsed() + 1;
            if (!node->running() || isPaused(name) || clock.elapsed() - m.bornAt < MemoryWarmUpMs)
                continue;
            const qint64 kb = residentKb(node->pid());
            if (kb == 0)
                continue;
            if (m.firstKb == 0) {
                m.firstKb = kb;
                m.firstAt = clock.elapsed();
            }
            m.lastKb = kb;
            m.lastAt = clock.elapsed();
        }
    };
    qint64 nextMemorySample = 0;
    qint64 nextFault = FaultEveryMs;
    qint64 nextLoad = 0;
    while (clock.elapsed() < qint64(seconds) * 1000) {
        // Steady load: every second, 30 jobs of 10 to 200 ms.
        if (clock.elapsed() >= nextLoad) {
            const int ms = 10 + int(random.bounded(190));
            QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": %1}"_s.arg(ms), 30).size(), 30);
            nextLoad += 1000;
        }
        // Paused nodes wake past the threshold (the peers have declared them Offline).
        for (qsizetype i = paused.size() - 1; i >= 0; --i) {
            if (clock.elapsed() >= paused.at(i).resumeAt) {
                current.value(paused.at(i).name)->signal(SIGCONT);
                paused.removeAt(i);
            }
        }
        if (clock.elapsed() >= nextFault) {
            nextFault += FaultEveryMs;
            const QStringList up = running();
            const int action = int(random.bounded(3));
            if (action == 2 || up.size() < 2) {
                // Restart: a dead node comes back; else a running one is stopped and started again.
                QString name;
                for (const QString &candidate : names) {
                    if (!current.value(candidate)->running())
                        name = candidate;
                }
                if (name.isEmpty() && !up.isEmpty()) {
                    name = up.at(int(random.bounded(int(up.size()))));
                    NodeProcess *old = current.value(name);
                    old->signal(SIGTERM);
                    QVERIFY2(old->waitForExit(30000), qPrintable(name + u" did not stop on SIGTERM"_s));
                    scenario.noteFault(*old);
                }
                if (!name.isEmpty()) {
                    NodeProcess *again = cluster->startNodeIn(name, folders.value(name), arguments);
                    QVERIFY2(again->waitForJoined(), qPrintable(name + u" did not start again"_s));
                    current.insert(name, again);
                    ++restarts;
                }
            } else {
                const QString name = up.at(int(random.bounded(int(up.size()))));
                NodeProcess *victim = current.value(name);
                if (action == 0) {
                    victim->signal(SIGKILL);
                    QVERIFY(victim->waitForExit(10000));
                    scenario.noteFault(*victim);
                    ++kills;
                } else if (victim->stopOutsideWriteTransaction()) {
                    scenario.noteFault(*victim);
                    paused.append({name, clock.elapsed() + ThresholdMs + 2000});
                    ++pauses;
                }
            }
        }
        if (clock.elapsed() >= nextMemorySample) {
            sampleMemory();
            nextMemorySample += MemorySampleEveryMs;
        }
        QTest::qWait(100);
    }
    sampleMemory();

    // The end: everyone runs again and the pool drains.
    for (const Paused &p : std::as_const(paused))
        current.value(p.name)->signal(SIGCONT);
    for (const QString &name : names) {
        if (!current.value(name)->running()) {
            NodeProcess *again = cluster->startNodeIn(name, folders.value(name), arguments);
            QVERIFY2(again->waitForJoined(), qPrintable(name));
            current.insert(name, again);
        }
    }
    const bool drained = scenario.waitAllFinished(180000);
    QVERIFY2(drained, qPrintable(scenario.brokenInvariants().join(u"; "_s)));
    QVERIFY(scenario.waitAllOnline(30000));
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    const int faults = kills + pauses + restarts;
    scenario.figure(u"jobs"_s, scenario.submitted().size());
    scenario.figure(u"kills"_s, kills);
    scenario.figure(u"pauses"_s, pauses);
    scenario.figure(u"restarts"_s, restarts);
    scenario.figure(u"re_executions"_s, scenario.reExecutions());
    scenario.figure(u"re_executions_per_fault_x10"_s, faults > 0 ? 10 * scenario.reExecutions() / faults : 0);
    // The node process that lived longest under the load: its memory at the start and
    // the end of its sampled life. (Minutes are too few to extrapolate to hours.)
    Memory longest;
    for (const Memory &m : std::as_const(memory)) {
        if (m.lastAt - m.firstAt > longest.lastAt - longest.firstAt)
            longest = m;
    }
    const qint64 lifeMs = longest.lastAt - longest.firstAt;
    scenario.figure(u"longest_sampled_life_s"_s, lifeMs / 1000);
    scenario.figure(u"rss_first_kb"_s, longest.firstKb);
    scenario.figure(u"rss_last_kb"_s, longest.lastKb);
    QVERIFY(faults >= seconds * 1000 / FaultEveryMs - 2);
    cluster.reset();
}

QTEST_GUILESS_MAIN(TestFaultsChaos)
#include "tst_faults_chaos.moc"
