// Faults of the PostgreSQL server itself, on a private server per test so the others are
// not disturbed: the server quits at once under load (immediate mode, as in a crash) and
// comes back. The nodes are back within seconds, nobody is declared dead for it (no mass
// reclaim), and the invariants of FaultScenario hold. A connection pooler that shares
// server sessions (pgbouncer in transaction or statement mode) is refused at start.
// CTest label "faults".
#include "alerts.h"
#include "faultscenario.h"
#include "postgresserver.h"
#include "privatecluster.h"
#include "tcpproxy.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QScopeGuard>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

// The slow link's timing: a heartbeat every second, Offline after 8 s of silence; with
// 2 s a round trip, one heartbeat's few statements take about as long as the threshold.
constexpr int SlowHeartbeatSeconds = 1;
constexpr int SlowThresholdSeconds = 8;

} // namespace

class TestFaultsPostgres : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serverCrashUnderLoad();
    void serverCrashRightAfterAJoin();
    void poolerThatSharesSessionsIsRefused_data();
    void poolerThatSharesSessionsIsRefused();
    void slowLinkToTheDatabase();
    void linkBlackHoled();
};

void TestFaultsPostgres::serverCrashUnderLoad()
{
    // Durable, as users run it: what a node was told is committed stays committed.
    auto made = PrivateCluster::start(u"crash"_s, PostgresServer::Durability::Durable);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *server = &setup->server();
    TestCluster *cluster = &setup->cluster();

    QList<NodeProcess *> nodes;
    for (const QString &node : {u"c1"_s, u"c2"_s, u"c3"_s}) {
        nodes << cluster->startNode(node, {u"--workers"_s, u"4"_s});
        QVERIFY2(nodes.last()->waitForJoined(), qPrintable(node));
    }
    FaultScenario scenario(*cluster, u"postgresql"_s);
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 20}"_s, 1500).size(), 1500);
    QTRY_VERIFY_WITH_TIMEOUT(
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt()
            >= 300,
        60000);

    // Under load: jobs running, claims and completions in flight.
    cluster->database().resetConnection();
    QVERIFY2(server->stop(PostgresServer::StopMode::Immediate).ok(), "crashing PostgreSQL");
    QElapsedTimer since;
    since.start();
    QVERIFY2(server->restart().ok(), "starting PostgreSQL again");
    // What a node started up to now may run again: a completion lost with the crash, or a
    // claim (claims commit asynchronously) whose job the node started from its prefetch
    // while the server was down. What it starts from here on was claimed on the server
    // that stays up, and must run once.
    const qint64 backUs = FaultScenario::nowUs();
    for (NodeProcess *node : std::as_const(nodes))
        scenario.noteFault(*node, backUs);
    // Back: every node heartbeats again.
    auto beats = [&] {
        auto query = cluster->database().exec(u"SELECT SUM(heartbeat_count) FROM nodes"_s);
        return query && query->next() ? query->value(0).toLongLong() : -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(beats() > 0, 30000);
    const qint64 first = beats();
    QTRY_VERIFY_WITH_TIMEOUT(beats() >= first + 6, 30000);
    scenario.figure(u"back_ms"_s, since.elapsed());

    QVERIFY(scenario.waitAllFinished(120000));
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY2(node->running(), qPrintable(node->name() + u" ended: "_s + node->output()));
    QCOMPARE(
        cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    scenario.figure(u"re_executions"_s, scenario.reExecutions());
}

void TestFaultsPostgres::serverCrashRightAfterAJoin()
{
    // A node that has just joined, before its first heartbeat, loses the database for
    // longer than the threshold. When it comes back, the silence of its peers is the
    // outage's, as its own is: it marks nobody Offline (it did, once, under load in CI).
    // Durable: the join, committed just before the crash, must survive it.
    auto made = PrivateCluster::start(u"crashjoin"_s, PostgresServer::Durability::Durable);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *server = &setup->server();
    TestCluster *cluster = &setup->cluster();

    QList<NodeProcess *> nodes;
    for (const QString &node : {u"old-1"_s, u"old-2"_s}) {
        nodes << cluster->startNode(node);
        QVERIFY2(nodes.last()->waitForJoined(), qPrintable(node));
    }
    const qint64 start = cluster->heartbeatCount(nodes.first()->guid());
    QTRY_VERIFY_WITH_TIMEOUT(cluster->heartbeatCount(nodes.first()->guid()) >= start + 3, 30000);
    nodes << cluster->startNode(u"new"_s);
    QVERIFY(nodes.last()->waitForJoined());
    cluster->database().resetConnection();
    QVERIFY2(server->stop(PostgresServer::StopMode::Immediate).ok(), "crashing PostgreSQL");
    // Down for longer than the threshold (5 s) plus a heartbeat.
    QTest::qWait(7000);
    QVERIFY2(server->restart().ok(), "starting PostgreSQL again");
    auto beats = [&](const QString &guid) { return cluster->heartbeatCount(guid); };
    QTRY_VERIFY_WITH_TIMEOUT(beats(nodes.last()->guid()) > 0, 30000);
    QHash<QString, qint64> back;
    for (NodeProcess *node : std::as_const(nodes))
        back.insert(node->guid(), beats(node->guid()));
    for (NodeProcess *node : std::as_const(nodes))
        QTRY_VERIFY_WITH_TIMEOUT(beats(node->guid()) >= back.value(node->guid()) + 6, 30000);
    for (NodeProcess *node : std::as_const(nodes)) {
        QVERIFY2(node->running(), qPrintable(node->name() + u" ended: "_s + node->output()));
        QVERIFY2(!node->output().contains(u"marked node"_s), qPrintable(node->output()));
    }
    QCOMPARE(
        cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    QCOMPARE(cluster->scalar(u"SELECT COUNT(*) FROM nodes WHERE state <> 'online'"_s).toInt(), 0);
}

void TestFaultsPostgres::poolerThatSharesSessionsIsRefused_data()
{
    QTest::addColumn<QString>("poolMode");
    QTest::addColumn<bool>("refused");
    QTest::newRow("transaction") << u"transaction"_s << true;
    QTest::newRow("statement") << u"statement"_s << true;
    QTest::newRow("session") << u"session"_s << false;
}

void TestFaultsPostgres::poolerThatSharesSessionsIsRefused()
{
    // pgbouncer between the node and the database. In transaction or statement mode a
    // node's session lock (and Qt's prepared statements) would land in whichever server
    // session is free: the node refuses to start, says why, and writes nothing. In
    // session mode it runs.
    QFETCH(QString, poolMode);
    QFETCH(bool, refused);
    auto made = PrivateCluster::start(u"pooled"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *server = &setup->server();
    TestCluster *cluster = &setup->cluster();
    const QString name = setup->databaseName();
    auto pooler = server->startPooler(name, poolMode);
    QVERIFY2(pooler.ok(), qPrintable(pooler.message()));

    NodeProcess *node = cluster->startNode(u"pooled"_s, {u"--db"_s, pooler->url});
    if (refused) {
        QVERIFY(node->waitForExit(30000));
        QCOMPARE(node->process().exitCode(), 1);
        const QString output = node->output();
        QVERIFY2(output.contains(u"is not a session of its own"_s), qPrintable(output));
        QVERIFY2(output.contains(u"pool_mode"_s) && output.contains(u"session mode"_s), qPrintable(output));
        // The password is not shown.
        QVERIFY2(!output.contains(server->password()), qPrintable(output));
        QCOMPARE(cluster->scalar(u"SELECT COUNT(*) FROM nodes"_s).toInt(), 0);
    } else {
        QVERIFY(node->waitForJoined());
        FaultScenario scenario(*cluster, u"postgresql"_s);
        QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 5}"_s, 100).size(), 100);
        QVERIFY(scenario.waitAllFinished(60000));
        const QStringList broken = scenario.brokenInvariants();
        QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    }
}

void TestFaultsPostgres::slowLinkToTheDatabase()
{
    // 2 s added to every query's round trip (1 s each way) on the link between the nodes
    // and the database, for a while, under load: no node is declared Offline, jobs keep
    // finishing, and the invariants hold.
    auto made = PrivateCluster::start(u"slow"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *server = &setup->server();
    TestCluster *cluster = &setup->cluster();
    const QString name = setup->databaseName();
    auto proxy = TcpProxy::start(quint16(server->port()));
    QVERIFY2(proxy.ok(), qPrintable(proxy.message()));
    QUrl url(server->url(name));
    url.setPort((*proxy)->port());
    const QStringList arguments{u"--db"_s,
                                url.toString(),
                                u"--heartbeat"_s,
                                QString::number(SlowHeartbeatSeconds),
                                u"--offline-after"_s,
                                QString::number(SlowThresholdSeconds)};
    QList<NodeProcess *> nodes;
    for (const QString &node : {u"s1"_s, u"s2"_s, u"s3"_s}) {
        nodes << cluster->startNode(node, arguments);
        QVERIFY2(nodes.last()->waitForJoined(), qPrintable(node));
    }
    FaultScenario scenario(*cluster, u"postgresql"_s);
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 20}"_s, 600).size(), 600);
    QTRY_VERIFY_WITH_TIMEOUT(
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt()
            >= 50,
        30000);

    (*proxy)->setLatencyMs(1000);
    QElapsedTimer slow;
    slow.start();
    const int doneBefore =
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt();
    // Slow for three thresholds: long enough for any node to have been judged by it.
    QTRY_VERIFY_WITH_TIMEOUT(slow.elapsed() >= 3 * SlowThresholdSeconds * 1000,
                             3 * SlowThresholdSeconds * 1000 + 5000);
    const int doneSlow =
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt()
        - doneBefore;
    (*proxy)->setLatencyMs(0);
    scenario.figure(u"jobs_done_while_slow"_s, doneSlow);
    QVERIFY2(doneSlow > 0, "no job finished while the link was slow");
    QCOMPARE(
        cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY2(!node->output().contains(u"declared Offline"_s), qPrintable(node->output()));

    QVERIFY(scenario.waitAllFinished(120000));
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    scenario.figure(u"re_executions"_s, scenario.reExecutions());
}

namespace {

// Drops every packet to and from a loopback port (iptables, as root): the link through
// it goes silent with no reset, as a cut cable or a dead router makes it.
bool blackHole(quint16 port, bool on)
{
    for (const QString &direction : {u"--dport"_s, u"--sport"_s}) {
        const int code = QProcess::execute(u"iptables"_s,
                                           {on ? u"-I"_s : u"-D"_s, u"OUTPUT"_s, u"-o"_s, u"lo"_s, u"-p"_s,
                                            u"tcp"_s, direction, QString::number(port), u"-j"_s, u"DROP"_s});
        if (code != 0) {
            qWarning("iptables exited with %d (the test needs root and the iptables package)", code);
            return false;
        }
    }
    return true;
}

} // namespace

void TestFaultsPostgres::linkBlackHoled()
{
    // One node reaches the database through a link that goes silent for 3T, then heals.
    // Its peers declare it Offline after T by its heartbeat (its session, on the far side
    // of the link, lives on) and run its jobs; its connections die within seconds
    // (tcp_user_timeout); on return its late completions are fenced, it starts none of
    // its old claims, and it rejoins under a new incarnation.
    auto made = PrivateCluster::start(u"cut"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *server = &setup->server();
    TestCluster *cluster = &setup->cluster();
    const QString name = setup->databaseName();
    auto proxy = TcpProxy::start(quint16(server->port()));
    QVERIFY2(proxy.ok(), qPrintable(proxy.message()));
    const quint16 port = (*proxy)->port();
    bool holed = false;
    const auto restore = qScopeGuard([&] {
        if (holed)
            blackHole(port, false);
    });
    QUrl url(server->url(name));
    url.setPort(port);

    constexpr int ThresholdMs = 5000;
    NodeProcess *victim =
        cluster->startNode(u"victim"_s, {u"--db"_s, url.toString(), u"--workers"_s, u"2"_s});
    QVERIFY(victim->waitForJoined());
    NodeProcess *peer = cluster->startNode(u"peer"_s);
    QVERIFY(peer->waitForJoined());
    const QString guid = victim->guid();
    const QString incarnation =
        cluster->scalar(u"SELECT incarnation FROM nodes WHERE guid = ?"_s, {guid}).toString();
    FaultScenario scenario(*cluster, u"postgresql"_s);
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 30}"_s, 600).size(), 600);
    QTRY_VERIFY_WITH_TIMEOUT(scenario.heldBy(guid) >= 10, 30000);

    QVERIFY(blackHole(port, true));
    holed = true;
    QElapsedTimer since;
    since.start();
    QTRY_COMPARE_WITH_TIMEOUT(cluster->nodeState(guid), u"offline"_s, ThresholdMs + 10000);
    scenario.figure(u"noticed_ms"_s, since.elapsed());
    // Its connections notice the silence within seconds, not the kernel's 15 minutes.
    QTRY_VERIFY_WITH_TIMEOUT(victim->output().contains(u"the database is unavailable"_s)
                                 || victim->output().contains(u"heartbeat failed"_s),
                             20000);
    scenario.figure(u"victim_noticed_ms"_s, since.elapsed());
    QTRY_VERIFY_WITH_TIMEOUT(since.elapsed() >= 3 * ThresholdMs, 3 * ThresholdMs + 1000);
    const QSet<qint64> startedBeforeHealing = scenario.startedBy(*victim);
    scenario.noteFault(*victim);
    QVERIFY(blackHole(port, false));
    holed = false;

    QVERIFY(scenario.waitAllFinished(120000));
    QVERIFY(scenario.waitAllOnline(60000));
    QVERIFY(victim->running());
    const QString again =
        cluster->scalar(u"SELECT incarnation FROM nodes WHERE guid = ?"_s, {guid}).toString();
    QVERIFY2(again != incarnation, "it came back under the run that was declared dead");
    // Whatever it started after the link healed, it claimed afresh.
    const QHash<qint64, int> executions = cluster->executions();
    for (qint64 id : scenario.startedBy(*victim) - startedBeforeHealing)
        QVERIFY2(executions.value(id) == 1, qPrintable(u"job %1 ran twice after the link healed"_s.arg(id)));
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    scenario.figure(u"re_executions"_s, scenario.reExecutions());
}

QTEST_GUILESS_MAIN(TestFaultsPostgres)
#include "tst_faults_postgres.moc"
