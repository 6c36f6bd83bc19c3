// Fault injection on real node processes and a real database, SQLite and PostgreSQL:
// kill -9, SIGSTOP past and within the threshold, a job far longer than the threshold,
// the whole cluster killed and restarted, a restart with the same data folder within a
// second, and (PostgreSQL) every session of a live node ended by the server. Every
// scenario ends with the same invariants (FaultScenario) and prints its figures
// ("FIGURE ...") for docs/RELIABILITY.md. Heartbeat H = 1 s, offline threshold T = 5 s
// unless a scenario says otherwise. CTest label "faults".
#include "alerts.h"
#include "cluster.h"
#include "faultscenario.h"
#include "masterkey.h"
#include "noderegistry.h"
#include "testcluster.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
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
    void flippedBitsAreRefused();
    void clocksSteppedAndFast();

private:
    QString backend() const
    {
        QFETCH_GLOBAL(QString, backend);
        return backend;
    }
    bool postgres() const { return backendFromName(backend()) == Backend::Postgres; }
    // Waits until the node has beaten count more times: on PostgreSQL its session has then
    // stood long enough for it to judge others by theirs.
    bool settle(NodeProcess *node, int count)
    {
        const qint64 start = m_cluster->heartbeatCount(node->guid());
        return QTest::qWaitFor([&] { return m_cluster->heartbeatCount(node->guid()) >= start + count; },
                               60000);
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
    FaultScenario scenario(*m_cluster, backend());
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
    auto query = m_cluster->database().exec(
        u"SELECT id FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid});
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
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster
            ->scalar(
                u"SELECT COUNT(*) FROM jobs WHERE claimed_by <> ? AND id IN (%1)"_s.arg(idTexts.join(u',')),
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
    FaultScenario scenario(*m_cluster, backend());
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"2"_s});
    QVERIFY(victim->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s);
    QVERIFY(peer->waitForJoined());
    const QString guid = victim->guid();
    const QString incarnation =
        m_cluster->scalar(u"SELECT incarnation FROM nodes WHERE guid = ?"_s, {guid}).toString();
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
    const QString again =
        m_cluster->scalar(u"SELECT incarnation FROM nodes WHERE guid = ?"_s, {guid}).toString();
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
    FaultScenario scenario(*m_cluster, backend());
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
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    // Nothing was claimed twice.
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE claim_epoch > 1"_s).toInt(), 0);
    verifyInvariants(scenario);
    QCOMPARE(scenario.reExecutions(), 0);
}

void TestFaults::longJobIsNeverRescued()
{
    // A job of 10T on a healthy node: never rescued, never run twice.
    FaultScenario scenario(*m_cluster, backend());
    const QStringList quick{u"--offline-after"_s, u"2"_s};
    NodeProcess *worker = m_cluster->startNode(u"worker"_s, quick);
    QVERIFY(worker->waitForJoined());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s, quick);
    QVERIFY(peer->waitForJoined());
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 20000}"_s, 2).size(), 2);
    QVERIFY(scenario.waitAllFinished(60000));
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE claim_epoch > 1"_s).toInt(), 0);
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    verifyInvariants(scenario);
    QCOMPARE(scenario.reExecutions(), 0);
}

void TestFaults::wholeClusterKilledAndRestarted()
{
    // Every node killed at once under load, then started again on the same folders: the
    // pool drains, and only jobs running at the kill run twice.
    FaultScenario scenario(*m_cluster, backend());
    QList<NodeProcess *> nodes;
    for (const QString &name : {u"a"_s, u"b"_s, u"c"_s}) {
        nodes << m_cluster->startNode(name, {u"--workers"_s, u"4"_s});
        QVERIFY(nodes.last()->waitForJoined());
    }
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 40}"_s, 900).size(), 900);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'"_s).toInt() >= 150, 60000);
    for (NodeProcess *node : std::as_const(nodes))
        node->signal(SIGKILL);
    for (NodeProcess *node : std::as_const(nodes)) {
        QVERIFY(node->waitForExit(10000));
        scenario.noteFault(*node);
    }
    QElapsedTimer since;
    since.start();
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY(
            m_cluster->startNodeIn(node->name(), node->dataDir(), {u"--workers"_s, u"4"_s})->waitForJoined());
    QVERIFY(scenario.waitAllFinished(120000));
    scenario.figure(u"drained_after_restart_ms"_s, since.elapsed());
    verifyInvariants(scenario);
}

void TestFaults::killAndQuickRestartInTheSameFolder()
{
    // kill -9 and a restart with the same GUID within a second: the new run takes back
    // what the old one held, before any peer would have noticed.
    FaultScenario scenario(*m_cluster, backend());
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
    FaultScenario scenario(*m_cluster, backend());
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
        QTRY_VERIFY_WITH_TIMEOUT(
            m_cluster
                    ->scalar(u"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                             "classid = ? AND objid = ? AND granted"_s,
                             {NodeRegistry::LivenessLockClass, qint64(NodeRegistry::livenessKey(guid))})
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
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    verifyInvariants(scenario);
}

void TestFaults::flippedBitsAreRefused()
{
    // One bit flipped in the wrapped data key, or in a sealed value: an authentication
    // error every time, no plaintext, no crash, nothing written.
    Database &database = m_cluster->database();
    const QString original = m_cluster->scalar(u"SELECT data_key FROM cluster WHERE id = 1"_s).toString();
    const QStringList parts = original.split(u'$');
    QCOMPARE(parts.size(), 8);
    const QByteArray::Base64Options base64 = QByteArray::Base64Encoding | QByteArray::OmitTrailingEquals;
    auto flipped = [&](const QString &text, int bit) {
        QByteArray bytes = QByteArray::fromBase64(text.toLatin1(), base64);
        bytes[bit / 8] = char(bytes.at(bit / 8) ^ (1 << (bit % 8)));
        return QString::fromLatin1(bytes.toBase64(base64));
    };
    // In the nonce, the ciphertext and its tag: a node refuses to start, and says why.
    const int cipherBits = int(QByteArray::fromBase64(parts.at(7).toLatin1(), base64).size()) * 8;
    const QList<std::pair<int, int>> flips = {{6, 0}, {7, 0}, {7, cipherBits / 2}, {7, cipherBits - 1}};
    for (const auto &[field, bit] : flips) {
        QStringList tampered = parts;
        tampered[field] = flipped(parts.at(field), bit);
        QVERIFY(database.exec(u"UPDATE cluster SET data_key = ? WHERE id = 1"_s, {tampered.join(u'$')}).ok());
        const QString dataDir = m_cluster->scratchPath(u"tampered-%1-%2"_s.arg(field).arg(bit));
        NodeProcess *node = m_cluster->startNodeIn(u"tampered"_s, dataDir);
        QVERIFY(node->waitForExit(30000));
        QCOMPARE(node->process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(node->process().exitCode(), 1);
        QVERIFY2(node->output().contains(u"does not unlock this cluster's data key"_s),
                 qPrintable(node->output()));
        QVERIFY(!QFile::exists(QDir(dataDir).filePath(u"node.guid"_s)));
    }
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM nodes"_s).toInt(), 0);
    QVERIFY(database.exec(u"UPDATE cluster SET data_key = ? WHERE id = 1"_s, {original}).ok());

    // A value sealed under the data key, stored, one bit flipped anywhere.
    auto secret = MasterKey::readSecretFile(m_cluster->secretFile());
    QVERIFY(secret.ok());
    auto key = Cluster::unlock(database, *secret);
    QVERIFY2(key.ok(), qPrintable(key.message()));
    const QByteArray plaintext = "agent enrolment token 7f3a";
    auto sealed = key->seal(plaintext, "config:agents.token");
    QVERIFY(sealed.ok());
    QVERIFY(database
                .exec(u"INSERT INTO config_properties (name, sealed_value, updated_at, updated_by) "
                      "VALUES ('agents.token', ?, 0, 'test')"_s,
                      {*sealed})
                .ok());
    const QString stored =
        m_cluster->scalar(u"SELECT sealed_value FROM config_properties WHERE name = 'agents.token'"_s)
            .toString();
    QCOMPARE(key->open(stored, "config:agents.token").value(), plaintext);
    const QStringList sealedParts = stored.split(u'$');
    int refused = 0;
    for (int field = 0; field < sealedParts.size(); ++field) {
        const QByteArray bytes = QByteArray::fromBase64(sealedParts.at(field).toLatin1(), base64);
        if (bytes.isEmpty() || sealedParts.at(field).contains(u'-'))
            continue; // the format's name
        for (int i = 0; i < 8; ++i) {
            const int bit = int(QRandomGenerator::global()->bounded(bytes.size() * 8));
            QStringList tampered = sealedParts;
            tampered[field] = flipped(sealedParts.at(field), bit);
            auto opened = key->open(tampered.join(u'$'), "config:agents.token");
            QVERIFY2(!opened.ok(), qPrintable(u"field %1 bit %2 still opened"_s.arg(field).arg(bit)));
            QVERIFY(!opened.message().contains(QString::fromLatin1(plaintext)));
            ++refused;
        }
    }
    QVERIFY(refused >= 16);
}

void TestFaults::clocksSteppedAndFast()
{
    // One node's clock an hour ahead and running at double speed; later every node's
    // clock stepped by an hour at once (NTP, a resumed VM). libfaketime reads each node's
    // offset from its own file, so the test moves clocks of running nodes. Nobody is
    // marked Offline for it, and nothing is lost.
    FaultScenario scenario(*m_cluster, backend());
    QList<NodeProcess *> nodes;
    QStringList clockFiles;
    for (const QString &name : {u"a"_s, u"b"_s, u"odd"_s}) {
        const QString clockFile = m_cluster->scratchPath(u"clock-"_s + name);
        QFile file(clockFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(name == u"odd"_s ? "+1h x2\n" : "+0\n");
        file.close();
        clockFiles << clockFile;
        QHash<QString, QString> environment = TestCluster::fakeClock(QString());
        environment.remove(u"FAKETIME"_s);
        environment.insert(u"FAKETIME_TIMESTAMP_FILE"_s, clockFile);
        nodes << m_cluster->startNodeIn(name, m_cluster->scratchPath(u"node-"_s + name), {},
                                        TestCluster::Timing::Fast, environment);
        QVERIFY2(nodes.last()->waitForJoined(), qPrintable(nodes.last()->output()));
    }
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 20}"_s, 600).size(), 600);
    QVERIFY(settle(nodes.first(), 8));
    if (postgres()) {
        // The database's clock is the reference: the odd node is out of sync.
        QTRY_VERIFY_WITH_TIMEOUT(
            m_cluster
                    ->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ? AND node_guid = ?"_s,
                             {AlertKind::TimeOutOfSync, nodes.last()->guid()})
                    .toInt()
                == 1,
            5000);
    }
    for (const QString &clockFile : std::as_const(clockFiles)) {
        QFile file(clockFile);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(clockFile.endsWith(u"odd"_s) ? "-1h x2\n" : "+1h\n");
    }
    QVERIFY(settle(nodes.first(), 8));
    QVERIFY(scenario.waitAllFinished(120000));
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY2(!node->output().contains(u"marked node"_s), qPrintable(node->output()));
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    verifyInvariants(scenario);
    QCOMPARE(scenario.reExecutions(), 0);
}

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
