#include "agentsfiltermodel.h"
#include "agentstablemodel.h"

namespace Cohort {

AgentsFilterModel::AgentsFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(AgentsTableModel::SortRole);
    setDynamicSortFilter(true);
}

void AgentsFilterModel::setText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

void AgentsFilterModel::setQuietOnly(bool quietOnly)
{
    if (quietOnly == m_quietOnly)
        return;
    m_quietOnly = quietOnly;
    invalidateRowsFilter();
}

bool AgentsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex row = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_quietOnly && !row.data(AgentsTableModel::QuietRole).toBool())
        return false;
    return m_text.isEmpty()
           || row.data(AgentsTableModel::FilterRole).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace Cohort
