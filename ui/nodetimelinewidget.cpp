#include "nodetimelinewidget.h"
#include "clusterclient.h"
#include "consoletheme.h"
#include "exportprogress.h"
#include "icons.h"
#include "nodeeventsmodel.h"
#include "takeoverreportdialog.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {
// The timeline changes seldom: read again every few seconds while it is shown.
constexpr int RefreshMs = 5000;
} // namespace

NodeTimelineWidget::NodeTimelineWidget(ClusterClient &client, const QString &guid, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_guid(guid)
    , m_model(new NodeEventsModel(this))
    , m_view(new QTableView(this))
    , m_error(new QLabel(this))
    , m_exportCsv(new QPushButton(Icons::action(Icons::Action::Export), tr("Export &CSV…"), this))
    , m_exportJson(new QPushButton(Icons::action(Icons::Action::Export), tr("Export &JSON…"), this))
    , m_takeover(new QPushButton(tr("&Takeover Report…"), this))
    , m_timer(new QTimer(this))
{
    setObjectName(u"timeline"_s);
    m_view->setObjectName(u"timelineView"_s);
    m_view->setAccessibleName(tr("Timeline"));
    m_view->setAccessibleDescription(
        tr("The node's events, newest first; an offline event opens its takeover report."));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    // Details can be long (a refusal's reason): wrapped in their column, not cut off.
    m_view->setWordWrap(true);
    m_view->setTextElideMode(Qt::ElideNone);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setMinimumSize(720, 240);

    m_error->setObjectName(u"timelineError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_error->hide();
    m_exportCsv->setObjectName(u"exportCsv"_s);
    m_exportJson->setObjectName(u"exportJson"_s);
    m_takeover->setObjectName(u"takeoverReport"_s);
    m_takeover->setToolTip(tr("What happened to the jobs the node held when its peers marked it Offline."));

    connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportWithDialog(Format::Csv); });
    connect(m_exportJson, &QPushButton::clicked, this, [this] { exportWithDialog(Format::Json); });
    connect(m_takeover, &QPushButton::clicked, this, [this] { openTakeoverReport(); });
    connect(m_view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.data(NodeEventsModel::TakeoverRole).toLongLong() > 0)
            openTakeoverReport(index.row());
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &NodeTimelineWidget::updateButtons);
    connect(&m_client, &ClusterClient::nodeEventsListed, this, &NodeTimelineWidget::eventsListed);
    m_timer->setInterval(RefreshMs);
    connect(m_timer, &QTimer::timeout, this, &NodeTimelineWidget::refresh);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_takeover);
    buttons->addStretch(1);
    buttons->addWidget(m_exportCsv);
    buttons->addWidget(m_exportJson);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
    updateButtons();
    refresh();
}

QString NodeTimelineWidget::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void NodeTimelineWidget::refresh()
{
    if (m_request != 0)
        return;
    m_request = m_client.listNodeEvents(m_guid);
}

void NodeTimelineWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
    m_timer->start();
}

void NodeTimelineWidget::hideEvent(QHideEvent *event)
{
    m_timer->stop();
    QWidget::hideEvent(event);
}

void NodeTimelineWidget::eventsListed(quint64 requestId, bool ok, const QList<NodeEvent> &events,
                                      const QString &error)
{
    if (requestId != m_request)
        return;
    m_request = 0;
    if (!ok) {
        m_error->setText(tr("The timeline could not be read: %1").arg(error));
        m_error->show();
        return;
    }
    m_error->hide();
    const bool first = !m_loaded;
    m_model->applySnapshot(events);
    m_loaded = true;
    if (first) {
        // Time, event and by at their width; details take the rest, wrapped.
        for (int column = 0; column < NodeEventsModel::Details; ++column)
            m_view->resizeColumnToContents(column);
        m_view->scrollToBottom();
    }
    m_view->resizeRowsToContents();
    updateButtons();
    Q_EMIT loaded();
}

int NodeTimelineWidget::selectedRow() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

void NodeTimelineWidget::updateButtons()
{
    const int row = selectedRow();
    m_takeover->setEnabled(row >= 0 && m_model->rowAt(row).takeoverId > 0);
    m_exportCsv->setEnabled(m_loaded);
    m_exportJson->setEnabled(m_loaded);
}

ExportJob *NodeTimelineWidget::exportTo(const QString &path, Format format)
{
    // The export thread gets its own copy of the rows (implicitly shared, never changed there).
    return ExportProgress::start(this, tr("Export Timeline"), path, [events = m_model->rows(), format] {
        return format == Format::Csv ? NodeEvents::toCsv(events) : NodeEvents::toJson(events);
    });
}

void NodeTimelineWidget::exportWithDialog(Format format)
{
    const bool csv = format == Format::Csv;
    const QString path = QFileDialog::getSaveFileName(
        this, csv ? tr("Export Timeline as CSV") : tr("Export Timeline as JSON"),
        u"node-events.%1"_s.arg(csv ? u"csv"_s : u"json"_s),
        csv ? tr("CSV files (*.csv);;All files (*)") : tr("JSON files (*.json);;All files (*)"));
    if (!path.isEmpty())
        exportTo(path, format);
}

TakeoverReportDialog *NodeTimelineWidget::openTakeoverReport(int row)
{
    if (row < 0)
        row = selectedRow();
    if (row < 0 || row >= m_model->rowCount() || m_model->rowAt(row).takeoverId <= 0)
        return nullptr;
    auto *dialog = new TakeoverReportDialog(m_client, m_model->rowAt(row).takeoverId, window());
    dialog->show();
    return dialog;
}

} // namespace Cohort
