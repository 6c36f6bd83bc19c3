#include "consistencypage.h"
#include "clusterclient.h"
#include "consistencymodel.h"
#include "consoletheme.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

ConsistencyPage::ConsistencyPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new ConsistencyModel(this))
    , m_view(new QTableView(this))
    , m_summary(new QLabel(this))
    , m_error(new QLabel(this))
{
    setObjectName(u"consistencyPage"_s);
    m_summary->setObjectName(u"consistencySummary"_s);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setText(tr("Checking the nodes…"));
    m_summary->setContentsMargins(10, 8, 10, 8);
    m_error->setObjectName(u"consistencyError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_error->hide();

    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(ConsistencyModel::SortRole);
    proxy->setDynamicSortFilter(true);
    m_view->setObjectName(u"consistencyView"_s);
    m_view->setAccessibleName(tr("Consistency of the nodes"));
    m_view->setAccessibleDescription(tr("One row per node; a value that differs from the cluster's is marked "
                                        "in bold, with the reason in its tooltip."));
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ConsistencyModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_error);
    layout->addWidget(m_view, 1);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &ConsistencyPage::refresh);
}

QString ConsistencyPage::summary() const
{
    return m_summary->text();
}

QString ConsistencyPage::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void ConsistencyPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_client.watchConsistency(true);
}

void ConsistencyPage::hideEvent(QHideEvent *event)
{
    m_client.watchConsistency(false);
    QWidget::hideEvent(event);
}

void ConsistencyPage::refresh()
{
    const ClusterSnapshot &snapshot = m_client.snapshot();
    if (!snapshot.consistencyError.isEmpty()) {
        m_error->setText(tr("The nodes could not be compared: %1").arg(snapshot.consistencyError));
        m_error->show();
    } else {
        m_error->hide();
    }
    if (!snapshot.consistency)
        return;
    const ConsistencyReport &report = *snapshot.consistency;
    QSet<QString> draining;
    for (const NodeInfo &node : snapshot.nodes) {
        if (node.drainingSince > 0)
            draining.insert(node.guid);
    }
    m_model->setDraining(draining);
    m_model->applySnapshot(report.nodes);
    m_consistent = report.consistent();
    m_summary->setText(report.summary());
    m_summary->setStyleSheet(
        m_consistent ? u"QLabel { background: #e8f5e9; color: #1b5e20; border: 1px solid #a5d6a7; "
                       "border-radius: 4px; font-weight: bold; }"_s
                     : u"QLabel { background: #fff3e0; color: #b71c1c; border: 1px solid #ffcc80; "
                       "border-radius: 4px; font-weight: bold; }"_s);
    if (!m_sized && m_model->rowCount() > 0) {
        m_sized = true;
        m_view->resizeColumnsToContents();
    }
}

} // namespace Cohort
