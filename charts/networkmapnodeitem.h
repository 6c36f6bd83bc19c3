// NetworkMapNodeItem: a manager node's card on the network map (NetworkMapView).
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

} // namespace Cohort
