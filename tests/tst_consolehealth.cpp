// The console's view of the cluster's health, against real cohort-node processes on
// SQLite and PostgreSQL, offscreen: the takeover countdown in the Manager Nodes table,
// a node's Timeline tab with its exports and the takeover report (from the timeline and
// from the node-offline alert), the Consistency page (another zone, an older version),
// the decommission pre-flight, and Drain / Resume in a node's Properties.
#include "alertspage.h"
#include "alertstablemodel.h"
#include "clusterclient.h"
#include "clusterconsistency.h"
#include "consistencymodel.h"
#include "consistencypage.h"
#include "consoleclient.h"
#include "consolescreenshot.h"
#include "consolesettings.h"
#include "ctlrun.h"
#include "decommissionpreflight.h"
#include "exportjob.h"
#include "mainwindow.h"
#include "messagebox.h"
#include "modelrows.h"
#include "networkmapactivityitem.h"
#include "networkmaphubitem.h"
#include "networkmaplinkitem.h"
#include "networkmapnodeitem.h"
#include "networkmapview.h"
#include "nodeevents.h"
#include "nodeeventsmodel.h"
#include "nodepropertiesdialog.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "nodetimelinewidget.h"
#include "systeminformationpage.h"
#include "takeoverjobsmodel.h"
#include "takeoverreportdialog.h"
#include "testcluster.h"
#include "timecheck.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QFont>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
constexpr int Patience = 30000; // ms; generous for the sanitizer build on two cores

int rowOfName(const QAbstractItemModel *model, const QString &name, int column = NodesTableModel::Name)
{
    return rowOf(model, column, name);
}

QString cell(const QAbstractItemModel *model, const QString &name, int column)
{
    return cellOf(model, NodesTableModel::Name, name, column);
}

} // namespace

class TestConsoleHealth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void nodesTableCountsDownToTheTakeover();
    void timelineExportsAndOpensTheTakeoverReport();
    void consistencyPageHighlightsAnotherZone();
    void decommissionConfirmationListsThePreflight();
    void drainedNodeShowsDrainingInTheTableAndOnTheMap();

private:
    std::unique_ptr<ClusterClient> loggedInClient()
    {
        return Test::loggedInClient(m_cluster->url(), u"admin"_s, AdminPassword, Patience);
    }

    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
};

void TestConsoleHealth::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
}

void TestConsoleHealth::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestConsoleHealth::cleanup()
{
    // (Each node, stopped or not, is continued and killed with the cluster.)
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(60);
    m_cluster.reset();
}

void TestConsoleHealth::nodesTableCountsDownToTheTakeover()
{
    // The watcher allows 10 s of silence (the stopped node beats every second): time for
    // the console to show the countdown run down.
    NodeProcess *watcher = m_cluster->startNode(u"watcher"_s, {u"--offline-after"_s, u"10"_s});
    NodeProcess *stopped = m_cluster->startNode(u"stopped"_s);
    QVERIFY(watcher->waitForJoined());
    QVERIFY(stopped->waitForJoined());

    auto client = loggedInClient();
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    const QAbstractItemModel *view = window.nodesPage()->proxy();
    QAbstractItemModelTester tester(window.nodesPage()->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Both beat: a countdown in seconds, and a heartbeat a moment ago.
    static const QRegularExpression seconds(u"^(\\d+) s$"_s);
    const auto secondsLeft = [&]() -> int {
        const auto match = seconds.match(cell(view, u"stopped"_s, NodesTableModel::OfflineIn));
        return match.hasMatch() ? match.captured(1).toInt() : -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(secondsLeft() >= 8, Patience);
    QVERIFY2(cell(view, u"stopped"_s, NodesTableModel::Heartbeat).endsWith(u" s ago"_s),
             qPrintable(cell(view, u"stopped"_s, NodesTableModel::Heartbeat)));
    const int row = rowOfName(view, u"stopped"_s);
    QVERIFY(!view->index(row, NodesTableModel::OfflineIn).data(Qt::ToolTipRole).toString().isEmpty());
    QCOMPARE(view->headerData(NodesTableModel::OfflineIn, Qt::Horizontal).toString(), u"Offline In"_s);

    // Stopped: the countdown runs down, round after round, until the watcher marks it.
    QVERIFY(stopped->stopOutsideWriteTransaction());
    // From the first round that sees it silent (a round read just before the stop may
    // still show its last beat).
    static const QRegularExpression age(u"^(\\d+) s ago$"_s);
    const auto silent = [&] {
        const auto match = age.match(cell(view, u"stopped"_s, NodesTableModel::Heartbeat));
        return match.hasMatch() && match.captured(1).toInt() >= 2;
    };
    QTRY_VERIFY_WITH_TIMEOUT(silent(), Patience);
    QList<int> samples;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < Patience && cell(view, u"stopped"_s, NodesTableModel::Status) == u"Online"_s) {
        if (const int left = secondsLeft(); left >= 0 && (samples.isEmpty() || samples.constLast() != left))
            samples << left;
        QTest::qWait(100);
    }
    qInfo() << "countdown shown (s):" << samples;
    QVERIFY2(samples.size() >= 4, "the countdown was seen too few times");
    QVERIFY(samples.constFirst() <= 9);
    for (qsizetype i = 1; i < samples.size(); ++i)
        QVERIFY2(samples.at(i) < samples.at(i - 1), "the countdown went up while the node was stopped");
    // Marked: Offline, and no countdown any more.
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"stopped"_s, NodesTableModel::Status), u"Offline"_s, Patience);
    QCOMPARE(cell(view, u"stopped"_s, NodesTableModel::OfflineIn), u"—"_s);
    QCOMPARE(cell(view, u"watcher"_s, NodesTableModel::Status), u"Online"_s);

    // The Properties dialog shows the same, and follows each snapshot.
    NodePropertiesDialog *dialog = window.openProperties(stopped->guid());
    QTRY_COMPARE_WITH_TIMEOUT(dialog->findChild<QLabel *>(u"offlineIn"_s)->text(), u"—"_s, Patience);
    QLabel *watcherOfflineIn = window.openProperties(watcher->guid())->findChild<QLabel *>(u"offlineIn"_s);
    // The watcher has no live peer left to mark it.
    QTRY_COMPARE_WITH_TIMEOUT(watcherOfflineIn->text(), u"never (no peer)"_s, Patience);
    QVERIFY(!watcherOfflineIn->toolTip().isEmpty());
}

void TestConsoleHealth::timelineExportsAndOpensTheTakeoverReport()
{
    // The victim alone holds 10 running jobs and is killed while it holds them; then a
    // peer joins and marks it Offline. (Killed first: on a loaded machine the jobs could
    // finish while the peer starts, and the takeover would hold fewer.)
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"10"_s, u"--batch"_s, u"10"_s});
    QVERIFY(victim->waitForJoined());
    const QString guid = victim->guid();
    const QList<qint64> ids = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 60000}"_s), 10);
    QCOMPARE(ids.size(), 10);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid})
            .toInt(),
        10, Patience);
    victim->signal(SIGKILL);
    QVERIFY(victim->waitForExit());
    NodeProcess *peer = m_cluster->startNode(u"peer"_s, {u"--workers"_s, u"10"_s});
    QVERIFY(peer->waitForJoined());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(guid), u"offline"_s, Patience);

    auto client = loggedInClient();
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    NodePropertiesDialog *dialog = window.openProperties(guid);
    dialog->showTimeline();
    QCOMPARE(dialog->tabs()->currentWidget(), dialog->timeline());
    NodeTimelineWidget *timeline = dialog->timeline();
    QAbstractItemModelTester tester(timeline->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    // The offline event, naming the peer that marked it, with its takeover.
    const auto offlineRow = [&] {
        return rowOfName(timeline->model(), NodeEvents::describeKind(NodeEventKind::Offline),
                         NodeEventsModel::Event);
    };
    QTRY_VERIFY_WITH_TIMEOUT(offlineRow() >= 0, Patience);
    const int row = offlineRow();
    QCOMPARE(timeline->model()->index(row, NodeEventsModel::By).data().toString(), u"peer"_s);
    QVERIFY(
        timeline->model()->index(row, NodeEventsModel::Event).data(NodeEventsModel::TakeoverRole).toLongLong()
        > 0);
    // The time is local; its tooltip the UTC time.
    const NodeEvent &event = timeline->model()->rowAt(row);
    QCOMPARE(timeline->model()->index(row, NodeEventsModel::Time).data(Qt::ToolTipRole).toString(),
             QDateTime::fromMSecsSinceEpoch(event.at, Qt::UTC).toString(Qt::ISODateWithMs));

    // Its CSV export: the bytes cohortctl writes, and the node's rows field by field.
    auto events = NodeEvents::list(m_cluster->database(), guid);
    QVERIFY2(events.ok(), qPrintable(events.message()));
    QTRY_COMPARE_WITH_TIMEOUT(timeline->model()->rowCount(), int(events->size()), Patience);
    const QString csvPath = m_cluster->scratchPath(u"timeline.csv"_s);
    const auto exported = [](ExportJob *job) {
        QSignalSpy finished(job, &ExportJob::finished);
        return finished.wait(Patience) && finished.first().at(0).toBool();
    };
    QVERIFY(exported(timeline->exportTo(csvPath, NodeTimelineWidget::Format::Csv)));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QByteArray written = csv.readAll();
    QCOMPARE(written, NodeEvents::toCsv(*events));
    QList<QStringList> records = parseCsv(QString::fromUtf8(written));
    QVERIFY(!records.isEmpty());
    records.removeFirst(); // the header
    QCOMPARE(records, m_cluster->nodeEventRows(guid));
    const QString jsonPath = m_cluster->scratchPath(u"timeline.json"_s);
    QVERIFY(exported(timeline->exportTo(jsonPath, NodeTimelineWidget::Format::Json)));
    QFile json(jsonPath);
    QVERIFY(json.open(QIODevice::ReadOnly));
    QCOMPARE(json.readAll(), NodeEvents::toJson(*events));
    // A file that cannot be written: a message, and nothing left behind.
    const QString badPath = m_cluster->scratchPath(u"no-such-folder/timeline.csv"_s);
    MessageBox::setNextAnswer(QMessageBox::Ok);
    QVERIFY(!exported(timeline->exportTo(badPath, NodeTimelineWidget::Format::Csv)));
    QTRY_VERIFY2(MessageBox::lastText().contains(badPath), qPrintable(MessageBox::lastText()));
    QVERIFY(!QFile::exists(badPath));

    // Double-clicking the offline event opens its takeover report: every job it held.
    QTableView *table = timeline->view();
    const QModelIndex eventCell = table->model()->index(row, NodeEventsModel::Event);
    table->scrollTo(eventCell);
    const QPoint point = table->visualRect(eventCell).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, point);
    QVERIFY(timeline->takeoverButton()->isEnabled());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, point);
    TakeoverReportDialog *report = nullptr;
    const auto opened = [&] {
        report = window.findChild<TakeoverReportDialog *>();
        return report != nullptr && report->isLoaded();
    };
    QTRY_VERIFY_WITH_TIMEOUT(opened(), Patience);
    QCOMPARE(report->takeover().id, event.takeoverId);
    QCOMPARE(report->headerValue(u"node"_s), u"victim"_s);
    QCOMPARE(report->headerValue(u"markedBy"_s), u"peer"_s);
    QVERIFY(!report->headerValue(u"reason"_s).isEmpty());
    QVERIFY2(report->headerValue(u"markedAt"_s).contains(u"after the last heartbeat"_s),
             qPrintable(report->headerValue(u"markedAt"_s)));
    // Every job the takeover recorded: the 10 sleeps, and any of the cluster's own
    // recurring jobs (housekeeping) the victim had claimed when it died.
    const int held =
        m_cluster->scalar(u"SELECT COUNT(*) FROM takeover_jobs WHERE takeover_id = ?"_s, {event.takeoverId})
            .toInt();
    QVERIFY(held >= 10);
    QCOMPARE(report->model()->rowCount(), held);
    QSet<qint64> listed;
    for (int job = 0; job < report->model()->rowCount(); ++job)
        listed.insert(report->model()->index(job, TakeoverJobsModel::Id).data().toLongLong());
    QVERIFY(listed.contains(QSet<qint64>(ids.cbegin(), ids.cend())));
    report->close();

    // The node-offline alert opens the same report.
    window.showPage(MainWindow::Alerts);
    AlertsPage *alerts = window.alertsPage();
    const auto alertRow = [&] {
        const QAbstractItemModel *model = alerts->view()->model();
        for (int r = 0; r < model->rowCount(); ++r) {
            if (model->index(r, AlertsTableModel::Node).data().toString() == u"victim"_s
                && model->index(r, AlertsTableModel::Message).data().toString().contains(u"is Offline"_s))
                return r;
        }
        return -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(alertRow() >= 0, Patience);
    QVERIFY(!alerts->takeoverButton()->isEnabled());
    alerts->view()->selectRow(alertRow());
    QVERIFY(alerts->takeoverButton()->isEnabled());
    TakeoverReportDialog *fromAlert = alerts->openTakeoverReport();
    QVERIFY(fromAlert);
    QTRY_VERIFY_WITH_TIMEOUT(fromAlert->isLoaded(), Patience);
    QCOMPARE(fromAlert->takeover().id, event.takeoverId);
    QCOMPARE(fromAlert->model()->rowCount(), held);
}

void TestConsoleHealth::consistencyPageHighlightsAnotherZone()
{
    auto zone = TimeCheck::databaseZone(m_cluster->database());
    QVERIFY2(zone.ok(), qPrintable(zone.message()));
    const QString reference = *zone;
    const QString other =
        TimeCheck::zonesAgree(reference, u"Asia/Tokyo"_s, QDateTime::currentMSecsSinceEpoch())
            ? u"America/New_York"_s
            : u"Asia/Tokyo"_s;
    const auto inZone = [&](const QString &name, const QString &tz, const QString &program = {}) {
        return m_cluster->startNodeIn(name, m_cluster->scratchPath(u"node-"_s + name), {},
                                      TestCluster::Timing::Fast, {{u"TZ"_s, tz}}, program);
    };
    QVERIFY(inZone(u"first"_s, reference)->waitForJoined());
    QVERIFY(inZone(u"second"_s, reference)->waitForJoined());

    auto client = loggedInClient();
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::keyClick(&window, Qt::Key_8, Qt::ControlModifier);
    QCOMPARE(window.currentPage(), MainWindow::Consistency);
    ConsistencyPage *page = window.consistencyPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    // All agree: the summary says so, in green, and no cell is highlighted.
    QTRY_VERIFY2_WITH_TIMEOUT(page->showsConsistent(), qPrintable(page->summary() + page->errorText()),
                              Patience);
    // (The test loads no translation: "node(s)" stays as written.)
    QVERIFY2(page->summary().startsWith(u"All 2 node"_s), qPrintable(page->summary()));
    auto agreed = ClusterConsistency::check(m_cluster->database());
    QVERIFY2(agreed.ok(), qPrintable(agreed.message()));
    QVERIFY(agreed->consistent());
    QCOMPARE(page->summary(), agreed->summary());
    QCOMPARE(page->model()->rowCount(), 2);
    const QAbstractItemModel *grid = page->view()->model();
    QCOMPARE(
        grid->headerData(ConsistencyModel::columnOf(ConsistencyField::TimeZone), Qt::Horizontal).toString(),
        ClusterConsistency::fieldTitle(ConsistencyField::TimeZone));
    for (int row = 0; row < grid->rowCount(); ++row) {
        for (int column = ConsistencyModel::FirstField; column < ConsistencyModel::ColumnCount; ++column)
            QVERIFY(!grid->index(row, column).data(ConsistencyModel::MismatchRole).toBool());
    }

    // A node in another zone: its zone cell highlighted, the reason as its tooltip.
    QVERIFY(inZone(u"odd"_s, other)->waitForJoined());
    const int zoneColumn = ConsistencyModel::columnOf(ConsistencyField::TimeZone);
    const auto oddZone = [&] {
        const int row = rowOfName(grid, u"odd"_s, ConsistencyModel::Name);
        return row < 0 ? QModelIndex() : grid->index(row, zoneColumn);
    };
    QTRY_VERIFY_WITH_TIMEOUT(oddZone().data(ConsistencyModel::MismatchRole).toBool(), Patience);
    QCOMPARE(oddZone().data().toString(), other);
    QCOMPARE(oddZone().data(Qt::BackgroundRole).value<QColor>(), ConsistencyModel::mismatchColor());
    QVERIFY(oddZone().data(Qt::FontRole).value<QFont>().bold());
    const QString reason = oddZone().data(Qt::ToolTipRole).toString();
    QVERIFY2(reason.contains(other) && reason.contains(reference), qPrintable(reason));
    QVERIFY(!page->showsConsistent());
    QVERIFY2(!page->summary().startsWith(u"All"_s), qPrintable(page->summary()));
    // The others still agree.
    for (const QString &name : {u"first"_s, u"second"_s}) {
        const int row = rowOfName(grid, name, ConsistencyModel::Name);
        QVERIFY(row >= 0);
        QVERIFY(!grid->index(row, zoneColumn).data(ConsistencyModel::MismatchRole).toBool());
        QVERIFY(grid->index(row, zoneColumn).data(Qt::ToolTipRole).toString().isEmpty());
    }

    // A newer node takes over: the others are left on an older version, which their
    // version cells say, with the version the cluster runs now.
    NodeProcess *next = inZone(u"next"_s, reference, TestCluster::nextNodeProgram());
    QVERIFY(next->waitForJoined());
    const int versionColumn = ConsistencyModel::columnOf(ConsistencyField::Version);
    const auto versionOf = [&](const QString &name) {
        const int row = rowOfName(grid, name, ConsistencyModel::Name);
        return row < 0 ? QModelIndex() : grid->index(row, versionColumn);
    };
    QTRY_VERIFY_WITH_TIMEOUT(versionOf(u"first"_s).data(ConsistencyModel::MismatchRole).toBool(), Patience);
    QCOMPARE(versionOf(u"first"_s).data().toString(), QString::fromLatin1(COHORT_VERSION_STRING));
    QCOMPARE(versionOf(u"first"_s).data(Qt::BackgroundRole).value<QColor>(),
             ConsistencyModel::mismatchColor());
    const QString older = versionOf(u"first"_s).data(Qt::ToolTipRole).toString();
    QVERIFY2(older.contains(u"the cluster runs %1"_s.arg(TestCluster::nextVersion())), qPrintable(older));
    QTRY_VERIFY_WITH_TIMEOUT(versionOf(u"second"_s).data(ConsistencyModel::MismatchRole).toBool(), Patience);
    // (The newer node marks the others before it joins: its row can come a round later.)
    QTRY_COMPARE_WITH_TIMEOUT(versionOf(u"next"_s).data().toString(), TestCluster::nextVersion(), Patience);
    QVERIFY(!versionOf(u"next"_s).data(ConsistencyModel::MismatchRole).toBool());
    QVERIFY(!page->showsConsistent());
}

void TestConsoleHealth::decommissionConfirmationListsThePreflight()
{
    NodeProcess *alpha = m_cluster->startNode(u"alpha"_s);
    QVERIFY(alpha->waitForJoined());
    QVERIFY(m_cluster->startNode(u"bravo"_s)->waitForJoined());
    const QString guid = alpha->guid();
    // 25 agents last checked in through alpha; then alpha dies and bravo raises the alert.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 25; ++i) {
        QVERIFY(
            m_cluster->database()
                .exec(u"INSERT INTO agents (guid, name, manager_guid, last_checkin) VALUES (?, ?, ?, ?)"_s,
                      {u"agent-%1"_s.arg(i, 2, 10, QChar(u'0')), u"agent"_s, guid, now})
                .ok());
    }
    alpha->signal(SIGKILL);
    QVERIFY(alpha->waitForExit());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->offlineAlerts(guid), 1, Patience);
    const auto openAlerts = [&] {
        return m_cluster
            ->scalar(u"SELECT COUNT(*) FROM alerts WHERE node_guid = ? AND cleared_at IS NULL"_s, {guid})
            .toInt();
    };
    QVERIFY(openAlerts() >= 1);
    auto plan = DecommissionPreflight::check(m_cluster->database(), guid);
    QVERIFY2(plan.ok(), qPrintable(plan.message()));
    QVERIFY(plan->allowed());
    QCOMPARE(plan->agents.size(), 25);

    auto client = loggedInClient();
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    NodePropertiesDialog *dialog = window.openProperties(guid);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->decommissionButton()->isEnabled(), Patience);

    // Cancelled: the confirmation listed every pre-flight line and the first 20 agents.
    MessageBox::setNextAnswer(QMessageBox::Cancel);
    QTest::mouseClick(dialog->decommissionButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->lastPreflightText().isEmpty(), Patience);
    const QString text = MessageBox::lastText();
    QCOMPARE(text, dialog->lastPreflightText());
    QVERIFY2(text.startsWith(u"Decommission alpha?"_s), qPrintable(text));
    for (const QString &line : plan->describe())
        QVERIFY2(text.contains(line), qPrintable(u"missing: "_s + line + u"\n---\n"_s + text));
    QVERIFY(text.contains(u"agent-00"_s) && text.contains(u"agent-19"_s));
    QVERIFY(!text.contains(u"agent-20"_s));
    QVERIFY2(text.contains(u"and 5 more"_s), qPrintable(text));
    QCOMPARE(m_cluster->nodeState(guid), u"offline"_s);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->decommissionButton()->isEnabled(), Patience);

    // Confirmed: decommissioned, and the node's alerts cleared by the administrator.
    QPointer<NodePropertiesDialog> watched(dialog);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(dialog->decommissionButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(watched.isNull() || !watched->isVisible(), Patience);
    QCOMPARE(m_cluster->nodeState(guid), u"decommissioned"_s);
    QCOMPARE(openAlerts(), 0);
    QVERIFY(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM alerts WHERE node_guid = ? AND cleared_by = 'admin'"_s, {guid})
            .toInt()
        >= 1);

    // A node that is Online: the blocker is shown, nothing to confirm, nothing done.
    NodeProcess *bravo = m_cluster->nodes().at(1).get();
    NodePropertiesDialog *online = window.openProperties(bravo->guid());
    QTRY_VERIFY_WITH_TIMEOUT(online->findChild<QLabel *>(u"name"_s)->text() == u"bravo"_s, Patience);
    QVERIFY(!online->decommissionButton()->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Yes); // would confirm, if it were asked
    online->decommission();
    QTRY_VERIFY_WITH_TIMEOUT(!online->errorText().isEmpty(), Patience);
    QVERIFY2(online->errorText().contains(u"Online"_s), qPrintable(online->errorText()));
    QVERIFY2(online->lastPreflightText().contains(u"cannot be decommissioned"_s),
             qPrintable(online->lastPreflightText()));
    QCOMPARE(m_cluster->nodeState(bravo->guid()), u"online"_s);
}

void TestConsoleHealth::drainedNodeShowsDrainingInTheTableAndOnTheMap()
{
    NodeProcess *drained = m_cluster->startNode(u"drained"_s);
    NodeProcess *other = m_cluster->startNode(u"other"_s);
    QVERIFY(drained->waitForJoined());
    QVERIFY(other->waitForJoined());
    auto client = loggedInClient();
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    const QAbstractItemModel *view = window.nodesPage()->proxy();
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"drained"_s, NodesTableModel::Status), u"Online"_s, Patience);

    // Drained through its API, as an administrator does from the command line.
    const CtlRun drain = Test::runCtl({u"nodes"_s, u"drain"_s, u"drained"_s, u"--db"_s, m_cluster->url(),
                                       u"--secret-file"_s, m_cluster->secretFile()});
    QVERIFY2(drain.exitCode == 0, qPrintable(drain.err));
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"drained"_s, NodesTableModel::Status), u"Draining"_s, Patience);
    QCOMPARE(cell(view, u"other"_s, NodesTableModel::Status), u"Online"_s);
    const int row = rowOfName(view, u"drained"_s);
    QCOMPARE(view->index(row, NodesTableModel::Status).data(Qt::ForegroundRole).value<QColor>(),
             NodesTableModel::drainingColor());

    // On the map too.
    window.showPage(MainWindow::SystemInformation);
    SystemInformationPage *page = window.systemInformationPage();
    page->setGraph(SystemInformationPage::NetworkMap);
    QTRY_COMPARE_WITH_TIMEOUT(page->mapView()->nodeGuids().size(), 2, Patience);
    NetworkMapNodeItem *item = page->mapView()->nodeItem(drained->guid());
    QVERIFY(item);
    QTRY_VERIFY_WITH_TIMEOUT(item->node().drainingSince > 0, Patience);
    QCOMPARE(item->statusColor(), NodesTableModel::drainingColor());
    QVERIFY2(item->toolTip().contains(u"Draining"_s), qPrintable(item->toolTip()));
    QCOMPARE(page->mapView()->nodeItem(other->guid())->statusColor(),
             NodesTableModel::statusColor(NodeStatus::Online));

    // Resumed from its Properties: the node itself is asked, and records who did it.
    const auto audited = [&](const QString &action) {
        return m_cluster
            ->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND actor = 'admin'"_s,
                     {action, drained->guid()})
            .toInt();
    };
    const auto events = [&](const QString &kind) {
        int count = 0;
        for (const QStringList &event : m_cluster->nodeEventRows(drained->guid()))
            count += event.at(4) == kind && event.at(5) == u"admin"_s ? 1 : 0;
        return count;
    };
    NodePropertiesDialog *dialog = window.openProperties(drained->guid());
    QPushButton *button = dialog->drainButton();
    QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), Patience);
    QCOMPARE(button->text(), u"Resume"_s);
    QVERIFY2(dialog->drainHint().startsWith(u"Drained since"_s), qPrintable(dialog->drainHint()));
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"drained"_s, NodesTableModel::Status), u"Online"_s, Patience);
    QTRY_COMPARE_WITH_TIMEOUT(item->statusColor(), NodesTableModel::statusColor(NodeStatus::Online),
                              Patience);
    QCOMPARE(audited(u"node.resume"_s), 1);
    QCOMPARE(events(u"resumed"_s), 1);
    QTRY_COMPARE_WITH_TIMEOUT(button->text(), u"Drain…"_s, Patience);
    QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), Patience);
    QVERIFY(dialog->errorText().isEmpty());

    // Drain, cancelled at the confirmation: nothing asked, nothing changed.
    MessageBox::setNextAnswer(QMessageBox::Cancel);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY2(MessageBox::lastText().startsWith(u"Drain drained?"_s), qPrintable(MessageBox::lastText()));
    QVERIFY(button->isEnabled());
    QCOMPARE(audited(u"node.drain"_s), 0);

    // A node that presents another certificate than the one recorded is not asked.
    const QString pin = m_cluster->apiPin(drained->guid());
    QVERIFY(
        m_cluster->database()
            .exec(u"UPDATE nodes SET cert_sha256 = ? WHERE guid = ?"_s, {QString(64, u'a'), drained->guid()})
            .ok());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->apiError().isEmpty(), Patience);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->errorText().isEmpty(), Patience);
    QVERIFY2(dialog->errorText().startsWith(u"Could not drain drained: Refused"_s),
             qPrintable(dialog->errorText()));
    QCOMPARE(m_cluster
                 ->scalar(u"SELECT COUNT(*) FROM nodes WHERE guid = ? AND draining_since IS NULL"_s,
                          {drained->guid()})
                 .toInt(),
             1);
    QCOMPARE(audited(u"node.drain"_s), 0);
    QVERIFY(m_cluster->database()
                .exec(u"UPDATE nodes SET cert_sha256 = ? WHERE guid = ?"_s, {pin, drained->guid()})
                .ok());

    // Confirmed: drained again, by admin.
    QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled() && dialog->apiError().isEmpty(), Patience);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"drained"_s, NodesTableModel::Status), u"Draining"_s, Patience);
    QCOMPARE(audited(u"node.drain"_s), 1);
    QCOMPARE(events(u"draining"_s), 1);
    QTRY_COMPARE_WITH_TIMEOUT(button->text(), u"Resume"_s, Patience);
    bool failed = false;
    saveScreenshot(dialog, u"properties-drained"_s, m_cluster->url(), &failed);
    QVERIFY(!failed);

    // Resumed from the command line: Online again everywhere.
    const CtlRun resume = Test::runCtl({u"nodes"_s, u"resume"_s, u"drained"_s, u"--db"_s, m_cluster->url(),
                                        u"--secret-file"_s, m_cluster->secretFile()});
    QVERIFY2(resume.exitCode == 0, qPrintable(resume.err));
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"drained"_s, NodesTableModel::Status), u"Online"_s, Patience);
    QTRY_COMPARE_WITH_TIMEOUT(item->statusColor(), NodesTableModel::statusColor(NodeStatus::Online),
                              Patience);
    QTRY_COMPARE_WITH_TIMEOUT(button->text(), u"Drain…"_s, Patience);
}

QTEST_MAIN(TestConsoleHealth)
#include "tst_consolehealth.moc"
