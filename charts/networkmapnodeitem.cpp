#include "networkmapnodeitem.h"
#include "networkmapactivityitem.h"
#include "networkmapstyle.h"
#include "nodestablemodel.h"

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QHash>
#include <QLinearGradient>
#include <QLocale>
#include <QPainter>
#include <QPainterPathStroker>
#include <QPixmap>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace Cohort {

using namespace MapStyle;

namespace {

const QPixmap &statusPixmap(const NodeInfo &node)
{
    // Draining (an Online node drained by an administrator) has a picture of its own.
    const int key = nodeDisplayStatusKey(node) == u"draining"_s ? -1 : int(node.status);
    static QHash<int, QPixmap> cache;
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.insert(key, NodesTableModel::displayIcon(node).pixmap(QSize(16, 16)));
    return *it;
}

} // namespace

NetworkMapNodeItem::NetworkMapNodeItem(const NodeInfo &node, QGraphicsItem *parent)
    : QGraphicsItem(parent)
    , m_activity(new NetworkMapActivityItem(this))
{
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(true);
    setCursor(Qt::PointingHandCursor);
    setCacheMode(DeviceCoordinateCache);
    setNode(node);
}

NetworkMapNodeItem::~NetworkMapNodeItem() = default;

QSizeF NetworkMapNodeItem::itemSize()
{
    return cardGeometry().bounds.size();
}

bool NetworkMapNodeItem::setNode(const NodeInfo &node)
{
    const bool drawn = node.name != m_node.name || node.version != m_node.version
                       || node.status != m_node.status
                       || (node.drainingSince > 0) != (m_node.drainingSince > 0) || m_nameText.isEmpty();
    const bool toolTipChanged = drawn || node.apiAddress != m_node.apiAddress
                                || node.lastHeartbeat != m_node.lastHeartbeat
                                || node.requiredVersion != m_node.requiredVersion;
    m_node = node;
    if (toolTipChanged) {
        QString version = m_node.version.isEmpty() ? tr("(unknown)") : m_node.version;
        if (!m_node.requiredVersion.isEmpty())
            version = tr("%1 (the cluster runs %2: upgrade this node)").arg(version, m_node.requiredVersion);
        setToolTip(tr("%1\nStatus: %2\nAddress: %3\nVersion: %4\nLast contact: %5")
                       .arg(m_node.name, nodeDisplayStatus(m_node),
                            m_node.apiAddress.isEmpty() ? tr("(none)") : m_node.apiAddress, version,
                            formatTimestamp(m_node.lastHeartbeat)));
    }
    if (!drawn)
        return false;
    updateText();
    m_activity->setNodeName(m_node.name);
    m_activity->setMuted(m_node.status != NodeStatus::Online);
    update();
    return true;
}

void NetworkMapNodeItem::updateText()
{
    const CardGeometry &g = cardGeometry();
    const QFontMetricsF versionMetrics(g.versionFont);
    m_versionText =
        versionMetrics.elidedText(m_node.version.isEmpty() ? QString() : tr("v%1").arg(m_node.version),
                                  Qt::ElideRight, g.textWidth / 2);
    const qreal versionWidth = versionMetrics.horizontalAdvance(m_versionText);
    m_versionX = g.textLeft + g.textWidth - versionWidth;
    m_nameText = QFontMetricsF(g.nameFont)
                     .elidedText(m_node.name.isEmpty() ? m_node.guid : m_node.name, Qt::ElideRight,
                                 g.textWidth - versionWidth - 8);
    m_statusText = nodeDisplayStatus(m_node);
}

void NetworkMapNodeItem::setActivity(const QList<qint64> &counts, int buckets, qreal bucketMinutes,
                                     qreal peakPerMinute)
{
    m_activity->setActivity(counts, buckets, bucketMinutes, peakPerMinute);
}

QColor NetworkMapNodeItem::statusColor() const
{
    return NodesTableModel::displayColor(m_node);
}

const QList<qint64> &NetworkMapNodeItem::activity() const
{
    return m_activity->counts();
}

qreal NetworkMapNodeItem::peakPerMinute() const
{
    return m_activity->peakPerMinute();
}

qint64 NetworkMapNodeItem::totalJobs() const
{
    return m_activity->total();
}

QPointF NetworkMapNodeItem::anchor() const
{
    return mapToScene(QPointF(0, 0));
}

QRectF NetworkMapNodeItem::boundingRect() const
{
    return cardGeometry().bounds;
}

QPainterPath NetworkMapNodeItem::shape() const
{
    return cardGeometry().cardPath;
}

void NetworkMapNodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = true;
    update();
    QGraphicsItem::hoverEnterEvent(event);
}

void NetworkMapNodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = false;
    update();
    QGraphicsItem::hoverLeaveEvent(event);
}

void NetworkMapNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const CardGeometry &g = cardGeometry();
    const QColor color = statusColor();
    painter->setRenderHint(QPainter::Antialiasing);

    if (option->state & QStyle::State_Selected) {
        QColor halo = SelectionColor;
        halo.setAlpha(45);
        painter->setPen(QPen(SelectionColor, 2.4));
        painter->setBrush(halo);
        painter->drawRoundedRect(g.card.adjusted(-3.5, -3.5, 3.5, 3.5), CardRadius + 3, CardRadius + 3);
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(ShadowColor);
        painter->drawRoundedRect(g.card.translated(0, ShadowOffset), CardRadius, CardRadius);
    }

    painter->setPen(QPen(m_hovered ? color.darker(130) : color, m_hovered ? 2.0 : 1.4));
    painter->setBrush(tint(color, m_hovered ? 0.17 : 0.10));
    painter->drawPath(g.cardPath);
    painter->fillPath(g.accentPath, color);

    painter->setPen(TextColor);
    painter->setFont(g.nameFont);
    painter->drawText(QPointF(g.textLeft, g.nameBaseline), m_nameText);
    painter->setPen(SecondaryTextColor);
    painter->setFont(g.versionFont);
    painter->drawText(QPointF(m_versionX, g.nameBaseline), m_versionText);
    painter->setRenderHint(QPainter::SmoothPixmapTransform);
    painter->drawPixmap(g.icon, statusPixmap(m_node), QRectF(0, 0, 16, 16));
    painter->setPen(color.darker(125));
    painter->setFont(g.statusFont);
    painter->drawText(QPointF(g.icon.right() + 4, g.statusBaseline), m_statusText);

    // The activity graph's panel: the graph itself is the child item's.
    painter->setPen(QPen(QColor(0xd3, 0xdb, 0xe2), 1));
    painter->setBrush(Qt::white);
    painter->drawRoundedRect(g.graph, 5, 5);
    // The top of the shared scale, then the base line.
    painter->setPen(QPen(QColor(0xcf, 0xd8, 0xdc), 1, Qt::DotLine));
    painter->drawLine(QLineF(g.chart.left(), g.chart.top(), g.chart.right(), g.chart.top()));
    painter->setPen(QPen(QColor(0xb0, 0xbe, 0xc5), 1));
    painter->drawLine(QLineF(g.chart.left(), g.chart.bottom(), g.chart.right(), g.chart.bottom()));
}

} // namespace Cohort
