// The System Information page against a real cluster of cohort-node processes, on SQLite
// and PostgreSQL, offscreen: every graph renders to a PNG kept as an artifact, with real
// content (each bar segment in its colour where the chart puts it); the bars carry
// exactly the models' counts (and those agree with the jobs the nodes ran), a bar
// lists its jobs, and the network map draws each node in its database status colour,
// turns a link unreachable when a peer stops answering its probes (SIGSTOP), and opens a
// node's Properties on double-click.
#include "clusterclient.h"
#include "consoleclient.h"
#include "consolesettings.h"
#include "exportjob.h"
#include "finishedjobsdialog.h"
#include "jobchartview.h"
#include "jobcountsmodel.h"
#include "jobpool.h"
#include "mainwindow.h"
#include "networkmapactivityitem.h"
#include "networkmaphubitem.h"
#include "networkmaplinkitem.h"
#include "networkmapnodeitem.h"
#include "networkmapview.h"
#include "nodepropertiesdialog.h"
#include "nodestablemodel.h"
#include "screenshottour.h"
#include "systeminformationpage.h"
#include "testcluster.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QValueAxis>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <map>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
constexpr int Patience = 30000; // ms; generous for the sanitizer build on two cores

QString artifactPath(const QString &name)
{
    QDir dir(QCoreApplication::applicationDirPath());
    dir.mkpath(u"artifacts"_s);
    return dir.filePath(u"artifacts/"_s + name);
}

// Jobs finished per (node GUID, type) as the jobs tables tell, not job_stats: pool jobs by
// the node that ran them, local jobs per run.
std::map<std::pair<QString, QString>, std::pair<qint64, qint64>> finishedFromJobs(TestCluster &cluster)
{
    std::map<std::pair<QString, QString>, std::pair<qint64, qint64>> counts;
    auto add = [&](const QString &sql) {
        auto query = cluster.database().exec(sql);
        while (query && query->next()) {
            auto &cell = counts[{query->value(0).toString(), query->value(1).toString()}];
            (query->value(2).toString() == u"succeeded"_s ? cell.first : cell.second) +=
                query->value(3).toLongLong();
        }
    };
    add(u"SELECT claimed_by, type, state, COUNT(*) FROM jobs WHERE scope = 'pool' "
        "AND state IN ('succeeded', 'failed') GROUP BY claimed_by, type, state"_s);
    add(u"SELECT r.node_guid, j.type, r.state, COUNT(*) FROM local_job_runs r JOIN jobs j ON j.id = r.job_id "
        "WHERE r.state IN ('succeeded', 'failed') GROUP BY r.node_guid, j.type, r.state"_s);
    return counts;
}

// The bar values of a chart, as [set][category].
QList<QList<qreal>> barValues(JobChartView *chart)
{
    QList<QList<qreal>> values;
    for (QBarSet *set : chart->barSets()) {
        QList<qreal> row;
        for (int i = 0; i < set->count(); ++i)
            row << set->at(i);
        values << row;
    }
    return values;
}

QList<QList<qreal>> modelValues(const JobCountsModel *model)
{
    QList<QList<qreal>> values;
    for (int column = 0; column < model->columnCount(); ++column) {
        QList<qreal> row;
        for (int i = 0; i < model->rowCount(); ++i)
            row << qreal(model->count(i, column));
        values << row;
    }
    return values;
}

// How much of a picture must stand out from its background, in thousandths. Measured: a
// page with an empty table about 17, the network map about 45 (its glow counts as
// background), a chart with bars 70 to 170. A blank or one-colour picture has none.
constexpr int PageContent = 10;
constexpr int MapContent = 25;
constexpr int ChartContent = 40;

// What is wrong with a picture, or nothing. It must be of a useful size, have several
// colours that each cover more than a speck (text, lines, bars), and at least
// contentPerMille of it must stand out from its commonest colour, the background.
QString drawingProblem(const QString &path, int contentPerMille)
{
    const QImage image = QImage(path).convertToFormat(QImage::Format_RGB32);
    if (image.isNull())
        return path + u": not an image"_s;
    if (image.width() < 400 || image.height() < 300)
        return u"%1: only %2×%3"_s.arg(path).arg(image.width()).arg(image.height());
    QHash<QRgb, qint64> counts;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            ++counts[image.pixel(x, y)];
    }
    const qint64 total = qint64(image.width()) * image.height();
    QRgb background = 0;
    qint64 most = 0;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() > most) {
            background = it.key();
            most = it.value();
        }
    }
    // Antialiased edges and shades close to the background are not content.
    const auto standsOut = [background](QRgb p) {
        return std::max({std::abs(qRed(p) - qRed(background)), std::abs(qGreen(p) - qGreen(background)),
                         std::abs(qBlue(p) - qBlue(background))})
               > 24;
    };
    qint64 content = 0;
    int colours = 0; // each covering at least a thousandth of the picture
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        content += standsOut(it.key()) ? it.value() : 0;
        colours += it.value() * 1000 >= total ? 1 : 0;
    }
    if (colours < 5)
        return u"%1: only %2 colours"_s.arg(path).arg(colours);
    if (content * 1000 < total * contentPerMille) {
        return u"%1: %2 ‰ stand out from %3, %4 ‰ needed"_s.arg(path)
            .arg(content * 1000 / total)
            .arg(QColor(background).name())
            .arg(contentPerMille);
    }
    return {};
}

} // namespace

class TestSystemGraphs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void graphsRenderAndMatchTheModels();
    void networkMapFollowsNodesAndProbes();
    void screenshotTourTakesEveryGraph();
    void periodLoadShowsProgressAndCancels();
    void cancelledExportLeavesNothing();

private:
    std::unique_ptr<ClusterClient> loggedInClient()
    {
        return Test::loggedInClient(m_cluster->url(), u"admin"_s, AdminPassword, Patience);
    }
    std::unique_ptr<MainWindow> openSystemInformation(ClusterClient &client);

    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
    QList<NodeProcess *> m_stopped; // SIGCONT in cleanup, whatever happened
};

void TestSystemGraphs::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
}

void TestSystemGraphs::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestSystemGraphs::cleanup()
{
    for (NodeProcess *node : std::as_const(m_stopped))
        node->signal(SIGCONT);
    m_stopped.clear();
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

std::unique_ptr<MainWindow> TestSystemGraphs::openSystemInformation(ClusterClient &client)
{
    static ConsoleSettings settings;
    auto window = std::make_unique<MainWindow>(client, settings);
    window->resize(1280, 800);
    window->show();
    window->showPage(MainWindow::SystemInformation);
    return window;
}

void TestSystemGraphs::graphsRenderAndMatchTheModels()
{
    QFETCH_GLOBAL(QString, backend);
    for (const QString &name : {u"alpha"_s, u"bravo"_s})
        QVERIFY(m_cluster->startNode(name)->waitForJoined());
    JobSpec noop;
    noop.type = u"noop"_s;
    JobSpec fail;
    fail.type = u"fail"_s;
    fail.maxAttempts = 1;
    QCOMPARE(*JobPool::submit(m_cluster->database(), QList<JobSpec>(40, noop) + QList<JobSpec>(6, fail)), 46);
    const auto drained = [&] {
        return m_cluster
                   ->scalar(u"SELECT COUNT(*) FROM jobs WHERE type IN ('noop', 'fail') "
                            "AND state IN ('succeeded', 'failed')"_s)
                   .toInt()
               == 46;
    };
    QTRY_VERIFY_WITH_TIMEOUT(drained(), Patience);
    // Paused, the nodes finish nothing more (their housekeeping would): the graphs then
    // have one right answer to agree on, however late a loaded machine refreshes them.
    for (const auto &node : m_cluster->nodes()) {
        QVERIFY(node->stopOutsideWriteTransaction());
        m_stopped << node.get();
    }

    auto client = loggedInClient();
    QVERIFY(client);
    auto window = openSystemInformation(*client);
    SystemInformationPage *page = window->systemInformationPage();
    QVERIFY(page->isVisible());
    QCOMPARE(page->periodMinutes(), 60); // the last hour by default

    for (int graph = SystemInformationPage::JobsByNode; graph < SystemInformationPage::GraphCount; ++graph) {
        page->setGraph(SystemInformationPage::Graph(graph));
        JobCountsModel *model = page->model(SystemInformationPage::Graph(graph));
        JobChartView *chart = page->chartView(SystemInformationPage::Graph(graph));
        QVERIFY(model && chart);
        QCOMPARE(page->currentGraphWidget(), chart);

        // The models agree with what the jobs tables say the nodes did, once refreshed.
        const auto agrees = [&] {
            const auto expected = finishedFromJobs(*m_cluster);
            qint64 total = 0;
            for (const auto &[cell, counts] : expected) {
                total += counts.first + counts.second;
                switch (SystemInformationPage::Graph(graph)) {
                case SystemInformationPage::JobsByNodeAndType:
                    if (model->count(cell.first, cell.second) != counts.first + counts.second)
                        return false;
                    break;
                case SystemInformationPage::JobsByType: {
                    qint64 succeeded = 0;
                    for (const auto &[other, value] : expected)
                        succeeded += other.second == cell.second ? value.first : 0;
                    if (model->count(cell.second, JobCountsModel::Succeeded) != succeeded)
                        return false;
                    break;
                }
                default: {
                    qint64 failed = 0;
                    for (const auto &[other, value] : expected)
                        failed += other.first == cell.first ? value.second : 0;
                    if (model->count(cell.first, JobCountsModel::Failed) != failed)
                        return false;
                    break;
                }
                }
            }
            return total > 0 && model->total() == total;
        };
        QTRY_VERIFY_WITH_TIMEOUT(agrees(), Patience);
        chart->sync();

        // The chart draws exactly the model: one set per column, one bar per row.
        QCOMPARE(chart->categoryAxis()->categories().size(), model->rowCount());
        for (int row = 0; row < model->rowCount(); ++row)
            QCOMPARE(chart->categoryAxis()->categories().at(row), model->rowLabel(row));
        QCOMPARE(chart->barSets().size(), model->columnCount());
        for (int column = 0; column < model->columnCount(); ++column)
            QCOMPARE(chart->barSets().at(column)->label(), model->columnLabel(column));
        QCOMPARE(barValues(chart), modelValues(model));
        QVERIFY(chart->chart()->legend()->isVisible());
        QCOMPARE(chart->chart()->legend()->markers(chart->series()).size(), model->columnCount());
        QVERIFY(!chart->valueAxis()->titleText().isEmpty());
        QVERIFY(!chart->categoryAxis()->titleText().isEmpty());
        QVERIFY(chart->toolTipText(0, 0).contains(model->rowLabel(0)));

        const QString key = SystemInformationPage::graphKey(SystemInformationPage::Graph(graph));
        QString error;
        const QString png = artifactPath(backend + u'-' + key + u".png"_s);
        QVERIFY2(page->exportImage(png, &error), qPrintable(error));
        const QString drawn = drawingProblem(png, ChartContent);
        QVERIFY2(drawn.isEmpty(), qPrintable(drawn));
        // Every bar segment is in the picture where the chart puts it, in its set's colour.
        const QImage picture = QImage(png).convertToFormat(QImage::Format_RGB32);
        QCOMPARE(picture.size(), chart->chartView()->size());
        const QPoint viewport = chart->chartView()->viewport()->mapTo(chart->chartView(), QPoint(0, 0));
        const auto pixelAt = [&](int row, qreal value) {
            const QPointF at = chart->chart()->mapToPosition(QPointF(row, value), chart->series());
            return chart->chartView()->mapFromScene(chart->chart()->mapToScene(at)) + viewport;
        };
        int segments = 0;
        for (int row = 0; row < model->rowCount(); ++row) {
            qreal below = 0;
            for (int column = 0; column < model->columnCount(); ++column) {
                const qreal value = qreal(model->count(row, column));
                if (value <= 0)
                    continue;
                const QPoint middle = pixelAt(row, below + value / 2);
                const int height = pixelAt(row, below).y() - pixelAt(row, below + value).y();
                below += value;
                const QColor expected = chart->barSets().at(column)->color();
                const QColor shown = picture.pixelColor(middle);
                const bool same = std::abs(shown.red() - expected.red()) <= 3
                                  && std::abs(shown.green() - expected.green()) <= 3
                                  && std::abs(shown.blue() - expected.blue()) <= 3;
                QVERIFY2(height >= 1 && same,
                         qPrintable(u"%1, %2: %3 px high, %4 at (%5, %6), not %7"_s
                                        .arg(model->rowLabel(row), model->columnLabel(column))
                                        .arg(height)
                                        .arg(shown.name())
                                        .arg(middle.x())
                                        .arg(middle.y())
                                        .arg(expected.name())));
                ++segments;
            }
        }
        QVERIFY(segments > 0);
        const QString csvPath = artifactPath(backend + u'-' + key + u".csv"_s);
        QVERIFY2(page->exportData(csvPath, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(csv.readAll()), model->toCsv());
        QCOMPARE(model->toCsv().count(u"\r\n"_s), model->rowCount() + 1);
        // What the Export buttons do: the same files, written on the export thread.
        const auto exported = [](ExportJob *job) {
            QSignalSpy finished(job, &ExportJob::finished);
            return finished.wait(Patience) && finished.first().at(0).toBool();
        };
        const QString asyncCsv = artifactPath(backend + u'-' + key + u"-async.csv"_s);
        QVERIFY(exported(page->startExport(SystemInformationPage::Export::Data, asyncCsv)));
        QFile again(asyncCsv);
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(again.readAll()), model->toCsv());
        const QString asyncPng = artifactPath(backend + u'-' + key + u"-async.png"_s);
        QVERIFY(exported(page->startExport(SystemInformationPage::Export::Image, asyncPng)));
        QCOMPARE(QImage(asyncPng).size(), chart->chartView()->size());
        // A folder that does not exist: a message that names the file, and no file.
        const QString nowhere = m_cluster->scratchPath(u"no-such-folder/chart.png"_s);
        QVERIFY(!page->exportImage(nowhere, &error));
        QVERIFY2(error.contains(nowhere), qPrintable(error));
        QVERIFY(!QFile::exists(nowhere));
    }

    // Clicking a bar lists the jobs behind it: alpha's noop jobs, in the node-by-type chart.
    page->setGraph(SystemInformationPage::JobsByNodeAndType);
    JobCountsModel *model = page->model(SystemInformationPage::JobsByNodeAndType);
    JobChartView *chart = page->chartView(SystemInformationPage::JobsByNodeAndType);
    chart->sync();
    int row = -1;
    int column = int(model->columnKeys().indexOf(u"noop"_s));
    for (int i = 0; i < model->rowCount() && column >= 0; ++i) {
        if (model->count(i, column) > 0)
            row = i;
    }
    QVERIFY(row >= 0 && column >= 0);
    // The middle of that bar segment: below it sit the columns before it.
    qreal below = 0;
    for (int c = 0; c < column; ++c)
        below += qreal(model->count(row, c));
    const QPointF middle =
        chart->chart()->mapToPosition(QPointF(row, below + model->count(row, column) / 2.0), chart->series());
    const QPoint at = chart->chartView()->mapFromScene(chart->chart()->mapToScene(middle));
    QSignalSpy clicked(chart, &JobChartView::barClicked);
    QTest::mouseClick(chart->chartView()->viewport(), Qt::LeftButton, {}, at);
    QTRY_COMPARE_WITH_TIMEOUT(clicked.size(), 1, Patience);
    QCOMPARE(clicked.first().at(0).toString(), model->rowKeys().at(row));
    QCOMPARE(clicked.first().at(1).toString(), u"noop"_s);
    FinishedJobsDialog *dialog = nullptr;
    const auto listed = [&] {
        dialog = page->findChild<FinishedJobsDialog *>();
        return dialog && dialog->loaded();
    };
    QTRY_VERIFY_WITH_TIMEOUT(listed(), Patience);
    QCOMPARE(dialog->list()->topLevelItemCount(), int(model->count(row, column)));
    for (int i = 0; i < dialog->list()->topLevelItemCount(); ++i) {
        QCOMPARE(dialog->list()->topLevelItem(i)->text(1), u"noop"_s);
        QCOMPARE(dialog->list()->topLevelItem(i)->text(2), model->rowLabel(row));
    }
    dialog->close();

    // The other periods read the same jobs: they all finished in the last hour.
    const qint64 hourTotal = model->total();
    page->setPeriodMinutes(24 * 60);
    const auto dayShown = [&] {
        return client->snapshot().statistics && client->snapshot().statistics->periodMinutes == 24 * 60;
    };
    QTRY_VERIFY_WITH_TIMEOUT(dayShown(), Patience);
    QVERIFY(model->total() >= hourTotal);

    page->setGraph(SystemInformationPage::NetworkMap);
    QTRY_COMPARE_WITH_TIMEOUT(page->mapView()->nodeGuids().size(), 2, Patience);
    const QString png = artifactPath(backend + u"-network-map.png"_s);
    QString error;
    QVERIFY2(page->exportImage(png, &error), qPrintable(error));
    const QString drawn = drawingProblem(png, MapContent);
    QVERIFY2(drawn.isEmpty(), qPrintable(drawn));
}

void TestSystemGraphs::networkMapFollowsNodesAndProbes()
{
    QFETCH_GLOBAL(QString, backend);
    // A long offline threshold: a stopped node stays Online in the database while its
    // peers' probes already fail.
    const QStringList patient{u"--offline-after"_s, u"120"_s};
    QHash<QString, NodeProcess *> nodes;
    for (const QString &name : {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s}) {
        NodeProcess *node = m_cluster->startNode(name, patient);
        QVERIFY(node->waitForJoined());
        nodes.insert(name, node);
    }
    // delta leaves: Offline in the database.
    nodes[u"delta"_s]->signal(SIGTERM);
    QVERIFY(nodes[u"delta"_s]->waitForExit());
    const QString alpha = nodes[u"alpha"_s]->guid();
    const QString bravo = nodes[u"bravo"_s]->guid();
    const QString charlie = nodes[u"charlie"_s]->guid();

    // Every running node has probed every running peer.
    const auto probed = [&] {
        return m_cluster
                   ->scalar(u"SELECT COUNT(*) FROM node_links WHERE reachable = 1 AND from_node IN (?, ?, ?) "
                            "AND to_node IN (?, ?, ?)"_s,
                            {alpha, bravo, charlie, alpha, bravo, charlie})
                   .toInt()
               == 6;
    };
    QTRY_VERIFY_WITH_TIMEOUT(probed(), Patience);

    auto client = loggedInClient();
    QVERIFY(client);
    auto window = openSystemInformation(*client);
    SystemInformationPage *page = window->systemInformationPage();
    QCOMPARE(page->graph(), SystemInformationPage::NetworkMap); // the first graph
    NetworkMapView *map = page->mapView();
    QTRY_COMPARE_WITH_TIMEOUT(map->nodeGuids().size(), 4, Patience);

    // One item per node, in the status colour the database gives it.
    auto listed = NodeRegistry::list(m_cluster->database());
    QVERIFY(listed.ok());
    QCOMPARE(listed->size(), 4);
    for (const NodeInfo &node : *listed) {
        NetworkMapNodeItem *item = map->nodeItem(node.guid);
        QVERIFY2(item, qPrintable(node.name));
        const auto coloured = [&] {
            return item->status() == node.status
                   && item->statusColor() == NodesTableModel::statusColor(node.status);
        };
        QTRY_VERIFY2_WITH_TIMEOUT(coloured(), qPrintable(node.name), Patience);
        QCOMPARE(node.status,
                 node.guid == nodes[u"delta"_s]->guid() ? NodeStatus::Offline : NodeStatus::Online);
    }
    QVERIFY(map->hubItem());
    const auto reachable = [&](const QString &a, const QString &b) {
        NetworkMapLinkItem *link = map->linkItem(a, b);
        return link && link->state() == NetworkMapLinkItem::State::Reachable;
    };
    QTRY_VERIFY_WITH_TIMEOUT(reachable(alpha, charlie), Patience);
    QVERIFY(map->linkItem(alpha, charlie)->toolTip().contains(u"ms"_s));

    // charlie stops answering (SIGSTOP): the links to it turn unreachable, the others stay.
    NodeProcess *stopped = nodes[u"charlie"_s];
    m_stopped << stopped;
    QVERIFY(stopped->stopOutsideWriteTransaction());
    const auto unreachable = [&] {
        NetworkMapLinkItem *link = map->linkItem(alpha, charlie);
        return link && link->state() == NetworkMapLinkItem::State::Unreachable;
    };
    // Probes time out after a second; on a busy machine (the sanitizers, a neighbour's
    // test) a live peer's probe can miss that too and come back on the next one. What
    // must hold is that both are seen at once: charlie's link down, bravo's up.
    QTRY_VERIFY_WITH_TIMEOUT(unreachable() && reachable(alpha, bravo), Patience);
    QCOMPARE(m_cluster->nodeState(charlie), u"online"_s); // still Online: only the probes tell
    QString error;
    const QString png = artifactPath(backend + u"-network-map-unreachable.png"_s);
    QVERIFY2(page->exportImage(png, &error), qPrintable(error));
    const QString drawn = drawingProblem(png, MapContent);
    QVERIFY2(drawn.isEmpty(), qPrintable(drawn));

    stopped->signal(SIGCONT);
    m_stopped.clear();
    QTRY_VERIFY_WITH_TIMEOUT(reachable(alpha, charlie), Patience);

    // Double-click on bravo opens bravo's Properties.
    NetworkMapNodeItem *item = map->nodeItem(bravo);
    const QPoint at = map->mapFromScene(item->mapToScene(item->boundingRect().center()));
    QTest::mouseClick(map->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(map->selectedNode(), bravo);
    QTest::mouseDClick(map->viewport(), Qt::LeftButton, {}, at);
    NodePropertiesDialog *dialog = nullptr;
    const auto opened = [&] {
        dialog = window->findChild<NodePropertiesDialog *>();
        return dialog && dialog->isVisible();
    };
    QTRY_VERIFY_WITH_TIMEOUT(opened(), Patience);
    QCOMPARE(dialog->guid(), bravo);
    dialog->close();
}

// The demo's pictures (no display): one of each page and of each System Information graph.
void TestSystemGraphs::screenshotTourTakesEveryGraph()
{
    QVERIFY(m_cluster->startNode(u"alpha"_s)->waitForJoined());
    auto client = loggedInClient();
    QVERIFY(client);
    auto window = openSystemInformation(*client);
    QTemporaryDir folder;
    ScreenshotTour tour(*window, *client, folder.path());
    QSignalSpy finished(&tour, &ScreenshotTour::finished);
    tour.start();
    QVERIFY(finished.wait(2 * Patience));
    QVERIFY(finished.first().at(0).toBool());
    QStringList names;
    for (const QString &file : tour.files()) {
        names << QFileInfo(file).fileName();
        // Charts and the map must show more than a page around an empty table.
        int content = PageContent;
        for (int graph = 0; graph < SystemInformationPage::GraphCount; ++graph) {
            if (file.endsWith(SystemInformationPage::graphKey(SystemInformationPage::Graph(graph))
                              + u".png"_s))
                content = graph == SystemInformationPage::NetworkMap ? MapContent : ChartContent;
        }
        const QString drawn = drawingProblem(file, content);
        QVERIFY2(drawn.isEmpty(), qPrintable(drawn));
    }
    for (int graph = 0; graph < SystemInformationPage::GraphCount; ++graph) {
        const QString key = SystemInformationPage::graphKey(SystemInformationPage::Graph(graph));
        const auto found = std::any_of(names.cbegin(), names.cend(),
                                       [&](const QString &name) { return name.endsWith(key + u".png"_s); });
        QVERIFY2(found, qPrintable(names.join(u", "_s)));
    }
    // Then the Properties dialog, its Timeline tab and, when the node has one, a takeover report.
    const qsizetype pages = MainWindow::PageCount - 1 + SystemInformationPage::GraphCount;
    QVERIFY2(names.size() == pages + 2 || names.size() == pages + 3, qPrintable(names.join(u", "_s)));
    QVERIFY(names.at(pages).endsWith(u"node-properties.png"_s));
    QVERIFY(names.at(pages + 1).endsWith(u"node-timeline.png"_s));
}

// Choosing a longer period reads its statistics while the page shows a busy bar; Cancel
// goes back to the period shown before, and the page shows its statistics again.
void TestSystemGraphs::periodLoadShowsProgressAndCancels()
{
    QVERIFY(m_cluster->startNode(u"alpha"_s)->waitForJoined(Patience));
    auto client = loggedInClient();
    QVERIFY(client);
    auto window = openSystemInformation(*client);
    SystemInformationPage *page = window->systemInformationPage();
    page->setGraph(SystemInformationPage::JobsByNode);
    QTRY_VERIFY_WITH_TIMEOUT(page->findChild<QLabel *>(u"summary"_s)->text().contains(u"jobs finished"_s),
                             Patience);
    QVERIFY(!page->loadingBar()->isVisible());
    QVERIFY(!page->cancelLoadButton()->isVisible());

    // The statistics of the new period cannot be back yet: nothing ran since the choice.
    page->setPeriodMinutes(24 * 60);
    QVERIFY(page->loadingBar()->isVisible());
    QCOMPARE(page->loadingBar()->maximum(), 0);
    QVERIFY(page->cancelLoadButton()->isVisible());
    QVERIFY2(page->findChild<QLabel *>(u"summary"_s)->text().contains(u"24 hours"_s),
             qPrintable(page->findChild<QLabel *>(u"summary"_s)->text()));
    QTest::mouseClick(page->cancelLoadButton(), Qt::LeftButton);
    QCOMPARE(page->periodMinutes(), 60);
    QTRY_VERIFY_WITH_TIMEOUT(!page->loadingBar()->isVisible(), Patience);
    QVERIFY(!page->cancelLoadButton()->isVisible());

    // Left to finish, the day's statistics arrive and the bar goes away.
    page->setPeriodMinutes(24 * 60);
    QVERIFY(page->loadingBar()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!page->loadingBar()->isVisible(), Patience);
    QCOMPARE(page->periodMinutes(), 24 * 60);
    QVERIFY(client->snapshot().statistics && client->snapshot().statistics->periodMinutes == 24 * 60);
    QVERIFY(!page->cancelLoadButton()->isVisible());
}

// An export cancelled while it is written leaves nothing behind: no file, no part of one.
void TestSystemGraphs::cancelledExportLeavesNothing()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString path = folder.filePath(u"big.csv"_s);
    const qint64 size = 64 * ExportJob::ChunkBytes;
    ExportJob job(path, [size] { return QByteArray(size, 'x'); });
    QSignalSpy progress(&job, &ExportJob::progress);
    QSignalSpy finished(&job, &ExportJob::finished);
    // Cancel (as the dialog's button does, from another thread) once three chunks are written.
    job.setChunkWritten([&job](qint64 written) {
        if (written == 3 * ExportJob::ChunkBytes)
            job.cancel();
    });
    job.start();
    QVERIFY(finished.wait(Patience));
    QVERIFY(!finished.first().at(0).toBool());
    QVERIFY(finished.first().at(1).toString().isEmpty()); // cancelled, not failed
    QVERIFY(job.cancelled());
    QTRY_COMPARE(progress.size(), 3);
    QCOMPARE(progress.last().at(0).toLongLong(), 3 * ExportJob::ChunkBytes);
    QCOMPARE(QDir(folder.path()).entryList(QDir::Files | QDir::Hidden | QDir::System), QStringList());

    // Not cancelled: the whole file, and progress up to its size.
    ExportJob whole(path, [size] { return QByteArray(size, 'y'); });
    QSignalSpy wholeProgress(&whole, &ExportJob::progress);
    QSignalSpy wholeFinished(&whole, &ExportJob::finished);
    whole.start();
    QVERIFY(wholeFinished.wait(Patience));
    QVERIFY(wholeFinished.first().at(0).toBool());
    QCOMPARE(wholeProgress.size(), 64);
    QCOMPARE(wholeProgress.last().at(0).toLongLong(), size);
    QCOMPARE(QFileInfo(path).size(), size);
}

QTEST_MAIN(TestSystemGraphs)
#include "tst_systemgraphs.moc"
