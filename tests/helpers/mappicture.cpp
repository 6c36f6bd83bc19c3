#include "mappicture.h"

#include "nodestablemodel.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

QString artifactPath(const QString &name)
{
    QDir dir(QCoreApplication::applicationDirPath());
    dir.mkpath(u"artifacts"_s);
    return dir.filePath(u"artifacts/"_s + name);
}

// The hue families a person reads from the status colours, whatever their exact shade;
// saturated, so that they do not pass for the grey-blue background.
bool isGreenish(const QColor &c)
{
    return c.hsvSaturation() >= 80 && c.hsvHue() >= 90 && c.hsvHue() <= 150;
}

bool isReddish(const QColor &c)
{
    return c.hsvSaturation() >= 80 && (c.hsvHue() <= 12 || c.hsvHue() >= 345);
}

// Between red and yellow.
bool isAmber(const QColor &c)
{
    return c.hsvSaturation() >= 80 && c.hsvHue() >= 20 && c.hsvHue() <= 50;
}

int hueDistance(const QColor &a, const QColor &b)
{
    const int d = std::abs(a.hsvHue() - b.hsvHue());
    return std::min(d, 360 - d);
}

bool isNear(QRgb pixel, const QColor &colour, int tolerance)
{
    return std::abs(qRed(pixel) - colour.red()) <= tolerance
           && std::abs(qGreen(pixel) - colour.green()) <= tolerance
           && std::abs(qBlue(pixel) - colour.blue()) <= tolerance;
}

// A link's colours over the background, however faint the dense pens are.
bool looksGreen(QRgb pixel)
{
    return qGreen(pixel) - std::max(qRed(pixel), qBlue(pixel)) >= 25;
}

bool looksRed(QRgb pixel)
{
    return qRed(pixel) - std::max(qGreen(pixel), qBlue(pixel)) >= 60;
}

// The activity graph of an Online node: saturated blue (a muted one is grey).
bool looksBlue(QRgb pixel)
{
    const QColor c(pixel);
    return c.hsvSaturation() >= 80 && c.hsvHue() >= 195 && c.hsvHue() <= 225;
}

std::pair<QRgb, qreal> MapPicture::dominant(const QRect &rect) const
{
    QHash<QRgb, int> counts;
    for (int y = rect.top(); y <= rect.bottom(); ++y) {
        for (int x = rect.left(); x <= rect.right(); ++x)
            ++counts[image.pixel(x, y)];
    }
    std::pair<QRgb, int> best{0, 0};
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() > best.second)
            best = {it.key(), it.value()};
    }
    return {best.first, rect.isEmpty() ? 0.0 : qreal(best.second) / (rect.width() * rect.height())};
}

QString MapPicture::cardProblem(const NetworkMapView &view, const NetworkMapNodeItem *item) const
{
    const QColor colour = item->statusColor();
    const QRectF bounds = item->sceneBoundingRect();
    const QRect card = pixelsOf(view, bounds);
    if (card.isEmpty())
        return u"%1: not in the picture"_s.arg(item->name());
    // Every row of the card's left edge (below its rounded corner) crosses the accent.
    const QRect edge = pixelsOf(view, QRectF(bounds.left(), bounds.top() + 16, 14, bounds.height() - 32));
    const auto inColour = [&colour](QRgb p) { return isNear(p, colour, 4); };
    for (int y = edge.top(); y <= edge.bottom(); ++y) {
        if (count(QRect(edge.left(), y, edge.width(), 1), inColour) == 0)
            return u"%1: no %2 at row %3"_s.arg(item->name(), colour.name()).arg(y);
    }
    for (NodeStatus other : {NodeStatus::Online, NodeStatus::Offline, NodeStatus::UpgradeRequired}) {
        const QColor wrong = NodesTableModel::statusColor(other);
        const int found =
            other == item->status() ? 0 : count(card, [&](QRgb p) { return isNear(p, wrong, 4); });
        if (found > 0)
            return u"%1: %2 pixels in %3"_s.arg(item->name()).arg(found).arg(wrong.name());
    }
    // The card left of its graph, inside its outline: mostly the fill.
    QRectF fillArea = item->sceneBoundingRect().adjusted(12, 12, -12, -12);
    fillArea.setRight(item->activityItem()->sceneBoundingRect().left() - 6);
    const auto [fill, share] = dominant(pixelsOf(view, fillArea));
    const QColor tint(fill);
    if (share < 0.3 || tint.value() < 220 || tint.hsvHue() < 0 || hueDistance(tint, colour) > 10)
        return u"%1: the fill is %2 (%3 %)"_s.arg(item->name(), tint.name()).arg(qRound(share * 100));
    return {};
}

} // namespace Cohort::Test
