#include "networkmaphubitem.h"
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

namespace {

constexpr qreal HubWidth = 248;
constexpr qreal HubHeight = 140;
constexpr qreal HubCap = 30; // the height of the cylinder's elliptic top

struct HubGeometry
{
    QFont titleFont = mapFont(16, QFont::Bold);
    QFont labelFont = mapFont(11, QFont::Normal);
    QFont countFont = mapFont(11, QFont::Normal);
    QRectF body{-HubWidth / 2, -HubHeight / 2, HubWidth, HubHeight};
    QRectF top{body.left(), body.top(), HubWidth, HubCap};
    QPainterPath side;
    QPainterPath ring;
    qreal titleBaseline = 0;
    qreal labelBaseline = 0; // of the first line
    qreal labelLineSpacing = 0;
    qreal countBaseline = 0;

    HubGeometry()
    {
        side.moveTo(body.left(), body.top() + HubCap / 2);
        side.lineTo(body.left(), body.bottom() - HubCap / 2);
        side.arcTo(QRectF(body.left(), body.bottom() - HubCap, HubWidth, HubCap), 180, 180);
        side.lineTo(body.right(), body.top() + HubCap / 2);
        side.arcTo(top, 0, -180);
        side.closeSubpath();
        // A rim under the text, as database icons draw.
        const QRectF rim(body.left(), body.bottom() - HubCap * 1.75, HubWidth, HubCap);
        ring.arcMoveTo(rim, 180);
        ring.arcTo(rim, 180, 180);
        const QFontMetricsF title(titleFont);
        const QFontMetricsF label(labelFont);
        const QFontMetricsF count(countFont);
        const qreal textTop = top.bottom() + 8;
        titleBaseline = textTop + title.ascent();
        labelBaseline = titleBaseline + title.descent() + 3 + label.ascent();
        labelLineSpacing = label.lineSpacing();
        countBaseline = labelBaseline + labelLineSpacing + label.descent() + 5 + count.ascent();
    }
};

const HubGeometry &hubGeometry()
{
    static const HubGeometry geometry;
    return geometry;
}

} // namespace

NetworkMapHubItem::NetworkMapHubItem(QGraphicsItem *parent)
    : QGraphicsItem(parent)
{
    setAcceptedMouseButtons(Qt::NoButton);
    setCacheMode(DeviceCoordinateCache);
    setCounts(0, 0);
}

QSizeF NetworkMapHubItem::itemSize()
{
    return hubGeometry().body.adjusted(0, 0, 0, 3).size();
}

void NetworkMapHubItem::setLabel(const QString &label)
{
    if (label == m_label && !m_labelLines.isEmpty())
        return;
    m_label = label;
    const HubGeometry &g = hubGeometry();
    // A URL too long for one line breaks after a separator near its middle.
    const QFontMetricsF metrics(g.labelFont);
    const qreal room = HubWidth - 28;
    m_labelLines = QStringList{label};
    if (metrics.horizontalAdvance(label) > room) {
        qsizetype bestBreak = -1;
        qreal bestWidth = 0;
        for (qsizetype i = 1; i < label.size(); ++i) {
            if (!QStringView(u"/@:?&").contains(label.at(i - 1)))
                continue;
            const qreal width =
                std::max(metrics.horizontalAdvance(label.left(i)), metrics.horizontalAdvance(label.mid(i)));
            if (bestBreak < 0 || width < bestWidth) {
                bestBreak = i;
                bestWidth = width;
            }
        }
        if (bestBreak < 0)
            bestBreak = label.size() / 2;
        m_labelLines = QStringList{label.left(bestBreak), label.mid(bestBreak)};
    }
    for (QString &line : m_labelLines)
        line = metrics.elidedText(line, Qt::ElideMiddle, room);
    setToolTip(label.isEmpty() ? tr("The shared database") : tr("The shared database: %1").arg(label));
    update();
}

void NetworkMapHubItem::setCounts(int online, int total)
{
    if (online == m_online && total == m_total)
        return;
    m_online = online;
    m_total = total;
    m_countText = total == 0
                      ? tr("No nodes")
                      : tr("Online: %1 of %2").arg(QLocale().toString(online), QLocale().toString(total));
    update();
}

QRectF NetworkMapHubItem::boundingRect() const
{
    return hubGeometry().body.adjusted(-1, -1, 1, 4);
}

QPainterPath NetworkMapHubItem::shape() const
{
    return hubGeometry().side;
}

void NetworkMapHubItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const HubGeometry &g = hubGeometry();
    painter->setRenderHint(QPainter::Antialiasing);
    const QColor outline(0x4e, 0x63, 0x75);

    painter->setPen(Qt::NoPen);
    painter->setBrush(ShadowColor);
    painter->drawPath(g.side.translated(0, ShadowOffset));

    QLinearGradient body(g.body.left(), 0, g.body.right(), 0);
    body.setColorAt(0, QColor(0xc9, 0xd6, 0xe1));
    body.setColorAt(0.45, QColor(0xf4, 0xf8, 0xfb));
    body.setColorAt(1, QColor(0xb6, 0xc6, 0xd3));
    painter->setPen(QPen(outline, 1.6));
    painter->setBrush(body);
    painter->drawPath(g.side);
    painter->setPen(QPen(QColor(0x8a, 0x9d, 0xad), 1.2));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(g.ring);
    painter->setPen(QPen(outline, 1.6));
    painter->setBrush(QColor(0xe3, 0xec, 0xf3));
    painter->drawEllipse(g.top);

    const auto centred = [painter](const QFont &font, qreal baseline, const QString &text) {
        painter->setFont(font);
        const qreal width = QFontMetricsF(font).horizontalAdvance(text);
        painter->drawText(QPointF(-width / 2, baseline), text);
    };
    painter->setPen(TextColor);
    centred(g.titleFont, g.titleBaseline, tr("Database"));
    painter->setPen(SecondaryTextColor);
    const qreal labelShift = m_labelLines.size() > 1 ? 0 : g.labelLineSpacing / 2;
    for (qsizetype i = 0; i < m_labelLines.size(); ++i)
        centred(g.labelFont, g.labelBaseline + labelShift + i * g.labelLineSpacing, m_labelLines.at(i));
    centred(g.countFont, g.countBaseline, m_countText);
}

} // namespace Cohort
