// Agents checking in with real nodes over pinned HTTPS: the manager list they are given
// and its version, what is recorded (sealed), the load balancer address replacing the
// nodes', the requests refused and how, the Prometheus metrics (checked by promtool), and
// a drain through the API.
#include "agents.h"
#include "cluster.h"
#include "testcluster.h"
#include "tlsexchange.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>
#include <QUuid>

#include <functional>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

QByteArray checkinRequest(const QString &guid, const QByteArray &body,
                          const QByteArray &contentType = "application/json",
                          const QByteArray &method = "POST")
{
    QByteArray request = method + " /api/v1/agents/" + guid.toUtf8() + "/heartbeat HTTP/1.1\r\nHost: node\r\n"
                         + "Connection: close\r\n";
    if (!contentType.isEmpty())
        request += "Content-Type: " + contentType + "\r\n";
    return request + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray checkinBody(const QString &host, const QStringList &addresses, const QString &listVersion = {})
{
    return QJsonDocument(QJsonObject{{u"host_name"_s, host},
                                     {u"addresses"_s, QJsonArray::fromStringList(addresses)},
                                     {u"version"_s, u"1.4.2"_s},
                                     {u"list_version"_s, listVersion}})
        .toJson(QJsonDocument::Compact);
}

QStringList strings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &item : value.toArray())
        out << item.toString();
    return out;
}

// Sends request until accepted(answer) or timeoutMs passes (a node reads the others'
// within a second); counts the check-ins it made that were answered 200.
TlsAnswer exchangeUntil(const QString &address, const QString &pin, const QByteArray &request,
                        const std::function<bool(const TlsAnswer &)> &accepted, int *ok,
                        int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    TlsAnswer answer;
    do {
        answer = tlsExchange(address, pin, request);
        if (answer.status == 200)
            ++*ok;
        if (accepted(answer))
            break;
        QTest::qWait(100);
    } while (!deadline.hasExpired());
    return answer;
}

QString newGuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace

class TestAgentCheckin : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void checkinAnswersWithTheManagerList();
    void badCheckinsAreRefused();
    void metricsPassPromtool();
    void drainStopsTheNodeGracefully();

private:
    QList<AgentRecord> agents();
    QByteArray get(const QByteArray &path, bool withToken);

    std::unique_ptr<TestCluster> m_cluster;
};

void TestAgentCheckin::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestAgentCheckin::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

QList<AgentRecord> TestAgentCheckin::agents()
{
    auto secret = MasterKey::readSecretFile(m_cluster->secretFile());
    auto key = secret ? Cluster::unlock(m_cluster->database(), *secret) : Result<MasterKey>(secret.error());
    auto cluster = Cluster::load(m_cluster->database());
    auto db = m_cluster->database().connection();
    if (!key || !cluster || !cluster->has_value() || !db)
        return {};
    auto list = Agents::list(*db, &*key, (*cluster)->keyContext());
    return list ? *list : QList<AgentRecord>();
}

QByteArray TestAgentCheckin::get(const QByteArray &path, bool withToken)
{
    QByteArray request = "GET " + path + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n";
    if (withToken)
        request += "Authorization: Bearer " + m_cluster->apiToken().toUtf8() + "\r\n";
    return request + "\r\n";
}

void TestAgentCheckin::checkinAnswersWithTheManagerList()
{
    NodeProcess *a = m_cluster->startNode(u"alpha"_s);
    NodeProcess *b = m_cluster->startNode(u"beta"_s);
    QVERIFY(a->waitForJoined());
    QVERIFY(b->waitForJoined());
    const QStringList guids = {a->guid(), b->guid()};
    QStringList addresses, pins;
    for (const QString &guid : guids) {
        addresses << m_cluster->apiAddress(guid);
        pins << m_cluster->apiPin(guid);
    }

    // Both nodes tell an agent the same list, once each has read the other.
    const QString agent = newGuid();
    const QByteArray body = checkinBody(u"build-host.example.org"_s, {u"10.1.2.3"_s, u"fd00::7"_s});
    QString version;
    int sent = 0;
    for (int i = 0; i < 2; ++i) {
        const TlsAnswer answer = exchangeUntil(
            addresses[i], pins[i], checkinRequest(agent, body),
            [](const TlsAnswer &got) {
                return got.status == 200 && strings(got.json.value(u"managers"_s)).size() == 2;
            },
            &sent);
        QCOMPARE(answer.status, 200);
        QCOMPARE(strings(answer.json.value(u"managers"_s)).size(), 2);
        QCOMPARE(answer.json.value(u"node"_s).toString(), guids[i]);
        QStringList managers = strings(answer.json.value(u"managers"_s));
        managers.sort();
        QStringList expected = addresses;
        expected.sort();
        QCOMPARE(managers, expected);
        QStringList answeredPins = strings(answer.json.value(u"pins"_s));
        answeredPins.sort();
        QStringList expectedPins = pins;
        expectedPins.sort();
        QCOMPARE(answeredPins, expectedPins);
        QCOMPARE(answer.json.value(u"checkin_interval_s"_s).toInt(), 30);
        if (i == 0)
            version = answer.json.value(u"version"_s).toString();
        QCOMPARE(answer.json.value(u"version"_s).toString(), version);
    }
    QCOMPARE(version.size(), 16);

    // Recorded within a second or so, by the node that answered last; what the agent said
    // about its machine is stored only sealed.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT checkins FROM agents WHERE guid = ?"_s, {agent}).toInt(), sent, 10000);
    // Check-ins are written in batches, each node its own: the node recorded is the one
    // that answered last once the earlier ones are written.
    QCOMPARE(tlsExchange(addresses[1], pins[1], checkinRequest(agent, body)).status, 200);
    ++sent;
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT checkins FROM agents WHERE guid = ?"_s, {agent}).toInt(), sent, 10000);
    QCOMPARE(m_cluster->scalar(u"SELECT manager_guid FROM agents WHERE guid = ?"_s, {agent}).toString(),
             guids[1]);
    QCOMPARE(m_cluster->scalar(u"SELECT list_version FROM agents WHERE guid = ?"_s, {agent}).toString(),
             version);
    QCOMPARE(m_cluster->scalar(u"SELECT version FROM agents WHERE guid = ?"_s, {agent}).toString(),
             u"1.4.2"_s);
    const QString sealedHost =
        m_cluster->scalar(u"SELECT host_name_sealed FROM agents WHERE guid = ?"_s, {agent}).toString();
    QVERIFY(!sealedHost.isEmpty());
    QVERIFY(!sealedHost.contains(u"build-host"_s));
    QVERIFY(!m_cluster->scalar(u"SELECT addresses_sealed FROM agents WHERE guid = ?"_s, {agent})
                 .toString()
                 .contains(u"10.1.2.3"_s));
    const QList<AgentRecord> recorded = agents();
    QCOMPARE(recorded.size(), 1);
    QCOMPARE(recorded.first().hostName, u"build-host.example.org"_s);
    QCOMPARE(recorded.first().addresses, (QStringList{u"10.1.2.3"_s, u"fd00::7"_s}));
    QCOMPARE(recorded.first().state, u"online"_s);
    // An upper-case GUID is the same agent.
    QCOMPARE(tlsExchange(addresses[0], pins[0], checkinRequest(agent.toUpper(), body)).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT checkins FROM agents WHERE guid = ?"_s, {agent}).toInt(), sent + 1, 10000);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM agents"_s).toInt(), 1);

    // With a load balancer set, agents are given only its address, still with every
    // node's pin; the version changes.
    QVERIFY(m_cluster->database()
                .exec(u"INSERT INTO cluster_settings (name, value, updated_at, updated_by) "
                      "VALUES ('agents.load_balancer_address', 'lb.example.org:8443', 0, 'test')"_s)
                .ok());
    for (int i = 0; i < 2; ++i) {
        const TlsAnswer answer = exchangeUntil(
            addresses[i], pins[i], checkinRequest(agent, body),
            [&](const TlsAnswer &got) {
                return got.status == 200 && got.json.value(u"version"_s).toString() != version;
            },
            &sent);
        QVERIFY(answer.json.value(u"version"_s).toString() != version);
        QCOMPARE(strings(answer.json.value(u"managers"_s)), QStringList{u"lb.example.org:8443"_s});
        QCOMPARE(strings(answer.json.value(u"pins"_s)).size(), 2);
    }

    // GET /api/v1/managers needs the token and says the same.
    QCOMPARE(tlsExchange(addresses[0], pins[0], get("/api/v1/managers", false)).status, 401);
    const TlsAnswer managers = tlsExchange(addresses[0], pins[0], get("/api/v1/managers", true));
    QCOMPARE(managers.status, 200);
    QCOMPARE(managers.json.value(u"load_balancer"_s).toString(), u"lb.example.org:8443"_s);
    QCOMPARE(managers.json.value(u"nodes"_s).toArray().size(), 2);
    QCOMPARE(managers.json.value(u"registered"_s).toInt(), 2);
}

void TestAgentCheckin::badCheckinsAreRefused()
{
    NodeProcess *node = m_cluster->startNode(u"strict"_s);
    QVERIFY(node->waitForJoined());
    const QString address = m_cluster->apiAddress(node->guid());
    const QString pin = m_cluster->apiPin(node->guid());
    const QString agent = newGuid();
    const QByteArray good = checkinBody(u"host"_s, {u"10.0.0.1"_s});
    int sent = 0;
    QCOMPARE(exchangeUntil(
                 address, pin, checkinRequest(agent, good),
                 [](const TlsAnswer &got) { return got.status == 200; }, &sent)
                 .status,
             200);

    struct Case
    {
        const char *what;
        QByteArray request;
        int status;
        QString says;
    };
    const QByteArray deep = QByteArray(10000, '[') + QByteArray(10000, ']');
    const QList<Case> cases = {
        {"GET instead of POST", checkinRequest(agent, {}, {}, "GET"), 405, u"only POST"_s},
        {"not a GUID", checkinRequest(u"not-a-guid"_s, good), 400, u"GUID"_s},
        {"a GUID with a quote", checkinRequest(agent.left(35) + u"\""_s, good), 400, u"GUID"_s},
        {"form data", checkinRequest(agent, "host_name=x", "application/x-www-form-urlencoded"), 415,
         u"application/json"_s},
        {"no content type", checkinRequest(agent, good, {}), 415, u"application/json"_s},
        {"empty body", checkinRequest(agent, {}), 400, u"JSON object"_s},
        {"truncated JSON", checkinRequest(agent, good.left(good.size() - 3)), 400, u"not valid JSON"_s},
        {"nested 10,000 deep", checkinRequest(agent, deep), 400, u"not valid JSON"_s},
        {"an array", checkinRequest(agent, "[1,2]"), 400, u"JSON object"_s},
        {"host name a number", checkinRequest(agent, R"({"host_name": 5, "version": "1"})"), 400,
         u"host_name must be a string"_s},
        {"no version", checkinRequest(agent, R"({"host_name": "h"})"), 400, u"version is missing"_s},
        {"addresses not strings",
         checkinRequest(agent, R"({"host_name": "h", "version": "1", "addresses": [1]})"), 400,
         u"array of strings"_s},
        {"a control character", checkinRequest(agent, R"({"host_name": "h\u0007", "version": "1"})"), 400,
         u"control characters"_s},
        {"host name too long", checkinRequest(agent, checkinBody(QString(300, u'h'), {})), 400,
         u"longer than"_s},
        {"path trick",
         "POST /api/v1/agents/../node HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 404,
         u"no such resource"_s},
        {"encoded path trick",
         "POST /api/v1/agents/%2e%2e/heartbeat HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
         400, u"GUID"_s},
        {"Content-Length with Transfer-Encoding",
         "POST /api/v1/agents/" + agent.toUtf8()
             + "/heartbeat HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\n"
               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400,
         {}},
    };
    for (const Case &test : cases) {
        const TlsAnswer answer = tlsExchange(address, pin, test.request);
        QVERIFY2(answer.status == test.status, qPrintable(u"%1: got %2 %3"_s.arg(QLatin1StringView(test.what))
                                                              .arg(answer.status)
                                                              .arg(QString::fromUtf8(answer.body))));
        QCOMPARE(answer.json.value(u"status"_s).toInt(), test.status);
        QVERIFY2(answer.json.value(u"error"_s).toString().contains(test.says),
                 qPrintable(u"%1: %2"_s.arg(QLatin1StringView(test.what), QString::fromUtf8(answer.body))));
    }
    // None of them was recorded as a check-in, and the node is still there.
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->scalar(u"SELECT COUNT(*) FROM agents"_s).toInt(), 1, 5000);
    QCOMPARE(m_cluster->scalar(u"SELECT checkins FROM agents"_s).toInt(), sent);
    QCOMPARE(tlsExchange(address, pin, checkinRequest(agent, good)).status, 200);
    QVERIFY(node->running());
}

void TestAgentCheckin::metricsPassPromtool()
{
    const QString promtool = QStandardPaths::findExecutable(u"promtool"_s);
    QVERIFY2(!promtool.isEmpty(),
             "promtool is not installed (Debian package prometheus; scripts/install-deps)");
    NodeProcess *a = m_cluster->startNode(u"counted"_s);
    NodeProcess *b = m_cluster->startNode(u"peer"_s);
    QVERIFY(a->waitForJoined());
    QVERIFY(b->waitForJoined());
    const QString address = m_cluster->apiAddress(a->guid());
    const QString pin = m_cluster->apiPin(a->guid());
    submitJobs(m_cluster->database(), jobOf(u"noop"_s), 50);
    JobSpec failing = jobOf(u"fail"_s);
    failing.maxAttempts = 1;
    submitJobs(m_cluster->database(), failing, 2);
    int sent = 0;
    QCOMPARE(exchangeUntil(
                 address, pin, checkinRequest(newGuid(), checkinBody(u"h"_s, {})),
                 [](const TlsAnswer &got) { return got.status == 200; }, &sent)
                 .status,
             200);
    QCOMPARE(sent, 1);
    QCOMPARE(tlsExchange(address, pin, checkinRequest(u"x"_s, "{}")).status, 400);

    QCOMPARE(tlsExchange(address, pin, get("/metrics", false)).status, 401);
    TlsAnswer metrics;
    QTRY_VERIFY_WITH_TIMEOUT((metrics = tlsExchange(address, pin, get("/metrics", true)),
                              metrics.body.contains(QByteArray(
                                  "cohort_peer_heartbeat_age_seconds{peer_guid=\"" + b->guid().toUtf8()))
                                  && metrics.body.contains("cohort_agent_checkins_recorded_total 1")),
                             15000);
    QCOMPARE(metrics.status, 200);
    QVERIFY2(metrics.head.contains("Content-Type: text/plain; version=0.0.4"), metrics.head.constData());
    QVERIFY(metrics.body.contains("cohort_agent_checkins_total{result=\"accepted\"} 1\n"));
    QVERIFY(metrics.body.contains("cohort_agent_checkins_total{result=\"refused\"} 1\n"));
    QVERIFY(metrics.body.contains(
        QByteArray("cohort_node_info{guid=\"" + a->guid().toUtf8() + "\",name=\"counted\"")));
    QVERIFY(metrics.body.contains("cohort_claim_latency_seconds_count "));
    QVERIFY(metrics.body.contains("# TYPE cohort_jobs_total counter"));

    QProcess check;
    check.start(promtool, {u"check"_s, u"metrics"_s});
    QVERIFY(check.waitForStarted());
    check.write(metrics.body);
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(30000));
    QVERIFY2(check.exitCode() == 0, check.readAllStandardError().constData());

    // The jobs this node ran are counted by type and outcome (both nodes share them).
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster
                ->scalar(
                    u"SELECT COUNT(*) FROM jobs WHERE type IN ('noop', 'fail') AND state IN ('succeeded', 'failed')"_s)
                .toInt()
            == 52,
        30000);
    metrics = tlsExchange(address, pin, get("/metrics", true));
    const qint64 ran =
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND claimed_by = ?"_s, {a->guid()})
            .toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(
        (metrics = tlsExchange(address, pin, get("/metrics", true)),
         ran == 0
             || metrics.body.contains(QByteArray("cohort_jobs_total{type=\"noop\",outcome=\"succeeded\"} "
                                                 + QByteArray::number(ran) + "\n"))),
        10000);
}

void TestAgentCheckin::drainStopsTheNodeGracefully()
{
    NodeProcess *node = m_cluster->startNode(u"drained"_s, {u"--grace"_s, u"30"_s});
    QVERIFY(node->waitForJoined());
    const QString address = m_cluster->apiAddress(node->guid());
    const QString pin = m_cluster->apiPin(node->guid());
    // A job that keeps the drain going long enough to see it, even when the sanitizers on a
    // busy machine make each request below take a second (3 s was once not enough).
    const QList<qint64> ids = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 12000}"_s), 1);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT state FROM jobs WHERE id = ?"_s, {ids.first()}).toString(), u"running"_s,
        10000);

    const QByteArray drain =
        "POST /api/v1/drain HTTP/1.1\r\nHost: node\r\nConnection: close\r\nContent-Length: 0\r\n";
    QCOMPARE(tlsExchange(address, pin, drain + "\r\n").status, 401);
    const TlsAnswer accepted = tlsExchange(
        address, pin, drain + "Authorization: Bearer " + m_cluster->apiToken().toUtf8() + "\r\n\r\n");
    QCOMPARE(accepted.status, 202);
    QCOMPARE(accepted.json.value(u"status"_s).toString(), u"draining"_s);

    const TlsAnswer health = tlsExchange(address, pin, get("/api/v1/health", false));
    QCOMPARE(health.status, 503);
    QCOMPARE(health.json.value(u"status"_s).toString(), u"draining"_s);
    const TlsAnswer refused = tlsExchange(address, pin, checkinRequest(newGuid(), checkinBody(u"h"_s, {})));
    QCOMPARE(refused.status, 503);
    QVERIFY2(refused.head.contains("Retry-After: 1"), refused.head.constData());

    // The running job finishes, the node marks itself Offline and exits 0.
    QVERIFY(node->waitForExit(60000));
    QCOMPARE(node->process().exitCode(), 0);
    QCOMPARE(m_cluster->scalar(u"SELECT state FROM jobs WHERE id = ?"_s, {ids.first()}).toString(),
             u"succeeded"_s);
    QCOMPARE(m_cluster->nodeState(node->guid()), u"offline"_s);
}

QTEST_GUILESS_MAIN(TestAgentCheckin)
#include "tst_agentcheckin.moc"
