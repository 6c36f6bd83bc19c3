#include "alertspage.h"
#include "alertstablemodel.h"
#include "clusterclient.h"
#include "takeoverreportdialog.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Shows cleared alerts only when asked.
class OpenAlertsFilter : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setShowCleared(bool show)
    {
        m_showCleared = show;
        invalidateRowsFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        return m_showCleared
               || sourceModel()->index(row, 0, parent).data(AlertsTableModel::OpenRole).toBool();
    }

private:
    bool m_showCleared = false;
};

} // namespace

AlertsPage::AlertsPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new AlertsTableModel(this))
    , m_proxy(new OpenAlertsFilter(this))
    , m_view(new QTableView(this))
    , m_showCleared(new QCheckBox(tr("Show &cleared alerts"), this))
    , m_acknowledge(new QPushButton(tr("&Acknowledge", "alert action"), this))
    , m_clear(new QPushButton(tr("C&lear", "alert action"), this))
    , m_takeover(new QPushButton(tr("Open &Takeover Report"), this))
    , m_message(new QLabel(this))
{
    setObjectName(u"alertsPage"_s);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(AlertsTableModel::SortRole);
    m_proxy->setDynamicSortFilter(true);

    m_view->setObjectName(u"alertsView"_s);
    m_view->setAccessibleName(tr("Alerts"));
    m_view->setAccessibleDescription(
        tr("One row per alert, newest first; select one to acknowledge or clear it."));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AlertsTableModel::Raised, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setSectionResizeMode(AlertsTableModel::Message, QHeaderView::Stretch);

    m_acknowledge->setObjectName(u"acknowledge"_s);
    m_clear->setObjectName(u"clear"_s);
    m_takeover->setObjectName(u"openTakeoverReport"_s);
    m_takeover->setToolTip(tr("For a node-offline alert: what happened to the jobs the node held."));
    connect(m_takeover, &QPushButton::clicked, this, &AlertsPage::openTakeoverReport);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &position) {
        if (!takeoverAvailable())
            return;
        QMenu menu(this);
        menu.addAction(tr("Open Takeover Report"), this, &AlertsPage::openTakeoverReport);
        menu.exec(m_view->viewport()->mapToGlobal(position));
    });
    m_message->setObjectName(u"message"_s);
    if (!m_client.session().isAdministrator()) {
        m_acknowledge->setToolTip(tr("Auditors cannot change alerts."));
        m_clear->setToolTip(tr("Auditors cannot change alerts."));
    }
    connect(m_showCleared, &QCheckBox::toggled, this,
            [this](bool show) { static_cast<OpenAlertsFilter *>(m_proxy)->setShowCleared(show); });
    connect(m_acknowledge, &QPushButton::clicked, this, &AlertsPage::acknowledgeSelected);
    connect(m_clear, &QPushButton::clicked, this, &AlertsPage::clearSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AlertsPage::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &AlertsPage::updateButtons);

    auto *top = new QHBoxLayout;
    top->addWidget(m_showCleared);
    top->addStretch(1);
    top->addWidget(m_message);
    top->addWidget(m_takeover);
    top->addWidget(m_acknowledge);
    top->addWidget(m_clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view);
    // Tab in reading order: the row of controls above the table first.
    setTabOrder(m_showCleared, m_takeover);
    setTabOrder(m_takeover, m_acknowledge);
    setTabOrder(m_acknowledge, m_clear);
    setTabOrder(m_clear, m_view);

    connect(&m_client, &ClusterClient::snapshotChanged, this, [this] {
        m_model->applySnapshot(m_client.snapshot().alerts);
        updateButtons();
    });
    connect(&m_client, &ClusterClient::actionFinished, this, &AlertsPage::actionFinished);
    if (m_client.hasSnapshot())
        m_model->applySnapshot(m_client.snapshot().alerts);
    updateButtons();
}

QString AlertsPage::message() const
{
    return m_message->text();
}

QList<qint64> AlertsPage::selectedIds(bool onlyUnacknowledged) const
{
    QList<qint64> ids;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows()) {
        if (!index.data(AlertsTableModel::OpenRole).toBool())
            continue;
        if (onlyUnacknowledged && index.data(AlertsTableModel::AcknowledgedRole).toBool())
            continue;
        ids.append(index.data(AlertsTableModel::IdRole).toLongLong());
    }
    return ids;
}

int AlertsPage::selectedSourceRow() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.size() != 1)
        return -1;
    return m_proxy->mapToSource(rows.first()).row();
}

bool AlertsPage::takeoverAvailable() const
{
    const int row = selectedSourceRow();
    if (row < 0)
        return false;
    const AlertRow &alert = m_model->rowAt(row);
    return alert.kind == u"node-offline"_s && !alert.nodeGuid.isEmpty();
}

TakeoverReportDialog *AlertsPage::openTakeoverReport()
{
    if (!takeoverAvailable())
        return nullptr;
    const AlertRow &alert = m_model->rowAt(selectedSourceRow());
    auto *dialog = new TakeoverReportDialog(m_client, alert.nodeGuid, alert.raisedAt, window());
    dialog->show();
    return dialog;
}

void AlertsPage::updateButtons()
{
    m_takeover->setEnabled(takeoverAvailable());
    const bool administrator = m_client.session().isAdministrator();
    m_acknowledge->setEnabled(administrator && m_pending.isEmpty() && !selectedIds(true).isEmpty());
    m_clear->setEnabled(administrator && m_pending.isEmpty() && !selectedIds(false).isEmpty());
}

void AlertsPage::acknowledgeSelected()
{
    m_message->clear();
    for (qint64 id : selectedIds(true))
        m_pending.append(m_client.acknowledgeAlert(id));
    updateButtons();
}

void AlertsPage::clearSelected()
{
    m_message->clear();
    for (qint64 id : selectedIds(false))
        m_pending.append(m_client.clearAlert(id));
    updateButtons();
}

void AlertsPage::actionFinished(quint64 requestId, bool ok, const QString &message)
{
    if (!m_pending.removeOne(requestId))
        return;
    if (!ok)
        m_message->setText(message);
    updateButtons();
}

} // namespace Cohort
