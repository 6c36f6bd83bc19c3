// cohort-node's configuration: INI file and flags (flags win), defaults, and a clear
// one-line error with exit code 2 for every bad value, before anything starts.
#include "nodeconfig.h"
#include "nodeservice.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Cohort;

class TestNodeConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void fileThenFlags();
    void badValues_data();
    void badValues();
    void badValueExitsWithUsage();
    void apiAddressHalves_data();
    void apiAddressHalves();
    void helpListsEveryFlag();
    void explicitTimingIsRecorded_data();
    void explicitTimingIsRecorded();
    void timingFollowsCluster_data();
    void timingFollowsCluster();
    void systemdUnitLeavesAnUpgradeRequiredNodeDown();

private:
    QString writeIni(const QByteArray &content);
    QTemporaryDir m_dir;
};

QString TestNodeConfig::writeIni(const QByteArray &content)
{
    static int count = 0;
    const QString path = m_dir.filePath(u"node-%1.ini"_s.arg(++count));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(content);
    return path;
}

void TestNodeConfig::defaults()
{
    auto config = NodeConfig::parse({u"--db"_s, u"sqlite:/tmp/x.db"_s, u"--secret-file"_s, u"/tmp/s"_s});
    QVERIFY2(config.ok(), qPrintable(config.message()));
    QCOMPARE(config->heartbeatSeconds, 10);
    QCOMPARE(config->offlineAfterSeconds, 180);
    QCOMPARE(config->workers, 4);
    QCOMPARE(config->apiThreads, 1);
    QVERIFY(!config->name.isEmpty());
    QVERIFY(config->apiAddress.endsWith(u":8443"_s));
    QVERIFY(config->guidFile().endsWith(u"/node.guid"_s));
}

void TestNodeConfig::fileThenFlags()
{
    const QString ini =
        writeIni("[node]\ndb=postgresql://u:p,q@h:5432/d\nname=from-file\nworkers=8\nheartbeat=5\n"
                 "offline-after=60\nsecret-file=/tmp/secret\napi=node1.example:9443\napi-threads=3\n"
                 "trusted-proxy=10.0.0.5,2001:db8::5\n");
    auto config = NodeConfig::parse({u"--config"_s, ini, u"--workers"_s, u"16"_s});
    QVERIFY2(config.ok(), qPrintable(config.message()));
    QCOMPARE(config->databaseUrl, u"postgresql://u:p,q@h:5432/d"_s);
    QCOMPARE(config->name, u"from-file"_s);
    QCOMPARE(config->workers, 16); // the flag wins
    QCOMPARE(config->heartbeatSeconds, 5);
    QCOMPARE(config->offlineAfterSeconds, 60);
    QCOMPARE(config->apiAddress, u"node1.example:9443"_s);
    QCOMPARE(config->apiThreads, 3);
    QCOMPARE(config->trustedProxies, QStringList({u"10.0.0.5"_s, u"2001:db8::5"_s}));
}

void TestNodeConfig::badValues_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QStringList base{u"--db"_s, u"sqlite:/tmp/x.db"_s, u"--secret-file"_s, u"/tmp/s"_s};
    QTest::newRow("no db") << QStringList{u"--secret-file"_s, u"/tmp/s"_s} << u"--db URL"_s;
    QTest::newRow("bad db") << QStringList{u"--db"_s, u"mysql://x/y"_s, u"--secret-file"_s, u"/tmp/s"_s}
                            << u"mysql"_s;
    QTest::newRow("no secret") << QStringList{u"--db"_s, u"sqlite:/tmp/x.db"_s} << u"--secret-file"_s;
    QTest::newRow("workers zero") << base + QStringList{u"--workers"_s, u"0"_s} << u"--workers must be"_s;
    QTest::newRow("workers text") << base + QStringList{u"--workers"_s, u"many"_s} << u"not \"many\""_s;
    QTest::newRow("api threads zero")
        << base + QStringList{u"--api-threads"_s, u"0"_s} << u"--api-threads must be"_s;
    QTest::newRow("api threads 65") << base + QStringList{u"--api-threads"_s, u"65"_s}
                                    << u"--api-threads must be"_s;
    QTest::newRow("trusted proxy name") << base + QStringList{u"--trusted-proxy"_s, u"10.0.0.5,lb.example"_s}
                                        << u"\"lb.example\" is not one"_s;
    QTest::newRow("trusted proxy empty entry")
        << base + QStringList{u"--trusted-proxy"_s, u"10.0.0.5, ,10.0.0.6"_s}
        << u"--trusted-proxy must list IP addresses"_s;
    QTest::newRow("heartbeat huge") << base + QStringList{u"--heartbeat"_s, u"100000"_s}
                                    << u"--heartbeat must be"_s;
    QTest::newRow("offline before heartbeat")
        << base + QStringList{u"--heartbeat"_s, u"10"_s, u"--offline-after"_s, u"15"_s}
        << u"at least twice"_s;
    QTest::newRow("offline before heartbeat, one in the file")
        << base
               + QStringList{u"--config"_s, writeIni("[node]\noffline-after=15\n"), u"--heartbeat"_s, u"10"_s}
        << u"at least twice"_s;
    QTest::newRow("api without port")
        << base + QStringList{u"--api"_s, u"host"_s} << u"--api must be HOST:PORT"_s;
    QTest::newRow("api bad port") << base + QStringList{u"--api"_s, u"host:99999"_s}
                                  << u"--api must be HOST:PORT"_s;
    QTest::newRow("api bad host") << base + QStringList{u"--api"_s, u"ho st;rm:80"_s}
                                  << u"--api must be HOST:PORT"_s;
    QTest::newRow("api negative port")
        << base + QStringList{u"--api"_s, u"host:-1"_s} << u"--api must be HOST:PORT"_s;
    QTest::newRow("empty name") << base + QStringList{u"--name"_s, u"  "_s} << u"--name must be"_s;
    QTest::newRow("unknown flag") << base + QStringList{u"--wrokers"_s, u"3"_s} << u"wrokers"_s;
    QTest::newRow("positional") << base + QStringList{u"extra"_s} << u"Unexpected argument"_s;
    QTest::newRow("missing config") << base + QStringList{u"--config"_s, u"/nonexistent/node.ini"_s}
                                    << u"does not exist"_s;
}

void TestNodeConfig::badValues()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    auto config = NodeConfig::parse(arguments);
    QVERIFY(!config.ok());
    QVERIFY2(config.message().contains(message), qPrintable(config.message()));
    QVERIFY(!config.message().contains(u'\n'));
}

void TestNodeConfig::apiAddressHalves_data()
{
    QTest::addColumn<QString>("api");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::newRow("name") << u"node1.example:9443"_s << u"node1.example"_s << 9443;
    // Port 0: any free port; the node records the one it got.
    QTest::newRow("any free port") << u"127.0.0.1:0"_s << u"127.0.0.1"_s << 0;
    QTest::newRow("IPv6") << u"[::1]:8443"_s << u"[::1]"_s << 8443;
}

void TestNodeConfig::apiAddressHalves()
{
    QFETCH(QString, api);
    QFETCH(QString, host);
    QFETCH(int, port);
    auto config = NodeConfig::parse(
        {u"--db"_s, u"sqlite:/tmp/x.db"_s, u"--secret-file"_s, u"/tmp/s"_s, u"--api"_s, api});
    QVERIFY2(config.ok(), qPrintable(config.message()));
    QCOMPARE(config->apiAddress, api);
    QCOMPARE(config->apiHost(), host);
    QCOMPARE(int(config->apiPort()), port);
}

void TestNodeConfig::badValueExitsWithUsage()
{
    const QString ini = writeIni("[node]\ndb=sqlite:/tmp/x.db\nsecret-file=/tmp/s\nwrokers=3\n");
    struct Case
    {
        QStringList arguments;
        QString message;
    } cases[] = {
        {{u"--db"_s, u"sqlite:/tmp/x.db"_s, u"--secret-file"_s, u"/tmp/s"_s, u"--workers"_s, u"-1"_s},
         u"--workers"_s},
        {{u"--config"_s, ini}, u"Unknown setting \"node/wrokers\""_s},
    };
    for (const Case &testCase : cases) {
        QProcess node;
        node.start(QStringLiteral(COHORT_NODE_PATH), testCase.arguments);
        QVERIFY(node.waitForFinished(30000));
        QCOMPARE(node.exitStatus(), QProcess::NormalExit);
        QCOMPARE(node.exitCode(), 2);
        const QString err = QString::fromUtf8(node.readAllStandardError()).trimmed();
        QVERIFY2(err.startsWith(u"cohort-node: error: "_s), qPrintable(err));
        QVERIFY2(err.contains(testCase.message), qPrintable(err));
        QCOMPARE(err.count(u'\n'), 0);
    }
}

void TestNodeConfig::helpListsEveryFlag()
{
    const QString help = NodeConfig::helpText();
    for (const QString &flag :
         {u"--config"_s, u"--db"_s, u"--name"_s, u"--api"_s, u"--data-dir"_s, u"--secret-file"_s,
          u"--workers"_s, u"--heartbeat"_s, u"--offline-after"_s, u"--grace"_s, u"--batch"_s,
          u"--api-threads"_s, u"--trusted-proxy"_s, u"--execution-log"_s})
        QVERIFY2(help.contains(flag), qPrintable(flag));
    QProcess node;
    node.start(QStringLiteral(COHORT_NODE_PATH), {u"--help"_s});
    QVERIFY(node.waitForFinished(30000));
    QCOMPARE(node.exitCode(), 0);
    const QString output = QString::fromUtf8(node.readAllStandardOutput());
    QVERIFY(output.contains(u"--offline-after"_s));
    // Both timing flags say they override the cluster's settings (the help wraps lines).
    QCOMPARE(output.simplified().count(u"Overrides the cluster setting"_s), 2);
}

void TestNodeConfig::explicitTimingIsRecorded_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("ini");
    QTest::addColumn<bool>("heartbeatExplicit");
    QTest::addColumn<bool>("offlineAfterExplicit");
    QTest::addColumn<int>("heartbeat");
    QTest::addColumn<int>("offlineAfter");
    QTest::newRow("neither") << QStringList{} << QByteArray() << false << false << 10 << 180;
    QTest::newRow("heartbeat flag") << QStringList{u"--heartbeat"_s, u"3"_s} << QByteArray() << true << false
                                    << 3 << 180;
    QTest::newRow("offline-after flag")
        << QStringList{u"--offline-after"_s, u"30"_s} << QByteArray() << false << true << 10 << 30;
    QTest::newRow("both flags") << QStringList{u"--heartbeat"_s, u"1"_s, u"--offline-after"_s, u"5"_s}
                                << QByteArray() << true << true << 1 << 5;
    QTest::newRow("heartbeat in the file")
        << QStringList{} << QByteArray("heartbeat=4\n") << true << false << 4 << 180;
    QTest::newRow("one in the file, one a flag")
        << QStringList{u"--heartbeat"_s, u"5"_s} << QByteArray("offline-after=60\n") << true << true << 5
        << 60;
    QTest::newRow("other keys in the file")
        << QStringList{} << QByteArray("workers=2\n") << false << false << 10 << 180;
    // Alone, a heartbeat past half the default threshold is fine: the threshold, from the
    // cluster, gives way (timingFollowsCluster).
    QTest::newRow("slow heartbeat alone")
        << QStringList{u"--heartbeat"_s, u"120"_s} << QByteArray() << true << false << 120 << 180;
}

void TestNodeConfig::explicitTimingIsRecorded()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, ini);
    QFETCH(bool, heartbeatExplicit);
    QFETCH(bool, offlineAfterExplicit);
    QFETCH(int, heartbeat);
    QFETCH(int, offlineAfter);
    QStringList all{u"--db"_s, u"sqlite:/tmp/x.db"_s, u"--secret-file"_s, u"/tmp/s"_s};
    if (!ini.isEmpty())
        all << u"--config"_s << writeIni("[node]\n" + ini);
    auto config = NodeConfig::parse(all + arguments);
    QVERIFY2(config.ok(), qPrintable(config.message()));
    QCOMPARE(config->heartbeatExplicit, heartbeatExplicit);
    QCOMPARE(config->offlineAfterExplicit, offlineAfterExplicit);
    QCOMPARE(config->heartbeatSeconds, heartbeat);
    QCOMPARE(config->offlineAfterSeconds, offlineAfter);
    const NodeTiming timing = config->timing();
    QCOMPARE(timing.heartbeatExplicit, heartbeatExplicit);
    QCOMPARE(timing.offlineAfterExplicit, offlineAfterExplicit);
    QCOMPARE(timing.followsCluster(), !(heartbeatExplicit && offlineAfterExplicit));
}

void TestNodeConfig::timingFollowsCluster_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("clusterHeartbeat");
    QTest::addColumn<int>("clusterOfflineAfter");
    QTest::addColumn<int>("heartbeat");
    QTest::addColumn<int>("offlineAfter");
    QTest::addColumn<QString>("adjustment"); // empty: none
    const QStringList hb1{u"--heartbeat"_s, u"1"_s};
    QTest::newRow("cluster") << QStringList{} << 1 << 4 << 1 << 4 << QString();
    QTest::newRow("cluster defaults") << QStringList{} << 10 << 180 << 10 << 180 << QString();
    QTest::newRow("cluster pair inconsistent") << QStringList{} << 10 << 15 << 10 << 20 << u"disagree"_s;
    QTest::newRow("heartbeat given") << hb1 << 10 << 180 << 1 << 180 << QString();
    QTest::newRow("heartbeat given, threshold too short")
        << QStringList{u"--heartbeat"_s, u"30"_s} << 10 << 40 << 30 << 60 << u"less than twice --heartbeat"_s;
    QTest::newRow("threshold given") << QStringList{u"--offline-after"_s, u"60"_s} << 1 << 180 << 1 << 60
                                     << QString();
    QTest::newRow("threshold given, heartbeat too slow")
        << QStringList{u"--offline-after"_s, u"5"_s} << 10 << 180 << 2 << 5
        << u"more than half of --offline-after"_s;
    QTest::newRow("both given") << QStringList{u"--heartbeat"_s, u"1"_s, u"--offline-after"_s, u"5"_s} << 30
                                << 600 << 1 << 5 << QString();
}

void TestNodeConfig::timingFollowsCluster()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, clusterHeartbeat);
    QFETCH(int, clusterOfflineAfter);
    QFETCH(int, heartbeat);
    QFETCH(int, offlineAfter);
    QFETCH(QString, adjustment);
    auto config = NodeConfig::parse(
        QStringList{u"--db"_s, u"sqlite:/tmp/x.db"_s, u"--secret-file"_s, u"/tmp/s"_s} + arguments);
    QVERIFY2(config.ok(), qPrintable(config.message()));
    QStringList adjustments;
    const NodeTiming timing =
        config->timing().withCluster(clusterHeartbeat, clusterOfflineAfter, &adjustments);
    QCOMPARE(timing.heartbeatSeconds, heartbeat);
    QCOMPARE(timing.offlineAfterSeconds, offlineAfter);
    QVERIFY(timing.offlineAfterSeconds >= 2 * timing.heartbeatSeconds);
    if (adjustment.isEmpty()) {
        QVERIFY2(adjustments.isEmpty(), qPrintable(adjustments.join(u' ')));
    } else {
        QCOMPARE(adjustments.size(), 1);
        QVERIFY2(adjustments.first().contains(adjustment), qPrintable(adjustments.first()));
    }
}

void TestNodeConfig::systemdUnitLeavesAnUpgradeRequiredNodeDown()
{
    // The unit we ship: systemd restarts a failed node, but not one that exited because a
    // newer node took over (it would only be refused again) nor one badly configured.
    QFile unit(QStringLiteral(COHORT_SOURCE_DIR "/deploy/cohort-node.service"));
    QVERIFY(unit.open(QIODevice::ReadOnly | QIODevice::Text));
    const QString text = QString::fromUtf8(unit.readAll());
    QHash<QString, QString> service;
    QString section;
    for (const QString &raw : text.split(u'\n')) {
        const QString line = raw.trimmed();
        if (line.startsWith(u'[')) {
            section = line;
        } else if (section == u"[Service]"_s && !line.isEmpty() && !line.startsWith(u'#')) {
            service.insert(line.section(u'=', 0, 0), line.section(u'=', 1));
        }
    }
    QCOMPARE(service.value(u"Restart"_s), u"on-failure"_s);
    const QStringList prevented =
        service.value(u"RestartPreventExitStatus"_s).split(u' ', Qt::SkipEmptyParts);
    QVERIFY2(prevented.contains(QString::number(NodeExitUpgradeRequired)), qPrintable(prevented.join(u' ')));
    QVERIFY2(prevented.contains(QString::number(NodeExitUsage)), qPrintable(prevented.join(u' ')));
    QVERIFY(!prevented.contains(QString::number(NodeExitFailure)));
    QVERIFY(service.value(u"ExecStart"_s).contains(u"cohort-node "_s));

    // systemd itself accepts it (with the program where this build put it).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile copy(dir.filePath(u"cohort-node.service"_s));
    QVERIFY(copy.open(QIODevice::WriteOnly | QIODevice::Text));
    copy.write(QString(text).replace(u"/usr/bin/cohort-node"_s, QStringLiteral(COHORT_NODE_PATH)).toUtf8());
    copy.close();
    QProcess verify;
    verify.setProcessChannelMode(QProcess::MergedChannels);
    verify.start(u"systemd-analyze"_s, {u"verify"_s, copy.fileName()});
    QVERIFY2(verify.waitForFinished(60000), "systemd-analyze (Debian package systemd) did not run");
    const QString said = QString::fromUtf8(verify.readAll());
    QVERIFY2(verify.exitStatus() == QProcess::NormalExit && verify.exitCode() == 0, qPrintable(said));
}

QTEST_GUILESS_MAIN(TestNodeConfig)
#include "tst_nodeconfig.moc"
