#include "takeoverjobsmodel.h"
#include "nodestablemodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace Cohort {

int TakeoverJobsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TakeoverJobsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const TakeoverJob &job = rowAt(index.row());
    switch (role) {
    case SortRole:
        switch (index.column()) {
        case Id:
            return job.jobId;
        case Type:
            return job.type;
        case ReturnedAs:
            return job.returnedAs;
        case State:
            return job.state;
        case RanBy:
            return job.ranByName.isEmpty() ? job.ranBy : job.ranByName;
        case Reclaimed:
            return job.reclaimedAt;
        case Finished:
            return job.finishedAt;
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == Id ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case Qt::ToolTipRole:
        if (index.column() == RanBy && !job.ranBy.isEmpty())
            return job.ranBy;
        if (index.column() == State && !job.inPool)
            return tr("Purged from the jobs table since (past the retention).");
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Id:
            return QString::number(job.jobId);
        case Type:
            return job.type;
        case ReturnedAs:
            return job.returnedAs;
        case State:
            return job.inPool ? job.state : tr("(purged)");
        case RanBy:
            if (job.ranBy.isEmpty())
                return tr("nobody yet");
            return job.ranByName.isEmpty() ? job.ranBy : job.ranByName;
        case Reclaimed:
            return formatTimestamp(job.reclaimedAt);
        case Finished:
            return formatTimestamp(job.finishedAt);
        }
        return {};
    default:
        return {};
    }
}

QVariant TakeoverJobsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Id:
        return tr("Job", "column heading");
    case Type:
        return tr("Type", "column heading");
    case ReturnedAs:
        return tr("Returned As");
    case State:
        return tr("State Now");
    case RanBy:
        return tr("Ran By");
    case Reclaimed:
        return tr("Reclaimed", "column heading");
    case Finished:
        return tr("Finished", "column heading");
    }
    return {};
}

} // namespace Cohort
