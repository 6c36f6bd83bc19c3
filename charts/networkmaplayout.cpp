#include "networkmaplayout.h"

#include <QRectF>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

namespace Cohort {

namespace {

constexpr qreal Infinity = std::numeric_limits<qreal>::infinity();
constexpr int CurveSamples = 720;

// Distances measured in cells: two items whose centres are at least one cell apart in x or
// in y do not overlap (a cell is an item plus the spacing). Scaling a ring scales these
// distances, so spacing points evenly by this measure is independent of the ring's size.
struct Cells
{
    qreal width = 1;
    qreal height = 1;

    qreal distance(QPointF d) const { return std::max(std::abs(d.x()) / width, std::abs(d.y()) / height); }
};

// A ring at unit scale: the superellipse |x / aspect|^p + |y|^p = 1 (p = 2 is an ellipse,
// larger p a rounded rectangle), sampled clockwise from the top, with the way so far.
struct Curve
{
    QList<QPointF> points; // closed: the last sample is the first one again
    QList<qreal> length;   // in cells
};

Curve sampleCurve(qreal aspect, qreal exponent, const Cells &cells)
{
    Curve curve;
    curve.points.reserve(CurveSamples + 1);
    curve.length.reserve(CurveSamples + 1);
    const qreal power = 2.0 / exponent;
    for (int i = 0; i <= CurveSamples; ++i) {
        const qreal t = -std::numbers::pi / 2 + 2 * std::numbers::pi * i / CurveSamples;
        const qreal c = std::cos(t);
        const qreal s = std::sin(t);
        const QPointF point(aspect * std::copysign(std::pow(std::abs(c), power), c),
                            std::copysign(std::pow(std::abs(s), power), s));
        curve.length.append(
            i == 0 ? 0.0 : curve.length.constLast() + cells.distance(point - curve.points.constLast()));
        curve.points.append(point);
    }
    curve.points.last() = curve.points.first();
    return curve;
}

// count points evenly spaced along the curve; offset (0 to 1) shifts them by part of a step.
QList<QPointF> spread(const Curve &curve, int count, qreal offset)
{
    QList<QPointF> points;
    points.reserve(count);
    const qreal total = curve.length.constLast();
    for (int i = 0; i < count; ++i) {
        const qreal target = total * (i + offset) / count;
        const auto upper = std::upper_bound(curve.length.cbegin(), curve.length.cend(), target);
        const int index = std::clamp(int(upper - curve.length.cbegin()) - 1, 0, CurveSamples - 1);
        const qreal segment = curve.length.at(index + 1) - curve.length.at(index);
        const qreal f = segment > 0 ? (target - curve.length.at(index)) / segment : 0.0;
        points.append(curve.points.at(index) + f * (curve.points.at(index + 1) - curve.points.at(index)));
    }
    return points;
}

// The least scale at which the ring's own items are one cell apart.
qreal ownScale(const QList<QPointF> &unit, const Cells &cells)
{
    qreal scale = 0;
    for (qsizetype i = 0; i < unit.size(); ++i) {
        for (qsizetype j = i + 1; j < unit.size(); ++j) {
            const qreal d = cells.distance(unit.at(i) - unit.at(j));
            if (d <= 0)
                return Infinity;
            scale = std::max(scale, 1 / d);
        }
    }
    return scale;
}

// The least scale at which every item clears the hub (clearance: the least centre
// distances in x or y).
qreal hubScale(const QList<QPointF> &unit, QSizeF clearance)
{
    qreal scale = 0;
    for (const QPointF &p : unit) {
        const qreal sx = std::abs(p.x()) > 1e-9 ? clearance.width() / std::abs(p.x()) : Infinity;
        const qreal sy = std::abs(p.y()) > 1e-9 ? clearance.height() / std::abs(p.y()) : Infinity;
        scale = std::max(scale, std::min(sx, sy));
    }
    return scale;
}

// The open range of scales s for which |s * v - p| < half (empty when lo >= hi).
std::pair<qreal, qreal> overlapRange(qreal v, qreal p, qreal half)
{
    if (std::abs(v) < 1e-12)
        return std::abs(p) < half ? std::pair{-Infinity, Infinity} : std::pair{0.0, 0.0};
    const qreal a = (p - half) / v;
    const qreal b = (p + half) / v;
    return {std::min(a, b), std::max(a, b)};
}

// The least scale from `from` up at which the ring's items clear every item already placed.
qreal clearScale(const QList<QPointF> &unit, const QList<QPointF> &placed, const Cells &cells, qreal from)
{
    QList<std::pair<qreal, qreal>> forbidden;
    forbidden.reserve(unit.size() * placed.size());
    for (const QPointF &v : unit) {
        for (const QPointF &p : placed) {
            const auto [xLo, xHi] = overlapRange(v.x(), p.x(), cells.width);
            const auto [yLo, yHi] = overlapRange(v.y(), p.y(), cells.height);
            const qreal lo = std::max(xLo, yLo);
            const qreal hi = std::min(xHi, yHi);
            if (lo < hi && hi > from)
                forbidden.append({lo, hi});
        }
    }
    std::sort(forbidden.begin(), forbidden.end());
    qreal scale = from;
    for (const auto &[lo, hi] : forbidden) {
        if (lo >= scale)
            break;
        scale = std::max(scale, hi);
    }
    return scale;
}

struct Candidate
{
    QList<QPointF> centres;
    qreal fit = 0; // the scale at which it fills a TargetAspect x 1 frame
};

struct Problem
{
    int count = 0;
    QSizeF item;
    QSizeF hub;
    Cells cells;
    QSizeF gridGap;
    QSizeF hubClearance;     // the least centre distance from the hub, in x or in y
    QSizeF gridHubClearance; // the same in a grid, where the spokes are mostly hidden anyway
};

// The scale at which the items and the hub fill a TargetAspect x 1 frame.
qreal fit(const Problem &problem, const QList<QPointF> &centres)
{
    QRectF bounds(QPointF(-problem.hub.width() / 2, -problem.hub.height() / 2), problem.hub);
    for (const QPointF &c : centres)
        bounds |= QRectF(c - QPointF(problem.item.width() / 2, problem.item.height() / 2), problem.item);
    return std::min(NetworkMapLayout::TargetAspect / bounds.width(), 1.0 / bounds.height());
}

Candidate evaluate(const Problem &problem, const Curve &curve, const QList<int> &ringCounts,
                   const QList<qreal> &offsets)
{
    Candidate candidate;
    candidate.centres.reserve(problem.count);
    qreal previous = 0;
    for (qsizetype ring = 0; ring < ringCounts.size(); ++ring) {
        const QList<QPointF> unit = spread(curve, ringCounts.at(ring), offsets.at(ring));
        qreal scale =
            std::max({ownScale(unit, problem.cells), hubScale(unit, problem.hubClearance), previous});
        scale = clearScale(unit, candidate.centres, problem.cells, scale);
        if (!std::isfinite(scale))
            return {};
        for (const QPointF &p : unit)
            candidate.centres.append(p * scale);
        previous = scale;
    }
    candidate.fit = fit(problem, candidate.centres);
    return candidate;
}

// Rectangular rings: the cells of a grid of columns x rows around the hub, without those
// too close to it, the ones nearest the middle first (the corners stay empty). Denser than
// round rings for many wide items, so their text stays readable.
Candidate evaluateGrid(const Problem &problem, int columns, int rows)
{
    const qreal cellWidth = problem.item.width() + problem.gridGap.width();
    const qreal cellHeight = problem.item.height() + problem.gridGap.height();
    QList<QPointF> free;
    free.reserve(columns * rows);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < columns; ++c) {
            const QPointF p((c - (columns - 1) / 2.0) * cellWidth, (r - (rows - 1) / 2.0) * cellHeight);
            if (std::abs(p.x()) < problem.gridHubClearance.width()
                && std::abs(p.y()) < problem.gridHubClearance.height())
                continue;
            free.append(p);
        }
    }
    if (free.size() < problem.count)
        return {};
    const qreal halfWidth = columns * cellWidth / 2;
    const qreal halfHeight = rows * cellHeight / 2;
    const auto distance = [&](QPointF p) { return std::hypot(p.x() / halfWidth, p.y() / halfHeight); };
    std::stable_sort(free.begin(), free.end(),
                     [&](QPointF a, QPointF b) { return distance(a) < distance(b); });
    free.resize(problem.count);
    // In reading order, as a grid is scanned.
    std::stable_sort(free.begin(), free.end(), [](QPointF a, QPointF b) {
        if (std::abs(a.y() - b.y()) > 1e-6)
            return a.y() < b.y();
        return a.x() < b.x();
    });
    Candidate candidate;
    candidate.centres = std::move(free);
    candidate.fit = fit(problem, candidate.centres);
    return candidate;
}

// Splits count over rings in proportion to weights (ring j: j + base), each ring at least one.
QList<int> splitCounts(int count, int rings, qreal base)
{
    QList<int> counts;
    qreal weightSum = 0;
    for (int j = 0; j < rings; ++j)
        weightSum += j + base;
    int assigned = 0;
    for (int j = 0; j < rings; ++j) {
        const int n =
            j == rings - 1 ? count - assigned : std::max(1, int(std::lround(count * (j + base) / weightSum)));
        counts.append(n);
        assigned += n;
    }
    if (counts.constLast() < 1)
        return {};
    return counts;
}

} // namespace

QList<QPointF> NetworkMapLayout::place(int count, QSizeF itemSize, QSizeF hubSize, qreal spacing)
{
    if (count <= 0 || itemSize.isEmpty())
        return {};
    const QSizeF hub = hubSize.isValid() ? hubSize : QSizeF(0, 0);
    Problem problem;
    problem.count = count;
    problem.item = itemSize;
    problem.hub = hub;
    problem.cells = {itemSize.width() + spacing, itemSize.height() + spacing};
    // Wider lanes between columns than between rows, for the links to show through.
    problem.gridGap = QSizeF(2 * spacing, 1.25 * spacing);
    problem.hubClearance = {(itemSize.width() + hub.width()) / 2 + std::max(spacing, HubSpacing),
                            (itemSize.height() + hub.height()) / 2 + std::max(spacing, HubSpacing)};
    problem.gridHubClearance = {(itemSize.width() + hub.width()) / 2 + 2 * spacing,
                                (itemSize.height() + hub.height()) / 2 + 2 * spacing};

    // Candidates in order of preference (one ring before two, round before square): a later
    // one must fit clearly better to win, so near-ties keep the calmer picture.
    static constexpr qreal Exponents[] = {2.0, 4.0};
    static constexpr qreal Aspects[] = {1.4, 1.0, 1.8, 2.4};
    static constexpr qreal Preference = 1.03;
    static constexpr qreal GridPreference = 1.05;
    static constexpr int GridFrom = 13;
    static constexpr qreal ComfortableHeight = 850; // about a 1200 x 800 window's map at 1:1
    QList<Curve> curves;
    for (qreal exponent : Exponents) {
        for (qreal aspect : Aspects)
            curves.append(sampleCurve(aspect, exponent, problem.cells));
    }

    Candidate best;
    const auto consider = [&best](Candidate candidate) {
        if (!candidate.centres.isEmpty() && candidate.fit > best.fit * Preference)
            best = std::move(candidate);
    };
    const qreal firstOffset = count % 2 == 0 ? 0.5 : 0.0;
    for (const Curve &curve : std::as_const(curves))
        consider(evaluate(problem, curve, {count}, {firstOffset}));

    struct Rings
    {
        int rings;
        int minimumCount;
        QList<qreal> bases;
    };
    static const Rings MoreRings[] = {{2, 8, {1.0, 2.0, 0.5, 4.0}}, {3, 24, {1.0, 2.0, 3.0}}};
    for (const Rings &option : MoreRings) {
        if (count < option.minimumCount)
            continue;
        for (qreal base : option.bases) {
            const QList<int> counts = splitCounts(count, option.rings, base);
            if (counts.isEmpty())
                continue;
            for (const Curve &curve : std::as_const(curves)) {
                for (qreal stagger : {0.5, 0.0}) {
                    QList<qreal> offsets{counts.constFirst() % 2 == 0 ? 0.5 : 0.0};
                    for (int j = 1; j < option.rings; ++j)
                        offsets.append(j % 2 == 1 ? stagger : 0.5 - stagger);
                    consider(evaluate(problem, curve, counts, offsets));
                }
            }
        }
    }

    // Rectangular rings when round ones would be drawn small (taller than a comfortable
    // height at the target aspect) and the grid is larger: round ones show links better.
    if (count >= GridFrom && 1 / best.fit > ComfortableHeight) {
        Candidate grid;
        for (int columns = 1; columns <= std::min(count, 16); ++columns) {
            const int rowsForAll = (count + columns - 1) / columns;
            for (int rows = rowsForAll; rows <= rowsForAll + 4; ++rows) {
                Candidate candidate = evaluateGrid(problem, columns, rows);
                if (!candidate.centres.isEmpty() && candidate.fit > grid.fit * Preference)
                    grid = std::move(candidate);
            }
        }
        if (grid.fit > best.fit * GridPreference)
            best = std::move(grid);
    }
    return best.centres;
}

} // namespace Cohort
