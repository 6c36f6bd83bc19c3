// A live node's PostgreSQL session lock under faults of its sessions, with real node
// processes: sessions ended by an administrator (pg_terminate_backend) are not a death,
// the lock is taken again within a heartbeat and nobody takes the node's work; a killed
// node is noticed within about a second by its session, long before the heartbeat
// threshold. PostgreSQL only: SQLite has no sessions (its process check is in tst_node).
#include "alerts.h"
#include "jobpool.h"
#include "noderegistry.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestLiveness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("postgresql") << u"postgresql"_s;
    }
    void init();
    void cleanup();

    void endedSessionsAreNotADeath();
    void killedNodeIsNoticedBySession();

private:
    // Starts a node whose sessions carry its name, so the test can end them.
    NodeProcess *startNamed(const QString &name, const QStringList &extra = {})
    {
        const QString url = m_cluster->url() + (m_cluster->url().contains(u'?') ? u"&"_s : u"?"_s)
                            + u"application_name=cohort-"_s + name;
        return m_cluster->startNode(name, QStringList{u"--db"_s, url} + extra);
    }
    // The server process holding a node's session lock, 0 when none does.
    qint64 lockHolder(const QString &guid)
    {
        return m_cluster
            ->scalar(u"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = ? AND objid = ? "
                     "AND objsubid = 2 AND granted"_s,
                     {NodeRegistry::LivenessLockClass, qint64(NodeRegistry::livenessKey(guid))})
            .toLongLong();
    }

    std::unique_ptr<TestCluster> m_cluster;
};

void TestLiveness::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestLiveness::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

void TestLiveness::endedSessionsAreNotADeath()
{
    NodeProcess *a = startNamed(u"a"_s);
    QVERIFY(a->waitForJoined());
    NodeProcess *b = startNamed(u"b"_s);
    QVERIFY(b->waitForJoined());
    const QString guid = a->guid();
    // b trusts a missing lock only once its own session has stood 6 s: let it.
    const qint64 start = m_cluster->heartbeatCount(b->guid());
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster->heartbeatCount(b->guid()) >= start + 8, 30000);
    const qint64 before = lockHolder(guid);
    QVERIFY(before != 0);

    // An administrator ends every session of node a: its lock, its heartbeat, its job loop.
    const int ended = m_cluster
                          ->scalar(u"SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE application_name = 'cohort-a'"_s)
                          .toInt();
    QVERIFY2(ended >= 2, qPrintable(QString::number(ended))); // at least the lock's and another
    QElapsedTimer since;
    since.start();
    // The lock comes back on a new session, in practice within a heartbeat or two (the
    // figure is printed, not asserted: this machine is shared). Had it stayed free past
    // b's grace, b would have taken a over, which the checks below catch.
    QTRY_VERIFY_WITH_TIMEOUT(lockHolder(guid) != 0 && lockHolder(guid) != before, 20000);
    qInfo("node a holds its session lock again after %lld ms", since.elapsed());

    // Nobody took it over, and it keeps working.
    const qint64 beats = m_cluster->heartbeatCount(guid);
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster->heartbeatCount(guid) >= beats + 5, 20000);
    QCOMPARE(m_cluster->nodeState(guid), u"online"_s);
    QVERIFY2(!b->output().contains(u"marked node a"_s), qPrintable(b->output()));
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ?"_s, {AlertKind::NodeOffline}).toInt(),
        0);
    QList<JobSpec> jobs(20, JobSpec{});
    for (JobSpec &job : jobs)
        job.type = u"noop"_s;
    QCOMPARE(*JobPool::submit(m_cluster->database(), jobs), 20);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'noop' AND state = 'succeeded'"_s).toInt(),
        20, 30000);
    QVERIFY(a->running());
}

void TestLiveness::killedNodeIsNoticedBySession()
{
    // A threshold of a minute: only the session can tell so soon.
    const QStringList slow{u"--offline-after"_s, u"60"_s};
    NodeProcess *victim = startNamed(u"victim"_s, slow);
    QVERIFY(victim->waitForJoined());
    NodeProcess *peer = startNamed(u"peer"_s, slow);
    QVERIFY(peer->waitForJoined());
    const qint64 start = m_cluster->heartbeatCount(peer->guid());
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster->heartbeatCount(peer->guid()) >= start + 8, 30000);

    const QString guid = victim->guid();
    QElapsedTimer since;
    victim->signal(SIGKILL);
    since.start();
    QVERIFY(victim->waitForExit(10000));
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(guid), u"offline"_s, 30000);
    qInfo("killed node marked Offline after %lld ms (threshold 60 s)", since.elapsed());
    QTRY_VERIFY_WITH_TIMEOUT(
        peer->output().contains(u"database session ended and nothing listens on its API port"_s), 15000);
}

QTEST_GUILESS_MAIN(TestLiveness)
#include "tst_liveness.moc"
