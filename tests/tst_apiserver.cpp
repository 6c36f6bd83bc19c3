// The node API's HTTPS server on its own, with a real TLS client over loopback: the node's
// certificate (made once, kept, pinned), answers over TLS to a client that pins it, and the
// limits that protect it, each answered with the right status before the server buffers
// what it refuses.
#include "apiserver.h"
#include "nodecertificate.h"
#include "tlsexchange.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Cohort;
using namespace Qt::StringLiterals;

namespace {

using Exchange = Test::TlsAnswer;

Exchange exchange(quint16 port, const QString &pin, const QList<QByteArray> &pieces, int pauseMs = 0)
{
    return Test::tlsExchange(u"127.0.0.1:%1"_s.arg(port), pin, pieces, pauseMs);
}

QByteArray get(const QByteArray &target, const QByteArray &extra = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n" + extra + "\r\n";
}

ApiResponse answerHealth(const ApiRequest &request)
{
    if (request.target != "/api/v1/health")
        return ApiResponse::error(404, "no such route");
    if (request.method != "GET")
        return ApiResponse::error(405, "GET only");
    return ApiResponse::json(200, R"({"status":"online"})");
}

} // namespace

class TestApiServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void certificateIsMadeOnceAndKept();
    void unusableCertificateIsAnError();
    void answersOverPinnedTls();
    void oversizedHeadIs431();
    void declaredLargeBodyIs413BeforeItIsSent();
    void chunkedBodyOverTheLimitIs413();
    void ambiguousFramingIs400();
    void slowClientIs408();
    void fastClientIs429();
    void connectionsPerClientAreCapped();
    void handleBytesParsesAsAConnectionDoes();

private:
    std::unique_ptr<ApiServer> start(ApiServer::Limits limits);

    QTemporaryDir m_dir;
    NodeCertificate m_identity;
};

void TestApiServer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    auto identity = NodeCertificate::loadOrCreate(m_dir.filePath(u"node"_s), u"127.0.0.1"_s);
    QVERIFY2(identity.ok(), qPrintable(identity.message()));
    m_identity = *identity;
}

std::unique_ptr<ApiServer> TestApiServer::start(ApiServer::Limits limits)
{
    auto server = std::make_unique<ApiServer>(limits, answerHealth);
    std::string error;
    if (!server->listen("127.0.0.1", 0, m_identity.keyPem().toStdString(),
                        m_identity.certificatePem().toStdString(), &error)) {
        qWarning("cannot listen: %s", error.c_str());
        return nullptr;
    }
    return server;
}

void TestApiServer::certificateIsMadeOnceAndKept()
{
    const QString dir = m_dir.filePath(u"kept"_s);
    auto made = NodeCertificate::loadOrCreate(dir, u"node-a.example"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    QVERIFY(made->created());
    QCOMPARE(made->sha256().size(), 64);
    // Only the owner may read the key.
    struct stat info;
    QCOMPARE(::stat(QFile::encodeName(QDir(dir).filePath(u"node-key.pem"_s)).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600u);
    // What is pinned is what Qt computes for the certificate, as peers and the console do.
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(made->certificatePem(), QSsl::Pem);
    QCOMPARE(certificates.size(), 1);
    QCOMPARE(QString::fromLatin1(certificates.first().digest(QCryptographicHash::Sha256).toHex()),
             made->sha256());
    QVERIFY(
        certificates.first().subjectAlternativeNames().values(QSsl::DnsEntry).contains(u"node-a.example"_s));

    auto again = NodeCertificate::loadOrCreate(dir, u"node-a.example"_s);
    QVERIFY2(again.ok(), qPrintable(again.message()));
    QVERIFY(!again->created());
    QCOMPARE(again->sha256(), made->sha256());
    QCOMPARE(again->keyPem(), made->keyPem());

    // A key whose certificate is gone was never pinned by anyone: both are made anew.
    QVERIFY(QFile::remove(QDir(dir).filePath(u"node-cert.pem"_s)));
    auto renewed = NodeCertificate::loadOrCreate(dir, u"node-a.example"_s);
    QVERIFY2(renewed.ok(), qPrintable(renewed.message()));
    QVERIFY(renewed->created());
    QVERIFY(renewed->sha256() != made->sha256());
}

void TestApiServer::unusableCertificateIsAnError()
{
    const QString dir = m_dir.filePath(u"broken"_s);
    auto made = NodeCertificate::loadOrCreate(dir, u"10.1.2.3"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    const QString certificatePath = QDir(dir).filePath(u"node-cert.pem"_s);

    // Another node's certificate beside this key: refused, and left where it is.
    auto other = NodeCertificate::loadOrCreate(m_dir.filePath(u"other"_s), u"10.1.2.4"_s);
    QVERIFY2(other.ok(), qPrintable(other.message()));
    {
        QFile file(certificatePath);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(other->certificatePem());
    }
    auto mismatched = NodeCertificate::loadOrCreate(dir, u"10.1.2.3"_s);
    QVERIFY(!mismatched.ok());
    QVERIFY2(mismatched.message().contains(u"does not belong to the key"_s),
             qPrintable(mismatched.message()));
    QVERIFY2(mismatched.message().contains(certificatePath), qPrintable(mismatched.message()));

    {
        QFile file(certificatePath);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("not a certificate\n");
    }
    auto garbled = NodeCertificate::loadOrCreate(dir, u"10.1.2.3"_s);
    QVERIFY(!garbled.ok());
    QVERIFY2(garbled.message().contains(u"does not hold a certificate"_s), qPrintable(garbled.message()));
    QFile kept(certificatePath);
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("not a certificate\n"));
}

void TestApiServer::answersOverPinnedTls()
{
    auto server = start({});
    QVERIFY(server);
    const Exchange ok = exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")});
    QVERIFY2(ok.connected, qPrintable(ok.failure));
    QCOMPARE(ok.status, 200);
    QCOMPARE(QJsonDocument::fromJson(ok.body).object().value(u"status"_s).toString(), u"online"_s);
    QVERIFY2(ok.head.contains("Content-Type: application/json"), ok.head.constData());

    const Exchange missing = exchange(server->port(), m_identity.sha256(), {get("/api/v1/nothing")});
    QCOMPARE(missing.status, 404);
    QCOMPARE(QJsonDocument::fromJson(missing.body).object().value(u"status"_s).toInt(), 404);

    // A client that pins another certificate does not talk to this server.
    auto stranger = NodeCertificate::loadOrCreate(m_dir.filePath(u"stranger"_s), u"127.0.0.1"_s);
    QVERIFY2(stranger.ok(), qPrintable(stranger.message()));
    const Exchange refused = exchange(server->port(), stranger->sha256(), {get("/api/v1/health")});
    QVERIFY(!refused.connected);
    QVERIFY2(refused.failure.contains(u"not the pinned"_s), qPrintable(refused.failure));
    QCOMPARE(refused.status, 0);

    // Plain HTTP on the TLS port gets no answer, and the server carries on.
    QTcpSocket plain;
    plain.connectToHost(u"127.0.0.1"_s, server->port());
    QVERIFY(plain.waitForConnected(5000));
    plain.write(get("/api/v1/health"));
    QVERIFY(plain.waitForDisconnected(10000));
    QVERIFY(!plain.readAll().startsWith("HTTP/1.1 200"));
    QCOMPARE(exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")}).status, 200);
}

void TestApiServer::oversizedHeadIs431()
{
    auto server = start({});
    QVERIFY(server);
    const Exchange big = exchange(server->port(), m_identity.sha256(),
                                  {get("/api/v1/health", "X-Padding: " + QByteArray(20000, 'a') + "\r\n")});
    QCOMPARE(big.status, 431);
    QCOMPARE(exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")}).status, 200);
}

void TestApiServer::declaredLargeBodyIs413BeforeItIsSent()
{
    auto server = start({});
    QVERIFY(server);
    // The head says 200 MB and nothing follows: the answer comes at once.
    QElapsedTimer timer;
    timer.start();
    const Exchange big =
        exchange(server->port(), m_identity.sha256(),
                 {"POST /api/v1/health HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
                  "Content-Length: 200000000\r\n\r\n"});
    QCOMPARE(big.status, 413);
    QVERIFY2(big.body.contains("200000000"), big.body.constData());
}

void TestApiServer::chunkedBodyOverTheLimitIs413()
{
    ApiServer::Limits limits;
    limits.maxBodyBytes = 1024;
    auto server = start(limits);
    QVERIFY(server);
    QByteArray request = "POST /api/v1/health HTTP/1.1\r\nHost: node\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i)
        request += "200\r\n" + QByteArray(512, 'x') + "\r\n";
    request += "0\r\n\r\n";
    QCOMPARE(exchange(server->port(), m_identity.sha256(), {request}).status, 413);
}

void TestApiServer::ambiguousFramingIs400()
{
    auto server = start({});
    QVERIFY(server);
    const Exchange both = exchange(server->port(), m_identity.sha256(),
                                   {"POST /api/v1/health HTTP/1.1\r\nHost: node\r\nContent-Length: 5\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"});
    QCOMPARE(both.status, 400);
    const Exchange garbage = exchange(server->port(), m_identity.sha256(), {"HELLO\r\n\r\n"});
    QCOMPARE(garbage.status, 400);
    QVERIFY2(QJsonDocument::fromJson(garbage.body)
                 .object()
                 .value(u"error"_s)
                 .toString()
                 .startsWith(u"malformed"_s),
             garbage.body.constData());
}

void TestApiServer::slowClientIs408()
{
    ApiServer::Limits limits;
    limits.headTimeoutMs = 500;
    auto server = start(limits);
    QVERIFY(server);
    // One byte of the head at a time, 200 ms apart: it cannot finish in time.
    const QByteArray request = get("/api/v1/health");
    QList<QByteArray> pieces;
    for (char c : request)
        pieces << QByteArray(1, c);
    const Exchange slow = exchange(server->port(), m_identity.sha256(), pieces.mid(0, 8), 200);
    QCOMPARE(slow.status, 408);
}

void TestApiServer::fastClientIs429()
{
    ApiServer::Limits limits;
    // One request back every 20 s: the five exchanges below fit well inside that even when
    // each TLS handshake is slow (at 1 a second, a loaded machine under the sanitizers
    // refilled the bucket between two of them).
    limits.clients.requestsPerSecond = 0.05;
    limits.clients.burst = 3;
    auto server = start(limits);
    QVERIFY(server);
    QList<int> statuses;
    for (int i = 0; i < 5; ++i)
        statuses << exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")}).status;
    QCOMPARE(statuses.mid(0, 3), QList<int>({200, 200, 200}));
    QCOMPARE(statuses.at(3), 429);
    const Exchange limited = exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")});
    QCOMPARE(limited.status, 429);
    // Whole seconds until the next request would be let through: at most the 20 s one
    // token takes, and at least 1.
    static const QRegularExpression retryAfter(u"\r\nRetry-After: (\\d+)\r\n"_s,
                                               QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = retryAfter.match(QString::fromLatin1(limited.head));
    QVERIFY2(match.hasMatch(), limited.head.constData());
    const int wait = match.captured(1).toInt();
    QVERIFY2(wait >= 1 && wait <= 20, limited.head.constData());
}

void TestApiServer::connectionsPerClientAreCapped()
{
    ApiServer::Limits limits;
    limits.clients.maxConnectionsPerClient = 2;
    auto server = start(limits);
    QVERIFY(server);
    // Two idle TLS connections are held; a third from the same address is closed unanswered.
    QList<std::shared_ptr<QSslSocket>> held;
    for (int i = 0; i < 2; ++i) {
        auto socket = std::make_shared<QSslSocket>();
        socket->setPeerVerifyMode(QSslSocket::VerifyNone);
        socket->connectToHostEncrypted(u"127.0.0.1"_s, server->port());
        QVERIFY(socket->waitForEncrypted(5000));
        held << socket;
    }
    QTRY_COMPARE(server->connections(), 2);
    const Exchange third = exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")});
    QVERIFY(!third.connected);
    QCOMPARE(server->refusedConnections(), 1);
    held.clear();
    QTRY_COMPARE(server->connections(), 0);
    QCOMPARE(exchange(server->port(), m_identity.sha256(), {get("/api/v1/health")}).status, 200);
}

void TestApiServer::handleBytesParsesAsAConnectionDoes()
{
    const ApiServer::Limits limits;
    const auto status = [&](const QByteArray &bytes) {
        const auto answer = ApiServer::handleBytes(std::string_view(bytes.constData(), size_t(bytes.size())),
                                                   limits, answerHealth, "127.0.0.1");
        return answer ? answer->status : 0;
    };
    QCOMPARE(status(get("/api/v1/health")), 200);
    QCOMPARE(status(get("/elsewhere")), 404);
    QCOMPARE(status("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"), 0); // incomplete: waits for more
    QCOMPARE(status(get("/api/v1/health", "X-Padding: " + QByteArray(20000, 'a') + "\r\n")), 431);
    QCOMPARE(status("POST /api/v1/health HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"), 413);
    QCOMPARE(
        status("POST /api/v1/health HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
        400);
    QCOMPARE(status("GET /api/v1/health HTTP/1.2\r\n\r\n"), 400);
    QCOMPARE(status("GET /api/v1/health HTTP/2.0\r\n\r\n"), 400);
}

QTEST_GUILESS_MAIN(TestApiServer)
#include "tst_apiserver.moc"
