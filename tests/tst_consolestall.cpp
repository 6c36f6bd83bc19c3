// The console while its database stalls or goes away, on a private PostgreSQL server:
// the GUI thread keeps answering, a banner says the data is old, and the console
// recovers by itself once the server is back.
#include "clusterclient.h"
#include "consolescreenshot.h"
#include "consolesettings.h"
#include "database.h"
#include "mainwindow.h"
#include "nodespage.h"
#include "postgresserver.h"
#include "statusbanner.h"
#include "testcluster.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/types.h>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

constexpr int Patience = 30000;

// The postmaster and every process it started (one backend per connection).
QList<qint64> serverProcesses(qint64 postmaster)
{
    QList<qint64> pids{postmaster};
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        QFile stat(u"/proc/%1/stat"_s.arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == postmaster)
            pids.append(pid);
    }
    return pids;
}

void signalAll(const QList<qint64> &pids, int signalNumber)
{
    for (qint64 pid : pids)
        ::kill(pid_t(pid), signalNumber);
}

// How late a 10 ms timer fires on the GUI thread: the event loop's latency.
class LatencyProbe : public QObject
{
public:
    LatencyProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(IntervalMs);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 late = m_clock.restart() - IntervalMs;
            m_worstMs = qMax(m_worstMs, late);
        });
        m_clock.start();
        m_timer.start();
    }
    qint64 worstMs() const { return m_worstMs; }

private:
    static constexpr int IntervalMs = 10;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_worstMs = 0;
};

// A connection of the test's own that holds an exclusive lock on one table until released.
class TableLock
{
public:
    TableLock(const QString &url, const QString &table)
    {
        auto database = Database::fromUrl(url);
        QVERIFY2(database.ok(), qPrintable(database.message()));
        m_database = std::move(database).value();
        auto db = m_database->connection();
        QVERIFY2(db.ok(), qPrintable(db.message()));
        m_db = *db;
        QVERIFY(m_db.transaction());
        QSqlQuery lock(m_db);
        QVERIFY2(lock.exec(u"LOCK TABLE %1 IN ACCESS EXCLUSIVE MODE"_s.arg(table)), qPrintable(table));
        m_held = true;
    }
    ~TableLock() { release(); }
    bool held() const { return m_held; }
    void release()
    {
        if (m_held)
            m_db.rollback();
        m_held = false;
    }
    // Whether another session waits to read table.
    bool someoneWaitsFor(const QString &table)
    {
        auto waiting =
            m_database->exec(u"SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                             "WHERE NOT l.granted AND l.mode = 'AccessShareLock' AND c.relname = ?"_s,
                             {table});
        return waiting && waiting->next() && waiting->value(0).toInt() > 0;
    }

private:
    std::unique_ptr<Database> m_database;
    QSqlDatabase m_db;
    bool m_held = false;
};

} // namespace

class TestConsoleStall : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void slowRoundThatAnswersIsNotStalled();
    void stalledDatabaseDoesNotFreezeTheConsole();
    void unreachableDatabaseIsRetriedUntilBack();
    void reconnectingShowsProgressAndCanBeStopped();

private:
    QTemporaryDir m_config;
    std::unique_ptr<PostgresServer> m_server;
    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<ClusterClient> m_client;
    std::unique_ptr<ConsoleSettings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    QList<qint64> m_stopped;
};

void TestConsoleStall::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    auto server = PostgresServer::start();
    QVERIFY2(server.ok(), qPrintable(server.message()));
    m_server = std::move(server).value();
    auto name = m_server->createDatabase(u"stall"_s);
    QVERIFY2(name.ok(), qPrintable(name.message()));
    auto cluster = TestCluster::createAt(m_server->url(*name), u"stall"_s);
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
    QVERIFY(m_cluster->startNode(u"alpha"_s, {u"--offline-after"_s, u"600"_s})->waitForJoined());

    m_client = std::make_unique<ClusterClient>();
    m_client->setPollInterval(200);
    m_client->setStallAfter(1500);
    QSignalSpy loggedIn(m_client.get(), &ClusterClient::loginFinished);
    m_client->login(m_cluster->url(), u"admin"_s, u"correct horse battery"_s);
    QVERIFY(loggedIn.wait(Patience));
    QVERIFY2(loggedIn.first().at(0).toBool(), qPrintable(loggedIn.first().at(1).toString()));
    m_settings = std::make_unique<ConsoleSettings>();
    m_window = std::make_unique<MainWindow>(*m_client, *m_settings);
    m_window->show();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->nodesPage()->proxy()->rowCount(), 1, Patience);
}

void TestConsoleStall::cleanupTestCase()
{
    // Never leave a stopped server behind, whatever failed.
    signalAll(m_stopped, SIGCONT);
    m_window.reset();
    m_client.reset();
    m_cluster.reset();
    m_server.reset();
}

// A round that takes longer than the stall limit while each of its queries answers in time
// (what a day of statistics does on a large SQLite cluster) is not a stall: the banner stays
// hidden and the round completes. Two tables the round reads are locked one after the
// other, each for less than the limit (1.5 s), about 2 s in all.
void TestConsoleStall::slowRoundThatAnswersIsNotStalled()
{
    StatusBanner *banner = m_window->banner();
    QVERIFY(banner->isHidden());
    m_client->watchSystemInformation(60); // the round reads node_links too
    QSignalSpy states(m_client.get(), &ClusterClient::stateChanged);

    TableLock alerts(m_cluster->url(), u"alerts"_s);
    QVERIFY(alerts.held());
    QTRY_VERIFY_WITH_TIMEOUT(alerts.someoneWaitsFor(u"alerts"_s), Patience); // a round is held here
    const QDateTime before = m_client->lastRefresh();
    QTest::qWait(900);
    TableLock links(m_cluster->url(), u"node_links"_s);
    QVERIFY(links.held());
    alerts.release();
    QTRY_VERIFY_WITH_TIMEOUT(links.someoneWaitsFor(u"node_links"_s), Patience); // the same round, further on
    QTest::qWait(900);
    links.release();

    QTRY_VERIFY_WITH_TIMEOUT(m_client->lastRefresh() > before, Patience);
    for (const QList<QVariant> &change : std::as_const(states)) {
        QVERIFY2(change.at(0).value<ClusterClient::State>() != ClusterClient::State::Stalled,
                 "a round whose queries answered was taken for a stall");
    }
    QVERIFY(banner->isHidden());
    QCOMPARE(m_client->state(), ClusterClient::State::Connected);
    m_client->watchSystemInformation(0);
}

void TestConsoleStall::stalledDatabaseDoesNotFreezeTheConsole()
{
    StatusBanner *banner = m_window->banner();
    QVERIFY(banner->isHidden());
    const QDateTime before = m_client->lastRefresh();

    m_stopped = serverProcesses(m_server->pid());
    QVERIFY(m_stopped.size() > 1);
    signalAll(m_stopped, SIGSTOP);

    // The worker is stuck inside a query; the GUI says so and keeps answering. Latency is
    // probed while the test only waits, so that it measures the console, not the test.
    qint64 worst = 0;
    {
        LatencyProbe probe;
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isHidden(), Patience);
        QVERIFY2(banner->text().contains(u"not answering"_s), qPrintable(banner->text()));
        QCOMPARE(m_client->state(), ClusterClient::State::Stalled);
        // A busy bar: the console is waiting, with no end it could know.
        QVERIFY(banner->progress()->isVisible());
        QCOMPARE(banner->progress()->maximum(), 0);
        QVERIFY(!banner->stopButton()->isVisible());
        QTest::qWait(1500);
        worst = probe.worstMs();
    }
    // The last data stays on screen, and the user can move around.
    QCOMPARE(m_window->nodesPage()->proxy()->rowCount(), 1);
    for (int page = 0; page < MainWindow::PageCount; ++page) {
        QTest::keyClick(m_window.get(), Qt::Key(Qt::Key_1 + page), Qt::ControlModifier);
        QCOMPARE(int(m_window->currentPage()), page);
    }
    QTest::keyClick(m_window.get(), Qt::Key_1, Qt::ControlModifier);
    {
        LatencyProbe probe;
        QTest::qWait(1000);
        QCOMPARE(m_client->state(), ClusterClient::State::Stalled);
        worst = qMax(worst, probe.worstMs());
    }

    signalAll(m_stopped, SIGCONT);
    m_stopped.clear();
    LatencyProbe probe;
    const auto recovered = [&] {
        return banner->isHidden() && m_client->state() == ClusterClient::State::Connected
               && m_client->lastRefresh() > before;
    };
    QTRY_VERIFY_WITH_TIMEOUT(recovered(), Patience);
    worst = qMax(worst, probe.worstMs());
    qInfo() << "worst event-loop latency while stalled:" << worst << "ms";
    // A GUI thread that waited on the database would have been blocked for the whole stall
    // (2.5 s and more here). The bound is that, not a speed target: on a loaded machine
    // the scheduler alone can delay the event loop by a tenth of a second (132 ms was seen
    // with the rest of the suite running beside it). The speed of the GUI thread is measured
    // in bench/, where it is a figure.
    QVERIFY2(worst < 1000, qPrintable(u"the GUI thread was blocked for %1 ms"_s.arg(worst)));
}

void TestConsoleStall::unreachableDatabaseIsRetriedUntilBack()
{
    StatusBanner *banner = m_window->banner();
    QVERIFY(banner->isHidden());
    // pg_ctl runs on this thread and blocks it, so latency is probed only between its calls.
    QVERIFY2(m_server->stop().ok(), "stopping PostgreSQL");
    qint64 worst = 0;
    {
        LatencyProbe probe;
        QTRY_VERIFY_WITH_TIMEOUT(m_client->state() == ClusterClient::State::Unreachable, Patience);
        QVERIFY(!banner->isHidden());
        QVERIFY2(banner->text().contains(u"cannot be reached"_s), qPrintable(banner->text()));
        QCOMPARE(m_window->nodesPage()->proxy()->rowCount(), 1);
        // A retry or two with the server still down.
        QTest::qWait(2500);
        QCOMPARE(m_client->state(), ClusterClient::State::Unreachable);
        worst = probe.worstMs();
    }

    QVERIFY2(m_server->restart().ok(), "starting PostgreSQL again");
    LatencyProbe probe;
    const auto recovered = [&] {
        return banner->isHidden() && m_client->state() == ClusterClient::State::Connected;
    };
    QTRY_VERIFY_WITH_TIMEOUT(recovered(), Patience);
    QCOMPARE(m_window->nodesPage()->proxy()->rowCount(), 1);
    worst = qMax(worst, probe.worstMs());
    qInfo() << "worst event-loop latency while unreachable:" << worst << "ms";
    // Not a speed target either (see above): a GUI thread that slept between retries, or
    // waited out a connection attempt, would be blocked for a second and more.
    QVERIFY2(worst < 1000, qPrintable(u"the GUI thread was blocked for %1 ms"_s.arg(worst)));
}

// Reconnecting is long work too: a bar counts down to the next try, and Stop Retrying
// ends the tries until Retry Now.
void TestConsoleStall::reconnectingShowsProgressAndCanBeStopped()
{
    StatusBanner *banner = m_window->banner();
    QVERIFY(banner->isHidden());
    QVERIFY2(m_server->stop().ok(), "stopping PostgreSQL");
    QTRY_VERIFY_WITH_TIMEOUT(m_client->state() == ClusterClient::State::Unreachable, Patience);
    QVERIFY(banner->progress()->isVisible());
    QVERIFY(banner->stopButton()->isVisible());
    QVERIFY(banner->retryButton()->isVisible());
    QVERIFY(banner->progress()->maximum() >= 1000);
    // The bar moves towards the next try.
    const int first = banner->progress()->value();
    QTRY_VERIFY_WITH_TIMEOUT(banner->progress()->value() > first
                                 || m_client->msToNextRetry() > banner->progress()->maximum() - first,
                             Patience);
    bool failed = false;
    saveScreenshot(m_window.get(), u"reconnecting"_s, m_cluster->url(), &failed);
    QVERIFY(!failed);

    const int backoff = m_client->retryInMs();
    QTest::mouseClick(banner->stopButton(), Qt::LeftButton);
    QVERIFY(m_client->retriesStopped());
    QCOMPARE(m_client->msToNextRetry(), -1);
    QVERIFY2(banner->text().contains(u"Retrying has stopped"_s), qPrintable(banner->text()));
    QVERIFY(!banner->progress()->isVisible());
    QVERIFY(!banner->stopButton()->isVisible());

    // With the server back, nothing is tried until the user asks: the next automatic try
    // was due within one backoff, so a round within two would have been one.
    QVERIFY2(m_server->restart().ok(), "starting PostgreSQL again");
    QSignalSpy states(m_client.get(), &ClusterClient::stateChanged);
    QTest::qWait(qMax(3000, 2 * backoff));
    QCOMPARE(m_client->state(), ClusterClient::State::Unreachable);
    QVERIFY(states.isEmpty());

    QTest::mouseClick(banner->retryButton(), Qt::LeftButton);
    QVERIFY(!m_client->retriesStopped());
    QTRY_VERIFY_WITH_TIMEOUT(banner->isHidden() && m_client->state() == ClusterClient::State::Connected,
                             Patience);
    QCOMPARE(m_window->nodesPage()->proxy()->rowCount(), 1);
}

QTEST_MAIN(TestConsoleStall)
#include "tst_consolestall.moc"
