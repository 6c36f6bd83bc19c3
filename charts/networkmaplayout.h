// NetworkMapLayout: where the network map puts its nodes. Rings of equal items around the
// hub at the origin, sized from the items so that neighbours never overlap; a pure
// function, so it is tested on its own and the view only calls it when the node set changes.
#pragma once

#include <QList>
#include <QPointF>
#include <QSizeF>

namespace Cohort {

class NetworkMapLayout
{
public:
    // The least gap between two items, and between an item and the hub.
    static constexpr qreal DefaultSpacing = 16;
    static constexpr qreal HubSpacing = 56;
    // The width to height ratio the layout tries to fill (a typical console page).
    static constexpr qreal TargetAspect = 1.5;

    // Centres of count items of itemSize around a hub of hubSize centred at the origin.
    // No two item rectangles come closer than spacing, and none closer to the hub than
    // HubSpacing (in a grid: twice spacing). Few items go on one ring (an ellipse or a
    // rounded rectangle, clockwise from the top), more on two or three (inner ring
    // first): whichever candidate fits a TargetAspect frame at the largest scale. When
    // round rings would be drawn small (many wide items), rectangular rings of grid
    // cells (in reading order) take over if larger.
    static QList<QPointF> place(int count, QSizeF itemSize, QSizeF hubSize = {},
                                qreal spacing = DefaultSpacing);
};

} // namespace Cohort
