// The network map's look, shared by its items (NetworkMapNodeItem, NetworkMapActivityItem,
// NetworkMapHubItem): colours, sizes, fonts, and the geometry of a node card, measured once.
#pragma once

#include <QColor>
#include <QFont>
#include <QPainterPath>
#include <QRectF>

namespace Cohort::MapStyle {

inline const QColor TextColor(0x1f, 0x2d, 0x3a);
inline const QColor SecondaryTextColor(0x5a, 0x6b, 0x7a);
inline const QColor SelectionColor(0x15, 0x65, 0xc0);
inline const QColor ActivityColor(0x1e, 0x88, 0xe5);
inline const QColor MutedColor(0x90, 0x9e, 0xa9);
inline const QColor ShadowColor(0x10, 0x20, 0x30, 30);

inline constexpr qreal CardRadius = 8;
inline constexpr qreal AccentWidth = 5;
inline constexpr qreal Padding = 8;
inline constexpr qreal IconSize = 12;
inline constexpr qreal GraphWidth = 78;
inline constexpr qreal GraphInset = 6;
inline constexpr qreal SelectionMargin = 5;
inline constexpr qreal ShadowOffset = 2.5;
inline constexpr int FewBuckets = 24; // up to this many buckets are drawn as bars

QFont mapFont(int pixelSize, QFont::Weight weight);
// A colour washed towards white: a card's fill.
QColor tint(const QColor &color, qreal amount);

// Fonts and geometry shared by every node card, measured once. Local coordinates: the
// card is centred on the item's origin; two lines of text (name and version, then the
// status) on the left, the activity graph inside its right part.
struct CardGeometry
{
    QFont nameFont = mapFont(13, QFont::Bold);
    QFont versionFont = mapFont(11, QFont::Normal);
    QFont statusFont = mapFont(11, QFont::Normal);
    QFont captionFont = mapFont(9, QFont::Normal);
    QRectF card;
    QRectF bounds;
    QRectF graph;
    QPainterPath cardPath;
    QPainterPath accentPath;
    qreal textLeft = 0;
    qreal textWidth = 0;
    qreal nameBaseline = 0;
    qreal statusBaseline = 0;
    QRectF icon;
    qreal captionTop = 0;
    QRectF chart; // the graph's plot area

    CardGeometry();
};

const CardGeometry &cardGeometry();

} // namespace Cohort::MapStyle
