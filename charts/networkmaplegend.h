// NetworkMapLegend: the panel in the network map's bottom left corner that says what the
// node colours, the link lines and the activity graphs mean. NetworkMapView lays it out
// for the viewport's width, draws it once into a pixmap and copies that on each repaint.
#pragma once

#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>

class QPainter;
class QRect;

namespace Cohort {

class NetworkMapLegend
{
public:
    // Pixels between the panel and the viewport's edges.
    static constexpr int Margin = 10;

    struct Layout
    {
        QSizeF size;
        QList<QPointF> positions; // of each entry, relative to the panel
    };

    NetworkMapLegend();

    // The entries again, with the activity line for this peak and period (0: no period).
    void rebuild(qreal peakPerMinute, int periodMinutes);
    // Where each entry goes in rows no wider than maxWidth (a heading stays on the row of
    // its first entry).
    Layout layout(qreal maxWidth) const;
    // Where the panel goes in a viewport of this size: its bottom left corner.
    static QRectF panel(const QRect &area, const Layout &layout);
    // The panel and its entries, at the painter's origin.
    void draw(QPainter *painter, const Layout &layout) const;

    // A rate of jobs per minute as the legend and the tooltips show it.
    static QString formatRate(qreal perMinute);

private:
    struct Entry
    {
        enum class Kind { Heading, Status, Link, Activity };
        Kind kind;
        int value = 0; // NodeStatus, DrainingStatus or NetworkMapLinkItem::State
        QString text;
    };

    static qreal swatchWidth(Entry::Kind kind);

    QList<Entry> m_entries;
};

} // namespace Cohort
