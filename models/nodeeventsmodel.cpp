#include "nodeeventsmodel.h"
#include "nodestablemodel.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace Cohort {

int NodeEventsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString NodeEventsModel::actorText(const NodeEvent &event)
{
    if (!event.actorName.isEmpty())
        return event.actorName;
    return event.actor.isEmpty() ? u"—"_s : event.actor;
}

QVariant NodeEventsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const NodeEvent &event = rowAt(index.row());
    switch (role) {
    case IdRole:
        return event.id;
    case TakeoverRole:
        return event.takeoverId;
    case SortRole:
        switch (index.column()) {
        case Time:
            return event.at;
        case Event:
            return event.kind;
        case By:
            return actorText(event);
        case Details:
            return event.details;
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Time:
            return QDateTime::fromMSecsSinceEpoch(event.at, Qt::UTC).toString(Qt::ISODateWithMs);
        case Event:
            return event.takeoverId > 0 ? tr("%1 (double-click for the takeover report)").arg(event.kind)
                                        : event.kind;
        case By:
            return event.actor;
        case Details:
            return event.details;
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return formatTimestamp(event.at);
        case Event:
            return NodeEvents::describeKind(event.kind);
        case By:
            return actorText(event);
        case Details:
            return event.details;
        }
        return {};
    default:
        return {};
    }
}

QVariant NodeEventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time", "column heading");
    case Event:
        return tr("Event", "column heading");
    case By:
        return tr("By", "column heading");
    case Details:
        return tr("Details", "column heading");
    }
    return {};
}

} // namespace Cohort
