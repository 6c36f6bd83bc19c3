// The pieces of the network map (NetworkMapView): a node card with its activity graph, a
// link between two nodes coloured from their health probes, and the shared database as
// the hub. Each keeps what it draws and rebuilds its text and paths only when that changes.
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

class NetworkMapActivityItem;

// One manager node: a rounded card in its status colour with the name, version and status
// (with the same icon as the Manager Nodes table), and its activity graph beside them, in
// the card's right part. Selectable.
class NetworkMapNodeItem : public QGraphicsItem
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NetworkMapNodeItem)

public:
    enum { Type = UserType + 0x4e31 };

    explicit NetworkMapNodeItem(const NodeInfo &node, QGraphicsItem *parent = nullptr);
    ~NetworkMapNodeItem() override;

    // The size of every node item (card, graph and selection outline), for the layout.
    static QSizeF itemSize();

    // Returns whether anything drawn changed (name, version, status); the tooltip follows
    // the rest.
    bool setNode(const NodeInfo &node);
    // counts: jobs finished per bucket, oldest first; buckets: how many the period has;
    // peakPerMinute: the scale shared by all nodes.
    void setActivity(const QList<qint64> &counts, int buckets, qreal bucketMinutes, qreal peakPerMinute);

    const NodeInfo &node() const { return m_node; }
    QString guid() const { return m_node.guid; }
    QString name() const { return m_node.name; }
    QString version() const { return m_node.version; }
    NodeStatus status() const { return m_node.status; }
    QColor statusColor() const;
    const QList<qint64> &activity() const;
    qreal peakPerMinute() const;
    qint64 totalJobs() const;
    NetworkMapActivityItem *activityItem() const { return m_activity; }

    // The centre of the card in scene coordinates: where links and the spoke to the hub end.
    QPointF anchor() const;

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    void updateText();

    NodeInfo m_node;
    NetworkMapActivityItem *m_activity; // child
    QString m_nameText;                 // elided to the card
    QString m_versionText;
    qreal m_versionX = 0; // right-aligned on the name's line
    QString m_statusText;
    bool m_hovered = false;
};

// The graph beside a node card: jobs finished per minute over the period, drawn on the
// scale all nodes share. Its tooltip gives the total.
class NetworkMapActivityItem : public QGraphicsItem
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NetworkMapActivityItem)

public:
    enum { Type = UserType + 0x4e34 };

    explicit NetworkMapActivityItem(QGraphicsItem *parent = nullptr);

    // Returns whether anything drawn changed.
    bool setActivity(const QList<qint64> &counts, int buckets, qreal bucketMinutes, qreal peakPerMinute);
    void setNodeName(const QString &name);
    void setMuted(bool muted); // a node that is not Online: drawn in grey

    const QList<qint64> &counts() const { return m_counts; }
    qreal peakPerMinute() const { return m_peakPerMinute; }
    qint64 total() const { return m_total; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    // Draws counts (per bucket) in rect on a scale of 0 to peak jobs per minute: a filled
    // line, or bars when there are few buckets. The legend draws its sample with it too.
    struct Graph
    {
        QPainterPath area;
        QPolygonF line; // empty for bars
    };
    static Graph graph(const QList<qint64> &counts, int buckets, qreal bucketMinutes, qreal peak,
                       const QRectF &rect);
    static void drawGraph(QPainter *painter, const Graph &graph, const QColor &color);

private:
    void rebuild();

    QList<qint64> m_counts;
    int m_buckets = 0;
    qreal m_bucketMinutes = 1;
    qreal m_peakPerMinute = 0;
    qint64 m_total = 0;
    QString m_nodeName;
    QStaticText m_totalText;
    Graph m_graph;
    bool m_muted = false;
};

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

// The shared database in the middle of the map: a cylinder with "Database", the label the
// view was given (the redacted URL) and how many nodes are online.
class NetworkMapHubItem : public QGraphicsItem
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NetworkMapHubItem)

public:
    enum { Type = UserType + 0x4e33 };

    explicit NetworkMapHubItem(QGraphicsItem *parent = nullptr);

    static QSizeF itemSize();

    void setLabel(const QString &label);
    void setCounts(int online, int total);
    QString label() const { return m_label; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QString m_label;
    QStringList m_labelLines; // one or two, elided
    QString m_countText;
    int m_online = -1;
    int m_total = -1;
};

} // namespace Cohort
