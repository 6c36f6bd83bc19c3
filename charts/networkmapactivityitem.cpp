#include "networkmapactivityitem.h"
#include "networkmaplegend.h"
#include "networkmapstyle.h"

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

NetworkMapActivityItem::NetworkMapActivityItem(QGraphicsItem *parent)
    : QGraphicsItem(parent)
{
    rebuild();
}

bool NetworkMapActivityItem::setActivity(const QList<qint64> &counts, int buckets, qreal bucketMinutes,
                                         qreal peakPerMinute)
{
    if (counts == m_counts && buckets == m_buckets && bucketMinutes == m_bucketMinutes
        && peakPerMinute == m_peakPerMinute)
        return false;
    m_counts = counts;
    m_buckets = buckets;
    m_bucketMinutes = bucketMinutes > 0 ? bucketMinutes : 1;
    m_peakPerMinute = peakPerMinute;
    rebuild();
    return true;
}

void NetworkMapActivityItem::setNodeName(const QString &name)
{
    if (name == m_nodeName)
        return;
    m_nodeName = name;
    rebuild();
}

void NetworkMapActivityItem::setMuted(bool muted)
{
    if (muted == m_muted)
        return;
    m_muted = muted;
    update();
}

void NetworkMapActivityItem::rebuild()
{
    const CardGeometry &g = cardGeometry();
    m_total = 0;
    qint64 busiest = 0;
    for (qint64 count : std::as_const(m_counts)) {
        m_total += count;
        busiest = std::max(busiest, count);
    }
    const int jobs = int(std::min<qint64>(m_total, std::numeric_limits<int>::max()));
    const QString totalText =
        QFontMetricsF(g.captionFont)
            .elidedText(m_total > 0 ? tr("Jobs: %1").arg(QLocale().toString(m_total)) : tr("No jobs"),
                        Qt::ElideRight, g.chart.width());
    if (totalText != m_totalText.text()) {
        m_totalText.setTextFormat(Qt::PlainText);
        m_totalText.setText(totalText); // laid out at its first paint, not at every paint
    }
    m_graph = graph(m_counts, m_buckets, m_bucketMinutes, m_peakPerMinute, g.chart);

    const int buckets = int(std::max<qsizetype>(m_buckets, m_counts.size()));
    const int minutes = int(std::lround(buckets * m_bucketMinutes));
    QString tip = tr("%1: %Ln job(s) finished in the last %2 minutes", nullptr, jobs)
                      .arg(m_nodeName, QLocale().toString(minutes));
    if (m_total > 0)
        tip +=
            u'\n' + tr("Busiest: %1 jobs/min").arg(NetworkMapLegend::formatRate(busiest / m_bucketMinutes));
    tip += u'\n'
           + tr("Every node's graph has the same scale: 0 to %1 jobs/min")
                 .arg(NetworkMapLegend::formatRate(m_peakPerMinute));
    setToolTip(tip);
    update();
}

NetworkMapActivityItem::Graph NetworkMapActivityItem::graph(const QList<qint64> &counts, int buckets,
                                                            qreal bucketMinutes, qreal peak,
                                                            const QRectF &rect)
{
    Graph result;
    const qsizetype places = std::max<qsizetype>({qsizetype(buckets), counts.size(), 1});
    const qreal minutes = bucketMinutes > 0 ? bucketMinutes : 1;
    const auto heightOf = [&](qint64 count) {
        if (peak <= 0 || count <= 0)
            return 0.0;
        return std::min(1.0, (count / minutes) / peak) * rect.height();
    };
    const qreal step = rect.width() / places;
    if (places <= FewBuckets) {
        const qreal gap = std::min<qreal>(2, step * 0.25);
        for (qsizetype i = 0; i < counts.size(); ++i) {
            const qreal h = heightOf(counts.at(i));
            if (h > 0)
                result.area.addRect(QRectF(rect.left() + i * step + gap / 2,
                                           rect.bottom() - std::max<qreal>(h, 1), step - gap,
                                           std::max<qreal>(h, 1)));
        }
        return result;
    }
    result.line.reserve(counts.size());
    for (qsizetype i = 0; i < counts.size(); ++i)
        result.line.append(QPointF(rect.left() + (i + 0.5) * step, rect.bottom() - heightOf(counts.at(i))));
    if (!result.line.isEmpty()) {
        result.area.moveTo(result.line.constFirst().x(), rect.bottom());
        for (const QPointF &p : std::as_const(result.line))
            result.area.lineTo(p);
        result.area.lineTo(result.line.constLast().x(), rect.bottom());
        result.area.closeSubpath();
    }
    return result;
}

void NetworkMapActivityItem::drawGraph(QPainter *painter, const Graph &graph, const QColor &color)
{
    // Filled without antialiasing: an antialiased fill hands the raster engine enough spans
    // that it splits them across Qt's GUI thread pool and waits, for each graph, on every
    // refresh. The edge hides under the line, which is antialiased and cheap (at most a
    // pixel wide, the painter's fast path).
    const bool antialiased = painter->testRenderHint(QPainter::Antialiasing);
    painter->setRenderHint(QPainter::Antialiasing, false);
    if (graph.line.isEmpty()) {
        painter->fillPath(graph.area, color);
        painter->setRenderHint(QPainter::Antialiasing, antialiased);
        return;
    }
    QColor fill = color;
    fill.setAlpha(70);
    painter->fillPath(graph.area, fill);
    painter->setRenderHint(QPainter::Antialiasing, antialiased);
    painter->setPen(QPen(color, 1.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    painter->drawPolyline(graph.line);
}

QRectF NetworkMapActivityItem::boundingRect() const
{
    return cardGeometry().graph;
}

void NetworkMapActivityItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    // The panel and its scale lines are the card's (drawn into its cache); this item draws
    // only what changes with the counts, every refresh.
    const CardGeometry &g = cardGeometry();
    painter->setFont(g.captionFont);
    painter->setPen(SecondaryTextColor);
    painter->drawStaticText(QPointF(g.chart.left(), g.captionTop), m_totalText);
    drawGraph(painter, m_graph, m_muted ? MutedColor : ActivityColor);
}

} // namespace Cohort
