// Reading the network map's pictures the way a person does: the hue families of the
// status colours, a link's colour over the background, and MapPicture, the grabbed view
// with where the scene's items landed in its pixels. Used by tst_networkmap.
#pragma once

#include "networkmapactivityitem.h"
#include "networkmaphubitem.h"
#include "networkmaplinkitem.h"
#include "networkmapnodeitem.h"
#include "networkmapview.h"

#include <QColor>
#include <QImage>
#include <QPixmap>
#include <QRect>
#include <QString>

#include <utility>

namespace Cohort::Test {

// artifacts/NAME beside the test executable, for pictures a person looks at.
QString artifactPath(const QString &name);

// The hue families a person reads from the status colours, whatever their exact shade;
// saturated, so that they do not pass for the grey-blue background.
bool isGreenish(const QColor &c);
bool isReddish(const QColor &c);
bool isAmber(const QColor &c); // between red and yellow
int hueDistance(const QColor &a, const QColor &b);
bool isNear(QRgb pixel, const QColor &colour, int tolerance);

// A link's colours over the background, however faint the dense pens are.
bool looksGreen(QRgb pixel);
bool looksRed(QRgb pixel);
// The activity graph of an Online node: saturated blue (a muted one is grey).
bool looksBlue(QRgb pixel);

// The view as grabbed, in plain RGB, and where its viewport's pixels are in it.
struct MapPicture
{
    QImage image;
    QPoint viewportOffset;

    MapPicture(const NetworkMapView &view, const QPixmap &grabbed)
        : image(grabbed.toImage().convertToFormat(QImage::Format_RGB32))
        , viewportOffset(view.viewport()->mapTo(&view, QPoint(0, 0)))
    {}

    QPoint pixelAt(const NetworkMapView &view, QPointF scenePos) const
    {
        return view.mapFromScene(scenePos) + viewportOffset;
    }

    QRect pixelsOf(const NetworkMapView &view, const QRectF &sceneRect) const
    {
        return view.mapFromScene(sceneRect)
            .boundingRect()
            .translated(viewportOffset)
            .intersected(image.rect());
    }

    template<typename Test>
    int count(const QRect &rect, Test test) const
    {
        int found = 0;
        for (int y = rect.top(); y <= rect.bottom(); ++y) {
            for (int x = rect.left(); x <= rect.right(); ++x)
                found += test(image.pixel(x, y)) ? 1 : 0;
        }
        return found;
    }

    // Whether a pixel within one of pos passes the test (a line may fall between pixels).
    template<typename Test>
    bool near(QPoint pos, Test test) const
    {
        return count(QRect(pos - QPoint(1, 1), QSize(3, 3)).intersected(image.rect()), test) > 0;
    }

    // The most frequent colour in rect, and its share of it.
    std::pair<QRgb, qreal> dominant(const QRect &rect) const;

    // What is wrong with a node card in the picture, or nothing: the accent down its left
    // edge in the status colour, its fill a light tint of the same hue, no other status's
    // colour anywhere on it.
    QString cardProblem(const NetworkMapView &view, const NetworkMapNodeItem *item) const;
};

} // namespace Cohort::Test
