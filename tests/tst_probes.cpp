// Peer probes as real cohort-node processes on a real database, SQLite and PostgreSQL:
// node_links fills in every direction; a peer stopped with SIGSTOP (its kernel still
// accepts connections, it never answers) turns unreachable and back; NodeLinks on its
// own; the health endpoint against hostile clients; and a node whose port is taken.
#include "jobpool.h"
#include "nodelinks.h"
#include "noderegistry.h"
#include "testcluster.h"
#include "tlsexchange.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUuid>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

NodeJoin joinRequest(const QString &name)
{
    NodeJoin request;
    request.guid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    request.name = name;
    request.apiAddress = u"%1.example:8443"_s.arg(name);
    request.version = u"0.1.0"_s;
    request.incarnation = QUuid::createUuid().toString(QUuid::WithoutBraces);
    request.hostname = u"host-"_s + name;
    request.pid = 4242;
    request.tzName = u"UTC"_s;
    request.offlineAfterMs = 180000;
    request.guidFile = u"x"_s;
    return request;
}

ProbeResult probe(const QString &toNode, bool reachable, std::optional<double> rttMs,
                  const QString &error = {})
{
    return ProbeResult{toNode, reachable, rttMs, error};
}

} // namespace

class TestProbes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void linksFillInEveryDirection();
    void stoppedPeerTurnsUnreachableAndBack();
    void probeErrorsSaySpecificallyWhy();
    void recordUpsertsAndListSkipsDecommissioned();
    void hostileRequestsAreRefusedAndHealthStillAnswers();
    void takenPortStopsTheNodeBeforeItWrites();

private:
    QStringList startNodes(const QStringList &names, const QStringList &extraArguments = {});
    int linkCount(const QString &condition, const QVariantList &values = {});
    QString pinOf(const QString &guid) const
    {
        return m_cluster->scalar(u"SELECT cert_sha256 FROM nodes WHERE guid = ?"_s, {guid}).toString();
    }

    std::unique_ptr<TestCluster> m_cluster;
};

void TestProbes::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestProbes::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

QStringList TestProbes::startNodes(const QStringList &names, const QStringList &extraArguments)
{
    QStringList guids;
    for (const QString &name : names) {
        NodeProcess *node = m_cluster->startNode(name, extraArguments);
        if (!node->waitForJoined()) {
            qWarning().noquote() << "node" << name << "did not join:" << node->output();
            return {};
        }
        guids << node->guid();
    }
    return guids;
}

int TestProbes::linkCount(const QString &condition, const QVariantList &values)
{
    return m_cluster->scalar(u"SELECT COUNT(*) FROM node_links WHERE "_s + condition, values).toInt();
}

void TestProbes::linksFillInEveryDirection()
{
    auto before = JobPool::now(m_cluster->database());
    QVERIFY2(before.ok(), qPrintable(before.message()));
    const QStringList guids = startNodes({u"n1"_s, u"n2"_s, u"n3"_s});
    QCOMPARE(guids.size(), 3);
    // Each node got a port of its own and recorded it.
    QSet<QString> addresses;
    for (const QString &guid : guids) {
        const QString address = m_cluster->apiAddress(guid);
        QVERIFY2(address.startsWith(u"127.0.0.1:"_s) && !address.endsWith(u":0"_s), qPrintable(address));
        addresses.insert(address);
    }
    QCOMPARE(addresses.size(), 3);

    // Every direction up at once; on a slow machine (the sanitizers, a busy host) a probe
    // may miss its 1 s now and then, so this can take a while.
    QTRY_COMPARE_WITH_TIMEOUT(linkCount(u"reachable = 1 AND rtt_ms > 0 AND last_error = ''"_s), 6, 90000);
    auto after = JobPool::now(m_cluster->database());
    QVERIFY2(after.ok(), qPrintable(after.message()));

    auto links = NodeLinks::list(m_cluster->database());
    QVERIFY2(links.ok(), qPrintable(links.message()));
    QCOMPARE(links->size(), 6);
    QSet<std::pair<QString, QString>> pairs;
    for (qsizetype i = 0; i < links->size(); ++i) {
        const NodeLink &link = links->at(i);
        if (i > 0) {
            const NodeLink &previous = links->at(i - 1);
            QVERIFY(std::pair(previous.fromNode, previous.toNode) < std::pair(link.fromNode, link.toNode));
        }
        QVERIFY(guids.contains(link.fromNode));
        QVERIFY(guids.contains(link.toNode));
        QVERIFY(link.fromNode != link.toNode);
        pairs.insert({link.fromNode, link.toNode});
        // A stored link may be one round older than the count above saw, never from a failed probe.
        QVERIFY2(link.reachable, qPrintable(link.lastError));
        QVERIFY(link.rttMs.has_value());
        QVERIFY2(*link.rttMs > 0 && *link.rttMs < 5000, qPrintable(QString::number(*link.rttMs)));
        // Stamped by the database's clock, between our two readings of it.
        QVERIFY2(link.probedAt >= *before && link.probedAt <= *after,
                 qPrintable(u"%1 not in [%2, %3]"_s.arg(link.probedAt).arg(*before).arg(*after)));
    }
    QCOMPARE(pairs.size(), 6);
}

void TestProbes::stoppedPeerTurnsUnreachableAndBack()
{
    // A long offline threshold: the stopped node stays Online in the database, so its
    // peers keep probing it, and only the probe can tell it does not answer.
    const QStringList guids = startNodes({u"s1"_s, u"s2"_s, u"victim"_s}, {u"--offline-after"_s, u"600"_s});
    QCOMPARE(guids.size(), 3);
    const QString victim = guids.at(2);
    const QVariantList others{guids.at(0), guids.at(1)};
    QTRY_COMPARE_WITH_TIMEOUT(linkCount(u"reachable = 1"_s), 6, 30000);

    NodeProcess *victimProcess = m_cluster->nodes().back().get();
    // Never leave it stopped, whatever fails below.
    auto resume = qScopeGuard([victimProcess] { victimProcess->signal(SIGCONT); });
    QVERIFY(victimProcess->stopOutsideWriteTransaction());
    auto stoppedAt = JobPool::now(m_cluster->database());
    QVERIFY2(stoppedAt.ok(), qPrintable(stoppedAt.message()));

    // Probes time out after a heartbeat (1 s here): a few rounds at most. The stopped
    // process's kernel still accepts the connection; its TLS handshake never comes.
    QTRY_COMPARE_WITH_TIMEOUT(
        linkCount(u"to_node = ? AND reachable = 0 AND last_error LIKE 'no TLS handshake within %'"_s,
                  {victim}),
        2, 15000);
    QCOMPARE(linkCount(u"to_node = ? AND rtt_ms IS NOT NULL"_s, {victim}), 0);
    QCOMPARE(m_cluster->nodeState(victim), u"online"_s);
    // The others still reach each other, probed since the stop.
    QTRY_COMPARE_WITH_TIMEOUT(
        linkCount(u"from_node IN (?, ?) AND to_node IN (?, ?) AND reachable = 1 AND probed_at > ?"_s,
                  others + others + QVariantList{*stoppedAt}),
        2, 15000);

    victimProcess->signal(SIGCONT);
    resume.dismiss();
    QTRY_COMPARE_WITH_TIMEOUT(linkCount(u"to_node = ? AND reachable = 1 AND last_error = ''"_s, {victim}), 2,
                              30000);
    QTRY_COMPARE_WITH_TIMEOUT(linkCount(u"reachable = 1"_s), 6, 30000);
}

void TestProbes::probeErrorsSaySpecificallyWhy()
{
    const QStringList guids = startNodes({u"prober"_s}, {u"--offline-after"_s, u"600"_s});
    QCOMPARE(guids.size(), 1);
    const QString prober = guids.first();
    const QString proberAddress = m_cluster->apiAddress(prober);

    // A port nobody listens on: picked free, then released.
    quint16 closedPort = 0;
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        closedPort = server.serverPort();
    }
    // Peers that exist only as rows: one whose address now belongs to another node (the
    // prober itself), one with nothing listening, one with an address that is no address.
    Database &database = m_cluster->database();
    // The impostor holds a copy of the prober's certificate too; the stranger's address is
    // the prober's but the certificate it recorded is another.
    NodeJoin impostor = joinRequest(u"impostor"_s);
    impostor.apiAddress = proberAddress;
    impostor.certSha256 = pinOf(prober);
    NodeJoin stranger = joinRequest(u"stranger"_s);
    stranger.apiAddress = proberAddress;
    stranger.certSha256 = QString(64, u'a');
    NodeJoin closed = joinRequest(u"closed"_s);
    closed.apiAddress = u"127.0.0.1:%1"_s.arg(closedPort);
    closed.certSha256 = QString(64, u'b');
    NodeJoin nonsense = joinRequest(u"nonsense"_s);
    nonsense.apiAddress = u"no-port-here"_s;
    NodeJoin unpinned = joinRequest(u"unpinned"_s);
    unpinned.apiAddress = proberAddress;
    for (const NodeJoin &request : {impostor, stranger, closed, nonsense, unpinned}) {
        auto joined = NodeRegistry::join(database, request);
        QVERIFY2(joined.ok(), qPrintable(joined.message()));
        if (database.url().backend() == Backend::Postgres) {
            // On PostgreSQL a live node holds its session lock; these rows' "process" is this test.
            auto db = database.connection();
            QVERIFY(db.ok());
            auto locked = NodeRegistry::tryLivenessLock(*db, request.guid);
            QVERIFY(locked.ok() && *locked);
        }
    }

    const auto errorTo = [this, &prober](const QString &guid) {
        const QString sql =
            u"SELECT last_error FROM node_links WHERE from_node = ? AND to_node = ? AND reachable = 0"_s;
        return m_cluster->scalar(sql, {prober, guid}).toString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(errorTo(impostor.guid), u"answered as node %1"_s.arg(prober), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(errorTo(stranger.guid),
                              u"it presented certificate %1, not %2 that it recorded"_s.arg(
                                  pinOf(prober).left(16), QString(16, u'a')),
                              15000);
    QTRY_COMPARE_WITH_TIMEOUT(errorTo(unpinned.guid), u"it recorded no certificate to check it by"_s, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(errorTo(closed.guid), u"connection refused"_s, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(errorTo(nonsense.guid), u"its address \"no-port-here\" is not HOST:PORT"_s,
                              15000);
    QCOMPARE(linkCount(u"reachable = 1"_s), 0);
    QCOMPARE(linkCount(u"rtt_ms IS NOT NULL"_s), 0);
    // Nobody probes itself.
    QCOMPARE(linkCount(u"to_node = ?"_s, {prober}), 0);
}

void TestProbes::recordUpsertsAndListSkipsDecommissioned()
{
    Database &database = m_cluster->database();
    NodeJoin a = joinRequest(u"a"_s);
    NodeJoin b = joinRequest(u"b"_s);
    NodeJoin c = joinRequest(u"c"_s);
    for (const NodeJoin &request : {a, b, c}) {
        auto joined = NodeRegistry::join(database, request);
        QVERIFY2(joined.ok(), qPrintable(joined.message()));
    }
    auto before = JobPool::now(database);
    QVERIFY(before.ok());

    // Probes of unknown peers and of itself are dropped.
    auto recorded =
        NodeLinks::record(database, a.guid,
                          {probe(b.guid, true, 1.5), probe(c.guid, false, {}, u"no answer within 1000 ms"_s),
                           probe(u"no-such-node"_s, true, 2.0), probe(a.guid, true, 0.1)});
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    auto links = NodeLinks::list(database);
    QVERIFY2(links.ok(), qPrintable(links.message()));
    QCOMPARE(links->size(), 2);
    QCOMPARE(linkCount(u"1 = 1"_s), 2);
    const auto byTarget = [&](const QList<NodeLink> &list, const QString &from, const QString &to) {
        for (const NodeLink &link : list) {
            if (link.fromNode == from && link.toNode == to)
                return std::optional<NodeLink>(link);
        }
        return std::optional<NodeLink>();
    };
    const auto ab = byTarget(*links, a.guid, b.guid);
    QVERIFY(ab.has_value());
    QVERIFY(ab->reachable);
    QCOMPARE(ab->rttMs, std::optional<double>(1.5));
    QCOMPARE(ab->lastError, QString());
    QVERIFY(ab->probedAt >= *before);
    const auto ac = byTarget(*links, a.guid, c.guid);
    QVERIFY(ac.has_value());
    QVERIFY(!ac->reachable);
    QVERIFY(!ac->rttMs.has_value());
    QCOMPARE(ac->lastError, u"no answer within 1000 ms"_s);

    // A later round updates the same row.
    recorded = NodeLinks::record(database, a.guid, {probe(b.guid, false, {}, u"connection refused"_s)});
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    recorded = NodeLinks::record(database, b.guid, {probe(a.guid, true, 3.25)});
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    links = NodeLinks::list(database);
    QVERIFY2(links.ok(), qPrintable(links.message()));
    QCOMPARE(links->size(), 3);
    const auto ab2 = byTarget(*links, a.guid, b.guid);
    QVERIFY(ab2.has_value());
    QVERIFY(!ab2->reachable);
    QVERIFY(!ab2->rttMs.has_value());
    QCOMPARE(ab2->lastError, u"connection refused"_s);
    QVERIFY(ab2->probedAt >= ab->probedAt);
    QCOMPARE(byTarget(*links, a.guid, c.guid), ac); // untouched
    QCOMPARE(byTarget(*links, b.guid, a.guid)->rttMs, std::optional<double>(3.25));
    for (qsizetype i = 1; i < links->size(); ++i) {
        QVERIFY(std::pair(links->at(i - 1).fromNode, links->at(i - 1).toNode)
                < std::pair(links->at(i).fromNode, links->at(i).toNode));
    }

    // Decommissioned: c's links go, and no probe brings them back, from or to it.
    auto left = NodeRegistry::leave(database, c.guid, c.incarnation, u"test stop"_s);
    QVERIFY2(left.ok(), qPrintable(left.message()));
    auto decommissioned = NodeRegistry::decommission(database, c.guid, u"test"_s);
    QVERIFY2(decommissioned.ok(), qPrintable(decommissioned.message()));
    recorded = NodeLinks::record(database, a.guid, {probe(c.guid, true, 1.0), probe(b.guid, true, 2.0)});
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    recorded = NodeLinks::record(database, c.guid, {probe(a.guid, true, 1.0)});
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    QCOMPARE(linkCount(u"from_node = ? OR to_node = ?"_s, {c.guid, c.guid}), 0);
    QCOMPARE(linkCount(u"from_node = ? AND to_node = ? AND reachable = 1"_s, {a.guid, b.guid}), 1);

    // A row that names a decommissioned node (written before it was) is not listed.
    QVERIFY(
        database
            .exec(u"INSERT INTO node_links (from_node, to_node, reachable, rtt_ms, last_error, probed_at) "
                  "VALUES (?, ?, 1, 1.0, '', ?)"_s,
                  {c.guid, a.guid, *before})
            .ok());
    links = NodeLinks::list(database);
    QVERIFY2(links.ok(), qPrintable(links.message()));
    QCOMPARE(links->size(), 2);
    for (const NodeLink &link : std::as_const(*links))
        QVERIFY(link.fromNode != c.guid && link.toNode != c.guid);
}

void TestProbes::hostileRequestsAreRefusedAndHealthStillAnswers()
{
    const QStringList guids = startNodes({u"solo"_s});
    QCOMPARE(guids.size(), 1);
    const QString address = m_cluster->apiAddress(guids.first());
    QVERIFY2(!address.isEmpty(), "the node recorded no address");
    const QString pin = pinOf(guids.first());
    QCOMPARE(pin.size(), 64);

    struct Case
    {
        const char *name;
        QByteArray request;
        int status;
        bool closes; // refused before the request was understood: the connection ends
    } cases[] = {
        {"oversized head", "GET /api/v1/health HTTP/1.1\r\nX-Padding: " + QByteArray(9000, 'a') + "\r\n\r\n",
         431, true},
        {"endless header line", "GET /api/v1/health HTTP/1.1\r\nX-Padding: " + QByteArray(64 * 1024, 'a'),
         431, true},
        {"garbage request line",
         QByteArray("\x16\x03\x01\x02", 4) + QByteArray(1, '\0') + " nonsense\r\n\r\n", 400, true},
        {"no version", "GET /api/v1/health\r\n\r\n", 400, true},
        {"bad header line", "GET /api/v1/health HTTP/1.1\r\nno colon here\r\n\r\n", 400, true},
        {"POST", "POST /api/v1/health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 405, false},
        {"body on GET", "GET /api/v1/health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 413, false},
        {"unknown path", "GET /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n", 404, false},
    };
    for (const Case &testCase : cases) {
        const TlsAnswer answer = tlsExchange(address, pin, testCase.request);
        QVERIFY2(answer.connected, testCase.name);
        QVERIFY2(answer.status == testCase.status,
                 qPrintable(u"%1: %2 (%3)"_s.arg(QString::fromLatin1(testCase.name))
                                .arg(answer.status)
                                .arg(QString::fromLatin1(answer.head))));
        if (testCase.closes) {
            QVERIFY2(answer.closed, testCase.name);
            QVERIFY2(answer.head.contains("\r\nConnection: close"), testCase.name);
        }
        QVERIFY2(answer.head.contains("\r\nContent-Type: application/json"), testCase.name);
        QVERIFY2(!answer.json.value(u"error"_s).toString().isEmpty(), testCase.name);
        QCOMPARE(answer.json.value(u"status"_s).toInt(), testCase.status);
        if (testCase.status == 405)
            QVERIFY2(answer.head.contains("\r\nAllow: GET"), testCase.name);
    }

    // Half a head, then silence: cut off at the deadline (5 s), not before, not never.
    {
        QElapsedTimer clock;
        clock.start();
        const TlsAnswer answer =
            tlsExchange(address, pin, {QByteArray("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")}, 0, 15000);
        const qint64 elapsed = clock.elapsed();
        QVERIFY(answer.connected);
        QVERIFY2(answer.closed, "a half-sent head kept its connection");
        QVERIFY2(elapsed >= 4500 && elapsed < 12000, qPrintable(QString::number(elapsed)));
        QCOMPARE(answer.status, 408);
    }

    // Connections from one address beyond its cap (32) are closed at once, before any TLS
    // work, unanswered; then the node serves again.
    {
        std::vector<std::unique_ptr<QTcpSocket>> idle;
        const qsizetype colon = address.lastIndexOf(u':');
        for (int i = 0; i < 32; ++i) {
            idle.push_back(std::make_unique<QTcpSocket>());
            idle.back()->connectToHost(address.left(colon), quint16(address.mid(colon + 1).toUInt()));
            QVERIFY(idle.back()->waitForConnected(5000));
        }
        QElapsedTimer clock;
        clock.start();
        const TlsAnswer refused =
            tlsExchange(address, pin, {QByteArray("GET /api/v1/health HTTP/1.1\r\n\r\n")}, 0, 4000);
        QVERIFY(!refused.connected);
        QVERIFY(refused.closed);
        QCOMPARE(refused.status, 0);
        QVERIFY2(clock.elapsed() < 4000, qPrintable(QString::number(clock.elapsed())));
        idle.clear();
    }

    // The node is unharmed: health answers, with this node's identity.
    QTRY_VERIFY_WITH_TIMEOUT(
        tlsExchange(address, pin, QByteArray("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")).status == 200,
        10000);
    const TlsAnswer health =
        tlsExchange(address, pin, QByteArray("GET /api/v1/health?verbose=1 HTTP/1.0\r\n\r\n"));
    QCOMPARE(health.status, 200);
    QVERIFY(health.head.contains("\r\nContent-Type: application/json"));
    QVERIFY(health.closed); // HTTP/1.0 without keep-alive
    QCOMPARE(health.json.value(u"guid"_s).toString(), guids.first());
    QCOMPARE(health.json.value(u"name"_s).toString(), u"solo"_s);
    QCOMPARE(health.json.value(u"status"_s).toString(), u"online"_s);
    QCOMPARE(health.json.value(u"version"_s).toString(), QStringLiteral(COHORT_VERSION_STRING));
    QVERIFY(m_cluster->nodes().front()->running());
    QCOMPARE(m_cluster->nodeState(guids.first()), u"online"_s);
}

void TestProbes::takenPortStopsTheNodeBeforeItWrites()
{
    const QStringList guids = startNodes({u"first"_s});
    QCOMPARE(guids.size(), 1);
    const QString taken = m_cluster->apiAddress(guids.first());
    QVERIFY(!taken.isEmpty());

    const QString dataDir = m_cluster->scratchPath(u"squatter"_s);
    NodeProcess *squatter = m_cluster->startNodeIn(u"squatter"_s, dataDir, {u"--api"_s, taken});
    QVERIFY(squatter->waitForExit());
    QCOMPARE(squatter->process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(squatter->process().exitCode(), 1);
    const QString output = squatter->output();
    QVERIFY2(output.contains(u"error: Cannot serve the node API at %1: "_s.arg(taken)), qPrintable(output));
    QCOMPARE(output.count(u"error:"_s), 1);
    // Nothing written: no row, not even an identity.
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM nodes"_s).toInt(), 1);
    QVERIFY(!QFile::exists(QDir(dataDir).filePath(u"node.guid"_s)));
    QVERIFY(!QFile::exists(QDir(dataDir).filePath(u"node-key.pem"_s)));
    // The node that holds the port is untouched.
    QCOMPARE(m_cluster->nodeState(guids.first()), u"online"_s);
    QCOMPARE(tlsExchange(taken, pinOf(guids.first()), QByteArray("GET /api/v1/health HTTP/1.1\r\n\r\n"))
                 .json.value(u"guid"_s)
                 .toString(),
             guids.first());
}

QTEST_GUILESS_MAIN(TestProbes)
#include "tst_probes.moc"
