// A fleet of simulated agents (cohort-agents, one process) against real nodes: killing a
// node leaves no agent without a manager for longer than one heartbeat and the agents
// spread evenly over the nodes left; a node joining, leaving and being decommissioned
// reaches every agent's manager list within one heartbeat.
#include "agentsprocess.h"
#include "ctlrun.h"
#include "testcluster.h"
#include "tlsexchange.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

// The heartbeat the fleet keeps, its jitter, and how long a node takes at most to see a
// change of membership in the database (ManagerDirectory::RefreshMs).
constexpr double IntervalSeconds = 1.0;
constexpr double Jitter = 0.1;
constexpr qint64 DirectoryRefreshMs = 1000;
// One heartbeat, as an agent may stretch it: interval and jitter.
constexpr qint64 HeartbeatMs = qint64(IntervalSeconds * (1 + Jitter) * 1000);

qint64 count(const QJsonObject &summary, const QString &node)
{
    return summary.value(u"per_node"_s).toObject().value(node).toInteger();
}

QByteArray shown(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).left(4000);
}

} // namespace

class TestAgentFleet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void killingANodeLeavesNoAgentWithoutAManager();
    void listFollowsNodesJoiningAndLeaving();

private:
    // The manager list a node gives now (GET /api/v1/managers).
    QJsonObject managersOf(const NodeProcess *node);
    // Waits until every node in nodes gives the same list, with online nodes; its version.
    QString settledVersion(const QList<NodeProcess *> &nodes, int online);
    QStringList agentArguments(const QList<NodeProcess *> &nodes, int agents, const QString &sourceNet);

    std::unique_ptr<TestCluster> m_cluster;
};

void TestAgentFleet::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestAgentFleet::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(20);
    m_cluster.reset();
}

QJsonObject TestAgentFleet::managersOf(const NodeProcess *node)
{
    const QByteArray request =
        "GET /api/v1/managers HTTP/1.1\r\nHost: node\r\nConnection: close\r\nAuthorization: Bearer "
        + m_cluster->apiToken().toUtf8() + "\r\n\r\n";
    return tlsExchange(m_cluster->apiAddress(node->guid()), m_cluster->apiPin(node->guid()), request).json;
}

QString TestAgentFleet::settledVersion(const QList<NodeProcess *> &nodes, int online)
{
    QDeadlineTimer deadline(30000);
    while (!deadline.hasExpired()) {
        QStringList versions;
        for (const NodeProcess *node : nodes) {
            const QJsonObject list = managersOf(node);
            if (list.value(u"nodes"_s).toArray().size() == online)
                versions << list.value(u"version"_s).toString();
        }
        versions.removeDuplicates();
        if (versions.size() == 1 && nodes.size() > 0 && !versions.first().isEmpty()) {
            // Every node answered with it.
            bool all = true;
            for (const NodeProcess *node : nodes)
                all = all && managersOf(node).value(u"version"_s).toString() == versions.first();
            if (all)
                return versions.first();
        }
        QTest::qWait(100);
    }
    return {};
}

QStringList TestAgentFleet::agentArguments(const QList<NodeProcess *> &nodes, int agents,
                                           const QString &sourceNet)
{
    QStringList addresses, pins;
    for (const NodeProcess *node : nodes) {
        addresses << m_cluster->apiAddress(node->guid());
        pins << m_cluster->apiPin(node->guid());
    }
    return {u"--managers"_s,      addresses.join(u','),
            u"--pin"_s,           pins.join(u','),
            u"--count"_s,         QString::number(agents),
            u"--interval"_s,      QString::number(IntervalSeconds),
            u"--jitter"_s,        QString::number(Jitter),
            u"--timeout"_s,       u"2000"_s,
            u"--summary-every"_s, u"1"_s,
            u"--source-net"_s,    sourceNet,
            u"--seed"_s,          u"13"_s};
}

void TestAgentFleet::killingANodeLeavesNoAgentWithoutAManager()
{
    QList<NodeProcess *> nodes;
    for (const QString &name : {u"north"_s, u"south"_s, u"west"_s})
        nodes << m_cluster->startNode(name);
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY(node->waitForJoined());
    QVERIFY(!settledVersion(nodes, 3).isEmpty());

    const int agents = 300;
    AgentsProcess fleet;
    fleet.start(agentArguments(nodes, agents, u"127.3.0.0/16"_s) + QStringList{u"--duration"_s, u"30"_s});
    // Every agent has checked in about twice, with every node.
    const QJsonObject warm = fleet.waitForSummary(
        [&](const QJsonObject &summary) { return summary.value(u"checkins"_s).toInteger() >= 2 * agents; },
        30000);
    QVERIFY2(!warm.isEmpty(), qPrintable(fleet.errors().right(2000)));
    for (const NodeProcess *node : std::as_const(nodes))
        QVERIFY2(count(warm, node->guid()) > 0, shown(warm).constData());

    NodeProcess *victim = nodes.takeLast();
    const qint64 killedAt = QDateTime::currentMSecsSinceEpoch();
    victim->signal(SIGKILL);
    QVERIFY(victim->waitForExit());
    const QJsonObject atKill = fleet.summaries().last();

    // The others mark it Offline (5 s without a heartbeat) and the list drops it.
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(victim->guid()), u"offline"_s, 30000);
    const QString withoutVictim = settledVersion(nodes, 2);
    QVERIFY(!withoutVictim.isEmpty());

    const QJsonObject final = fleet.waitForFinal(60000);
    QVERIFY2(!final.isEmpty(), qPrintable(fleet.errors().right(2000)));
    QCOMPARE(fleet.exitCode(), 0);
    qInfo().noquote() << "fleet:" << final.value(u"checkins"_s).toInteger() << "check-ins,"
                      << final.value(u"failovers"_s).toInteger() << "failovers, max gap"
                      << final.value(u"max_gap_ms"_s).toInteger() << "ms, latency"
                      << shown(final.value(u"latency_ms"_s).toObject());

    // No round went without a manager: each agent's check-ins came one heartbeat apart,
    // the killed node's share taken over by failing over at once.
    QCOMPARE(final.value(u"failed_rounds"_s).toInteger(), 0);
    QVERIFY2(final.value(u"failovers"_s).toInteger() > 0, shown(final).constData());
    const QJsonArray detail = final.value(u"agents_detail"_s).toArray();
    QCOMPARE(detail.size(), agents);
    for (const QJsonValue &entry : detail) {
        const QJsonObject agent = entry.toObject();
        QCOMPARE(agent.value(u"failed_rounds"_s).toInteger(), 0);
        // Without a manager for a heartbeat, the gap would be at least two heartbeats' worth.
        QVERIFY2(agent.value(u"max_gap_ms"_s).toInteger() < 2 * qint64(IntervalSeconds * (1 - Jitter) * 1000),
                 shown(agent).constData());
        // Every agent ends up holding the list without the killed node.
        QCOMPARE(agent.value(u"list_version"_s).toString(), withoutVictim);
    }

    // After the kill, the two nodes left share the check-ins evenly; the killed one gets
    // none but what was under way.
    const qint64 first = count(final, nodes[0]->guid()) - count(atKill, nodes[0]->guid());
    const qint64 second = count(final, nodes[1]->guid()) - count(atKill, nodes[1]->guid());
    QVERIFY2(first + second > agents * 10, shown(final).constData());
    const double share = double(first) / double(first + second);
    qInfo() << "after the kill:" << first << "and" << second << "check-ins; killed at" << killedAt;
    QVERIFY2(share > 0.4 && share < 0.6, shown(final).constData());
    QVERIFY2(count(final, victim->guid()) - count(atKill, victim->guid()) <= agents,
             shown(final).constData());
    // Before it, the three had shared them evenly.
    const qint64 total = atKill.value(u"checkins"_s).toInteger();
    for (const QString &guid : {nodes[0]->guid(), nodes[1]->guid(), victim->guid()})
        QVERIFY2(count(atKill, guid) > total / 4, shown(atKill).constData());
}

void TestAgentFleet::listFollowsNodesJoiningAndLeaving()
{
    QList<NodeProcess *> nodes;
    for (const QString &name : {u"one"_s, u"two"_s})
        nodes << m_cluster->startNode(name);
    for (NodeProcess *node : std::as_const(nodes))
        QVERIFY(node->waitForJoined());
    const QString before = settledVersion(nodes, 2);
    QVERIFY(!before.isEmpty());

    const int agents = 60;
    AgentsProcess fleet;
    fleet.start(agentArguments(nodes, agents, u"127.4.0.0/16"_s) + QStringList{u"--json-agents"_s});
    QVERIFY2(!fleet
                  .waitForSummary([&](const QJsonObject &summary) {
                      return summary.value(u"checkins"_s).toInteger() >= 2 * agents;
                  })
                  .isEmpty(),
             qPrintable(fleet.errors().right(2000)));

    // Each change, from the moment it is in the database: every agent holds the new list
    // within one heartbeat (plus the second a node takes to read it).
    struct Change
    {
        const char *what;
        qint64 at;
        QString version;
        qsizetype summariesBefore = 0;
    };
    QList<Change> changes;
    // Summaries printed after the change only: an earlier one may already hold a version
    // equal to the new one's (never, as versions go, but the test must not rely on it).
    const auto allHold = [&](const QString &version) {
        return fleet.waitForSummary(
            [&](const QJsonObject &summary) {
                const QJsonArray detail = summary.value(u"agents_detail"_s).toArray();
                if (detail.size() != agents)
                    return false;
                for (const QJsonValue &agent : detail) {
                    if (!agent.toObject().value(u"version_times"_s).toObject().contains(version))
                        return false;
                }
                return true;
            },
            30000, changes.last().summariesBefore);
    };

    // A node joins.
    NodeProcess *joining = m_cluster->startNode(u"three"_s);
    QVERIFY(joining->waitForJoined());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(joining->guid()), u"online"_s, 10000);
    changes.append({"joined", QDateTime::currentMSecsSinceEpoch(), {}, fleet.summaries().size()});
    nodes << joining;
    changes.last().version = settledVersion(nodes, 3);
    QVERIFY(!changes.last().version.isEmpty());
    QVERIFY(changes.last().version != before);
    QVERIFY2(!allHold(changes.last().version).isEmpty(), "not every agent got the list with the new node");

    // It stops (and goes Offline).
    nodes.removeLast();
    joining->signal(SIGTERM);
    QVERIFY(joining->waitForExit());
    QCOMPARE(m_cluster->nodeState(joining->guid()), u"offline"_s);
    changes.append({"went offline", QDateTime::currentMSecsSinceEpoch(), {}, fleet.summaries().size()});
    changes.last().version = settledVersion(nodes, 2);
    QVERIFY(!changes.last().version.isEmpty());
    QVERIFY2(!allHold(changes.last().version).isEmpty(),
             "not every agent got the list without the stopped node");

    // It is decommissioned: the same nodes online, another list version.
    const CtlRun decommissioned = runCtl({u"decommission"_s, u"three"_s, u"--db"_s, m_cluster->url()});
    QVERIFY2(decommissioned.exitCode == 0, qPrintable(decommissioned.err));
    changes.append({"decommissioned", QDateTime::currentMSecsSinceEpoch(), {}, fleet.summaries().size()});
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        const QJsonObject list = managersOf(nodes[0]);
        if (list.value(u"registered"_s).toInt() == 2) {
            changes.last().version = list.value(u"version"_s).toString();
            break;
        }
        QTest::qWait(50);
    }
    QVERIFY(!changes.last().version.isEmpty());
    QVERIFY(changes.last().version != changes[1].version);
    QVERIFY(changes.last().version != before);
    QCOMPARE(settledVersion(nodes, 2), changes.last().version);
    const QJsonObject last = allHold(changes.last().version);
    QVERIFY2(!last.isEmpty(), "not every agent got the list after the decommission");
    for (const Change &change : std::as_const(changes)) {
        qint64 slowest = 0;
        for (const QJsonValue &entry : last.value(u"agents_detail"_s).toArray()) {
            const QJsonObject agent = entry.toObject();
            const qint64 got = agent.value(u"version_times"_s).toObject().value(change.version).toInteger();
            QVERIFY2(got > 0, shown(agent).constData());
            slowest = qMax(slowest, got - change.at);
        }
        qInfo().noquote()
            << u"%1: the last agent had the new list %2 ms after the change was in the database"_s
                   .arg(QLatin1StringView(change.what))
                   .arg(slowest);
        QVERIFY2(
            slowest <= HeartbeatMs + DirectoryRefreshMs,
            qPrintable(u"%1: an agent got the new list only after %2 ms"_s.arg(QLatin1StringView(change.what))
                           .arg(slowest)));
    }
    // The joined node served agents while it was up.
    QVERIFY(count(last, joining->guid()) > 0);
}

QTEST_GUILESS_MAIN(TestAgentFleet)
#include "tst_agentfleet.moc"
