#include "nodestablemodel.h"
#include "icons.h"

#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

#include <limits>
#include <utility>

using namespace Qt::StringLiterals;

namespace Cohort {

QString formatTimestamp(qint64 ms)
{
    if (ms <= 0)
        return u"—"_s;
    // The locale's short date and its time with seconds, without the zone: "07.12.2026
    // 03:14:05" in German, "2026/12/07 3時14分05秒" in Japanese, "12/7/2026 3:14:05 AM" in US English.
    static const QString format = []() -> QString {
        const QLocale locale;
        QString time = locale.timeFormat(QLocale::LongFormat);
        time.remove(u't').replace(u"  "_s, u" "_s);
        // With the whole year: "12/7/26" could be any of three dates.
        QString date = locale.dateFormat(QLocale::ShortFormat);
        if (!date.contains(u"yyyy"_s))
            date.replace(u"yy"_s, u"yyyy"_s);
        return date + u' ' + time.trimmed();
    }();
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), format);
}

NodesTableModel::NodesTableModel(QObject *parent)
    : KeyedTableModel(parent)
{}

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

QColor NodesTableModel::drainingColor()
{
    return QColor(0xb2, 0x8a, 0x00); // dark amber, apart from Upgrade Required's orange
}

QColor NodesTableModel::displayColor(const NodeInfo &node)
{
    return nodeDisplayStatusKey(node) == u"draining"_s ? drainingColor() : statusColor(node.status);
}

QIcon NodesTableModel::displayIcon(const NodeInfo &node)
{
    // The icon set's status shapes (resources/): a check, a bar, an arrow up, a pause, a slash.
    return Icons::nodeStatus(nodeDisplayStatusKey(node));
}

namespace {

QString secondsText(qint64 ms)
{
    return NodesTableModel::tr("%1 s").arg(QLocale().toString((ms + 999) / 1000));
}

} // namespace

QString NodesTableModel::heartbeatText(const NodeInfo &node)
{
    if (node.heartbeatAgeMs < 0)
        return u"—"_s;
    const qint64 seconds = node.heartbeatAgeMs / 1000;
    if (seconds < 120)
        return tr("%1 s ago").arg(QLocale().toString(seconds));
    if (seconds < 2 * 3600)
        return tr("%1 min ago").arg(QLocale().toString(seconds / 60));
    if (seconds < 2 * 86400)
        return tr("%1 h ago").arg(QLocale().toString(seconds / 3600));
    return tr("%1 d ago").arg(QLocale().toString(seconds / 86400));
}

QString NodesTableModel::offlineInText(const NodeInfo &node)
{
    if (node.status != NodeStatus::Online)
        return u"—"_s;
    if (node.offlineInMs < 0)
        return tr("never (no peer)");
    if (node.offlineInMs == 0)
        return tr("due", "offline countdown at zero");
    return secondsText(node.offlineInMs);
}

QString NodesTableModel::countdownToolTip(const NodeInfo &node)
{
    if (!node.countdownNote.isEmpty())
        return node.countdownNote;
    if (node.status != NodeStatus::Online)
        return node.offlineSince > 0 ? tr("Offline since %1").arg(formatTimestamp(node.offlineSince))
                                     : QString();
    if (node.allowedSilenceMs > 0)
        return tr("Its peers mark it Offline after %1 without a heartbeat (database clock).")
            .arg(secondsText(node.allowedSilenceMs));
    return {};
}

QIcon NodesTableModel::statusIcon(NodeStatus status)
{
    return Icons::nodeStatus(nodeStatusKey(status));
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
        return index.column() == Status ? QVariant(displayIcon(node)) : QVariant();
    case Qt::ForegroundRole:
        return index.column() == Status ? QVariant(displayColor(node)) : QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() == JobsLastHour || index.column() == RunningJobs || index.column() == ClockOffset
            || index.column() == Agents || index.column() == Heartbeat || index.column() == OfflineIn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if ((index.column() == Status || index.column() == Version)
            && node.status == NodeStatus::UpgradeRequired) {
            if (node.requiredVersion.isEmpty())
                return tr("This node runs version %1, older than the cluster. It does no work until it is "
                          "upgraded.")
                    .arg(node.version);
            return tr("This node runs version %1; the cluster runs %2. It does no work until it is upgraded "
                      "to %2.")
                .arg(node.version, node.requiredVersion);
        }
        if (index.column() == ClockOffset)
            return tr("This node's clock minus the database's, at its last time check.");
        if (index.column() == Agents)
            return tr("Agents online that last checked in with this node.");
        if (index.column() == OfflineIn || index.column() == Heartbeat) {
            if (const QString tip = countdownToolTip(node); !tip.isEmpty())
                return tip;
            return {};
        }
        if (index.column() == Status && nodeDisplayStatusKey(node) == u"draining"_s)
            return tr("Drained by an administrator since %1: Online, but it claims no work.")
                .arg(formatTimestamp(node.drainingSince));
        if (index.column() == TimeZone) {
            const int minutes = qAbs(node.tzOffsetSeconds) / 60;
            return tr("UTC%1%2:%3")
                .arg(node.tzOffsetSeconds < 0 ? QChar(u'-') : QChar(u'+'))
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
            return int(node.status) * 2 + (node.drainingSince > 0 ? 1 : 0);
        case Version:
            return node.version;
        case Address:
            return node.apiAddress;
        case Heartbeat:
            return node.heartbeatAgeMs;
        case OfflineIn:
            // Soonest first; no countdown (no peer, or Offline) last.
            return node.status != NodeStatus::Online || node.offlineInMs < 0
                       ? std::numeric_limits<qint64>::max()
                       : node.offlineInMs;
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
            return nodeDisplayStatus(node);
        case Heartbeat:
            return heartbeatText(node);
        case OfflineIn:
            return offlineInText(node);
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
        return tr("Name", "column heading");
    case Status:
        return tr("Status", "column heading");
    case Version:
        return tr("Version", "column heading");
    case Address:
        return tr("Address", "column heading");
    case TimeZone:
        return tr("Time Zone");
    case ClockOffset:
        return tr("Clock Offset");
    case LastContact:
        return tr("Last Contact");
    case Heartbeat:
        return tr("Heartbeat", "column heading");
    case OfflineIn:
        return tr("Offline In");
    case JobsLastHour:
        return tr("Jobs (Last Hour)");
    case RunningJobs:
        return tr("Running Jobs");
    case Agents:
        return tr("Agents", "column heading");
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
