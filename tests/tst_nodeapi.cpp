// The node API of a real node over HTTPS: what needs the token and what does not, the
// certificate it serves being the one it recorded, and a client pinning another refused.
#include "testcluster.h"
#include "tlsexchange.h"

#include <QJsonObject>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestNodeApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_cluster.reset(); }

    void tokenGuardsAllButHealth();

private:
    std::unique_ptr<TestCluster> m_cluster;
};

void TestNodeApi::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestNodeApi::tokenGuardsAllButHealth()
{
    NodeProcess *node = m_cluster->startNode(u"api"_s);
    QVERIFY(node->waitForJoined());
    const QString guid = node->guid();
    const QString address = m_cluster->apiAddress(guid);
    const QString pin = m_cluster->apiPin(guid);
    QCOMPARE(pin.size(), 64);
    const QString token = m_cluster->apiToken();
    QVERIFY(!token.isEmpty());
    const auto get = [&](const QByteArray &path, const QByteArray &authorization = {}) {
        QByteArray request = "GET " + path + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n";
        if (!authorization.isEmpty())
            request += "Authorization: " + authorization + "\r\n";
        return tlsExchange(address, pin, request + "\r\n");
    };

    const TlsAnswer health = get("/api/v1/health");
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json.value(u"guid"_s).toString(), guid);

    const TlsAnswer anonymous = get("/api/v1/node");
    QCOMPARE(anonymous.status, 401);
    QVERIFY2(anonymous.head.contains("WWW-Authenticate: Bearer"), anonymous.head.constData());
    QCOMPARE(anonymous.json.value(u"status"_s).toInt(), 401);
    const TlsAnswer wrong = get("/api/v1/node", "Bearer " + QByteArray(token.size(), 'x'));
    QCOMPARE(wrong.status, 401);
    QVERIFY2(wrong.json.value(u"error"_s).toString().contains(u"not the node API token"_s),
             wrong.body.constData());
    QCOMPARE(get("/api/v1/node", "Basic " + token.toUtf8()).status, 401);
    QCOMPARE(get("/api/v1/node", "Bearer " + token.toUtf8() + "x").status, 401);

    const TlsAnswer self = get("/api/v1/node", "Bearer " + token.toUtf8());
    QCOMPARE(self.status, 200);
    QCOMPARE(self.json.value(u"guid"_s).toString(), guid);
    QCOMPARE(self.json.value(u"name"_s).toString(), u"api"_s);
    QCOMPARE(self.json.value(u"cert_sha256"_s).toString(), pin);
    QCOMPARE(self.json.value(u"api_address"_s).toString(), address);
    QCOMPARE(self.json.value(u"version"_s).toString(), QStringLiteral(COHORT_VERSION_STRING));

    // A client that pins another certificate talks to no one here.
    const TlsAnswer stranger =
        tlsExchange(address, QString(64, u'0'), QByteArray("GET /api/v1/health HTTP/1.1\r\n\r\n"));
    QVERIFY(!stranger.connected);
    QCOMPARE(stranger.status, 0);

    // Restarted, the node serves the same certificate it recorded.
    node->signal(SIGTERM);
    QVERIFY(node->waitForExit());
    NodeProcess *again = m_cluster->startNodeIn(u"api"_s, node->dataDir());
    QVERIFY(again->waitForJoined());
    QCOMPARE(m_cluster->apiPin(guid), pin);
    QCOMPARE(tlsExchange(m_cluster->apiAddress(guid), pin,
                         QByteArray("GET /api/v1/health HTTP/1.1\r\nConnection: close\r\n\r\n"))
                 .status,
             200);
}

QTEST_GUILESS_MAIN(TestNodeApi)
#include "tst_nodeapi.moc"
