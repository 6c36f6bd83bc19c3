// The PROXY protocol v2 header a trusted load balancer puts before a connection's TLS:
// the parser on its own, and a real ApiServer over loopback that believes it only from a
// trusted address, counts the connection as the named client's, and closes the connection
// on a header it must not take.
#include "apiserver.h"
#include "nodecertificate.h"
#include "proxyheader.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <array>

using namespace Cohort;
using namespace Qt::StringLiterals;

namespace {

const QByteArray Signature("\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a", 12);

// A version 2 header: command (0 LOCAL, 1 PROXY), family byte, and the rest as given.
QByteArray header(unsigned char command, unsigned char family, const QByteArray &rest,
                  unsigned char version = 2)
{
    QByteArray bytes = Signature;
    bytes.append(char((version << 4) | command));
    bytes.append(char(family));
    bytes.append(char((rest.size() >> 8) & 0xff));
    bytes.append(char(rest.size() & 0xff));
    return bytes + rest;
}

// TCP over IPv4 (0x11) or IPv6 (0x21) from source to a node's 8443.
QByteArray proxied(const QString &source, const QByteArray &tlvs = {})
{
    const QHostAddress address(source);
    QByteArray rest;
    unsigned char family = 0;
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        family = 0x11;
        const quint32 ip = address.toIPv4Address();
        for (int shift = 24; shift >= 0; shift -= 8)
            rest.append(char((ip >> shift) & 0xff));
        rest.append(QByteArray("\x0a\x00\x00\x01", 4)); // destination 10.0.0.1
    } else {
        family = 0x21;
        const Q_IPV6ADDR ip = address.toIPv6Address();
        rest.append(reinterpret_cast<const char *>(ip.c), 16);
        rest.append(QByteArray(15, '\0') + '\x01'); // destination ::1
    }
    rest.append(QByteArray("\xd4\x31\x20\xfb", 4)); // ports 54321 and 8443
    return header(0x1, family, rest + tlvs);
}

// Who the server took the client to be: the handler answers with the address it was given.
ApiResponse echoClient(const ApiRequest &request)
{
    return ApiResponse::json(200, "{\"client\":\"" + request.clientAddress + "\"}");
}

struct Outcome
{
    bool encrypted = false;
    QByteArray answer; // empty: none
};

// Connects to the server, sends prefix in the clear (a balancer's header), then TLS and a
// request; or, with hold, stops after the handshake and keeps the socket in *held.
Outcome connectThrough(quint16 port, const QByteArray &prefix, const QString &pin,
                       std::unique_ptr<QSslSocket> *held = nullptr)
{
    Outcome outcome;
    auto socket = std::make_unique<QSslSocket>();
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // pinned below
    socket->setSslConfiguration(configuration);
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return outcome;
    if (!prefix.isEmpty()) {
        socket->write(prefix);
        socket->flush();
    }
    socket->startClientEncryption();
    if (!socket->waitForEncrypted(5000))
        return outcome;
    if (QString::fromLatin1(socket->peerCertificate().digest(QCryptographicHash::Sha256).toHex()) != pin)
        return outcome;
    outcome.encrypted = true;
    if (held) {
        *held = std::move(socket);
        return outcome;
    }
    socket->write("GET /who HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n");
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 10000 && socket->state() == QAbstractSocket::ConnectedState) {
        socket->waitForReadyRead(50);
        outcome.answer += socket->readAll();
    }
    outcome.answer += socket->readAll();
    return outcome;
}

QByteArray clientIn(const Outcome &outcome)
{
    const qsizetype start = outcome.answer.indexOf("{\"client\":\"");
    if (start < 0)
        return {};
    const qsizetype from = start + 11;
    return outcome.answer.mid(from, outcome.answer.indexOf('"', from) - from);
}

} // namespace

class TestProxyHeader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void parses_data();
    void parses();
    void refusesWhatItMustNot_data();
    void refusesWhatItMustNot();
    void trustedBalancerNamesTheClient_data();
    void trustedBalancerNamesTheClient();
    void serverClosesOnABadHeader_data();
    void serverClosesOnABadHeader();
    void untrustedHeaderIsRefused();
    void limitsHoldForTheNamedClient();
    void trustProxiesChecksAddresses();

private:
    std::unique_ptr<ApiServer> start(ApiServer::Limits limits, const std::vector<std::string> &trusted);

    QTemporaryDir m_dir;
    NodeCertificate m_identity;
};

void TestProxyHeader::initTestCase()
{
    QVERIFY(m_dir.isValid());
    auto identity = NodeCertificate::loadOrCreate(m_dir.filePath(u"node"_s), u"127.0.0.1"_s);
    QVERIFY2(identity.ok(), qPrintable(identity.message()));
    m_identity = *identity;
}

std::unique_ptr<ApiServer> TestProxyHeader::start(ApiServer::Limits limits,
                                                  const std::vector<std::string> &trusted)
{
    auto server = std::make_unique<ApiServer>(limits, echoClient);
    std::string error;
    if (!server->trustProxies(trusted, &error)
        || !server->listen("127.0.0.1", 0, m_identity.keyPem().toStdString(),
                           m_identity.certificatePem().toStdString(), &error)) {
        qWarning("cannot start: %s", error.c_str());
        return nullptr;
    }
    return server;
}

void TestProxyHeader::parses_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("client");
    QTest::newRow("IPv4") << proxied(u"10.1.2.3"_s) << u"10.1.2.3"_s;
    QTest::newRow("IPv6") << proxied(u"2001:db8::7"_s) << u"2001:db8::7"_s;
    QTest::newRow("IPv4 in IPv6") << proxied(u"::ffff:10.9.8.7"_s) << u"10.9.8.7"_s;
    QTest::newRow("with TLVs") << proxied(u"10.1.2.3"_s, QByteArray("\x04\x00\x04"
                                                                    "abcd",
                                                                    7))
                               << u"10.1.2.3"_s;
    QTest::newRow("LOCAL: the proxy's own") << header(0x0, 0x00, {}) << QString();
    QTest::newRow("LOCAL with addresses") << header(0x0, 0x11, proxied(u"10.1.2.3"_s).mid(16)) << QString();
    QTest::newRow("unspecified family") << header(0x1, 0x00, {}) << QString();
    QTest::newRow("UNIX family") << header(0x1, 0x31, QByteArray(216, 'x')) << QString();
}

void TestProxyHeader::parses()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, client);
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.constData());
    std::string error;
    const std::optional<std::size_t> rest = ProxyHeader::restLength(data, &error);
    QVERIFY2(rest, error.c_str());
    QCOMPARE(qsizetype(ProxyHeader::FixedBytes + *rest), bytes.size());
    const std::optional<std::string> address =
        ProxyHeader::clientAddress(data, data + ProxyHeader::FixedBytes, &error);
    QVERIFY2(address, error.c_str());
    QCOMPARE(QString::fromStdString(*address), client);
}

void TestProxyHeader::refusesWhatItMustNot_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QByteArray wrongSignature = proxied(u"10.1.2.3"_s);
    wrongSignature[7] = 'X';
    QTest::newRow("signature") << wrongSignature << u"not a PROXY protocol version 2 header"_s;
    QTest::newRow("version 1") << header(0x1, 0x11, QByteArray(12, '\0'), 1) << u"version 1, not 2"_s;
    QTest::newRow("command 2") << header(0x2, 0x11, QByteArray(12, '\0')) << u"unknown PROXY command 2"_s;
    QTest::newRow("too long") << header(0x1, 0x11, QByteArray(600, '\0')) << u"616 bytes, more than 528"_s;
    QTest::newRow("IPv4 too short") << header(0x1, 0x11, QByteArray(4, '\0')) << u"too short for its IPv4"_s;
    QTest::newRow("IPv6 too short") << header(0x1, 0x21, QByteArray(12, '\0')) << u"too short for its IPv6"_s;
}

void TestProxyHeader::refusesWhatItMustNot()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.constData());
    std::string error;
    const std::optional<std::size_t> rest = ProxyHeader::restLength(data, &error);
    if (rest) {
        QCOMPARE(qsizetype(ProxyHeader::FixedBytes + *rest), bytes.size());
        QVERIFY(!ProxyHeader::clientAddress(data, data + ProxyHeader::FixedBytes, &error));
    }
    QVERIFY2(QString::fromStdString(error).contains(reason), error.c_str());
}

void TestProxyHeader::trustedBalancerNamesTheClient_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("client");
    QTest::newRow("IPv4 client") << proxied(u"10.1.2.3"_s) << QByteArray("10.1.2.3");
    QTest::newRow("IPv6 client") << proxied(u"2001:db8::7"_s) << QByteArray("2001:db8::7");
    QTest::newRow("TLVs after the addresses") << proxied(u"10.1.2.3"_s, QByteArray("\x04\x00\x04"
                                                                                   "abcd",
                                                                                   7))
                                              << QByteArray("10.1.2.3");
    QTest::newRow("LOCAL: the balancer's own check") << header(0x0, 0x00, {}) << QByteArray("127.0.0.1");
    QTest::newRow("no header: the balancer's own") << QByteArray() << QByteArray("127.0.0.1");
}

void TestProxyHeader::trustedBalancerNamesTheClient()
{
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArray, client);
    auto server = start({}, {"127.0.0.1"});
    QVERIFY(server);
    const Outcome outcome = connectThrough(server->port(), prefix, m_identity.sha256());
    QVERIFY(outcome.encrypted);
    QVERIFY2(outcome.answer.startsWith("HTTP/1.1 200"), outcome.answer.constData());
    QCOMPARE(clientIn(outcome), client);
}

void TestProxyHeader::serverClosesOnABadHeader_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::newRow("version 1") << header(0x1, 0x11, QByteArray(12, '\0'), 1);
    QTest::newRow("unknown command") << header(0x2, 0x11, QByteArray(12, '\0'));
    QTest::newRow("longer than 528 bytes") << header(0x1, 0x11, QByteArray(600, '\0'));
    QTest::newRow("IPv4 without room for its addresses") << header(0x1, 0x11, QByteArray(4, '\0'));
    QTest::newRow("cut short, then silence") << proxied(u"10.1.2.3"_s).left(10);
    QTest::newRow("says more than it sends") << proxied(u"10.1.2.3"_s).left(20);
}

void TestProxyHeader::serverClosesOnABadHeader()
{
    QFETCH(QByteArray, prefix);
    ApiServer::Limits limits;
    limits.handshakeTimeoutMs = 500; // the header's time too: a silent one is closed soon
    auto server = start(limits, {"127.0.0.1"});
    QVERIFY(server);
    QSslSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(prefix);
    QVERIFY(socket.waitForDisconnected(5000));
    QTRY_COMPARE(server->connections(), 0);
    // The server goes on serving (tried again: on a loaded machine one handshake may take
    // longer than this server's short deadline).
    QTRY_COMPARE_WITH_TIMEOUT(
        clientIn(connectThrough(server->port(), proxied(u"10.1.2.3"_s), m_identity.sha256())),
        QByteArray("10.1.2.3"), 30000);
}

void TestProxyHeader::untrustedHeaderIsRefused()
{
    // Only 127.0.0.2 may name clients; a header from 127.0.0.1 is not a TLS handshake.
    auto server = start({}, {"127.0.0.2"});
    QVERIFY(server);
    const Outcome spoofed = connectThrough(server->port(), proxied(u"10.1.2.3"_s), m_identity.sha256());
    QVERIFY(!spoofed.encrypted);
    QVERIFY(spoofed.answer.isEmpty());
    // Without a header the same client is served as itself.
    const Outcome plain = connectThrough(server->port(), {}, m_identity.sha256());
    QCOMPARE(clientIn(plain), QByteArray("127.0.0.1"));
}

void TestProxyHeader::limitsHoldForTheNamedClient()
{
    ApiServer::Limits limits;
    limits.clients.maxConnectionsPerClient = 1;
    limits.headTimeoutMs = 60000; // the held connection stays while it asks nothing
    auto server = start(limits, {"127.0.0.1"});
    QVERIFY(server);
    // One connection named 10.1.2.3 is held open; a second for 10.1.2.3 through the same
    // balancer is over that client's cap and closed, while one for 10.1.2.4 is served,
    // and so are the balancer's own connections, which are not 10.1.2.3's.
    std::unique_ptr<QSslSocket> held;
    QVERIFY(connectThrough(server->port(), proxied(u"10.1.2.3"_s), m_identity.sha256(), &held).encrypted);
    QTRY_COMPARE(server->connections(), 1);
    const Outcome second = connectThrough(server->port(), proxied(u"10.1.2.3"_s), m_identity.sha256());
    QVERIFY(!second.encrypted);
    QCOMPARE(server->refusedConnections(), 1);
    QCOMPARE(clientIn(connectThrough(server->port(), proxied(u"10.1.2.4"_s), m_identity.sha256())),
             QByteArray("10.1.2.4"));
    QCOMPARE(clientIn(connectThrough(server->port(), {}, m_identity.sha256())), QByteArray("127.0.0.1"));
    QCOMPARE(clientIn(connectThrough(server->port(), {}, m_identity.sha256())), QByteArray("127.0.0.1"));
    held.reset();
    QTRY_COMPARE(server->connections(), 0);
    QCOMPARE(clientIn(connectThrough(server->port(), proxied(u"10.1.2.3"_s), m_identity.sha256())),
             QByteArray("10.1.2.3"));
}

void TestProxyHeader::trustProxiesChecksAddresses()
{
    ApiServer server({}, echoClient);
    std::string error;
    QVERIFY(!server.trustProxies({"10.0.0.5", "balancer.example"}, &error));
    QCOMPARE(QString::fromStdString(error), u"\"balancer.example\" is not an IP address"_s);
    QVERIFY2(server.trustProxies({"10.0.0.5", "::ffff:10.0.0.6", "2001:db8::1"}, &error), error.c_str());
}

QTEST_GUILESS_MAIN(TestProxyHeader)
#include "tst_proxyheader.moc"
