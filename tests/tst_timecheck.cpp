// Manager Time Out of Sync with real node processes, on both databases: a node started in
// another time zone (TZ), or whose clock libfaketime shifted, raises the alert naming
// itself and the difference; once fixed (restarted in the right zone, its clock put back
// while it runs) the alert clears. Nobody is marked Offline for it: liveness does not use
// these clocks. Core's zone comparison is checked on its own too.
#include "alerts.h"
#include "clustersettings.h"
#include "ctlrun.h"
#include "noderegistry.h"
#include "nodestablemodel.h"
#include "systemsettings.h"
#include "testcluster.h"
#include "testdatabase.h"
#include "timecheck.h"

#include <QDateTime>
#include <QFile>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestTimeCheck : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void zonesAreComparedByTheirRules();
    void otherTimeZoneRaisesAndClears();
    void shiftedClockRaisesAndClears();

private:
    // The zone the database keeps (PostgreSQL's TimeZone; the machine's for SQLite).
    QString databaseZone();
    int openAlerts(const QString &guid);
    QString alertMessage(const QString &guid);
    // Waits a few heartbeats of node, then checks nobody was marked Offline meanwhile.
    void checkNobodyMarkedOffline(NodeProcess *node);

    std::unique_ptr<TestCluster> m_cluster;
};

void TestTimeCheck::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestTimeCheck::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

QString TestTimeCheck::databaseZone()
{
    if (m_cluster->database().url().backend() == Backend::Sqlite)
        return TimeCheck::machineZone();
    return m_cluster->scalar(u"SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'"_s).toString();
}

int TestTimeCheck::openAlerts(const QString &guid)
{
    return m_cluster
        ->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ? AND node_guid = ? AND cleared_at IS NULL"_s,
                 {AlertKind::TimeOutOfSync, guid})
        .toInt();
}

QString TestTimeCheck::alertMessage(const QString &guid)
{
    return m_cluster
        ->scalar(u"SELECT message FROM alerts WHERE kind = ? AND node_guid = ? ORDER BY id DESC"_s,
                 {AlertKind::TimeOutOfSync, guid})
        .toString();
}

void TestTimeCheck::checkNobodyMarkedOffline(NodeProcess *node)
{
    const qint64 beats = m_cluster->heartbeatCount(node->guid());
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster->heartbeatCount(node->guid()) >= beats + 6, 30000);
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM nodes WHERE state <> 'online'"_s).toInt(), 0);
    for (const auto &each : m_cluster->nodes())
        QVERIFY2(!each->output().contains(u"marked node"_s), qPrintable(each->output()));
}

void TestTimeCheck::zonesAreComparedByTheirRules()
{
    const qint64 january = QDateTime(QDate(2026, 1, 15), QTime(12, 0), Qt::UTC).toMSecsSinceEpoch();
    QVERIFY(TimeCheck::zonesAgree(u"UTC"_s, u"Etc/UTC"_s, january));
    QVERIFY(TimeCheck::zonesAgree(u"Europe/Berlin"_s, u"Europe/Paris"_s, january));
    // The same offset in January, not in July: different zones.
    QVERIFY(!TimeCheck::zonesAgree(u"Europe/Berlin"_s, u"Africa/Lagos"_s, january));
    QVERIFY(!TimeCheck::zonesAgree(u"UTC"_s, u"Asia/Tokyo"_s, january));
    QVERIFY(!TimeCheck::zonesAgree(u"Nowhere/Special"_s, u"UTC"_s, january));
    QVERIFY(TimeCheck::zonesAgree(u"Nowhere/Special"_s, u"nowhere/special"_s, january));
}

void TestTimeCheck::otherTimeZoneRaisesAndClears()
{
    const QString reference = databaseZone();
    QVERIFY(!reference.isEmpty());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString other =
        TimeCheck::zonesAgree(reference, u"Asia/Tokyo"_s, now) ? u"America/New_York"_s : u"Asia/Tokyo"_s;

    NodeProcess *steady = m_cluster->startNodeIn(u"steady"_s, m_cluster->scratchPath(u"node-steady"_s), {},
                                                 TestCluster::Timing::Fast, {{u"TZ"_s, reference}});
    QVERIFY(steady->waitForJoined());
    NodeProcess *odd = m_cluster->startNodeIn(u"odd"_s, m_cluster->scratchPath(u"node-odd"_s), {},
                                              TestCluster::Timing::Fast, {{u"TZ"_s, other}});
    QVERIFY(odd->waitForJoined());
    const QString guid = odd->guid();

    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(guid), 1, 30000);
    const QString message = alertMessage(guid);
    QVERIFY2(message.startsWith(u"Manager Time Out of Sync on node odd: "_s), qPrintable(message));
    QVERIFY2(message.contains(other) && message.contains(reference), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(odd->output().contains(u"Manager Time Out of Sync"_s), 10000);
    QCOMPARE(m_cluster->scalar(u"SELECT tz_name FROM nodes WHERE guid = ?"_s, {guid}).toString(), other);
    QCOMPARE(openAlerts(steady->guid()), 0);
    checkNobodyMarkedOffline(steady);
    QCOMPARE(openAlerts(guid), 1); // raised once, not at every check
    // The command line shows the zone of each node and the open alert.
    const CtlRun nodes = runCtl({u"nodes"_s, u"--db"_s, m_cluster->url()});
    QCOMPARE(nodes.exitCode, 0);
    QVERIFY2(nodes.out.contains(other) && nodes.out.contains(u"CLOCK"_s), qPrintable(nodes.out));
    const CtlRun status = runCtl({u"status"_s, u"--db"_s, m_cluster->url()});
    QCOMPARE(status.exitCode, 0);
    QVERIFY2(status.out.contains(u"Open alerts:     1"_s) && status.out.contains(message),
             qPrintable(status.out));

    // Fixed: restarted in the database's zone, the same node clears its alert.
    odd->signal(SIGTERM);
    QVERIFY(odd->waitForExit());
    NodeProcess *fixed = m_cluster->startNodeIn(u"odd"_s, odd->dataDir(), {}, TestCluster::Timing::Fast,
                                                {{u"TZ"_s, reference}});
    QVERIFY(fixed->waitForJoined());
    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(guid), 0, 30000);
    QCOMPARE(m_cluster
                 ->scalar(u"SELECT cleared_by FROM alerts WHERE kind = ? AND node_guid = ?"_s,
                          {AlertKind::TimeOutOfSync, guid})
                 .toString(),
             guid);
    QTRY_VERIFY_WITH_TIMEOUT(fixed->output().contains(u"time in sync with the database again"_s), 10000);
}

void TestTimeCheck::shiftedClockRaisesAndClears()
{
    // libfaketime reads the node's offset from a file it checks again on each call, so the
    // test puts the clock back while the node runs.
    const QString clockFile = m_cluster->scratchPath(u"clock-skewed"_s);
    const auto setClock = [&](const QByteArray &offset) {
        QFile file(clockFile);
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(offset + '\n') > 0;
    };
    QVERIFY(setClock("+120s"));
    QHash<QString, QString> environment = TestCluster::fakeClock(QString());
    environment.remove(u"FAKETIME"_s);
    environment.insert(u"FAKETIME_TIMESTAMP_FILE"_s, clockFile);

    NodeProcess *steady = m_cluster->startNode(u"steady"_s);
    QVERIFY(steady->waitForJoined());
    NodeProcess *skewed = m_cluster->startNodeIn(u"skewed"_s, m_cluster->scratchPath(u"node-skewed"_s), {},
                                                 TestCluster::Timing::Fast, environment);
    QVERIFY(skewed->waitForJoined());
    const QString guid = skewed->guid();

    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(guid), 1, 30000);
    const QString message = alertMessage(guid);
    QVERIFY2(message.contains(u"skewed"_s) && message.contains(u"ahead of the database's"_s),
             qPrintable(message));
    const qint64 skew =
        m_cluster->scalar(u"SELECT clock_skew_ms FROM nodes WHERE guid = ?"_s, {guid}).toLongLong();
    QVERIFY2(qAbs(skew - 120000) < 10000, qPrintable(QString::number(skew)));
    // The console's Manager Nodes table shows the offset from what it reads.
    auto listed = NodeRegistry::list(m_cluster->database());
    QVERIFY2(listed.ok(), qPrintable(listed.message()));
    NodesTableModel model;
    QVERIFY(model.applySnapshot(*listed));
    bool shown = false;
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(NodesTableModel::GuidRole).toString() != guid)
            continue;
        const QModelIndex offset = model.index(row, NodesTableModel::ClockOffset);
        QCOMPARE(offset.data(NodesTableModel::SortRole).toLongLong(), skew);
        const QString text = offset.data().toString();
        QVERIFY2(text.endsWith(u" s"_s) && qAbs(text.chopped(2).toDouble() - 120.0) < 10.0, qPrintable(text));
        shown = true;
    }
    QVERIFY(shown);
    QCOMPARE(openAlerts(steady->guid()), 0);
    checkNobodyMarkedOffline(steady);

    // Put back while it runs: a later check (every five heartbeats) clears the alert.
    QVERIFY(setClock("+0"));
    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(guid), 0, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(skewed->output().contains(u"time in sync with the database again"_s), 10000);
    QVERIFY(qAbs(m_cluster->scalar(u"SELECT clock_skew_ms FROM nodes WHERE guid = ?"_s, {guid}).toLongLong())
            < 10000);
    checkNobodyMarkedOffline(steady);
    QVERIFY(skewed->running());
}

QTEST_GUILESS_MAIN(TestTimeCheck)
#include "tst_timecheck.moc"
