#include "alertspage.h"
#include "alertstablemodel.h"
#include "clusterclient.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
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
    : QWidget(parent), m_client(client), m_model(new AlertsTableModel(this)), m_proxy(new OpenAlertsFilter(this)),
      m_view(new QTableView(this)), m_showCleared(new QCheckBox(tr("Show &cleared alerts"), this)),
      m_acknowledge(new QPushButton(tr("&Acknowledge"), this)), m_clear(new QPushButton(tr("C&lear"), this)),
      m_message(new QLabel(this))
{
    setObjectName(u"alertsPage"_s);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(AlertsTableModel::SortRole);
    m_proxy->setDynamicSortFilter(true);

    m_view->setObjectName(u"alertsView"_s);
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
    m_message->setObjectName(u"message"_s);
    if (!m_client.session().isAdministrator()) {
        m_acknowledge->setToolTip(tr("Auditors cannot change alerts."));
        m_clear->setToolTip(tr("Auditors cannot change alerts."));
    }
    connect(m_showCleared, &QCheckBox::toggled, this,
            [this](bool show) { static_cast<OpenAlertsFilter *>(m_proxy)->setShowCleared(show); });
    connect(m_acknowledge, &QPushButton::clicked, this, &AlertsPage::acknowledgeSelected);
    connect(m_clear, &QPushButton::clicked, this, &AlertsPage::clearSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AlertsPage::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &AlertsPage::updateButtons);

    auto *top = new QHBoxLayout;
    top->addWidget(m_showCleared);
    top->addStretch(1);
    top->addWidget(m_message);
    top->addWidget(m_acknowledge);
    top->addWidget(m_clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view);

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

void AlertsPage::updateButtons()
{
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
