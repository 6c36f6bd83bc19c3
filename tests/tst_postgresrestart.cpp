// PostgreSQL restarted under load, on a private server: the nodes lose every
// connection, reconnect by themselves and carry on; no node crashes, none is wrongly
// declared Offline, and no job is lost.
#include "jobpool.h"
#include "postgresserver.h"
#include "privatecluster.h"
#include "testcluster.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestPostgresRestart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nodesRideOutARestart();
};

void TestPostgresRestart::nodesRideOutARestart()
{
    auto made = PrivateCluster::start(u"restart"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const std::unique_ptr<PrivateCluster> setup = std::move(made).value();
    PostgresServer *server = &setup->server();
    TestCluster *cluster = &setup->cluster();

    for (const QString &node : {u"r1"_s, u"r2"_s, u"r3"_s})
        QVERIFY2(cluster->startNode(node)->waitForJoined(), qPrintable(node));

    JobSpec spec;
    spec.type = u"sleep"_s;
    spec.payload = u"{\"ms\": 20}"_s;
    const int total = 2000;
    QCOMPARE(*JobPool::submit(cluster->database(), QList<JobSpec>(total, spec)), total);
    auto succeeded = [&] {
        return cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s)
            .toInt();
    };
    QTRY_VERIFY_WITH_TIMEOUT(succeeded() >= total / 5, 60000);

    // Under load: jobs running, claims and completions in flight.
    cluster->database().resetConnection();
    QVERIFY2(server->stop().ok(), "stopping PostgreSQL");
    QVERIFY2(server->restart().ok(), "starting PostgreSQL again");

    QTRY_COMPARE_WITH_TIMEOUT(succeeded(), total, 120000);
    QCOMPARE(
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state <> 'succeeded'"_s).toInt(),
        0);
    const QHash<qint64, int> executions = cluster->executions();
    auto ids = cluster->database().exec(u"SELECT id FROM jobs WHERE type = 'sleep'"_s);
    QVERIFY(ids.ok());
    int ran = 0;
    while (ids->next())
        ran += executions.value(ids->value(0).toLongLong()) >= 1 ? 1 : 0;
    QCOMPARE(ran, total);

    for (const auto &node : cluster->nodes()) {
        QVERIFY2(node->running(), qPrintable(node->name() + u" ended: "_s + node->output()));
        const QString output = node->output();
        QVERIFY2(output.contains(u"the database is unavailable"_s) || output.contains(u"heartbeat failed"_s),
                 qPrintable(node->name() + u" did not notice the restart"_s));
        QCOMPARE(cluster->nodeState(node->guid()), u"online"_s);
    }
    // Nobody was declared dead for a restart everyone lived through.
    QCOMPARE(cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline'"_s).toInt(), 0);
    // New work still flows.
    JobSpec after;
    after.type = u"noop"_s;
    QCOMPARE(*JobPool::submit(cluster->database(), QList<JobSpec>(100, after)), 100);
    QTRY_COMPARE_WITH_TIMEOUT(
        cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s).toInt(),
        100, 30000);
}

QTEST_GUILESS_MAIN(TestPostgresRestart)
#include "tst_postgresrestart.moc"
