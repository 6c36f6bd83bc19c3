// The database's primary fails over to a streaming replica (issue 11, scenario 17): a
// private durable primary with a synchronous standby made by pg_basebackup; nodes given
// both servers in one URL with target_session_attrs=read-write. The primary crashes
// under load (immediate mode) and the standby is promoted: the nodes reconnect to it by
// themselves, nothing the test saw committed is lost, and FaultScenario's invariants hold.
// CTest label "faults".
#include "faultscenario.h"
#include "postgresserver.h"
#include "privatecluster.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestFaultsReplica : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void primaryFailsOverToAStandby();
};

void TestFaultsReplica::primaryFailsOverToAStandby()
{
    auto made = PrivateCluster::start(u"failover"_s, PostgresServer::Durability::Durable);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *primary = &setup->server();
    TestCluster *cluster = &setup->cluster();
    const QString name = setup->databaseName();

    auto standby = primary->startStandby();
    QVERIFY2(standby.ok(), qPrintable(standby.message()));
    // Synchronous: a commit returns only once the standby has it, so a failover loses
    // nothing anyone was told was committed.
    QVERIFY(cluster->database().exec(u"ALTER SYSTEM SET synchronous_standby_names = '*'"_s).ok());
    QVERIFY(cluster->database().exec(u"SELECT pg_reload_conf()"_s).ok());
    QTRY_COMPARE_WITH_TIMEOUT(
        cluster->scalar(u"SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state = 'sync'"_s).toInt(), 1,
        30000);

    // Both servers, the writable one taken.
    QUrl first(primary->url(name));
    const QString both = u"postgresql://%1:%2@127.0.0.1:%3,127.0.0.1:%4/%5?target_session_attrs=read-write"_s
                             .arg(first.userName(), first.password())
                             .arg(primary->port())
                             .arg((*standby)->port())
                             .arg(name);
    QVERIFY(cluster->useUrl(both).ok());

    QList<NodeProcess *> nodes;
    for (const QString &node : {u"r1"_s, u"r2"_s, u"r3"_s}) {
        nodes << cluster->startNode(node, {u"--workers"_s, u"4"_s});
        QVERIFY2(nodes.last()->waitForJoined(), qPrintable(node));
    }
    FaultScenario scenario(*cluster, u"postgresql"_s);
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 20}"_s, 1500).size(), 1500);
    QTRY_VERIFY_WITH_TIMEOUT(
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt()
            >= 300,
        60000);

    // What the test saw committed, just before the crash.
    QSet<qint64> seen;
    auto done =
        cluster->database().exec(u"SELECT id FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s);
    QVERIFY(done.ok());
    while (done->next())
        seen.insert(done->value(0).toLongLong());
    cluster->database().resetConnection();
    QVERIFY2(primary->stop(PostgresServer::StopMode::Immediate).ok(), "crashing the primary");
    QVERIFY2((*standby)->promote().ok(), "promoting the standby");
    QElapsedTimer since;
    since.start();
    // Their work in flight at the crash may run again, and so may a job a node started
    // from its prefetch while no server was up (its claim was not on the standby); what
    // they start from here on was claimed on the new primary.
    const qint64 promotedUs = FaultScenario::nowUs();

    // Every node heartbeats on the new primary.
    auto beats = [&] {
        auto query =
            cluster->database().exec(u"SELECT MIN(heartbeat_count) FROM nodes WHERE state = 'online'"_s);
        return query && query->next() ? query->value(0).toLongLong() : -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(beats() >= 0, 30000);
    for (NodeProcess *node : std::as_const(nodes))
        scenario.noteFault(*node, promotedUs);
    const qint64 before = beats();
    QTRY_VERIFY_WITH_TIMEOUT(beats() >= before + 2, 60000);
    scenario.figure(u"reconnected_ms"_s, since.elapsed());

    int lost = 0;
    for (qint64 id : std::as_const(seen)) {
        if (cluster->scalar(u"SELECT state FROM jobs WHERE id = ?"_s, {id}).toString() != u"succeeded"_s)
            ++lost;
    }
    QCOMPARE(lost, 0);
    scenario.figure(u"committed_before_crash"_s, seen.size());
    QVERIFY(scenario.waitAllFinished(120000));
    QVERIFY(scenario.waitAllOnline(30000));
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY2(node->running(), qPrintable(node->name() + u" ended: "_s + node->output()));
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    scenario.figure(u"re_executions"_s, scenario.reExecutions());
}

QTEST_GUILESS_MAIN(TestFaultsReplica)
#include "tst_faults_replica.moc"
