#include "networkmaplegend.h"

#include "networkmapactivityitem.h"
#include "networkmaphubitem.h"
#include "networkmaplinkitem.h"
#include "networkmapnodeitem.h"
#include "networkmapview.h"
#include "nodestablemodel.h"

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QLocale>
#include <QPainter>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// The Status entry for a drained Online node (not a NodeStatus of its own).
constexpr int DrainingStatus = -1;

constexpr qreal Padding = 9;
constexpr qreal Row = 22;
constexpr qreal SwatchGap = 6;
constexpr qreal Spacing = 16;

NodeInfo drainingNode()
{
    NodeInfo node;
    node.status = NodeStatus::Online;
    node.drainingSince = 1;
    return node;
}

QFont legendFont(bool heading)
{
    QFont font = QGuiApplication::font();
    font.setPixelSize(12);
    font.setBold(heading);
    return font;
}

} // namespace

NetworkMapLegend::NetworkMapLegend()
{
    rebuild(0, 0);
}

QString NetworkMapLegend::formatRate(qreal perMinute)
{
    const bool whole = perMinute >= 10 || qFuzzyCompare(perMinute + 1, std::round(perMinute) + 1);
    return QLocale().toString(perMinute, 'f', whole ? 0 : 1);
}

qreal NetworkMapLegend::swatchWidth(Entry::Kind kind)
{
    switch (kind) {
    case Entry::Kind::Heading:
        return 0;
    case Entry::Kind::Status:
        return 16;
    case Entry::Kind::Link:
        return 28;
    case Entry::Kind::Activity:
        return 34;
    }
    return 0;
}

void NetworkMapLegend::rebuild(qreal peakPerMinute, int periodMinutes)
{
    // The words are the map's own (NetworkMapView's translation context).
    m_entries.clear();
    m_entries.append({Entry::Kind::Heading, 0, NetworkMapView::tr("Nodes")});
    for (NodeStatus status : {NodeStatus::Online, NodeStatus::Offline, NodeStatus::UpgradeRequired})
        m_entries.append({Entry::Kind::Status, int(status), nodeStatusText(status)});
    m_entries.append({Entry::Kind::Status, DrainingStatus, nodeDisplayStatus(drainingNode())});
    m_entries.append({Entry::Kind::Heading, 0, NetworkMapView::tr("Links")});
    m_entries.append({Entry::Kind::Link, int(NetworkMapLinkItem::State::Reachable),
                      NetworkMapView::tr("Reachable", "probe result")});
    m_entries.append({Entry::Kind::Link, int(NetworkMapLinkItem::State::Unreachable),
                      NetworkMapView::tr("Unreachable", "probe result")});
    m_entries.append({Entry::Kind::Link, int(NetworkMapLinkItem::State::Stale),
                      NetworkMapView::tr("Stale (a node is offline)")});
    m_entries.append({Entry::Kind::Heading, 0, NetworkMapView::tr("Activity")});
    m_entries.append({Entry::Kind::Activity, 0,
                      periodMinutes > 0
                          ? NetworkMapView::tr("Jobs/min, last %1 min, peak %2")
                                .arg(QLocale().toString(periodMinutes), formatRate(peakPerMinute))
                          : NetworkMapView::tr("Jobs/min, peak %1").arg(formatRate(peakPerMinute))});
}

NetworkMapLegend::Layout NetworkMapLegend::layout(qreal maxWidth) const
{
    const QFontMetricsF plain(legendFont(false));
    const QFontMetricsF bold(legendFont(true));
    Layout result;
    qreal x = Padding;
    qreal y = Padding;
    qreal widest = 0;
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const Entry &entry = m_entries.at(i);
        const bool heading = entry.kind == Entry::Kind::Heading;
        qreal width = (heading ? bold : plain).horizontalAdvance(entry.text);
        if (!heading)
            width += swatchWidth(entry.kind) + SwatchGap;
        // A heading stays on the row of its first entry.
        qreal needed = width;
        if (heading && i + 1 < m_entries.size()) {
            const Entry &next = m_entries.at(i + 1);
            needed += 8 + swatchWidth(next.kind) + SwatchGap + plain.horizontalAdvance(next.text);
        }
        if (x > Padding && x + needed > maxWidth - Padding) {
            x = Padding;
            y += Row;
        }
        result.positions.append(QPointF(x, y));
        x += width + (heading ? 8 : Spacing);
        widest = std::max(widest, x - (heading ? 8 : Spacing));
    }
    result.size = QSizeF(widest + Padding, y + Row + Padding - 4);
    return result;
}

QRectF NetworkMapLegend::panel(const QRect &area, const Layout &layout)
{
    return QRectF(QPointF(area.left() + Margin, area.bottom() + 1 - Margin - layout.size.height()),
                  layout.size);
}

void NetworkMapLegend::draw(QPainter *painter, const Layout &layout) const
{
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF panel(QPointF(0, 0), layout.size);
    painter->setPen(QPen(QColor(0xcf, 0xd8, 0xdf), 1));
    painter->setBrush(QColor(255, 255, 255, 235));
    painter->drawRoundedRect(panel.adjusted(0.5, 0.5, -0.5, -0.5), 7, 7);

    const QFont plain = legendFont(false);
    const QFont bold = legendFont(true);
    const qreal ascent = QFontMetricsF(plain).ascent();
    const qreal textHeight = QFontMetricsF(plain).height();
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const Entry &entry = m_entries.at(i);
        const QPointF at = panel.topLeft() + layout.positions.at(i);
        const qreal middle = at.y() + textHeight / 2;
        qreal textX = at.x() + swatchWidth(entry.kind) + SwatchGap;
        switch (entry.kind) {
        case Entry::Kind::Heading:
            textX = at.x();
            break;
        case Entry::Kind::Status:
            painter->drawPixmap(QRectF(at.x(), middle - 8, 16, 16),
                                (entry.value == DrainingStatus
                                     ? NodesTableModel::displayIcon(drainingNode())
                                     : NodesTableModel::statusIcon(NodeStatus(entry.value)))
                                    .pixmap(QSize(16, 16)),
                                QRectF(0, 0, 16, 16));
            break;
        case Entry::Kind::Link: {
            QPen pen = NetworkMapLinkItem::pen(NetworkMapLinkItem::State(entry.value), false);
            pen.setWidthF(pen.widthF() * 1.1);
            painter->setPen(pen);
            painter->drawLine(QLineF(at.x() + 1, middle, at.x() + swatchWidth(entry.kind) - 1, middle));
            break;
        }
        case Entry::Kind::Activity: {
            static const QList<qint64> sample{1, 2, 2,  4, 3, 6, 5, 8, 6, 9, 7, 10, 8, 7, 9,
                                              6, 8, 10, 9, 7, 5, 6, 4, 5, 3, 4, 6,  5, 3, 2};
            const QRectF box(at.x(), middle - 8, swatchWidth(entry.kind), 16);
            painter->setPen(QPen(QColor(0xb0, 0xbe, 0xc5), 1));
            painter->drawLine(QLineF(box.left(), box.bottom(), box.right(), box.bottom()));
            NetworkMapActivityItem::drawGraph(
                painter,
                NetworkMapActivityItem::graph(sample, int(sample.size()), 1, 10, box.adjusted(0, 1, 0, -0.5)),
                QColor(0x1e, 0x88, 0xe5));
            break;
        }
        }
        const bool heading = entry.kind == Entry::Kind::Heading;
        painter->setFont(heading ? bold : plain);
        painter->setPen(heading ? QColor(0x1f, 0x2d, 0x3a) : QColor(0x3d, 0x4d, 0x5c));
        painter->drawText(QPointF(textX, at.y() + ascent), entry.text);
    }
}

} // namespace Cohort
