// Agents behind a real HAProxy (deploy/haproxy.cfg, mode tcp) in front of three real
// nodes: told the load balancer's address, agents only ever connect to it, reach every
// node through it with the nodes' own pinned certificates, and keep checking in while
// one node behind it is killed. The balancer names each agent in a PROXY header, which the
// nodes believe from it alone, so one agent flooding through it is limited as itself and
// starves neither the other agents nor the balancer's health checks.
#include "agentsprocess.h"
#include "haproxyprocess.h"
#include "testcluster.h"
#include "tlsexchange.h"

#include <QAtomicInteger>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTest>
#include <QThread>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestLoadBalancer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void agentsUseOnlyTheBalancerAndSurviveAKill();
    void noisyAgentBehindTheBalancerStarvesNoOne();

private:
    // Three nodes that trust the balancer's PROXY headers, the balancer in front of them,
    // and its address set as the one agents are told; their addresses and pins.
    void startBehindBalancer(QList<NodeProcess *> *nodes, QStringList *addresses, QStringList *pins);

    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<HaproxyProcess> m_haproxy;
};

void TestLoadBalancer::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestLoadBalancer::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster) {
        m_cluster->printNodeOutput(20);
        if (m_haproxy)
            qInfo().noquote() << "haproxy:" << m_haproxy->output().right(3000);
    }
    m_haproxy.reset();
    m_cluster.reset();
}

void TestLoadBalancer::startBehindBalancer(QList<NodeProcess *> *nodes, QStringList *addresses,
                                           QStringList *pins)
{
    // HAProxy reaches the nodes from 127.0.0.1.
    for (const QString &name : {u"lb-a"_s, u"lb-b"_s, u"lb-c"_s})
        *nodes << m_cluster->startNode(name, {u"--trusted-proxy"_s, u"127.0.0.1"_s});
    for (NodeProcess *node : std::as_const(*nodes)) {
        QVERIFY(node->waitForJoined());
        *addresses << m_cluster->apiAddress(node->guid());
        *pins << m_cluster->apiPin(node->guid());
    }
    m_haproxy = std::make_unique<HaproxyProcess>();
    QString error;
    QVERIFY2(m_haproxy->start(*addresses, &error), qPrintable(error));
    const QString balancer = m_haproxy->address();

    // The administrator sets the load balancer address; every node then tells agents only that.
    QVERIFY(m_cluster->database()
                .exec(u"INSERT INTO cluster_settings (name, value, updated_at, updated_by) "
                      "VALUES ('agents.load_balancer_address', ?, 0, 'test')"_s,
                      {balancer})
                .ok());
    const QByteArray body = R"({"host_name":"probe","addresses":[],"version":"1.0.0"})";
    const QByteArray checkin =
        "POST /api/v1/agents/00000000-0000-4000-8000-0000000000aa/heartbeat HTTP/1.1\r\n"
        "Host: lb\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    for (int i = 0; i < 3; ++i) {
        QTRY_COMPARE_WITH_TIMEOUT(
            tlsExchange((*addresses)[i], (*pins)[i], checkin).json.value(u"managers"_s).toArray(),
            QJsonArray{balancer}, 10000);
    }
}

void TestLoadBalancer::agentsUseOnlyTheBalancerAndSurviveAKill()
{
    QList<NodeProcess *> nodes;
    QStringList addresses, pins;
    startBehindBalancer(&nodes, &addresses, &pins);
    if (QTest::currentTestFailed())
        return;
    const QString balancer = m_haproxy->address();

    // Agents first given the nodes' addresses take the balancer's from the first answer.
    // A light fleet (six check-ins a second): this test is about where agents connect and
    // what survives a kill, and it also runs against the sanitizers' much slower nodes.
    const int agents = 6;
    AgentsProcess fleet;
    fleet.start({u"--managers"_s, addresses.join(u','), u"--pin"_s, pins.join(u','), u"--count"_s,
                 QString::number(agents), u"--interval"_s, u"1"_s, u"--timeout"_s, u"5000"_s,
                 u"--summary-every"_s, u"1"_s, u"--duration"_s, u"20"_s, u"--source-net"_s, u"127.5.0.0/16"_s,
                 u"--json-agents"_s});
    // Through the balancer, every node answers some.
    const QJsonObject spread = fleet.waitForSummary([&](const QJsonObject &summary) {
        const QJsonObject perNode = summary.value(u"per_node"_s).toObject();
        return perNode.size() == 3
               && summary.value(u"connected_to"_s).toObject().value(balancer).toInteger() > 3 * agents;
    });
    QVERIFY2(!spread.isEmpty(), qPrintable(fleet.errors().right(2000)));

    // One node behind it dies; check-ins go on through the others.
    NodeProcess *victim = nodes.takeLast();
    victim->signal(SIGKILL);
    QVERIFY(victim->waitForExit());
    const QJsonObject atKill = fleet.summaries().last();

    const QJsonObject final = fleet.waitForFinal(60000);
    QVERIFY2(!final.isEmpty(), qPrintable(fleet.errors().right(2000)));
    const QByteArray shown = QJsonDocument(final).toJson(QJsonDocument::Compact).left(4000);
    qInfo().noquote() << "through haproxy:" << final.value(u"checkins"_s).toInteger() << "check-ins,"
                      << final.value(u"attempt_failures"_s).toObject() << "failed attempts";
    QCOMPARE(fleet.exitCode(), 0);
    QVERIFY2(final.value(u"failed_rounds"_s).toInteger() == 0, shown.constData());

    // Only the balancer, after the first answer of each agent.
    const QJsonObject connected = final.value(u"connected_to"_s).toObject();
    qint64 direct = 0;
    for (auto it = connected.begin(); it != connected.end(); ++it) {
        if (it.key() != balancer)
            direct += it.value().toInteger();
    }
    QVERIFY2(direct <= agents, shown.constData()); // the bootstrap check-in, one per agent
    for (const QJsonValue &entry : final.value(u"agents_detail"_s).toArray()) {
        const QJsonObject agent = entry.toObject();
        // About 20 heartbeats in the run: at least half of them answered (the slowest
        // nodes, under the sanitizers, stretch each round).
        QVERIFY2(agent.value(u"checkins"_s).toInteger() >= 10, QJsonDocument(agent).toJson().constData());
    }
    // The killed node answered nothing more (what was under way aside); the other two did.
    const auto grew = [&](const NodeProcess *node) {
        return final.value(u"per_node"_s).toObject().value(node->guid()).toInteger()
               - atKill.value(u"per_node"_s).toObject().value(node->guid()).toInteger();
    };
    QVERIFY2(grew(victim) <= agents, shown.constData());
    QVERIFY2(grew(nodes[0]) > agents && grew(nodes[1]) > agents, shown.constData());
}

void TestLoadBalancer::noisyAgentBehindTheBalancerStarvesNoOne()
{
    QList<NodeProcess *> nodes;
    QStringList addresses, pins;
    startBehindBalancer(&nodes, &addresses, &pins);
    if (QTest::currentTestFailed())
        return;
    const QString balancer = m_haproxy->address();
    const qsizetype colon = balancer.lastIndexOf(u':');
    const QString balancerHost = balancer.left(colon);
    const quint16 balancerPort = quint16(balancer.mid(colon + 1).toUInt());

    // Six well-behaved agents check in through the balancer, from 127.5.0.x.
    const int agents = 6;
    AgentsProcess fleet;
    fleet.start({u"--managers"_s, balancer, u"--pin"_s, pins.join(u','), u"--count"_s,
                 QString::number(agents), u"--interval"_s, u"1"_s, u"--timeout"_s, u"5000"_s,
                 u"--summary-every"_s, u"1"_s, u"--duration"_s, u"14"_s, u"--source-net"_s,
                 u"127.5.0.0/16"_s});
    QVERIFY2(!fleet
                  .waitForSummary(
                      [](const QJsonObject &s) { return s.value(u"checkins"_s).toInteger() >= agents; })
                  .isEmpty(),
             qPrintable(fleet.errors().right(2000)));

    // Meanwhile one agent at 127.6.0.1 floods through the same balancer: connection after
    // connection (each to the next node), each asking for health 1,000 times at once, far
    // past its 50 a second (burst 100) even on a node slowed by the sanitizers. A node
    // answers 429 and closes once the allowance is spent; a connection whose every request
    // was answered is closed at once.
    constexpr int Asked = 1000;
    QAtomicInteger<int> answered = 0, refused = 0, refusedAsBalancer = 0, connections = 0;
    QByteArray lastRefusal;
    const QByteArray ask = "GET /api/v1/health HTTP/1.1\r\nHost: lb\r\n\r\n";
    std::unique_ptr<QThread> flood(QThread::create([&] {
        QElapsedTimer running;
        running.start();
        while (running.elapsed() < 8000) {
            QSslSocket socket;
            QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
            configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // what it is told does not matter
            socket.setSslConfiguration(configuration);
            if (!socket.bind(QHostAddress(u"127.6.0.1"_s)))
                return;
            socket.connectToHostEncrypted(balancerHost, balancerPort);
            if (!socket.waitForEncrypted(5000))
                continue;
            ++connections;
            socket.write(ask.repeated(Asked));
            QByteArray received;
            QElapsedTimer reading;
            reading.start();
            while (reading.elapsed() < 20000 && socket.state() == QAbstractSocket::ConnectedState
                   && received.count("HTTP/1.1 ") < Asked) {
                socket.waitForReadyRead(50);
                received += socket.readAll();
            }
            received += socket.readAll();
            answered += int(received.count("HTTP/1.1 200"));
            const int tooMany = int(received.count("HTTP/1.1 429"));
            refused += tooMany;
            if (tooMany > 0) {
                lastRefusal = received.mid(received.indexOf("HTTP/1.1 429"), 600);
                if (!received.contains("too many requests from 127.6.0.1"))
                    ++refusedAsBalancer;
            }
        }
    }));
    flood->start();
    while (!flood->wait(QDeadlineTimer(50)))
        QCoreApplication::processEvents(); // the fleet's and the nodes' output pipes
    const QJsonObject final = fleet.waitForFinal(60000);
    QVERIFY2(!final.isEmpty(), qPrintable(fleet.errors().right(2000)));
    const QByteArray shown = QJsonDocument(final).toJson(QJsonDocument::Compact).left(3000);
    qInfo().noquote() << "flood:" << connections.loadRelaxed() << "connections," << answered.loadRelaxed()
                      << "answered," << refused.loadRelaxed() << "refused; fleet:" << shown;

    // The flood was limited, as 127.6.0.1: the nodes knew who it was.
    QVERIFY2(connections.loadRelaxed() > 0, qPrintable(m_haproxy->output().right(2000)));
    QVERIFY2(refused.loadRelaxed() > 0 && answered.loadRelaxed() > 0, lastRefusal.constData());
    QVERIFY2(refusedAsBalancer.loadRelaxed() == 0, lastRefusal.constData());
    // The other agents were not: no attempt refused or failed, every round answered, by
    // every node (the balancer's health checks were not starved either).
    QCOMPARE(fleet.exitCode(), 0);
    QVERIFY2(final.value(u"failed_rounds"_s).toInteger() == 0, shown.constData());
    const QJsonObject failures = final.value(u"attempt_failures"_s).toObject();
    for (auto it = failures.begin(); it != failures.end(); ++it)
        QVERIFY2(it.value().toInteger() == 0, shown.constData());
    QCOMPARE(final.value(u"per_node"_s).toObject().size(), 3);
}

QTEST_GUILESS_MAIN(TestLoadBalancer)
#include "tst_loadbalancer.moc"
