// NetworkMapActivityItem: the activity graph beside a node card on the network map.
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

} // namespace Cohort
