#include "nodestablemodel.h"

#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

#include <utility>

using namespace Qt::StringLiterals;

namespace Cohort {

QString formatTimestamp(qint64 ms)
{
    if (ms <= 0)
        return u"—"_s;
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), u"yyyy-MM-dd HH:mm:ss"_s);
}

NodesTableModel::NodesTableModel(QObject *parent) : KeyedTableModel(parent) {}

void NodesTableModel::setAgentCounts(const QHash<QString, int> &onlineByNode)
{
    if (onlineByNode == m_agents)
        return;
    const QHash<QString, int> before = std::exchange(m_agents, onlineByNode);
    for (int row = 0; row < rowCount(); ++row) {
        const QString &guid = rowAt(row).guid;
        if (before.value(guid) != m_agents.value(guid))
            Q_EMIT dataChanged(index(row, Agents), index(row, Agents));
    }
}

int NodesTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QColor NodesTableModel::statusColor(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Online:
        return QColor(0x2e, 0x7d, 0x32); // green
    case NodeStatus::Offline:
        return QColor(0xc6, 0x28, 0x28); // red
    case NodeStatus::UpgradeRequired:
        return QColor(0xe6, 0x6a, 0x00); // amber
    case NodeStatus::Decommissioned:
        break;
    }
    return QColor(0x75, 0x75, 0x75); // grey
}

QIcon NodesTableModel::statusIcon(NodeStatus status)
{
    static QHash<int, QIcon> cache;
    const int key = int(status);
    if (const auto it = cache.constFind(key); it != cache.constEnd())
        return *it;
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(statusColor(status).darker(130));
    painter.setBrush(statusColor(status));
    if (status == NodeStatus::UpgradeRequired) {
        // A triangle, so the state does not rest on colour alone.
        const QPointF points[] = {{8, 2}, {14.5, 14}, {1.5, 14}};
        painter.drawPolygon(points, 3);
    } else if (status == NodeStatus::Offline) {
        painter.drawRect(QRectF(2.5, 2.5, 11, 11));
    } else {
        painter.drawEllipse(QRectF(2, 2, 12, 12));
    }
    painter.end();
    return *cache.insert(key, QIcon(pixmap));
}

QVariant NodesTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const NodeInfo &node = rowAt(index.row());
    switch (role) {
    case GuidRole:
        return node.guid;
    case StatusRole:
        return int(node.status);
    case Qt::DecorationRole:
        return index.column() == Status ? QVariant(statusIcon(node.status)) : QVariant();
    case Qt::ForegroundRole:
        return index.column() == Status ? QVariant(statusColor(node.status)) : QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() == JobsLastHour || index.column() == RunningJobs || index.column() == ClockOffset
            || index.column() == Agents)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if ((index.column() == Status || index.column() == Version) && node.status == NodeStatus::UpgradeRequired) {
            if (node.requiredVersion.isEmpty())
                return tr("This node runs version %1, older than the cluster. It does no work until it is upgraded.")
                    .arg(node.version);
            return tr("This node runs version %1; the cluster runs %2. It does no work until it is upgraded to %2.")
                .arg(node.version, node.requiredVersion);
        }
        if (index.column() == ClockOffset)
            return tr("This node's clock minus the database's, at its last time check.");
        if (index.column() == Agents)
            return tr("Agents online that last checked in with this node.");
        if (index.column() == TimeZone) {
            const int minutes = qAbs(node.tzOffsetSeconds) / 60;
            return tr("UTC%1%2:%3")
                .arg(node.tzOffsetSeconds < 0 ? u'-' : u'+')
                .arg(minutes / 60, 2, 10, QChar(u'0'))
                .arg(minutes % 60, 2, 10, QChar(u'0'));
        }
        if (index.column() == LastContact && node.status != NodeStatus::Online && node.offlineSince > 0)
            return tr("Offline since %1").arg(formatTimestamp(node.offlineSince));
        return {};
    case SortRole:
        switch (index.column()) {
        case Name:
            return node.name;
        case Status:
            return int(node.status);
        case Version:
            return node.version;
        case Address:
            return node.apiAddress;
        case TimeZone:
            return node.tzOffsetSeconds;
        case ClockOffset:
            return node.clockSkewMs;
        case LastContact:
            return node.lastHeartbeat;
        case JobsLastHour:
            return node.jobsLastHour;
        case RunningJobs:
            return node.runningJobs;
        case Agents:
            return m_agents.value(node.guid);
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return node.name;
        case Status:
            return nodeStatusText(node.status);
        case Version:
            return node.version;
        case Address:
            return node.apiAddress.isEmpty() ? tr("(none)") : node.apiAddress;
        case TimeZone:
            return node.tzName;
        case ClockOffset:
            return tr("%1 s").arg(QLocale().toString(node.clockSkewMs / 1000.0, 'f', 1));
        case LastContact:
            return formatTimestamp(node.lastHeartbeat);
        case JobsLastHour:
            return QLocale().toString(node.jobsLastHour);
        case RunningJobs:
            return QLocale().toString(node.runningJobs);
        case Agents:
            return QLocale().toString(m_agents.value(node.guid));
        }
        return {};
    default:
        return {};
    }
}

QVariant NodesTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Name");
    case Status:
        return tr("Status");
    case Version:
        return tr("Version");
    case Address:
        return tr("Address");
    case TimeZone:
        return tr("Time Zone");
    case ClockOffset:
        return tr("Clock Offset");
    case LastContact:
        return tr("Last Contact");
    case JobsLastHour:
        return tr("Jobs (Last Hour)");
    case RunningJobs:
        return tr("Running Jobs");
    case Agents:
        return tr("Agents");
    }
    return {};
}

QHash<int, QByteArray> NodesTableModel::roleNames() const
{
    auto names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sortValue");
    names.insert(GuidRole, "guid");
    names.insert(StatusRole, "status");
    return names;
}

} // namespace Cohort
