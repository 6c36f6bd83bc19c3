// The upgrade takeover with real programs: cohort-node and cohort-node-next, the same node
// built as the next version. The first newer node raises the cluster's version and takes
// over: the older nodes claim nothing from that moment, show as Offline (Upgrade Required)
// and stop with exit code 3; restarted on the new program they work again. An older node
// started later is refused; several newer nodes started at once on an older database
// migrate it once. Both databases.
#include "ctlrun.h"
#include "jobpool.h"
#include "noderegistry.h"
#include "softwareversion.h"
#include "testcluster.h"
#include "testdatabase.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr int UpgradeRequiredExit = 3;

} // namespace

class TestUpgrade : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void initTestCase();
    void cleanup();

    void newerNodeTakesOver();
    void olderNodeStartedLaterIsRefused();
    void newerNodesStartedAtOnceMigrateOnce();

private:
    bool makeCluster(int schemaVersion = Schema::CurrentVersion);
    NodeProcess *startNext(const QString &name, const QString &dataDir = {});
    QString clusterVersion();
    NodeInfo listed(const QString &guid);
    int jobsIn(const QString &state);

    std::unique_ptr<TestCluster> m_cluster;
};

void TestUpgrade::initTestCase()
{
    // The two programs differ in their version only, and the next one is newer.
    QVERIFY2(SoftwareVersion::compare(TestCluster::nextVersion(), QStringLiteral(COHORT_VERSION_STRING)) > 0,
             COHORT_VERSION_STRING);
}

void TestUpgrade::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

bool TestUpgrade::makeCluster(int schemaVersion)
{
    auto cluster = TestCluster::forCurrentTest(schemaVersion);
    if (!cluster) {
        qWarning().noquote() << cluster.message();
        return false;
    }
    m_cluster = std::move(cluster).value();
    return true;
}

NodeProcess *TestUpgrade::startNext(const QString &name, const QString &dataDir)
{
    return m_cluster->startNodeIn(name,
                                  dataDir.isEmpty() ? m_cluster->scratchPath(u"node-"_s + name) : dataDir, {},
                                  TestCluster::Timing::Fast, {}, TestCluster::nextNodeProgram());
}

QString TestUpgrade::clusterVersion()
{
    auto version = SoftwareVersion::ofCluster(m_cluster->database());
    return version ? *version : u"(error: %1)"_s.arg(version.message());
}

NodeInfo TestUpgrade::listed(const QString &guid)
{
    auto nodes = NodeRegistry::list(m_cluster->database());
    if (nodes) {
        for (const NodeInfo &node : std::as_const(*nodes)) {
            if (node.guid == guid)
                return node;
        }
    }
    return {};
}

int TestUpgrade::jobsIn(const QString &state)
{
    return m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = ?"_s, {state})
        .toInt();
}

void TestUpgrade::newerNodeTakesOver()
{
    QVERIFY(makeCluster());
    const QString oldVersion = QStringLiteral(COHORT_VERSION_STRING);
    const QString newVersion = TestCluster::nextVersion();
    QCOMPARE(clusterVersion(), oldVersion); // cohortctl init's program set it

    QList<NodeProcess *> old;
    for (const QString &name : {u"old-a"_s, u"old-b"_s}) {
        old.append(m_cluster->startNode(name));
        QVERIFY(old.back()->waitForJoined());
    }
    // Work that outlasts the takeover: 400 jobs of 100 ms, 8 at a time on the old nodes.
    JobSpec sleep;
    sleep.type = u"sleep"_s;
    sleep.payload = u"{\"ms\": 100}"_s;
    QCOMPARE(submitJobs(m_cluster->database(), sleep, 400).size(), 400);
    QTRY_VERIFY_WITH_TIMEOUT(jobsIn(u"succeeded"_s) >= 40, 30000);

    NodeProcess *next = startNext(u"new"_s);
    QVERIFY(next->waitForJoined());
    QElapsedTimer sinceJoin;
    sinceJoin.start();
    QVERIFY2(
        next->output().contains(u"it now runs this node's %1, and this node takes over"_s.arg(newVersion)),
        qPrintable(next->output()));
    QCOMPARE(clusterVersion(), newVersion);
    const qint64 raisedAt =
        m_cluster->scalar(u"SELECT MAX(at) FROM audit_log WHERE action = 'cluster.upgrade'"_s).toLongLong();
    QVERIFY(raisedAt > 0);
    // And work that comes after it: on a slow machine the older nodes may have finished
    // the first 400 before the newer one started. Only the newer node may take these.
    QCOMPARE(submitJobs(m_cluster->database(), sleep, 100).size(), 100);
    const QString details =
        m_cluster->scalar(u"SELECT details FROM audit_log WHERE action = 'cluster.upgrade'"_s).toString();
    QVERIFY2(details.contains(u"from=%1 to=%2"_s.arg(oldVersion, newVersion)), qPrintable(details));

    // From that moment the older nodes show as Offline (Upgrade Required), with the
    // version they need, and each stops with the documented exit code.
    for (NodeProcess *node : std::as_const(old)) {
        const NodeInfo info = listed(node->guid());
        QCOMPARE(info.status, NodeStatus::UpgradeRequired);
        QCOMPARE(info.version, oldVersion);
        QCOMPARE(info.requiredVersion, newVersion);
    }
    for (NodeProcess *node : std::as_const(old)) {
        QVERIFY2(node->waitForExit(60000), qPrintable(node->name()));
        QCOMPARE(node->process().exitCode(), UpgradeRequiredExit);
        QVERIFY2(node->output().contains(u"A node of version %1 took over the cluster"_s.arg(newVersion)),
                 qPrintable(node->output()));
        qInfo("%s stopped %lld ms after the newer node joined", qPrintable(node->name()),
              sinceJoin.elapsed());
        QCOMPARE(m_cluster->nodeState(node->guid()), u"offline"_s);
        QCOMPARE(listed(node->guid()).status, NodeStatus::UpgradeRequired);
    }
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'upgrade-required' AND cleared_at IS NULL"_s)
            .toInt(),
        2);

    // The command line says so too.
    const CtlRun nodes = runCtl({u"nodes"_s, u"--db"_s, m_cluster->url(), u"--json"_s});
    QCOMPARE(nodes.exitCode, 0);
    int upgradeRequired = 0;
    for (const QJsonValue &value : QJsonDocument::fromJson(nodes.out.toUtf8()).array()) {
        const QJsonObject node = value.toObject();
        if (node.value(u"status"_s).toString() == u"upgrade-required"_s) {
            ++upgradeRequired;
            QCOMPARE(node.value(u"required_version"_s).toString(), newVersion);
        }
    }
    QCOMPARE(upgradeRequired, 2);
    const CtlRun status = runCtl({u"status"_s, u"--db"_s, m_cluster->url()});
    QVERIFY2(status.out.contains(u"Runs version:    %1"_s.arg(newVersion)),
             qPrintable(status.out + status.err));

    // Every queued job is done, and none was claimed by an older node after the takeover.
    QTRY_COMPARE_WITH_TIMEOUT(jobsIn(u"succeeded"_s), 500, 120000);
    for (NodeProcess *node : std::as_const(old)) {
        QCOMPARE(m_cluster
                     ->scalar(u"SELECT COUNT(*) FROM jobs WHERE claimed_by = ? AND claimed_at >= ?"_s,
                              {node->guid(), raisedAt})
                     .toInt(),
                 0);
    }
    const int byNew =
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND claimed_by = ?"_s, {next->guid()})
            .toInt();
    qInfo("the newer node ran %d of the 500 jobs alone after the takeover", byNew);
    QVERIFY(byNew >= 100);

    // Restarted as the newer program, the same nodes (same GUIDs) come back Online and work.
    const qint64 backAt =
        m_cluster->scalar(u"SELECT %1"_s.arg(m_cluster->database().dialect().nowMillis())).toLongLong();
    QList<NodeProcess *> upgraded;
    for (NodeProcess *node : std::as_const(old)) {
        upgraded.append(startNext(node->name(), node->dataDir()));
        QVERIFY(upgraded.back()->waitForJoined());
        QCOMPARE(upgraded.back()->guid(), node->guid());
        const NodeInfo info = listed(node->guid());
        QCOMPARE(info.status, NodeStatus::Online);
        QCOMPARE(info.version, newVersion);
        QVERIFY(info.requiredVersion.isEmpty());
    }
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'upgrade-required' AND cleared_at IS NULL"_s)
            .toInt(),
        0);
    // Enough work that no node can take it all: a node just started claims up to its batch
    // (64) ahead of its workers, so two quick nodes could share 90 jobs before a third, slowed
    // by the sanitizers, made its first claim.
    sleep.payload = u"{\"ms\": 100}"_s;
    QCOMPARE(submitJobs(m_cluster->database(), sleep, 300).size(), 300);
    QTRY_COMPARE_WITH_TIMEOUT(jobsIn(u"succeeded"_s), 800, 120000);
    for (NodeProcess *node : std::as_const(upgraded)) {
        const int ran = m_cluster
                            ->scalar(u"SELECT COUNT(*) FROM jobs WHERE claimed_by = ? AND claimed_at >= ?"_s,
                                     {node->guid(), backAt})
                            .toInt();
        QVERIFY2(ran > 0, qPrintable(node->name()));
    }
}

void TestUpgrade::olderNodeStartedLaterIsRefused()
{
    QVERIFY(makeCluster());
    const QString newVersion = TestCluster::nextVersion();
    NodeProcess *next = startNext(u"new"_s);
    QVERIFY(next->waitForJoined());
    QCOMPARE(clusterVersion(), newVersion);
    // The upgrade is audited, with nobody to stop.
    QCOMPARE(
        m_cluster->scalar(u"SELECT details FROM audit_log WHERE action = 'cluster.upgrade'"_s).toString(),
        u"name=new from=%1 to=%2 superseded="_s.arg(QStringLiteral(COHORT_VERSION_STRING), newVersion));
    // Paused, the newer node leaves the queue to the older one (to not take).
    QVERIFY(next->stopOutsideWriteTransaction());
    JobSpec noop;
    noop.type = u"noop"_s;
    QCOMPARE(submitJobs(m_cluster->database(), noop, 20).size(), 20);

    NodeProcess *old = m_cluster->startNode(u"old"_s);
    QVERIFY(old->waitForExit());
    QCOMPARE(old->process().exitCode(), UpgradeRequiredExit);
    QVERIFY2(old->output().contains(
                 u"The cluster runs version %1 and this node version %2: upgrade this node to %1."_s.arg(
                     newVersion, QStringLiteral(COHORT_VERSION_STRING))),
             qPrintable(old->output()));
    QVERIFY2(old->output().contains(u"Offline (Upgrade Required)"_s), qPrintable(old->output()));
    const NodeInfo info = listed(old->guid());
    QCOMPARE(info.status, NodeStatus::UpgradeRequired);
    QCOMPARE(info.requiredVersion, newVersion);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE claimed_by = ?"_s, {old->guid()}).toInt(),
             0);
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'queued'"_s).toInt(),
        20);
    QCOMPARE(clusterVersion(), newVersion);
    next->signal(SIGCONT);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s).toInt(),
        20, 30000);
}

void TestUpgrade::newerNodesStartedAtOnceMigrateOnce()
{
    // The database an older program made: schema 3, which recorded no software version.
    QVERIFY(makeCluster(3));
    QCOMPARE(Schema::version(m_cluster->database()).value(), 3);
    QList<NodeProcess *> nodes;
    for (const QString &name : {u"n1"_s, u"n2"_s, u"n3"_s})
        nodes.append(startNext(name));
    int migrated = 0;
    for (NodeProcess *node : std::as_const(nodes)) {
        QVERIFY2(node->waitForJoined(60000), qPrintable(node->output()));
        migrated += node->output().contains(
                        u"Migrated the schema from version 3 to %1."_s.arg(Schema::CurrentVersion))
                        ? 1
                        : 0;
    }
    QCOMPARE(migrated, 1);
    QCOMPARE(Schema::version(m_cluster->database()).value(), Schema::CurrentVersion);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM schema_migrations WHERE version > 3"_s).toInt(),
             Schema::CurrentVersion - 3);
    QCOMPARE(clusterVersion(), TestCluster::nextVersion());
    for (NodeProcess *node : std::as_const(nodes)) {
        const NodeInfo info = listed(node->guid());
        QCOMPARE(info.status, NodeStatus::Online);
        QCOMPARE(info.version, TestCluster::nextVersion());
    }
    JobSpec noop;
    noop.type = u"noop"_s;
    QCOMPARE(submitJobs(m_cluster->database(), noop, 30).size(), 30);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s).toInt(),
        30, 30000);
    // The older cluster had no node API token: one node made it, sealed, and the others
    // read that one.
    const auto made = [&] {
        int count = 0;
        for (NodeProcess *node : std::as_const(nodes))
            count += node->output().count(u"made the cluster's node API token"_s);
        return count;
    };
    QTRY_COMPARE_WITH_TIMEOUT(made(), 1, 30000);
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM config_properties WHERE name = 'node_api.token'"_s).toInt(),
        1);
    QVERIFY(m_cluster->scalar(u"SELECT sealed_value FROM config_properties"_s)
                .toString()
                .startsWith(u"cohort-sealed-v1$"_s));
    QVERIFY(!m_cluster->scalar(u"SELECT key_check FROM cluster"_s).toString().isEmpty());
}

QTEST_GUILESS_MAIN(TestUpgrade)
#include "tst_upgrade.moc"
