#include "networkmaplinkitem.h"
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

constexpr qreal LinkBend = 0.62;  // how far a link's middle stays from the hub (1: straight)
constexpr qreal LinkMargin = 4;   // covers the widest pen
constexpr qreal LinkHitWidth = 8; // how close the pointer must be for the tooltip

qreal linkZ(NetworkMapLinkItem::State state)
{
    // Problems on top of healthy links.
    switch (state) {
    case NetworkMapLinkItem::State::Stale:
        return 1.0;
    case NetworkMapLinkItem::State::Reachable:
        return 1.1;
    case NetworkMapLinkItem::State::Unreachable:
        return 1.2;
    }
    return 1.0;
}

} // namespace

NetworkMapLinkItem::NetworkMapLinkItem(const QString &a, const QString &b, QGraphicsItem *parent)
    : QGraphicsItem(parent)
    , m_a(a)
    , m_b(b)
{
    setFlag(ItemHasNoContents);
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(linkZ(m_state));
}

QPen NetworkMapLinkItem::pen(State state, bool dense)
{
    switch (state) {
    case State::Reachable: {
        QPen pen(QColor(0x43, 0xa0, 0x47, dense ? 120 : 220), dense ? 1.2 : 2.2);
        pen.setCapStyle(Qt::RoundCap);
        return pen;
    }
    case State::Unreachable: {
        QPen pen(QColor(0xe5, 0x39, 0x35, 235), dense ? 2.0 : 2.6);
        pen.setDashPattern({4, 2.5});
        pen.setCapStyle(Qt::FlatCap);
        return pen;
    }
    case State::Stale: {
        QPen pen(QColor(0x9e, 0x9e, 0x9e, dense ? 130 : 200), dense ? 1.2 : 1.8);
        pen.setDashPattern({0.1, 2.5});
        pen.setCapStyle(Qt::RoundCap);
        return pen;
    }
    }
    return {};
}

void NetworkMapLinkItem::setProbe(const NodeLink &link, quint64 generation)
{
    if (link.fromNode == m_a) {
        m_forward = link;
        m_forwardGeneration = generation;
    } else {
        m_backward = link;
        m_backwardGeneration = generation;
    }
    m_generation = generation;
}

bool NetworkMapLinkItem::finishRefresh(quint64 generation, const NodeInfo &a, const NodeInfo &b)
{
    if (m_forwardGeneration != generation)
        m_forward.reset();
    if (m_backwardGeneration != generation)
        m_backward.reset();
    m_nameA = a.name;
    m_nameB = b.name;
    m_statusA = a.status;
    m_statusB = b.status;
    m_toolTipValid = false;

    State state = State::Reachable;
    if (m_statusA != NodeStatus::Online || m_statusB != NodeStatus::Online)
        state = State::Stale;
    else if ((m_forward && !m_forward->reachable) || (m_backward && !m_backward->reachable))
        state = State::Unreachable;
    if (state == m_state)
        return false;
    m_state = state;
    setZValue(linkZ(state));
    return true;
}

QString NetworkMapLinkItem::toolTip() const
{
    if (m_toolTipValid)
        return m_toolTip;
    const auto direction = [](const QString &from, const QString &to, const std::optional<NodeLink> &probe) {
        if (!probe)
            return tr("%1 → %2: not probed").arg(from, to);
        const QString when = formatTimestamp(probe->probedAt);
        if (probe->reachable && probe->rttMs)
            return tr("%1 → %2: reachable, %3 ms (probed %4)")
                .arg(from, to, QLocale().toString(*probe->rttMs, 'f', 1), when);
        if (probe->reachable)
            return tr("%1 → %2: reachable (probed %3)").arg(from, to, when);
        return tr("%1 → %2: unreachable: %3 (probed %4)")
            .arg(from, to, probe->lastError.isEmpty() ? tr("no answer") : probe->lastError, when);
    };
    QStringList lines{tr("%1 ↔ %2").arg(m_nameA, m_nameB), direction(m_nameA, m_nameB, m_forward),
                      direction(m_nameB, m_nameA, m_backward)};
    if (m_statusA != NodeStatus::Online)
        lines.append(tr("Out of date: %1 is %2.").arg(m_nameA, nodeStatusText(m_statusA)));
    if (m_statusB != NodeStatus::Online)
        lines.append(tr("Out of date: %1 is %2.").arg(m_nameB, nodeStatusText(m_statusB)));
    m_toolTip = lines.join(u'\n');
    m_toolTipValid = true;
    return m_toolTip;
}

bool NetworkMapLinkItem::setEnds(QPointF a, QPointF b, QPointF hub, QSizeF hubClearance)
{
    // A quadratic curve whose middle sits nearer the hub than the straight line's, but
    // never inside the hub's clearance (an ellipse around it): a link between two nodes
    // does not pass through the database.
    const QPointF middle = (a + b) / 2;
    QPointF direction = middle - hub;
    qreal distance = std::hypot(direction.x(), direction.y());
    if (distance < 1e-6) {
        direction = QPointF(b.y() - a.y(), a.x() - b.x()); // the chord's normal
        distance = 0;
    }
    const qreal length = std::hypot(direction.x(), direction.y());
    QPainterPath path(a);
    if (length < 1e-6 || hubClearance.isEmpty()) {
        path.lineTo(b);
    } else {
        const QPointF unit = direction / length;
        const qreal clearance =
            1 / std::hypot(unit.x() / hubClearance.width(), unit.y() / hubClearance.height());
        const QPointF apex = hub + unit * std::max(distance * (1 + LinkBend) / 2, clearance);
        path.quadTo(2 * apex - middle, b); // the curve passes through apex half way
    }
    if (path == m_path)
        return false;
    prepareGeometryChange();
    m_path = path;
    m_bounds = path.boundingRect().adjusted(-LinkMargin, -LinkMargin, LinkMargin, LinkMargin);
    m_shape = {};
    return true;
}

QRectF NetworkMapLinkItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath NetworkMapLinkItem::shape() const
{
    if (m_shape.isEmpty() && !m_path.isEmpty()) {
        QPainterPathStroker stroker;
        stroker.setWidth(LinkHitWidth);
        m_shape = stroker.createStroke(m_path);
    }
    return m_shape;
}

void NetworkMapLinkItem::paint(QPainter *, const QStyleOptionGraphicsItem *, QWidget *)
{
    // ItemHasNoContents: the view draws all links at once (see NetworkMapView).
}

} // namespace Cohort
