#include "agentstablemodel.h"
#include "clustersnapshot.h"
#include "icons.h"
#include "nodestablemodel.h"

#include <QColor>
#include <QFont>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qint64 SecondMs = 1000;
constexpr qint64 MinuteMs = 60 * SecondMs;
constexpr qint64 HourMs = 60 * MinuteMs;
constexpr qint64 DayMs = 24 * HourMs;

QColor quietBackground()
{
    return QColor(0xff, 0xf0, 0xd4); // a light amber, readable under both text colours
}

QColor quietText()
{
    return QColor(0xb3, 0x4a, 0x00);
}

} // namespace

AgentsTableModel::AgentsTableModel(QObject *parent)
    : KeyedTableModel(parent)
{}

void AgentsTableModel::setContext(qint64 databaseTime, qint64 offlineAfterMs,
                                  const QHash<QString, QString> &nodeNames)
{
    const bool namesChanged = nodeNames != m_nodeNames;
    const bool judged = offlineAfterMs != m_offlineAfterMs || databaseTime != m_now;
    m_now = databaseTime;
    m_offlineAfterMs = offlineAfterMs;
    m_nodeNames = nodeNames;
    if (rowCount() == 0 || (!namesChanged && !judged))
        return;
    // The ages move with the clock, and a row may go quiet without changing itself: every
    // row (its colours too).
    Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

bool AgentsTableModel::isQuiet(const AgentRecord &agent) const
{
    return AgentsSnapshot::isQuiet(agent, m_now, m_offlineAfterMs);
}

QString AgentsTableModel::nodeName(const QString &guid) const
{
    if (guid.isEmpty())
        return QString();
    // A node no longer listed (decommissioned): its GUID, shortened, rather than nothing.
    return m_nodeNames.value(guid, tr("%1… (not listed)").arg(guid.left(8)));
}

QString AgentsTableModel::formatAge(qint64 ageMs)
{
    if (ageMs < SecondMs)
        return tr("just now");
    if (ageMs < MinuteMs)
        return tr("%1 s ago").arg(ageMs / SecondMs);
    if (ageMs < HourMs)
        return tr("%1 min ago").arg(ageMs / MinuteMs);
    if (ageMs < 2 * DayMs)
        return tr("%1 h ago").arg(ageMs / HourMs);
    return tr("%1 d ago").arg(ageMs / DayMs);
}

int AgentsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AgentsTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const AgentRecord &agent = rowAt(index.row());
    const bool personal = index.column() == HostName || index.column() == Addresses;
    const bool sealed = personal && agent.personalDataSealed;
    const bool quiet = isQuiet(agent);
    switch (role) {
    case GuidRole:
        return agent.guid;
    case QuietRole:
        return quiet;
    case SealedRole:
        return agent.personalDataSealed;
    case FilterRole:
        return QStringList{agent.guid, agent.hostName, agent.addresses.join(u' '), agent.version,
                           nodeName(agent.managerGuid)}
            .join(u'\n');
    case Qt::FontRole:
        if (sealed) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::BackgroundRole:
        return quiet ? QVariant(quietBackground()) : QVariant();
    case Qt::ForegroundRole:
        if (sealed)
            return QColor(Qt::gray);
        if (index.column() == State)
            return quiet ? quietText() : NodesTableModel::statusColor(NodeStatus::Online);
        return {};
    case Qt::DecorationRole:
        if (index.column() == State)
            return Icons::status(quiet ? Icons::Status::Warning : Icons::Status::Online);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Checkins || index.column() == LastCheckin)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (sealed)
            return tr("Sealed with the cluster's data key: only an administrator holding a copy of the key "
                      "sees it.");
        switch (index.column()) {
        case Addresses:
            return agent.addresses.join(u'\n');
        case Node:
            return agent.managerGuid;
        case LastCheckin:
            return tr("%1 (database time); first check-in %2")
                .arg(formatTimestamp(agent.lastCheckinMs), formatTimestamp(agent.firstCheckinMs));
        case State:
            if (agent.state != u"online")
                return tr("Flagged offline: silent for longer than %n second(s).", nullptr,
                          int(m_offlineAfterMs / SecondMs));
            if (quiet)
                return tr("No check-in for longer than %n second(s); not flagged offline yet.", nullptr,
                          int(m_offlineAfterMs / SecondMs));
            return {};
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case LastCheckin:
            return agent.lastCheckinMs;
        case Checkins:
            return agent.checkins;
        case State:
            return quiet ? 1 : 0;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case Guid:
            return agent.guid;
        case HostName:
            return sealed ? tr("Sealed", "value not shown to an auditor") : agent.hostName;
        case Addresses:
            return sealed ? tr("Sealed", "value not shown to an auditor") : agent.addresses.join(u", "_s);
        case Version:
            return agent.version;
        case Node:
            return nodeName(agent.managerGuid);
        case LastCheckin:
            return agent.lastCheckinMs > 0 ? formatAge(qMax<qint64>(0, m_now - agent.lastCheckinMs)) : u"—"_s;
        case State:
            if (agent.state != u"online")
                return tr("Offline", "agent state");
            return quiet ? tr("Gone quiet") : tr("Online", "agent state");
        case Checkins:
            return QLocale().toString(agent.checkins);
        }
        return {};
    default:
        return {};
    }
}

QVariant AgentsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == Node)
        return tr("The manager node the agent last checked in with.");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Guid:
        return tr("GUID", "column heading");
    case HostName:
        return tr("Host Name");
    case Addresses:
        return tr("Addresses", "column heading");
    case Version:
        return tr("Version", "column heading");
    case Node:
        return tr("Node", "column heading");
    case LastCheckin:
        return tr("Last Check-In");
    case State:
        return tr("State", "column heading");
    case Checkins:
        return tr("Check-Ins", "column heading");
    }
    return {};
}

QHash<int, QByteArray> AgentsTableModel::roleNames() const
{
    auto names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sortValue");
    names.insert(GuidRole, "guid");
    names.insert(QuietRole, "quiet");
    names.insert(FilterRole, "filterText");
    names.insert(SealedRole, "sealed");
    return names;
}

} // namespace Cohort
