// The issue's acceptance test, against one real cohort-node: more than a thousand hostile
// requests (bad JSON, JSON nested 10,000 deep, huge bodies, oversized heads, slow clients,
// wrong methods and content types, bad GUIDs, path tricks, Content-Length with
// Transfer-Encoding, ...) from many source addresses at once, each answered with its exact
// 4xx and a JSON error; the node's memory grows less than 10 MB, it stays up and still
// takes a check-in, and another client's latency p99 stays within twice its quiet value.
// The request-rate limit (429) is provoked on purpose, once, at the end.
#include "hostilerequests.h"
#include "testcluster.h"
#include "tlsexchange.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

Q_LOGGING_CATEGORY(lcHostile, "cohort.test.hostile")

namespace {

constexpr quint32 Seed = 13;
constexpr int HostileCount = 1000; // fast hostile requests, spread over the rounds
constexpr int Rounds = 8;          // hostile windows, each between two quiet ones
constexpr int QuietWindowMs = 3500;
constexpr int HostileRate = 50; // hostile requests a second, all sources together
constexpr int Workers = 8;      // hostile connections at once, at most
constexpr int SlowPerRound = 1; // clients sending their head a byte at a time
constexpr int SlowPauseMs = 250;
constexpr int SilentPerRound = 1; // clients connecting and never starting TLS
constexpr int VictimPeriodMs = 20;
constexpr int SourceAddresses = 64; // hostile sources: ~16 requests each, far below the burst of 100
constexpr int FloodRequests = 250;  // pipelined on one connection to provoke 429
constexpr qint64 MaxRssGrowthKb = 10 * 1024;
// The node's limits are ApiServer::Limits' defaults.
constexpr int HeadTimeoutMs = 5000;
constexpr int HandshakeTimeoutMs = 5000;

const QString VictimSource = u"127.0.99.1"_s;
const QString FloodSource = u"127.0.77.1"_s;

QString hostileSource(int index)
{
    const int k = index % SourceAddresses;
    return u"127.0.%1.%2"_s.arg(10 + k / 16).arg(1 + k % 16);
}

struct Outcome
{
    int status = 0;
    bool jsonError = false; // {"error": "...", "status": status}
    bool hasAllow = false;
    bool hasAuthenticate = false;
    QString failure;
    QByteArray body;
};

bool hasHeader(const QByteArray &head, const QByteArray &name)
{
    return head.toLower().contains(QByteArray("\r\n" + name.toLower() + ":"));
}

Outcome outcomeOf(const TlsAnswer &answer)
{
    Outcome outcome;
    outcome.status = answer.status;
    outcome.failure = answer.failure;
    outcome.body = answer.body.left(300);
    outcome.jsonError = answer.json.value(u"error"_s).isString()
                        && !answer.json.value(u"error"_s).toString().isEmpty()
                        && answer.json.value(u"status"_s).toInt() == answer.status;
    outcome.hasAllow = hasHeader(answer.head, "Allow");
    outcome.hasAuthenticate = hasHeader(answer.head, "WWW-Authenticate");
    return outcome;
}

double percentile(QList<double> values, double fraction)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype rank = qsizetype(std::ceil(fraction * double(values.size()))) - 1;
    return values.at(std::clamp<qsizetype>(rank, 0, values.size() - 1));
}

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    const qsizetype n = values.size();
    return n == 0 ? 0 : n % 2 ? values.at(n / 2) : (values.at(n / 2 - 1) + values.at(n / 2)) / 2;
}

qint64 residentKb(qint64 pid)
{
    QFile status(u"/proc/%1/status"_s.arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// The hostile clients' own TLS work runs at nice 10 (on Linux a thread's own niceness): in
// the world they are other machines, and on two shared cores their handshakes in this
// process would otherwise be measured as the node's slowness.
void yieldToOthers()
{
    ::setpriority(PRIO_PROCESS, id_t(::gettid()), 10);
}

// Waits for threads while the event loop runs (the node's output pipe is read by it).
void waitFor(const std::vector<std::unique_ptr<QThread>> &threads)
{
    for (const auto &thread : threads) {
        while (!thread->isFinished())
            QTest::qWait(20);
        thread->wait();
    }
}

// Sends requests pipelined on one pinned connection from source and splits the answers.
QList<TlsAnswer> pipelined(const QString &address, const QString &pin, const QByteArray &requests,
                           const QString &source)
{
    QList<TlsAnswer> answers;
    const qsizetype colon = address.lastIndexOf(u':');
    QSslSocket socket;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.setSslConfiguration(configuration);
    if (!socket.bind(QHostAddress(source)))
        return answers;
    socket.connectToHostEncrypted(address.left(colon), quint16(address.mid(colon + 1).toUInt()));
    if (!socket.waitForEncrypted(5000)
        || QString::fromLatin1(socket.peerCertificate().digest(QCryptographicHash::Sha256).toHex()) != pin)
        return answers;
    socket.write(requests);
    QByteArray received;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 15000 && socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(100);
        received += socket.readAll();
    }
    received += socket.readAll();
    for (;;) {
        const qsizetype end = received.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        TlsAnswer answer;
        answer.head = received.left(end);
        qsizetype length = 0;
        for (const QByteArray &line : answer.head.split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        }
        answer.body = received.mid(end + 4, length);
        answer.status = answer.head.startsWith("HTTP/1.") ? answer.head.mid(9, 3).toInt() : 0;
        answer.json = QJsonDocument::fromJson(answer.body).object();
        answers << answer;
        received.remove(0, end + 4 + length);
    }
    return answers;
}

struct VictimSample
{
    int window = -1; // 2r: quiet window r; 2r + 1: hostile window r (0 <= r <= Rounds); -1: neither
    double ms = 0;
    int status = 0;
};

} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // SQLite only: the API answers from memory and the database sees nothing but the last
    // check-in, so a second backend would measure the same thing again. Its minute goes
    // to more windows instead, which is what makes the latency comparison hold on two
    // shared cores; both backends would take over two and a half minutes.
    void initTestCase_data();
    void init();
    void cleanup();

    void hostileTrafficIsRefusedWhileOthersAreServed();

private:
    std::unique_ptr<TestCluster> m_cluster;
};

void TestHostile::initTestCase_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << u"sqlite"_s;
}

void TestHostile::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestHostile::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

void TestHostile::hostileTrafficIsRefusedWhileOthersAreServed()
{
    NodeProcess *node = m_cluster->startNode(u"target"_s);
    QVERIFY(node->waitForJoined());
    const QString address = m_cluster->apiAddress(node->guid());
    const QString pin = m_cluster->apiPin(node->guid());
    const QByteArray token = m_cluster->apiToken().toUtf8();
    QVERIFY(!token.isEmpty());

    // Warm-up: 100 ordinary requests, from a few addresses, before the memory is measured.
    const QByteArray bearer = "Authorization: Bearer " + token + "\r\n";
    for (int i = 0; i < 100; ++i) {
        QByteArray text;
        int expected = 200;
        switch (i % 5) {
        case 0:
            text = request("GET", "/api/v1/health");
            break;
        case 1:
            text = request("GET", "/api/v1/node", bearer);
            break;
        case 2:
            text = request("GET", "/api/v1/managers", bearer);
            break;
        case 3:
            text = request("GET", "/metrics", bearer);
            break;
        default:
            text = request("POST",
                           "/api/v1/agents/" + QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8()
                               + "/heartbeat",
                           "Content-Type: application/json\r\n",
                           R"({"host_name":"warm-up","addresses":["10.0.0.1"],"version":"1.4.2"})");
        }
        TlsAnswer answer;
        // Check-ins get 503 until the node has its first manager list.
        for (int attempt = 0; attempt < 50; ++attempt) {
            answer = tlsExchange(address, pin, {text}, 0, 10000, u"127.0.1.%1"_s.arg(1 + i % 4));
            if (answer.status != 503)
                break;
            QTest::qWait(100);
        }
        QVERIFY2(
            answer.status == expected,
            qPrintable(u"warm-up %1: %2 %3"_s.arg(i).arg(answer.status).arg(QString::fromUtf8(answer.body))));
    }
    QTest::qWait(500);
    const qint64 rssBefore = residentKb(node->pid());
    QVERIFY(rssBefore > 0);

    const QList<HostileCase> cases = HostileRequests(Seed).cases(HostileCount);
    QCOMPARE(cases.size(), HostileCount);
    std::vector<Outcome> outcomes(size_t(cases.size()));
    std::vector<Outcome> slowOutcomes(size_t(Rounds * SlowPerRound));
    std::vector<qint64> slowMs(size_t(Rounds * SlowPerRound));
    std::vector<qint64> silentClosedMs(size_t(Rounds * SilentPerRound), -1);

    // The victim: health over a new pinned connection every 20 ms, from its own address.
    std::atomic<int> window{-1};
    std::atomic<bool> stopVictim{false};
    std::vector<VictimSample> samples;
    samples.reserve(20000);
    std::unique_ptr<QThread> victim(QThread::create([&] {
        const QByteArray health = "GET /api/v1/health HTTP/1.1\r\nHost: node\r\n\r\n";
        auto next = std::chrono::steady_clock::now();
        while (!stopVictim) {
            std::this_thread::sleep_until(next);
            next += std::chrono::milliseconds(VictimPeriodMs);
            const int in = window.load();
            QElapsedTimer timer;
            timer.start();
            const TlsAnswer answer = tlsExchange(address, pin, {health}, 0, 10000, VictimSource);
            samples.push_back({in, double(timer.nsecsElapsed()) / 1e6, answer.status});
            next = std::max(next, std::chrono::steady_clock::now());
        }
    }));
    victim->start();
    auto stopTheVictim = qScopeGuard([&] {
        stopVictim = true;
        while (!victim->isFinished())
            QTest::qWait(20);
        victim->wait();
    });
    QTest::qWait(1000); // the victim's first connections are not part of any window

    QElapsedTimer hostileTime;
    qint64 hostileMs = 0;
    const int perRound = HostileCount / Rounds;
    for (int round = 0; round < Rounds; ++round) {
        window = 2 * round;
        QTest::qWait(QuietWindowMs);

        window = 2 * round + 1;
        hostileTime.restart();
        std::vector<std::unique_ptr<QThread>> threads;
        std::atomic<int> nextCase{round * perRound};
        const int end = round + 1 == Rounds ? HostileCount : (round + 1) * perRound;
        const auto start = std::chrono::steady_clock::now();
        for (int w = 0; w < Workers; ++w) {
            threads.emplace_back(QThread::create([&, round, end, start] {
                yieldToOthers();
                for (int i = nextCase++; i < end; i = nextCase++) {
                    std::this_thread::sleep_until(
                        start + std::chrono::milliseconds((i - round * perRound) * 1000 / HostileRate));
                    outcomes[size_t(i)] = outcomeOf(
                        tlsExchange(address, pin, {cases.at(i).request}, 0, 15000, hostileSource(i)));
                }
            }));
        }
        for (int s = 0; s < SlowPerRound; ++s) {
            const int index = round * SlowPerRound + s;
            threads.emplace_back(QThread::create([&, index] {
                yieldToOthers();
                // The head one byte at a time: it cannot be complete before the head deadline.
                QList<QByteArray> pieces;
                for (char c : request("GET", "/api/v1/health"))
                    pieces << QByteArray(1, c);
                QElapsedTimer slow;
                slow.start();
                slowOutcomes[size_t(index)] = outcomeOf(
                    tlsExchange(address, pin, pieces, SlowPauseMs, 20000, u"127.0.50.%1"_s.arg(1 + index)));
                slowMs[size_t(index)] = slow.elapsed();
            }));
        }
        for (int s = 0; s < SilentPerRound; ++s) {
            const int index = round * SilentPerRound + s;
            threads.emplace_back(QThread::create([&, index] {
                // Connects and never starts TLS: closed after the handshake deadline.
                QTcpSocket socket;
                socket.bind(QHostAddress(u"127.0.51.%1"_s.arg(1 + index)));
                const qsizetype colon = address.lastIndexOf(u':');
                socket.connectToHost(address.left(colon), quint16(address.mid(colon + 1).toUInt()));
                if (!socket.waitForConnected(5000))
                    return;
                QElapsedTimer silent;
                silent.start();
                while (silent.elapsed() < 15000 && socket.state() == QAbstractSocket::ConnectedState)
                    socket.waitForDisconnected(100);
                if (socket.state() != QAbstractSocket::ConnectedState)
                    silentClosedMs[size_t(index)] = silent.elapsed();
            }));
        }
        for (const auto &thread : threads)
            thread->start();
        waitFor(threads);
        hostileMs += hostileTime.elapsed();
    }
    window = 2 * Rounds; // the quiet window after the last hostile one
    QTest::qWait(QuietWindowMs);
    window = -1;
    stopTheVictim.dismiss();
    stopVictim = true;
    while (!victim->isFinished())
        QTest::qWait(20);
    victim->wait();

    // Every hostile request got exactly its status, with a JSON error.
    QHash<QByteArray, int> perCategory;
    int wrong = 0;
    for (qsizetype i = 0; i < cases.size(); ++i) {
        const HostileCase &test = cases.at(i);
        const Outcome &got = outcomes[size_t(i)];
        ++perCategory[test.category];
        const bool right = got.status == test.status && got.jsonError && (test.status != 405 || got.hasAllow)
                           && (test.status != 401 || got.hasAuthenticate);
        if (!right && ++wrong <= 20) {
            qCWarning(lcHostile).noquote()
                << "case" << i << test.category << "expected" << test.status << "got" << got.status
                << got.failure << got.body << "request:" << test.request.left(200);
        }
    }
    for (auto it = perCategory.cbegin(); it != perCategory.cend(); ++it)
        qCInfo(lcHostile).noquote() << it.value() << "requests:" << it.key();
    QVERIFY2(wrong == 0,
             qPrintable(u"%1 of %2 hostile requests got another answer"_s.arg(wrong).arg(cases.size())));
    for (size_t i = 0; i < slowOutcomes.size(); ++i) {
        const Outcome &slow = slowOutcomes[i];
        QVERIFY2(slow.status == 408 && slow.jsonError,
                 qPrintable(u"slow client %1: %2 %3 %4"_s.arg(i)
                                .arg(slow.status)
                                .arg(slow.failure, QString::fromUtf8(slow.body))));
        // Answered at the head deadline (counted from the handshake), not when the head ended.
        QVERIFY2(slowMs[i] >= HeadTimeoutMs - 500 && slowMs[i] < HeadTimeoutMs + 3000,
                 qPrintable(QString::number(slowMs[i])));
    }
    for (size_t i = 0; i < silentClosedMs.size(); ++i) {
        QVERIFY2(silentClosedMs[i] >= 0 && silentClosedMs[i] < HandshakeTimeoutMs + 3000,
                 qPrintable(u"silent client %1 closed after %2 ms"_s.arg(i).arg(silentClosedMs[i])));
    }
    qCInfo(lcHostile,
           "%lld hostile requests (%d fast, %d slow heads, %d silent) in %lld ms of hostile windows",
           qint64(cases.size() + slowOutcomes.size() + silentClosedMs.size()), int(cases.size()),
           int(slowOutcomes.size()), int(silentClosedMs.size()), hostileMs);

    // The victim was always served, and its p99 with hostile traffic stays within twice its
    // quiet p99. What else runs on this machine moves the tail by more than that from one
    // window to the next, so each hostile window is compared with the quiet windows on
    // either side of it (the same weather), and the median of those ratios decides: one
    // window disturbed by another process does not.
    QList<double> quiet, hostile, quietP99, hostileP99, ratios;
    int victimFailures = 0;
    for (int w = 0; w <= 2 * Rounds; ++w) {
        QList<double> in;
        for (const VictimSample &sample : samples) {
            if (sample.window == w)
                in << sample.ms;
        }
        (w % 2 ? hostile : quiet) << in;
        (w % 2 ? hostileP99 : quietP99) << percentile(in, 0.99);
        qCInfo(lcHostile, "victim, %s window %d: %lld samples, p50 %.1f ms, p99 %.1f ms",
               w % 2 ? "hostile" : "quiet", w / 2, qint64(in.size()), percentile(in, 0.5),
               percentile(in, 0.99));
    }
    for (const VictimSample &sample : samples)
        victimFailures += sample.status != 200;
    QString ratioText;
    for (int r = 0; r < Rounds; ++r) {
        ratios << hostileP99.at(r) / ((quietP99.at(r) + quietP99.at(r + 1)) / 2);
        ratioText += u" %1"_s.arg(ratios.last(), 0, 'f', 2);
    }
    const double quietMedianP99 = median(quietP99);
    const double hostileMedianP99 = median(hostileP99);
    const double medianRatio = median(ratios);
    qCInfo(
        lcHostile,
        "victim: quiet %lld samples p50 %.1f ms p99 %.1f ms; hostile %lld samples p50 %.1f ms p99 %.1f ms; "
        "median of window p99s: quiet %.1f ms, hostile %.1f ms",
        qint64(quiet.size()), percentile(quiet, 0.5), percentile(quiet, 0.99), qint64(hostile.size()),
        percentile(hostile, 0.5), percentile(hostile, 0.99), quietMedianP99, hostileMedianP99);
    qCInfo(lcHostile, "victim: hostile window p99 / its neighbours' quiet p99:%s; median %.2f",
           qPrintable(ratioText), medianRatio);
    QCOMPARE(victimFailures, 0);
#if defined(__SANITIZE_ADDRESS__)
    // Under the sanitizers the node and this test run many times slower (a victim's
    // exchange takes 100 ms or more) and the measurement says nothing about a real build:
    // printed, not judged.
#else
    QVERIFY2(quiet.size() >= 200 && hostile.size() >= 200, "too few victim samples");
    QVERIFY2(
        medianRatio <= 2,
        qPrintable(u"the victim's p99 under hostile traffic is %1 times its quiet p99"_s.arg(medianRatio)));
#endif

    // The rate limit, provoked on purpose: requests pipelined on one connection from one
    // address pass until the burst is spent, then 429 with Retry-After ends the connection.
    QByteArray flood;
    for (int i = 0; i < FloodRequests; ++i)
        flood += "GET /api/v1/health HTTP/1.1\r\nHost: node\r\n\r\n";
    const QList<TlsAnswer> answers = pipelined(address, pin, flood, FloodSource);
    QVERIFY(answers.size() > 1);
    for (qsizetype i = 0; i + 1 < answers.size(); ++i)
        QCOMPARE(answers.at(i).status, 200);
    const TlsAnswer &limited = answers.last();
    QCOMPARE(limited.status, 429);
    QCOMPARE(limited.json.value(u"status"_s).toInt(), 429);
    QVERIFY(!limited.json.value(u"error"_s).toString().isEmpty());
    QVERIFY2(hasHeader(limited.head, "Retry-After"), limited.head.constData());
    QVERIFY2(answers.size() - 1 >= 100 && answers.size() < FloodRequests,
             qPrintable(u"%1 answered before the 429"_s.arg(answers.size() - 1)));
    qCInfo(lcHostile, "flood: %lld pipelined requests passed, then 429", qint64(answers.size() - 1));

    // Memory: the node grew less than 10 MB, once the refused connections have closed.
    QTest::qWait(3000);
    const qint64 rssAfter = residentKb(node->pid());
    qCInfo(lcHostile, "node VmRSS: %lld kB after the warm-up, %lld kB after the hostile traffic (%+lld kB)",
           rssBefore, rssAfter, rssAfter - rssBefore);
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer keeps freed memory in quarantine (up to 256 MB): RSS says nothing.
#else
    QVERIFY2(rssAfter - rssBefore < MaxRssGrowthKb, qPrintable(u"%1 kB more"_s.arg(rssAfter - rssBefore)));
#endif

    // The node is still up, healthy, and takes a check-in.
    QVERIFY(node->running());
    QCOMPARE(tlsExchange(address, pin, {request("GET", "/api/v1/health")}).status, 200);
    const QString agent = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const TlsAnswer checkin =
        tlsExchange(address, pin,
                    {request("POST", "/api/v1/agents/" + agent.toUtf8() + "/heartbeat",
                             "Content-Type: application/json\r\n",
                             R"({"host_name":"after","addresses":["10.0.0.9"],"version":"1.4.2"})")});
    QCOMPARE(checkin.status, 200);
    QVERIFY(!checkin.json.value(u"managers"_s).toArray().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT checkins FROM agents WHERE guid = ?"_s, {agent}).toInt(), 1, 10000);
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
