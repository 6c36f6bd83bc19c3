#include "systeminformationpage.h"
#include "clusterclient.h"
#include "exportfile.h"
#include "exportprogress.h"
#include "finishedjobsdialog.h"
#include "icons.h"
#include "jobchartview.h"
#include "jobcountsmodel.h"
#include "networkmapview.h"
#include "uilogging.h"

#include <QBuffer>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QString periodText(int minutes)
{
    switch (minutes) {
    case 60:
        return SystemInformationPage::tr("Last hour");
    case 360:
        return SystemInformationPage::tr("Last 6 hours");
    case 1440:
        return SystemInformationPage::tr("Last 24 hours");
    default:
        return SystemInformationPage::tr("Last %n minute(s)", nullptr, minutes);
    }
}

// The map's data: one line per probe, with the names of both ends.
QString linksCsv(const ClusterSnapshot &snapshot)
{
    QHash<QString, QString> names;
    for (const NodeInfo &node : snapshot.nodes)
        names.insert(node.guid, node.name);
    QStringList lines{QStringList{
        SystemInformationPage::tr("From", "the probing node"),
        SystemInformationPage::tr("To", "the probed node"),
        SystemInformationPage::tr("Reachable", "probe result"), SystemInformationPage::tr("Round trip (ms)"),
        SystemInformationPage::tr("Probed at (UTC)"), SystemInformationPage::tr("Last error")}
                          .join(u',')};
    for (const NodeLink &link : snapshot.links) {
        lines
            << QStringList{JobCountsModel::csvField(names.value(link.fromNode, link.fromNode)),
                           JobCountsModel::csvField(names.value(link.toNode, link.toNode)),
                           link.reachable ? u"yes"_s : u"no"_s,
                           link.rttMs ? QString::number(*link.rttMs, 'f', 2) : QString(),
                           QDateTime::fromMSecsSinceEpoch(link.probedAt, Qt::UTC).toString(Qt::ISODateWithMs),
                           JobCountsModel::csvField(link.lastError)}
                   .join(u',');
    }
    return lines.join(u"\r\n"_s) + u"\r\n"_s;
}

} // namespace

SystemInformationPage::SystemInformationPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_graphBox(new QComboBox(this))
    , m_periodBox(new QComboBox(this))
    , m_summary(new QLabel(this))
    , m_exportImage(new QPushButton(Icons::action(Icons::Action::Export), tr("Export Image…"), this))
    , m_exportData(new QPushButton(Icons::action(Icons::Action::Export), tr("Export Data…"), this))
    , m_stack(new QStackedWidget(this))
    , m_map(new NetworkMapView(this))
    , m_loading(new QProgressBar(this))
    , m_cancelLoad(new QPushButton(Icons::action(Icons::Action::Cancel), tr("Cancel"), this))
{
    setObjectName(u"systemInformationPage"_s);
    m_graphBox->setObjectName(u"graph"_s);
    m_periodBox->setObjectName(u"period"_s);
    m_summary->setObjectName(u"summary"_s);
    m_exportImage->setObjectName(u"exportImage"_s);
    m_exportData->setObjectName(u"exportData"_s);
    m_map->setObjectName(u"networkMap"_s);
    m_loading->setObjectName(u"loading"_s);
    m_loading->setRange(0, 0);
    m_loading->setTextVisible(false);
    m_loading->setMaximumWidth(120);
    m_loading->setAccessibleName(tr("Reading the statistics"));
    m_loading->hide();
    m_cancelLoad->setObjectName(u"cancelLoad"_s);
    m_cancelLoad->setToolTip(tr("Stop reading this period and show the one before again."));
    m_cancelLoad->hide();

    for (int graph = 0; graph < GraphCount; ++graph)
        m_graphBox->addItem(graphTitle(Graph(graph)), graph);
    for (int minutes : periods())
        m_periodBox->addItem(periodText(minutes), minutes);

    m_stack->addWidget(m_map);
    const JobCountsModel::Grouping groupings[] = {JobCountsModel::Grouping::ByNode,
                                                  JobCountsModel::Grouping::ByType,
                                                  JobCountsModel::Grouping::ByNodeAndType};
    for (int graph = JobsByNode; graph < GraphCount; ++graph) {
        m_models[graph] = new JobCountsModel(groupings[graph - JobsByNode], this);
        m_charts[graph] = new JobChartView(m_models[graph], this);
        m_charts[graph]->setObjectName(graphKey(Graph(graph)));
        m_stack->addWidget(m_charts[graph]);
        connect(m_charts[graph], &JobChartView::barClicked, this,
                [this, graph](const QString &row, const QString &column) {
                    showJobs(Graph(graph), row, column);
                });
    }

    auto *graphLabel = new QLabel(tr("&Graph:"), this);
    graphLabel->setBuddy(m_graphBox);
    auto *periodLabel = new QLabel(tr("&Period:"), this);
    periodLabel->setBuddy(m_periodBox);
    auto *bar = new QHBoxLayout;
    bar->addWidget(graphLabel);
    bar->addWidget(m_graphBox);
    bar->addSpacing(12);
    bar->addWidget(periodLabel);
    bar->addWidget(m_periodBox);
    bar->addSpacing(12);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_loading);
    bar->addWidget(m_cancelLoad);
    bar->addWidget(m_exportImage);
    bar->addWidget(m_exportData);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_stack, 1);

    connect(m_graphBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_stack->setCurrentIndex(index);
        apply();
    });
    connect(m_periodBox, &QComboBox::currentIndexChanged, this, [this] {
        if (m_watching)
            m_client.watchSystemInformation(periodMinutes());
        apply();
    });
    connect(m_map, &NetworkMapView::nodeActivated, this, &SystemInformationPage::propertiesRequested);
    connect(m_cancelLoad, &QPushButton::clicked, this, &SystemInformationPage::cancelLoading);
    connect(m_exportImage, &QPushButton::clicked, this, [this] { askExport(Export::Image); });
    connect(m_exportData, &QPushButton::clicked, this, [this] { askExport(Export::Data); });
    connect(&client, &ClusterClient::snapshotChanged, this, &SystemInformationPage::apply);
    apply();
}

SystemInformationPage::~SystemInformationPage() = default;

QString SystemInformationPage::graphTitle(Graph graph)
{
    switch (graph) {
    case NetworkMap:
        return tr("Network Map with Activity Graph");
    case JobsByNode:
        return tr("Jobs by Node");
    case JobsByType:
        return tr("Jobs by Type");
    case JobsByNodeAndType:
    case GraphCount:
        break;
    }
    return tr("Total jobs by node and type");
}

QString SystemInformationPage::graphKey(Graph graph)
{
    static const QString keys[] = {u"network-map"_s, u"jobs-by-node"_s, u"jobs-by-type"_s,
                                   u"jobs-by-node-and-type"_s};
    return keys[qBound(0, int(graph), GraphCount - 1)];
}

const QList<int> &SystemInformationPage::periods()
{
    static const QList<int> minutes{60, 6 * 60, 24 * 60};
    return minutes;
}

SystemInformationPage::Graph SystemInformationPage::graph() const
{
    return Graph(m_graphBox->currentIndex());
}

void SystemInformationPage::setGraph(Graph graph)
{
    m_graphBox->setCurrentIndex(int(graph));
}

int SystemInformationPage::periodMinutes() const
{
    return m_periodBox->currentData().toInt();
}

void SystemInformationPage::setPeriodMinutes(int minutes)
{
    const int index = m_periodBox->findData(minutes);
    if (index >= 0)
        m_periodBox->setCurrentIndex(index);
}

JobChartView *SystemInformationPage::chartView(Graph graph) const
{
    return graph > NetworkMap && graph < GraphCount ? m_charts[graph] : nullptr;
}

JobCountsModel *SystemInformationPage::model(Graph graph) const
{
    return graph > NetworkMap && graph < GraphCount ? m_models[graph] : nullptr;
}

QWidget *SystemInformationPage::currentGraphWidget() const
{
    return m_stack->currentWidget();
}

void SystemInformationPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_watching) {
        m_watching = true;
        m_client.watchSystemInformation(periodMinutes());
    }
    apply();
}

void SystemInformationPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    // A minimised window hides its pages too; only stop when the page itself went away.
    if (m_watching && !isVisibleTo(window())) {
        m_watching = false;
        m_client.watchSystemInformation(0);
    }
}

void SystemInformationPage::apply()
{
    // A hidden page draws nothing; showing it applies the latest snapshot.
    if (!isVisible())
        return;
    const ClusterSnapshot &snapshot = m_client.snapshot();
    const Graph current = graph();
    // Statistics of another period (the choice just changed) are not shown as this one's.
    const bool fresh = snapshot.statistics && snapshot.statistics->periodMinutes == periodMinutes();
    if (current == NetworkMap) {
        m_map->setCluster(snapshot.nodes, snapshot.links,
                          fresh ? snapshot.statistics->activity : ActivitySeries{}, m_client.databaseUrl());
    } else if (fresh) {
        m_models[current]->setStatistics(snapshot.statistics->counts, snapshot.nodes);
        m_charts[current]->setTitle(tr("%1 — %2").arg(graphTitle(current), periodText(periodMinutes())));
    }
    updateSummary();
}

void SystemInformationPage::cancelLoading()
{
    if (m_shownPeriod > 0 && m_shownPeriod != periodMinutes())
        setPeriodMinutes(m_shownPeriod);
}

void SystemInformationPage::updateSummary()
{
    const ClusterSnapshot &snapshot = m_client.snapshot();
    const bool fresh = snapshot.statistics && snapshot.statistics->periodMinutes == periodMinutes();
    m_loading->setVisible(!fresh && m_client.hasSnapshot());
    m_cancelLoad->setVisible(!fresh && m_shownPeriod > 0 && m_shownPeriod != periodMinutes());
    if (!fresh) {
        m_summary->setText(m_client.hasSnapshot()
                               ? tr("Reading the statistics (%1)…").arg(periodText(periodMinutes()))
                               : QString());
        return;
    }
    m_shownPeriod = periodMinutes();
    qint64 jobs = 0;
    for (const JobCount &count : snapshot.statistics->counts)
        jobs += count.total();
    // As the map draws them: a failed probe to an Offline node is stale, not failing.
    const int unreachable = graph() == NetworkMap ? m_map->failingProbes() : 0;
    QString text =
        tr("%1 jobs finished (%2).").arg(QLocale().toString(jobs), periodText(periodMinutes()).toLower());
    if (graph() == NetworkMap && unreachable > 0)
        text += u' ' + tr("%n probe(s) failing.", nullptr, unreachable);
    m_summary->setText(text);
}

void SystemInformationPage::showJobs(Graph graph, const QString &rowKey, const QString &columnKey)
{
    const ClusterSnapshot &snapshot = m_client.snapshot();
    JobCountsModel *counts = m_models[graph];
    if (!snapshot.statistics || !counts)
        return;
    FinishedJobsFilter filter;
    filter.window = snapshot.statistics->window;
    QString what;
    const int row = int(counts->rowKeys().indexOf(rowKey));
    const int column = int(counts->columnKeys().indexOf(columnKey));
    const QString rowLabel = counts->rowLabel(row);
    if (graph == JobsByType) {
        filter.jobType = rowKey;
        what = rowLabel;
    } else {
        filter.nodeGuid = rowKey;
        what = rowLabel;
    }
    if (graph == JobsByNodeAndType) {
        filter.jobType = columnKey;
        what = tr("%1, %2").arg(rowLabel, columnKey);
    }
    // Succeeded and failed are one bar: the list shows both, newest first.
    const qint64 expected = graph == JobsByNodeAndType ? counts->count(row, column) : counts->rowTotal(row);
    auto *dialog = new FinishedJobsDialog(m_client, filter, what, expected, this);
    dialog->show();
}

bool SystemInformationPage::exportImage(const QString &path, QString *error) const
{
    if (JobChartView *chart = chartView(graph()))
        return chart->savePng(path, error);
    return ExportFile::writePng(path, m_map->grab().toImage(), error);
}

bool SystemInformationPage::exportData(const QString &path, QString *error) const
{
    if (JobChartView *chart = chartView(graph()))
        return chart->saveCsv(path, error);
    return ExportFile::writeText(path, linksCsv(m_client.snapshot()), error);
}

QImage SystemInformationPage::currentImage() const
{
    if (JobChartView *chart = chartView(graph()))
        return chart->image();
    return m_map->grab().toImage();
}

QString SystemInformationPage::currentCsv() const
{
    if (JobCountsModel *counts = model(graph()))
        return counts->toCsv();
    return linksCsv(m_client.snapshot());
}

ExportJob *SystemInformationPage::startExport(Export what, const QString &path)
{
    const bool image = what == Export::Image;
    const QString title = image ? tr("Export Image") : tr("Export Data");
    // What is drawn or shown is taken now, on this thread; the export thread encodes and writes it.
    if (image) {
        return ExportProgress::start(this, title, path, [picture = currentImage()] {
            QByteArray bytes;
            QBuffer buffer(&bytes);
            if (!buffer.open(QIODevice::WriteOnly) || !picture.save(&buffer, "PNG"))
                return QByteArray();
            return bytes;
        });
    }
    return ExportProgress::start(this, title, path, [text = currentCsv()] { return text.toUtf8(); });
}

void SystemInformationPage::askExport(Export what)
{
    const bool image = what == Export::Image;
    const QString title = image ? tr("Export Image") : tr("Export Data");
    const auto location = image ? QStandardPaths::PicturesLocation : QStandardPaths::DocumentsLocation;
    const QString suggested = QDir(QStandardPaths::writableLocation(location))
                                  .filePath(graphKey(graph()) + (image ? u".png"_s : u".csv"_s));
    const QString path = QFileDialog::getSaveFileName(
        this, title, suggested, image ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        startExport(what, path);
}

} // namespace Cohort
