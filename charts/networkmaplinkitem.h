// NetworkMapLinkItem: the probe link between two nodes on the network map.
#pragma once

#include "jobstatistics.h"
#include "nodelinks.h"
#include "noderegistry.h"

#include <QCoreApplication>
#include <QGraphicsItem>
#include <QPainterPath>
#include <QPen>
#include <QPolygonF>
#include <QStaticText>

#include <optional>
#include <utility>

namespace Cohort {

// The line between two nodes that probed each other: green when every stored direction is
// reachable, red and dashed when one is not, grey when an end is not Online (its probes
// are stale). The tooltip, built only when asked for, tells both directions. The item
// itself paints nothing: the view draws all links in one picture off the GUI thread
// (1,225 antialiased curves take tens of milliseconds), and the item gives their shape
// for tooltips.
class NetworkMapLinkItem : public QGraphicsItem
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NetworkMapLinkItem)

public:
    enum { Type = UserType + 0x4e32 };
    enum class State { Reachable, Unreachable, Stale };

    // a and b: the two nodes' GUIDs, a < b.
    NetworkMapLinkItem(const QString &a, const QString &b, QGraphicsItem *parent = nullptr);

    State state() const { return m_state; }
    std::pair<QString, QString> nodes() const { return {m_a, m_b}; }
    // The latest probe from first to second node, and back; unset when there is none.
    const std::optional<NodeLink> &forward() const { return m_forward; }
    const std::optional<NodeLink> &backward() const { return m_backward; }

    // Both directions with reachability, round-trip time or error, and when they were
    // probed. Hides QGraphicsItem::toolTip(): the map's scene asks this one, so the text of
    // 1,225 links is not built every second for a tooltip nobody opens.
    QString toolTip() const;

    // A refresh: setProbe() for each stored direction, then finishRefresh() with the ends;
    // it returns whether the state changed.
    void setProbe(const NodeLink &link, quint64 generation);
    bool finishRefresh(quint64 generation, const NodeInfo &a, const NodeInfo &b);
    quint64 generation() const { return m_generation; }

    // The ends' anchors, the hub's centre and the half axes of an ellipse around the hub
    // that links keep out of: the line bends a little towards the hub, but not into it.
    // Returns whether the line moved.
    bool setEnds(QPointF a, QPointF b, QPointF hub, QSizeF hubClearance);
    const QPainterPath &path() const { return m_path; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    // The pen for a state, as the map and its legend draw it; dense: for many links,
    // thinner and fainter, so problems stand out.
    static QPen pen(State state, bool dense);

private:
    QString m_a;
    QString m_b;
    QString m_nameA;
    QString m_nameB;
    NodeStatus m_statusA = NodeStatus::Online;
    NodeStatus m_statusB = NodeStatus::Online;
    std::optional<NodeLink> m_forward;
    std::optional<NodeLink> m_backward;
    quint64 m_forwardGeneration = 0;
    quint64 m_backwardGeneration = 0;
    quint64 m_generation = 0;
    State m_state = State::Reachable;
    QPainterPath m_path;
    QRectF m_bounds;
    mutable QPainterPath m_shape; // built when first hit-tested
    mutable QString m_toolTip;
    mutable bool m_toolTipValid = false;
};

} // namespace Cohort
