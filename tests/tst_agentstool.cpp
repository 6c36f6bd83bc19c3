// cohort-agents, the agent simulator, run as a real process: its command line refuses bad
// values with a specific message and exit code 2; against a closed port, a silent server
// and a real node pinned wrongly it counts the right failures and ends cleanly on its own
// (--duration) or on SIGTERM.
#include "testcluster.h"
#include "tlsexchange.h"

#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

const QString AnyPin = u"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"_s;

struct AgentsRun
{
    int exitCode = -1; // -1: did not start, crashed or timed out
    QString err;
    QList<QJsonObject> summaries; // the JSON lines on stdout, in order
    QJsonObject final;            // the one with "final": true
};

void collect(QProcess &process, AgentsRun *run)
{
    run->err = QString::fromUtf8(process.readAllStandardError());
    for (const QByteArray &line : process.readAllStandardOutput().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonObject summary = QJsonDocument::fromJson(line).object();
        run->summaries.append(summary);
        if (summary.value(u"final"_s).toBool())
            run->final = summary;
    }
}

AgentsRun runAgents(const QStringList &arguments, int timeoutMs = 60000)
{
    AgentsRun run;
    QProcess process;
    process.start(QStringLiteral(COHORT_AGENTS_PATH), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    if (process.exitStatus() == QProcess::NormalExit)
        run.exitCode = process.exitCode();
    collect(process, &run);
    return run;
}

// A port on 127.0.0.1 that nothing listens on (it was free a moment ago).
quint16 closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

qint64 failures(const QJsonObject &summary, const QString &reason)
{
    return summary.value(u"attempt_failures"_s).toObject().value(reason).toInteger();
}

// Every failure reason but the one named counts zero.
bool onlyFailuresOf(const QJsonObject &summary, const QString &reason)
{
    const QJsonObject all = summary.value(u"attempt_failures"_s).toObject();
    if (all.size() != 7 || all.value(reason).toInteger() <= 0)
        return false;
    for (auto it = all.begin(); it != all.end(); ++it) {
        if (it.key() != reason && it.value().toInteger() != 0)
            return false;
    }
    return true;
}

} // namespace

class TestAgentsTool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badCommandLine_data();
    void badCommandLine();
    void help();
    void closedPortFailsEveryRound();
    void silentServerTimesOut();
    void stopsOnSigterm();
    void wrongPinIsRefused_data() { addBackendRows(); }
    void wrongPinIsRefused();
    void resumesSessionsUnlessTold();
    void checksInWithTwoNodes_data() { addBackendRows(); }
    void checksInWithTwoNodes();
};

void TestAgentsTool::badCommandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QStringList base{u"--managers"_s, u"127.0.0.1:1"_s, u"--pin"_s, AnyPin};
    QTest::newRow("count 0") << (base + QStringList{u"--count"_s, u"0"_s})
                             << u"--count must be a whole number from 1 to 1000000, not \"0\""_s;
    QTest::newRow("count text") << (base + QStringList{u"--count"_s, u"many"_s})
                                << u"--count must be a whole number from 1 to 1000000, not \"many\""_s;
    QTest::newRow("interval abc") << (base + QStringList{u"--interval"_s, u"abc"_s})
                                  << u"--interval must be a number of seconds greater than 0, not \"abc\""_s;
    QTest::newRow("interval 0") << (base + QStringList{u"--interval"_s, u"0"_s})
                                << u"--interval must be a number of seconds greater than 0, not \"0\""_s;
    QTest::newRow("jitter 1") << (base + QStringList{u"--jitter"_s, u"1"_s})
                              << u"--jitter must be a fraction from 0 up to (not including) 1, not \"1\""_s;
    QTest::newRow("duration negative") << (base + QStringList{u"--duration"_s, u"-1"_s})
                                       << u"--duration must be a number of seconds, 0 or more, not \"-1\""_s;
    QTest::newRow("warm-up negative") << (base + QStringList{u"--warm-up"_s, u"-3"_s})
                                      << u"--warm-up must be a number of seconds, 0 or more, not \"-3\""_s;
    QTest::newRow("warm-up text") << (base + QStringList{u"--warm-up"_s, u"soon"_s})
                                  << u"--warm-up must be a number of seconds, 0 or more, not \"soon\""_s;
    QTest::newRow("timeout 0") << (base + QStringList{u"--timeout"_s, u"0"_s})
                               << u"--timeout must be a whole number from 1 to 600000, not \"0\""_s;
    QTest::newRow("threads 0") << (base + QStringList{u"--threads"_s, u"0"_s})
                               << u"--threads must be a whole number from 1 to 64, not \"0\""_s;
    QTest::newRow("seed text")
        << (base + QStringList{u"--seed"_s, u"x"_s})
        << u"--seed must be a whole number from 0 to 18446744073709551615, not \"x\""_s;
    QTest::newRow("managers without port") << QStringList{u"--managers"_s, u"nohost"_s, u"--pin"_s, AnyPin}
                                           << u"--managers: \"nohost\" is not HOST:PORT"_s;
    QTest::newRow("managers port 0") << QStringList{
        u"--managers"_s, u"127.0.0.1:0"_s, u"--pin"_s,
        AnyPin} << u"--managers: \"127.0.0.1:0\" is not HOST:PORT with a port from 1 to 65535"_s;
    QTest::newRow("managers empty entry")
        << QStringList{u"--managers"_s, u"127.0.0.1:5,"_s, u"--pin"_s, AnyPin}
        << u"--managers: an empty entry in \"127.0.0.1:5,\""_s;
    QTest::newRow("managers missing") << QStringList{u"--pin"_s, AnyPin} << u"--managers is required"_s;
    QTest::newRow("pin short") << QStringList{u"--managers"_s, u"127.0.0.1:1"_s, u"--pin"_s, u"abc123"_s}
                               << u"--pin: \"abc123\" is not a SHA-256 fingerprint (64 hex digits)"_s;
    const QString notHex = AnyPin.left(63) + u'g';
    QTest::newRow("pin not hex") << QStringList{u"--managers"_s, u"127.0.0.1:1"_s, u"--pin"_s,
                                                AnyPin + u',' + notHex}
                                 << u"--pin: \"%1\" is not a SHA-256 fingerprint (64 hex digits)"_s.arg(
                                        notHex);
    QTest::newRow("pin missing") << QStringList{u"--managers"_s, u"127.0.0.1:1"_s} << u"--pin is required"_s;
    QTest::newRow("source net 300")
        << (base + QStringList{u"--source-net"_s, u"300.1.0.0/16"_s})
        << u"--source-net: \"300.1.0.0/16\" is not an IPv4 network A.B.C.D/PREFIX"_s;
    QTest::newRow("source net no prefix")
        << (base + QStringList{u"--source-net"_s, u"127.1.0.0"_s})
        << u"--source-net: \"127.1.0.0\" is not an IPv4 network A.B.C.D/PREFIX"_s;
    QTest::newRow("source net too small")
        << (base + QStringList{u"--source-net"_s, u"127.1.0.0/30"_s})
        << u"--source-net: 127.1.0.0/30 has 2 host addresses, fewer than the 100 agents"_s;
    QTest::newRow("unknown option") << (base + QStringList{u"--bogus"_s}) << u"Unknown option 'bogus'"_s;
    QTest::newRow("positional") << (base + QStringList{u"extra"_s}) << u"unexpected argument \"extra\""_s;
    QTest::newRow("json agents alone")
        << (base + QStringList{u"--json-agents"_s}) << u"--json-agents needs --json"_s;
}

void TestAgentsTool::badCommandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const AgentsRun run = runAgents(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.startsWith(u"cohort-agents: "_s), qPrintable(run.err));
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QVERIFY2(run.err.contains(u"cohort-agents --help"_s), qPrintable(run.err));
    QVERIFY(run.summaries.isEmpty());
}

void TestAgentsTool::help()
{
    QProcess process;
    process.start(QStringLiteral(COHORT_AGENTS_PATH), {u"--help"_s});
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 0);
    const QString help = QString::fromUtf8(process.readAllStandardOutput());
    for (const QString &option : {u"--managers"_s, u"--pin"_s, u"--count"_s, u"--interval"_s, u"--jitter"_s,
                                  u"--duration"_s, u"--warm-up"_s, u"--timeout"_s, u"--source-net"_s,
                                  u"--seed"_s, u"--threads"_s, u"--summary-every"_s, u"--json"_s})
        QVERIFY2(help.contains(option), qPrintable(option));
}

void TestAgentsTool::closedPortFailsEveryRound()
{
    const quint16 first = closedPort();
    const quint16 second = closedPort();
    QVERIFY(first != 0 && second != 0 && first != second);
    const int agents = 5;
    const AgentsRun run =
        runAgents({u"--managers"_s, u"127.0.0.1:%1,127.0.0.1:%2"_s.arg(first).arg(second), u"--pin"_s, AnyPin,
                   u"--count"_s, QString::number(agents), u"--interval"_s, u"0.2"_s, u"--duration"_s,
                   u"1.5"_s, u"--summary-every"_s, u"0.5"_s, u"--json"_s, u"--source-net"_s,
                   u"127.1.0.0/16"_s, u"--seed"_s, u"42"_s});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(!run.final.isEmpty(), qPrintable(run.err));
    const QJsonObject &final = run.final;
    QCOMPARE(final.value(u"agents"_s).toInt(), agents);
    QCOMPARE(final.value(u"checkins"_s).toInteger(), 0);
    QVERIFY2(onlyFailuresOf(final, u"connect"_s), qPrintable(run.err));
    // Each round tries both managers (one failover) before it fails; a round the end cut
    // short may have tried only one.
    const qint64 rounds = final.value(u"failed_rounds"_s).toInteger();
    QVERIFY2(rounds >= agents * 3, qPrintable(run.err)); // about 7 rounds each in 1.5 s
    QVERIFY(failures(final, u"connect"_s) >= 2 * rounds);
    QVERIFY(failures(final, u"connect"_s) <= 2 * rounds + agents);
    QVERIFY(final.value(u"failovers"_s).toInteger() >= rounds);
    const QJsonObject connectedTo = final.value(u"connected_to"_s).toObject();
    QCOMPARE(connectedTo.size(), 2);
    QVERIFY(connectedTo.contains(u"127.0.0.1:%1"_s.arg(first)));
    QVERIFY(final.value(u"per_node"_s).toObject().isEmpty());
    QVERIFY(final.value(u"list_versions"_s).toArray().isEmpty());
    const QJsonArray detail = final.value(u"agents_detail"_s).toArray();
    QCOMPARE(detail.size(), agents);
    QSet<QString> guids;
    const QRegularExpression guidForm(
        u"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"_s);
    for (const QJsonValue &entry : detail) {
        const QJsonObject agent = entry.toObject();
        QVERIFY2(guidForm.match(agent.value(u"guid"_s).toString()).hasMatch(),
                 qPrintable(agent.value(u"guid"_s).toString()));
        guids.insert(agent.value(u"guid"_s).toString());
        QCOMPARE(agent.value(u"checkins"_s).toInteger(), 0);
        QVERIFY(agent.value(u"failed_rounds"_s).toInteger() > 0);
    }
    QCOMPARE(guids.size(), agents);
    // Live summaries came before the final one, without the agents unless asked for.
    QVERIFY(run.summaries.size() >= 3);
    QVERIFY(!run.summaries.constFirst().value(u"final"_s).toBool());
    QVERIFY(!run.summaries.constFirst().contains(u"agents_detail"_s));
    QVERIFY2(run.err.contains(u"Final: "_s), qPrintable(run.err));

    // The same seed makes the same agents.
    const AgentsRun again =
        runAgents({u"--managers"_s, u"127.0.0.1:%1"_s.arg(first), u"--pin"_s, AnyPin, u"--count"_s,
                   QString::number(agents), u"--duration"_s, u"0.2"_s, u"--json"_s, u"--seed"_s, u"42"_s});
    QCOMPARE(again.exitCode, 0);
    QSet<QString> sameGuids;
    for (const QJsonValue &entry : again.final.value(u"agents_detail"_s).toArray())
        sameGuids.insert(entry.toObject().value(u"guid"_s).toString());
    QCOMPARE(sameGuids, guids);
}

void TestAgentsTool::silentServerTimesOut()
{
    // The kernel completes the connections (the backlog); nobody ever answers the TLS hello.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    const AgentsRun run =
        runAgents({u"--managers"_s, u"127.0.0.1:%1"_s.arg(silent.serverPort()), u"--pin"_s, AnyPin,
                   u"--count"_s, u"2"_s, u"--interval"_s, u"0.5"_s, u"--timeout"_s, u"100"_s, u"--duration"_s,
                   u"1.2"_s, u"--summary-every"_s, u"0"_s, u"--json"_s});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(onlyFailuresOf(run.final, u"timeout"_s), qPrintable(run.err));
    // One manager is a load balancer: three tries a round, two of them failovers.
    const qint64 rounds = run.final.value(u"failed_rounds"_s).toInteger();
    QVERIFY(rounds >= 2);
    QVERIFY(failures(run.final, u"timeout"_s) >= 3 * rounds);
    QVERIFY(run.final.value(u"failovers"_s).toInteger() >= 2 * rounds);
    QCOMPARE(run.summaries.size(), 1); // --summary-every 0: the final one only
}

void TestAgentsTool::stopsOnSigterm()
{
    const quint16 port = closedPort();
    QProcess process;
    process.start(QStringLiteral(COHORT_AGENTS_PATH),
                  {u"--managers"_s, u"127.0.0.1:%1"_s.arg(port), u"--pin"_s, AnyPin, u"--count"_s, u"3"_s,
                   u"--interval"_s, u"0.2"_s, u"--summary-every"_s, u"0.2"_s, u"--json"_s});
    QVERIFY(process.waitForStarted());
    // Running until told: wait for its first live summary, then SIGTERM.
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains("\"final\":false"), 20000);
    ::kill(pid_t(process.processId()), SIGTERM);
    QVERIFY(process.waitForFinished(20000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    AgentsRun run;
    collect(process, &run);
    QVERIFY2(!run.final.isEmpty(), qPrintable(run.err));
    QVERIFY(failures(run.final, u"connect"_s) > 0);
    QCOMPARE(run.final.value(u"agents_detail"_s).toArray().size(), 3);
}

void TestAgentsTool::wrongPinIsRefused()
{
    QFETCH(QString, backend);
    auto created = TestCluster::create(backendFromName(backend), u"wrongPinIsRefused"_s);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    const std::unique_ptr<TestCluster> cluster = std::move(created).value();
    NodeProcess *node = cluster->startNode(u"pinned"_s);
    QVERIFY(node->waitForJoined());
    const QString pin = cluster->apiPin(node->guid());
    QCOMPARE(pin.size(), 64);
    QVERIFY(pin != AnyPin);

    // A real node, a real TLS handshake, and a certificate the agents were not told of.
    const AgentsRun run = runAgents({u"--managers"_s, cluster->apiAddress(node->guid()), u"--pin"_s, AnyPin,
                                     u"--count"_s, u"4"_s, u"--interval"_s, u"0.3"_s, u"--duration"_s, u"3"_s,
                                     u"--summary-every"_s, u"0"_s, u"--json"_s});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(onlyFailuresOf(run.final, u"pin"_s), QJsonDocument(run.final).toJson().constData());
    QCOMPARE(run.final.value(u"checkins"_s).toInteger(), 0);
    // Every agent failed at least one whole round (about ten each; the sanitizers' slow
    // handshakes on a busy machine can make that far fewer).
    QVERIFY2(run.final.value(u"failed_rounds"_s).toInteger() >= 4,
             QJsonDocument(run.final).toJson().constData());
    QVERIFY(run.final.value(u"per_node"_s).toObject().isEmpty());
}

void TestAgentsTool::resumesSessionsUnlessTold()
{
    // The node's API answers from memory: one backend shows it.
    auto created = TestCluster::create(backendFromName(u"sqlite"_s), u"resumesSessionsUnlessTold"_s);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    const std::unique_ptr<TestCluster> cluster = std::move(created).value();
    // Two API threads: the default is one, and this shows more serve as well.
    NodeProcess *node = cluster->startNode(u"only"_s, {u"--api-threads"_s, u"2"_s});
    QVERIFY(node->waitForJoined());
    const QStringList common{u"--managers"_s,      cluster->apiAddress(node->guid()),
                             u"--pin"_s,           cluster->apiPin(node->guid()),
                             u"--count"_s,         u"3"_s,
                             u"--interval"_s,      u"0.3"_s,
                             u"--duration"_s,      u"2"_s,
                             u"--summary-every"_s, u"0"_s,
                             u"--json"_s};

    // One manager: each agent's first check-in is a full handshake, every later one resumes
    // the session of the one before (a TLS 1.3 ticket is used once, so this is a chain).
    const AgentsRun resuming = runAgents(common);
    QCOMPARE(resuming.exitCode, 0);
    const QByteArray shown = QJsonDocument(resuming.final).toJson();
    QCOMPARE(resuming.final.value(u"failed_rounds"_s).toInteger(), 0);
    const qint64 checkins = resuming.final.value(u"checkins"_s).toInteger();
    QVERIFY2(checkins >= 6, shown.constData());
    QVERIFY2(resuming.final.value(u"resumed_checkins"_s).toInteger() == checkins - 3, shown.constData());
    QVERIFY2(resuming.final.value(u"latency_ms"_s).toObject().value(u"max"_s).toDouble() > 0,
             shown.constData());

    // --full-handshakes: none resumed. With a warm-up longer than the run, every check-in
    // counts but none is in the latency figures.
    const AgentsRun full = runAgents(common + QStringList{u"--full-handshakes"_s, u"--warm-up"_s, u"600"_s});
    QCOMPARE(full.exitCode, 0);
    QCOMPARE(full.final.value(u"failed_rounds"_s).toInteger(), 0);
    QVERIFY(full.final.value(u"checkins"_s).toInteger() >= 6);
    QCOMPARE(full.final.value(u"resumed_checkins"_s).toInteger(), 0);
    QCOMPARE(full.final.value(u"latency_ms"_s).toObject().value(u"max"_s).toDouble(), 0.0);
    QCOMPARE(full.final.value(u"latency_ms"_s).toObject().value(u"p99"_s).toDouble(), 0.0);

    // A restarted node has a new ticket key: the agents' kept sessions are refused and each
    // falls back to a full handshake within the same connection: no TLS or pin failure.
    QProcess agents;
    agents.start(QStringLiteral(COHORT_AGENTS_PATH),
                 common.mid(0, common.indexOf(u"--duration"_s))
                     + QStringList{u"--summary-every"_s, u"0.2"_s, u"--json"_s});
    QVERIFY(agents.waitForStarted());
    QByteArray out;
    const auto latest = [&] {
        out += agents.readAllStandardOutput();
        const QList<QByteArray> lines = out.trimmed().split('\n');
        return QJsonDocument::fromJson(lines.constLast()).object();
    };
    QTRY_VERIFY_WITH_TIMEOUT(latest().value(u"resumed_checkins"_s).toInteger() >= 3, 20000);
    const QJsonObject before = latest();
    const QString address = cluster->apiAddress(node->guid());
    node->signal(SIGTERM);
    QVERIFY(node->waitForExit());
    NodeProcess *again = cluster->startNodeIn(u"only"_s, node->dataDir(), {u"--api"_s, address});
    QVERIFY(again->waitForJoined());
    QCOMPARE(cluster->apiAddress(again->guid()), address);
    // Rounds that failed while the node was away are counted by now: two summaries later.
    const qint64 joinedAt = latest().value(u"elapsed_ms"_s).toInteger();
    QTRY_VERIFY_WITH_TIMEOUT(latest().value(u"elapsed_ms"_s).toInteger() >= joinedAt + 400, 20000);
    const QJsonObject joined = latest();
    QTRY_VERIFY_WITH_TIMEOUT(
        latest().value(u"checkins"_s).toInteger() >= joined.value(u"checkins"_s).toInteger() + 9, 20000);
    ::kill(pid_t(agents.processId()), SIGTERM);
    QVERIFY(agents.waitForFinished(20000));
    out += agents.readAllStandardOutput();
    QJsonObject final;
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject summary = QJsonDocument::fromJson(line).object();
        if (summary.value(u"final"_s).toBool())
            final = summary;
    }
    QVERIFY2(!final.isEmpty(), agents.readAllStandardError().constData());
    const QByteArray shownRestart = QJsonDocument(joined).toJson() + QJsonDocument(final).toJson();
    // Once the node was back, no round failed: a refused ticket costs nothing but the
    // full handshake it turns into.
    QVERIFY2(final.value(u"failed_rounds"_s).toInteger() == joined.value(u"failed_rounds"_s).toInteger(),
             shownRestart.constData());
    QVERIFY2(final.value(u"attempt_failures"_s).toObject().value(u"pin"_s).toInteger() == 0,
             shownRestart.constData());
    // Since the restart each agent's first check-in was a full handshake; later ones resumed
    // the new node's sessions.
    const qint64 checkinsSince =
        final.value(u"checkins"_s).toInteger() - before.value(u"checkins"_s).toInteger();
    const qint64 resumedSince =
        final.value(u"resumed_checkins"_s).toInteger() - before.value(u"resumed_checkins"_s).toInteger();
    QVERIFY2(resumedSince <= checkinsSince - 3, shownRestart.constData());
    QVERIFY2(final.value(u"resumed_checkins"_s).toInteger() > joined.value(u"resumed_checkins"_s).toInteger(),
             shownRestart.constData());
}

void TestAgentsTool::checksInWithTwoNodes()
{
    QFETCH(QString, backend);
    auto created = TestCluster::create(backendFromName(backend), u"checksInWithTwoNodes"_s);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    const std::unique_ptr<TestCluster> cluster = std::move(created).value();
    NodeProcess *first = cluster->startNode(u"first"_s);
    NodeProcess *second = cluster->startNode(u"second"_s);
    QVERIFY(first->waitForJoined());
    QVERIFY(second->waitForJoined());
    const QString address = cluster->apiAddress(first->guid());
    const QString pin = cluster->apiPin(first->guid());

    // The list the nodes hand out once each knows both: its version is what every agent
    // must end up holding.
    const auto listOf = [&](const NodeProcess *node) {
        const QByteArray body =
            R"({"host_name":"probe","addresses":["127.0.0.1"],"version":"0.1.0","list_version":""})";
        const TlsAnswer answer = tlsExchange(
            cluster->apiAddress(node->guid()), cluster->apiPin(node->guid()),
            "POST /api/v1/agents/00000000-0000-4000-8000-000000000001/heartbeat HTTP/1.1\r\nHost: node\r\n"
            "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        return answer.json;
    };
    QTRY_VERIFY_WITH_TIMEOUT(listOf(first).value(u"managers"_s).toArray().size() == 2
                                 && listOf(second).value(u"version"_s) == listOf(first).value(u"version"_s),
                             30000);
    const QString version = listOf(first).value(u"version"_s).toString();
    QVERIFY(!version.isEmpty());

    // Started with the first node only: the first answer names both.
    // Ten check-ins a second: light enough for the sanitizers' slower nodes too.
    const int agents = 10;
    const AgentsRun run =
        runAgents({u"--managers"_s, address, u"--pin"_s, pin, u"--count"_s, QString::number(agents),
                   u"--interval"_s, u"1"_s, u"--duration"_s, u"6"_s, u"--summary-every"_s, u"1"_s,
                   u"--json"_s, u"--source-net"_s, u"127.2.0.0/16"_s});
    if (run.final.isEmpty() || run.final.value(u"checkins"_s).toInteger() == 0)
        cluster->printNodeOutput();
    QCOMPARE(run.exitCode, 0);
    const QJsonObject &final = run.final;
    const QByteArray shown = QJsonDocument(final).toJson();
    QCOMPARE(final.value(u"failed_rounds"_s).toInteger(), 0);
    QVERIFY2(final.value(u"checkins"_s).toInteger() >= agents * 3, shown.constData()); // about 6 each in 6 s
    const QJsonObject perNode = final.value(u"per_node"_s).toObject();
    QCOMPARE(perNode.size(), 2);
    QVERIFY2(perNode.value(first->guid()).toInteger() > 0, shown.constData());
    QVERIFY2(perNode.value(second->guid()).toInteger() > 0, shown.constData());
    QVERIFY(final.value(u"list_versions"_s).toArray().contains(version));
    QVERIFY(final.value(u"latency_ms"_s).toObject().value(u"p50"_s).toDouble() > 0);
    QVERIFY(final.value(u"rate_per_s"_s).toDouble() > 0);
    const QJsonArray detail = final.value(u"agents_detail"_s).toArray();
    QCOMPARE(detail.size(), agents);
    // A gap is measured between answers, so it is at most the longest wait (interval and
    // jitter: 1.1 s) plus the slowest answer; a heartbeat that went unanswered would add a
    // whole wait more (at least 0.9 s). The slowest answer is measured, not guessed: under
    // the sanitizers on a busy machine it is several hundred milliseconds.
    const qint64 slowest =
        qint64(std::ceil(final.value(u"latency_ms"_s).toObject().value(u"max"_s).toDouble()));
    const qint64 gapLimit = 1100 + slowest + 200; // 200 ms for the agents' own timer slack
    for (const QJsonValue &entry : detail) {
        const QJsonObject agent = entry.toObject();
        QVERIFY2(agent.value(u"checkins"_s).toInteger() >= 3, QJsonDocument(agent).toJson().constData());
        QCOMPARE(agent.value(u"failed_rounds"_s).toInteger(), 0);
        QCOMPARE(agent.value(u"list_version"_s).toString(), version);
        QVERIFY(agent.value(u"version_times"_s).toObject().contains(version));
        const QString lastNode = agent.value(u"last_node"_s).toString();
        QVERIFY(lastNode == first->guid() || lastNode == second->guid());
        // Every heartbeat arrived: no gap longer than one wait and the slowest answer.
        QVERIFY2(agent.value(u"max_gap_ms"_s).toInteger() < gapLimit,
                 qPrintable(u"limit %1 ms: %2"_s.arg(gapLimit).arg(
                     QString::fromUtf8(QJsonDocument(agent).toJson()))));
    }
}

QTEST_GUILESS_MAIN(TestAgentsTool)
#include "tst_agentstool.moc"
