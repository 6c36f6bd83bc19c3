#include "networkmapstyle.h"
#include "noderegistry.h"

#include <QFontMetricsF>
#include <QGuiApplication>

#include <algorithm>
#include <cmath>

namespace Cohort::MapStyle {

QFont mapFont(int pixelSize, QFont::Weight weight)
{
    QFont font = QGuiApplication::font();
    font.setPixelSize(pixelSize);
    font.setWeight(weight);
    return font;
}

QColor tint(const QColor &color, qreal amount)
{
    const auto mix = [amount](int c) { return int(255 + (c - 255) * amount); };
    return QColor(mix(color.red()), mix(color.green()), mix(color.blue()));
}

CardGeometry::CardGeometry()
{
    const QFontMetricsF name(nameFont);
    const QFontMetricsF status(statusFont);
    const QFontMetricsF caption(captionFont);
    qreal statusWidth = 0;
    for (NodeStatus s : {NodeStatus::Online, NodeStatus::Offline, NodeStatus::UpgradeRequired})
        statusWidth = std::max(statusWidth, status.horizontalAdvance(nodeStatusText(s)));
    NodeInfo draining;
    draining.status = NodeStatus::Online;
    draining.drainingSince = 1;
    statusWidth = std::max(statusWidth, status.horizontalAdvance(nodeDisplayStatus(draining)));
    textWidth = std::ceil(std::max<qreal>(IconSize + 4 + statusWidth, 140));
    const qreal height = std::ceil(Padding + name.height() + 4 + status.height() + Padding);
    const qreal width = AccentWidth + 9 + textWidth + 9 + GraphWidth + GraphInset;
    card = QRectF(-width / 2, -height / 2, width, height);
    bounds = card.adjusted(-SelectionMargin, -SelectionMargin, SelectionMargin, SelectionMargin);
    cardPath.addRoundedRect(card, CardRadius, CardRadius);
    QPainterPath band;
    band.addRect(QRectF(card.left(), card.top(), AccentWidth, card.height()));
    accentPath = cardPath.intersected(band);
    textLeft = card.left() + AccentWidth + 9;
    nameBaseline = card.top() + Padding + name.ascent();
    statusBaseline = nameBaseline + name.descent() + 4 + status.ascent();
    icon = QRectF(textLeft, statusBaseline - status.ascent() + (status.height() - IconSize) / 2, IconSize,
                  IconSize);
    graph = QRectF(card.right() - GraphInset - GraphWidth, card.top() + GraphInset, GraphWidth,
                   card.height() - 2 * GraphInset);
    captionTop = graph.top() + 2;
    const qreal chartTop = graph.top() + 2 + caption.height() + 1;
    chart = QRectF(graph.left() + 5, chartTop, graph.width() - 10, graph.bottom() - 4 - chartTop);
}

const CardGeometry &cardGeometry()
{
    static const CardGeometry geometry;
    return geometry;
}

} // namespace Cohort::MapStyle
