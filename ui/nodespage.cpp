#include "nodespage.h"
#include "clusterclient.h"
#include "icons.h"
#include "nodestablemodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

NodesPage::NodesPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new NodesTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_summary(new QLabel(this))
    , m_view(new QTableView(this))
{
    setObjectName(u"nodesPage"_s);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(NodesTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setDynamicSortFilter(true);

    m_filter->setObjectName(u"nodeFilter"_s);
    m_filter->setAccessibleName(tr("Filter nodes"));

    m_filter->setProperty("cohortFind", true);
    m_filter->setPlaceholderText(tr("Filter by name, status, version, address…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_view->setObjectName(u"nodesView"_s);
    m_view->setAccessibleName(tr("Manager nodes"));
    m_view->setAccessibleDescription(
        tr("One row per manager node; Alt+Return or a double-click opens its properties."));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(NodesTableModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    // Column widths from the first rows only: measuring hundreds of rows blocks the GUI thread.
    m_view->horizontalHeader()->setResizeContentsPrecision(50);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT propertiesRequested(index.data(NodesTableModel::GuidRole).toString());
    });
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT propertiesRequested(index.data(NodesTableModel::GuidRole).toString());
    });
    auto *properties = new QAction(Icons::action(Icons::Action::Properties), tr("&Properties…"), m_view);
    connect(properties, &QAction::triggered, this, [this] {
        if (const QString guid = selectedGuid(); !guid.isEmpty())
            Q_EMIT propertiesRequested(guid);
    });
    m_view->addAction(properties);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_summary);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &NodesPage::apply);
    if (m_client.hasSnapshot())
        apply();
    else
        updateSummary();
}

QString NodesPage::selectedGuid() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(NodesTableModel::GuidRole).toString();
}

void NodesPage::apply()
{
    m_model->applySnapshot(m_client.snapshot().nodes);
    m_model->setAgentCounts(m_client.snapshot().agents.onlineByNode);
    if (!m_sized && m_model->rowCount() > 0) {
        // Once: measuring every row on each refresh costs more than the refresh.
        m_view->resizeColumnsToContents();
        m_sized = true;
    }
    updateSummary();
}

void NodesPage::updateSummary()
{
    int online = 0;
    int offline = 0;
    int upgrade = 0;
    for (const NodeInfo &node : m_model->rows()) {
        online += node.status == NodeStatus::Online ? 1 : 0;
        offline += node.status == NodeStatus::Offline ? 1 : 0;
        upgrade += node.status == NodeStatus::UpgradeRequired ? 1 : 0;
    }
    const QString text =
        upgrade > 0
            ? tr("%n node(s): %1 online, %2 offline, %3 waiting for an upgrade", nullptr, m_model->rowCount())
                  .arg(online)
                  .arg(offline)
                  .arg(upgrade)
            : tr("%n node(s): %1 online, %2 offline", nullptr, m_model->rowCount()).arg(online).arg(offline);
    const QString version = m_client.snapshot().clusterVersion;
    m_summary->setText(version.isEmpty() ? text : tr("Cluster version %1 · %2").arg(version, text));
}

} // namespace Cohort
