// TakeoverJobsModel: the jobs of one takeover report (TakeoverReportDialog): what each
// was returned as, its state now, the node that ran it afterwards, when it was claimed
// again and when it finished. Applied as a diff by job id.
#pragma once

#include "keyedtablemodel.h"
#include "takeovers.h"

namespace Cohort {

class TakeoverJobsModel : public KeyedTableModel<TakeoverJob, qint64>
{
    Q_OBJECT

public:
    enum Column { Id, Type, ReturnedAs, State, RanBy, Reclaimed, Finished, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    using KeyedTableModel::KeyedTableModel;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    qint64 keyOf(const TakeoverJob &job) const override { return job.jobId; }
};

} // namespace Cohort
