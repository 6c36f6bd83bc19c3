// The SQLite database's disk fills up under load (issue 11, scenario 12): the cluster's
// file lives on a small tmpfs of its own, which the test fills with a filler file while
// nodes claim and complete jobs, holds full past the offline threshold, then empties.
// Claims, heartbeats and completions fail with SQLite's "database or disk is full"; the
// nodes stay up, resume when space returns, and FaultScenario's invariants hold; the
// file passes SQLite's integrity check (nothing half-written). A real full file system
// rather than PRAGMA max_page_count, which only caps the connection that sets it.
// Needs root, as the test command runs: it mounts the tmpfs. CTest label "faults".
#include "faultscenario.h"
#include "testcluster.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr int ThresholdMs = 5000;

} // namespace

class TestFaultsDiskFull : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void sqliteDiskFullUnderLoad();

private:
    bool mount(const QString &folder, const QString &size);
    // Writes a filler file until the file system refuses; its size in bytes (-1: error).
    static qint64 fill(const QString &path);

    QTemporaryDir m_mountPoint;
    bool m_mounted = false;
    std::unique_ptr<TestCluster> m_cluster;
};

bool TestFaultsDiskFull::mount(const QString &folder, const QString &size)
{
    QProcess process;
    process.start(u"mount"_s,
                  {u"-t"_s, u"tmpfs"_s, u"-o"_s, u"size=%1"_s.arg(size), u"cohort-test"_s, folder});
    if (!process.waitForFinished(30000) || process.exitCode() != 0) {
        qWarning().noquote() << "cannot mount a tmpfs on" << folder
                             << "(the test needs root):" << process.readAllStandardError();
        return false;
    }
    m_mounted = true;
    return true;
}

qint64 TestFaultsDiskFull::fill(const QString &path)
{
    QFile filler(path);
    if (!filler.open(QIODevice::WriteOnly))
        return -1;
    const QByteArray chunk(64 * 1024, 'x');
    qint64 written = 0;
    for (;;) {
        const qint64 n = filler.write(chunk);
        if (n <= 0 || !filler.flush())
            break;
        written += n;
    }
    // A last partial chunk may sit in the buffer: what did not fit is dropped.
    filler.close();
    return written;
}

void TestFaultsDiskFull::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(60);
    m_cluster.reset(); // the nodes first: they hold the file open
    if (m_mounted) {
        QProcess::execute(u"umount"_s, {u"-l"_s, m_mountPoint.path()});
        m_mounted = false;
    }
}

void TestFaultsDiskFull::sqliteDiskFullUnderLoad()
{
    QVERIFY(m_mountPoint.isValid());
    QVERIFY2(mount(m_mountPoint.path(), u"16m"_s), "mounting a 16 MB tmpfs for the database");
    const QString file = QDir(m_mountPoint.path()).filePath(u"cohort.db"_s);
    auto created = TestCluster::createAt(u"sqlite:"_s + file, u"diskfull"_s);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    m_cluster = std::move(created).value();

    FaultScenario scenario(*m_cluster, u"sqlite"_s);
    NodeProcess *nodes[] = {m_cluster->startNode(u"f1"_s, {u"--workers"_s, u"4"_s, u"--batch"_s, u"8"_s}),
                            m_cluster->startNode(u"f2"_s, {u"--workers"_s, u"4"_s, u"--batch"_s, u"8"_s})};
    for (NodeProcess *node : nodes)
        QVERIFY(node->waitForJoined());
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 10}"_s, 3000).size(), 3000);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt()
            >= 200,
        60000);

    // Full: the nodes' next writes need room the file system no longer has.
    m_cluster->database().resetConnection();
    const QString filler = QDir(m_mountPoint.path()).filePath(u"filler"_s);
    QVERIFY(fill(filler) > 0);
    QElapsedTimer full;
    full.start();
    // Every node runs into it and says so once, and none gives up.
    for (NodeProcess *node : nodes)
        QTRY_VERIFY_WITH_TIMEOUT(node->output().contains(u"database or disk is full"_s), 30000);
    scenario.figure(u"noticed_full_ms"_s, full.elapsed());
    // Held full past the offline threshold: nobody can record a heartbeat, so none can
    // be judged by one either.
    QTRY_VERIFY_WITH_TIMEOUT(full.elapsed() >= 2 * ThresholdMs, 3 * ThresholdMs);
    for (NodeProcess *node : nodes) {
        QVERIFY2(node->running(), qPrintable(node->name() + u" exited while the disk was full"_s));
        // What it started so far may run again if a peer takes it over once space returns.
        scenario.noteFault(*node);
    }

    // Space returns: the nodes resume by themselves.
    QVERIFY(QFile::remove(filler));
    QElapsedTimer resumed;
    resumed.start();
    const int doneAtReturn =
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s)
            .toInt();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'sleep' AND state = 'succeeded'"_s).toInt()
            > doneAtReturn + 50,
        60000);
    scenario.figure(u"resumed_ms"_s, resumed.elapsed());
    QVERIFY(scenario.waitAllFinished(120000));
    QVERIFY(scenario.waitAllOnline(20000));
    for (NodeProcess *node : nodes) {
        QVERIFY(node->running());
        // Said once per outage, not at every retry; and nothing else went wrong meanwhile.
        const QString output = node->output();
        QVERIFY2(output.count(u"the database is unavailable"_s) <= 3, qPrintable(output.right(3000)));
        QVERIFY2(output.contains(u"the database is available again after"_s), qPrintable(output.right(3000)));
        QVERIFY2(!output.contains(u"rollback failed"_s), qPrintable(output.right(3000)));
        QVERIFY2(output.count(u"cannot record the probes of the peers"_s) <= 3,
                 qPrintable(output.right(3000)));
    }
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    scenario.figure(u"re_executions"_s, scenario.reExecutions());
    // A node whose heartbeats all failed for longer than the threshold while a peer's got
    // through now and then is declared Offline like any silent node (and rejoins); the
    // jobs it was running are the re-executions above.
    scenario.figure(u"declared_offline"_s,
                    m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline'"_s).toInt());
    // Nothing half-written.
    QCOMPARE(m_cluster->scalar(u"PRAGMA integrity_check"_s).toString(), u"ok"_s);
}

QTEST_GUILESS_MAIN(TestFaultsDiskFull)
#include "tst_faults_diskfull.moc"
