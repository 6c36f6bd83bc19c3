// Fault injection on real node processes and a real database, SQLite and PostgreSQL:
// kill -9, SIGSTOP past and within the threshold, a job far longer than the threshold,
// the whole cluster killed and restarted, a restart with the same data folder within a
// second, and (PostgreSQL) every session of a live node ended by the server. Every
// scenario ends with the same invariants (FaultScenario) and prints its figures
// ("FIGURE ...") for docs/RELIABILITY.md. Heartbeat H = 1 s, offline threshold T = 5 s
// unless a scenario says otherwise. CTest label "faults".
#include "alerts.h"
#include "faultscenario.h"
#include "noderegistry.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr int ThresholdMs = 5000;

} // namespace

class TestFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void killOfANodeHoldingManyJobs();
    void stopPastTheThreshold();
    void stopWithinTheThreshold();
    void longJobIsNeverRescued();
    void wholeClusterKilledAndRestarted();
    void killAndQuickRestartInTheSameFolder();
    void endedSessionsUnderLoad();

private:
    bool postgres() const
    {
        QFETCH_GLOBAL(QString, backend);
        return backendFromName(backend) == Backend::Postgres;
    }
    qint64 heartbeats(const QString &guid)
    {
        return m_cluster->scalar(u"SELECT heartbeat_count FROM nodes WHERE guid = ?"_s, {guid}).toLongLong();
    }
    // Waits until the node has beaten count more times: on PostgreSQL its session has then
    // stood long enough for it to judge others by theirs.
    bool settle(NodeProcess *node, int count)
    {
        const qint64 start = heartbeats(node->guid());
        return QTest::qWaitFor([&] { return heartbeats(node->guid()) >= start + count; }, 60000);
    }
    void verifyInvariants(FaultScenario &scenario)
    {
        const QStringList broken = scenario.brokenInvariants();
        QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
        scenario.figure(u"re_executions"_s, scenario.reExecutions());
    }

    std::unique_ptr<TestCluster> m_cluster;
};

void TestFaults::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestFaults::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(60);
    m_cluster.reset();
}

void TestFaults::killOfANodeHoldingManyJobs()
{
    // The victim claims 500 jobs (ahead of its workers, since they are short), then is
    // killed. PostgreSQL: its session ends and its port closes, noticed within about a
    // second; SQLite: its process is gone (same kernel and PID namespace), the same.
    FaultScenario scenario(*m_cluster);
    // The peers first, settled (on PostgreSQL they judge sessions once their own has stood
    // a while), claiming one job at a time; then the victim, which claims 500 at once.
    const QStringList slow{u"--workers"_s, u"4"_s, u"--batch"_s, u"1"_s};
    NodeProcess *peers[] = {m_cluster->startNode(u"peer1"_s, slow), m_cluster->startNode(u"peer2"_s, slow)};
    for (NodeProcess *peer : peers)
        QVERIFY(peer->waitForJoined());
    QVERIFY(settle(peers[1], 7));
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"8"_s, u"--batch"_s, u"500"_s});
    QVERIFY(victim->waitForJoined());
    const QString guid = victim->guid();
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 30}"_s, 1500).size(), 1500);
    // A claim takes 500; the held count then falls as its 8 workers finish them.
    QTRY_VERIFY_WITH_TIMEOUT(scenario.heldBy(guid) >= 450, 30000);

    QElapsedTimer since;
    victim->signal(SIGKILL);
    since.start();
    QVERIFY(victim->waitForExit(10000));
    // What it held when it died, read after: it can no longer change.
    QList<qint64> heldIds;
    auto query = m_cluster->database().exec(u"SELECT id FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid});
    while (query && query->next())
        heldIds << query->value(0).toLongLong();
    const int held = int(heldIds.size());
    QVERIFY(held >= 400);
    scenario.noteFault(*victim);
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(guid), u"offline"_s, ThresholdMs + 5000);
    const qint64 noticed = since.elapsed();
    // Reclaimed: every job it held is claimed again by a peer (or already done by one).
    QStringList idTexts;
    for (qint64 id : std::as_const(heldIds))
        idTexts << QString::number(id);
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE claimed_by <> ? AND id IN (%1)"_s.arg(
                                                    idTexts.join(u',')),
                                                {guid})
                                  .toInt(),
                              held, 30000);
    const qint64 reclaimed = since.elapsed();
    scenario.figure(u"held"_s, held);
    scenario.figure(u"noticed_ms"_s, noticed);
    scenario.figure(u"reclaimed_ms"_s, reclaimed);
    QVERIFY(scenario.waitAllFinished(120000));
    verifyInvariants(scenario);
    QVERIFY(scenario.waitAllOnline(10000));
}

void TestFaults::stopPastTheThreshold()
{
    // SIGSTOP for 3T: marked Offline, its jobs run elsewhere, its late completions change
    // nothing, it starts none of its old claims, and it comes back under a new run.
    FaultScenario scenario(*m_cluster);
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"2"_s});
    QVERIFY(victim->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s);
    QVERIFY(peer->waitForJoined());
    const QString guid = victim->guid();
    const QString incarnation = m_cluster->scalar(u"SELECT incarnation FROM nodes WHERE guid = ?"_s, {guid}).toString();
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 30}"_s, 600).size(), 600);
    QTRY_VERIFY_WITH_TIMEOUT(scenario.heldBy(guid) >= 20, 30000);

    QVERIFY(victim->stopOutsideWriteTransaction());
    QElapsedTimer since;
    since.start();
    scenario.noteFault(*victim);
    const int held = scenario.heldBy(guid);
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(guid), u"offline"_s, ThresholdMs + 10000);
    scenario.figure(u"noticed_ms"_s, since.elapsed());
    scenario.figure(u"held"_s, held);
    QTRY_VERIFY_WITH_TIMEOUT(since.elapsed() >= 3 * ThresholdMs, 3 * ThresholdMs + 1000);
    const QSet<qint64> startedBeforeWaking = scenario.startedBy(*victim);
    victim->signal(SIGCONT);

    QVERIFY(scenario.waitAllFinished(120000));
    QVERIFY(scenario.waitAllOnline(20000));
    const QString again = m_cluster->scalar(u"SELECT incarnation FROM nodes WHERE guid = ?"_s, {guid}).toString();
    QVERIFY2(again != incarnation, "it came back under the run that was declared dead");
    // It started none of the jobs it had claimed before it was stopped: whatever it
    // started after waking was claimed afresh, under its new run.
    const QSet<qint64> startedAfter = scenario.startedBy(*victim) - startedBeforeWaking;
    const QHash<qint64, int> executions = m_cluster->executions();
    for (qint64 id : startedAfter)
        QVERIFY2(executions.value(id) == 1, qPrintable(u"job %1 started again after waking"_s.arg(id)));
    verifyInvariants(scenario);
}

void TestFaults::stopWithinTheThreshold()
{
    // SIGSTOP for T/2: no Offline, no reassignment, no alert.
    FaultScenario scenario(*m_cluster);
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"2"_s});
    QVERIFY(victim->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s);
    QVERIFY(peer->waitForJoined());
    QVERIFY(settle(peer, 7));
    const QString guid = victim->guid();
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 30}"_s, 300).size(), 300);
    QTRY_VERIFY_WITH_TIMEOUT(scenario.heldBy(guid) >= 10, 30000);
    QVERIFY(victim->stopOutsideWriteTransaction());
    QElapsedTimer since;
    since.start();
    QTRY_VERIFY_WITH_TIMEOUT(since.elapsed() >= ThresholdMs / 2, ThresholdMs);
    QCOMPARE(m_cluster->nodeState(guid), u"online"_s);
    victim->signal(SIGCONT);
    QVERIFY(scenario.waitAllFinished(120000));
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(), 0);
    // Nothing was claimed twice.
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE claim_epoch > 1"_s).toInt(), 0);
    verifyInvariants(scenario);
    QCOMPARE(scenario.reExecutions(), 0);
}

void TestFaults::longJobIsNeverRescued()
{
    // A job of 10T on a healthy node: never rescued, never run twice.
    FaultScenario scenario(*m_cluster);
    const QStringList quick{u"--offline-after"_s, u"2"_s};
    NodeProcess *worker = m_cluster->startNode(u"worker"_s, quick);
    QVERIFY(worker->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s, quick);
    QVERIFY(peer->waitForJoined());
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 20000}"_s, 2).size(), 2);
    QVERIFY(scenario.waitAllFinished(60000));
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE claim_epoch > 1"_s).toInt(), 0);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(), 0);
    verifyInvariants(scenario);
    QCOMPARE(scenario.reExecutions(), 0);
}

void TestFaults::wholeClusterKilledAndRestarted()
{
    // Every node killed at once under load, then started again on the same folders: the
    // pool drains, and only jobs running at the kill run twice.
    FaultScenario scenario(*m_cluster);
    QList<NodeProcess *> nodes;
    for (const QString &name : {u"a"_s, u"b"_s, u"c"_s}) {
        nodes << m_cluster->startNode(name, {u"--workers"_s, u"4"_s});
        QVERIFY(nodes.last()->waitForJoined());
    }
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 40}"_s, 900).size(), 900);
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'"_s).toInt() >= 150,
                             60000);
    for (NodeProcess *node : std::as_const(nodes))
        node->signal(SIGKILL);
    for (NodeProcess *node : std::as_const(nodes)) {
        QVERIFY(node->waitForExit(10000));
        scenario.noteFault(*node);
    }
    QElapsedTimer since;
    since.start();
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY(m_cluster->startNodeIn(node->name(), node->dataDir(), {u"--workers"_s, u"4"_s})->waitForJoined());
    QVERIFY(scenario.waitAllFinished(120000));
    scenario.figure(u"drained_after_restart_ms"_s, since.elapsed());
    verifyInvariants(scenario);
}

void TestFaults::killAndQuickRestartInTheSameFolder()
{
    // kill -9 and a restart with the same GUID within a second: the new run takes back
    // what the old one held, before any peer would have noticed.
    FaultScenario scenario(*m_cluster);
    NodeProcess *node = m_cluster->startNode(u"phoenix"_s, {u"--workers"_s, u"4"_s});
    QVERIFY(node->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s);
    QVERIFY(peer->waitForJoined());
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 40}"_s, 400).size(), 400);
    const QString guid = node->guid();
    QTRY_VERIFY_WITH_TIMEOUT(scenario.heldBy(guid) >= 10, 30000);
    QElapsedTimer since;
    node->signal(SIGKILL);
    since.start();
    QVERIFY(node->waitForExit(10000));
    scenario.noteFault(*node);
    NodeProcess *again = m_cluster->startNodeIn(u"phoenix"_s, node->dataDir(), {u"--workers"_s, u"4"_s});
    QVERIFY(again->waitForJoined());
    scenario.figure(u"restarted_ms"_s, since.elapsed());
    QCOMPARE(again->guid(), guid);
    QVERIFY(scenario.waitAllFinished(120000));
    verifyInvariants(scenario);
}

void TestFaults::endedSessionsUnderLoad()
{
    // The server ends every session of a live, busy node (pg_terminate_backend). It
    // reconnects, takes its lock again within a heartbeat, is not declared dead, and loses
    // or doubles nothing. SQLite has no sessions: there the node's database file is held
    // by another writer for two seconds instead, which it must ride out the same way.
    FaultScenario scenario(*m_cluster);
    const QString url = m_cluster->url() + (postgres() ? u"?application_name=cohort-busy"_s : QString());
    NodeProcess *busy = m_cluster->startNode(u"busy"_s, {u"--db"_s, url, u"--workers"_s, u"4"_s});
    QVERIFY(busy->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s);
    QVERIFY(peer->waitForJoined());
    QVERIFY(settle(peer, 7));
    const QString guid = busy->guid();
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 30}"_s, 900).size(), 900);
    QTRY_VERIFY_WITH_TIMEOUT(scenario.heldBy(guid) >= 10, 30000);

    QElapsedTimer since;
    since.start();
    if (postgres()) {
        const int ended = m_cluster
                              ->scalar(u"SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE application_name = 'cohort-busy'"_s)
                              .toInt();
        QVERIFY2(ended >= 3, qPrintable(QString::number(ended)));
        QTRY_VERIFY_WITH_TIMEOUT(m_cluster
                                         ->scalar(u"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                                                  "classid = ? AND objid = ? AND granted"_s,
                                                  {NodeRegistry::LivenessLockClass,
                                                   qint64(NodeRegistry::livenessKey(guid))})
                                         .toInt()
                                     == 1,
                                 2000);
        scenario.figure(u"lock_back_ms"_s, since.elapsed());
    } else {
        Database &database = m_cluster->database();
        auto db = database.connection();
        QVERIFY(db.ok());
        QVERIFY(database.dialect().beginWrite(*db).ok());
        QTest::qWait(2000); // the fault itself: the file held for two seconds
        QVERIFY(database.dialect().commit(*db).ok());
    }
    scenario.noteFault(*busy); // a completion lost with its session may run again
    QVERIFY(scenario.waitAllFinished(120000));
    QCOMPARE(m_cluster->nodeState(guid), u"online"_s);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(), 0);
    verifyInvariants(scenario);
}

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
