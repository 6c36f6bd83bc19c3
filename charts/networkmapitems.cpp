#include "networkmapitems.h"

#include "networkmaplegend.h"
#include "nodestablemodel.h"

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

namespace {

const QColor TextColor(0x1f, 0x2d, 0x3a);
const QColor SecondaryTextColor(0x5a, 0x6b, 0x7a);
const QColor SelectionColor(0x15, 0x65, 0xc0);
const QColor ActivityColor(0x1e, 0x88, 0xe5);
const QColor MutedColor(0x90, 0x9e, 0xa9);
const QColor ShadowColor(0x10, 0x20, 0x30, 30);

constexpr qreal CardRadius = 8;
constexpr qreal AccentWidth = 5;
constexpr qreal Padding = 8;
constexpr qreal IconSize = 12;
constexpr qreal GraphWidth = 78;
constexpr qreal GraphInset = 6;
constexpr qreal SelectionMargin = 5;
constexpr qreal ShadowOffset = 2.5;
constexpr int FewBuckets = 24; // up to this many buckets are drawn as bars

QFont mapFont(int pixelSize, QFont::Weight weight)
{
    QFont font = QGuiApplication::font();
    font.setPixelSize(pixelSize);
    font.setWeight(weight);
    return font;
}

// A colour washed towards white: the card's fill.
QColor tint(const QColor &color, qreal amount)
{
    const auto mix = [amount](int c) { return int(255 + (c - 255) * amount); };
    return QColor(mix(color.red()), mix(color.green()), mix(color.blue()));
}

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

    CardGeometry()
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
};

const CardGeometry &cardGeometry()
{
    static const CardGeometry geometry;
    return geometry;
}

const QPixmap &statusPixmap(const NodeInfo &node)
{
    // Draining (an Online node drained by an administrator) has a picture of its own.
    const int key = nodeDisplayStatusKey(node) == u"draining"_s ? -1 : int(node.status);
    static QHash<int, QPixmap> cache;
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.insert(key, NodesTableModel::displayIcon(node).pixmap(QSize(16, 16)));
    return *it;
}

} // namespace

// --- NetworkMapNodeItem ------------------------------------------------------------------

NetworkMapNodeItem::NetworkMapNodeItem(const NodeInfo &node, QGraphicsItem *parent)
    : QGraphicsItem(parent)
    , m_activity(new NetworkMapActivityItem(this))
{
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(true);
    setCursor(Qt::PointingHandCursor);
    setCacheMode(DeviceCoordinateCache);
    setNode(node);
}

NetworkMapNodeItem::~NetworkMapNodeItem() = default;

QSizeF NetworkMapNodeItem::itemSize()
{
    return cardGeometry().bounds.size();
}

bool NetworkMapNodeItem::setNode(const NodeInfo &node)
{
    const bool drawn = node.name != m_node.name || node.version != m_node.version
                       || node.status != m_node.status
                       || (node.drainingSince > 0) != (m_node.drainingSince > 0) || m_nameText.isEmpty();
    const bool toolTipChanged = drawn || node.apiAddress != m_node.apiAddress
                                || node.lastHeartbeat != m_node.lastHeartbeat
                                || node.requiredVersion != m_node.requiredVersion;
    m_node = node;
    if (toolTipChanged) {
        QString version = m_node.version.isEmpty() ? tr("(unknown)") : m_node.version;
        if (!m_node.requiredVersion.isEmpty())
            version = tr("%1 (the cluster runs %2: upgrade this node)").arg(version, m_node.requiredVersion);
        setToolTip(tr("%1\nStatus: %2\nAddress: %3\nVersion: %4\nLast contact: %5")
                       .arg(m_node.name, nodeDisplayStatus(m_node),
                            m_node.apiAddress.isEmpty() ? tr("(none)") : m_node.apiAddress, version,
                            formatTimestamp(m_node.lastHeartbeat)));
    }
    if (!drawn)
        return false;
    updateText();
    m_activity->setNodeName(m_node.name);
    m_activity->setMuted(m_node.status != NodeStatus::Online);
    update();
    return true;
}

void NetworkMapNodeItem::updateText()
{
    const CardGeometry &g = cardGeometry();
    const QFontMetricsF versionMetrics(g.versionFont);
    m_versionText =
        versionMetrics.elidedText(m_node.version.isEmpty() ? QString() : tr("v%1").arg(m_node.version),
                                  Qt::ElideRight, g.textWidth / 2);
    const qreal versionWidth = versionMetrics.horizontalAdvance(m_versionText);
    m_versionX = g.textLeft + g.textWidth - versionWidth;
    m_nameText = QFontMetricsF(g.nameFont)
                     .elidedText(m_node.name.isEmpty() ? m_node.guid : m_node.name, Qt::ElideRight,
                                 g.textWidth - versionWidth - 8);
    m_statusText = nodeDisplayStatus(m_node);
}

void NetworkMapNodeItem::setActivity(const QList<qint64> &counts, int buckets, qreal bucketMinutes,
                                     qreal peakPerMinute)
{
    m_activity->setActivity(counts, buckets, bucketMinutes, peakPerMinute);
}

QColor NetworkMapNodeItem::statusColor() const
{
    return NodesTableModel::displayColor(m_node);
}

const QList<qint64> &NetworkMapNodeItem::activity() const
{
    return m_activity->counts();
}

qreal NetworkMapNodeItem::peakPerMinute() const
{
    return m_activity->peakPerMinute();
}

qint64 NetworkMapNodeItem::totalJobs() const
{
    return m_activity->total();
}

QPointF NetworkMapNodeItem::anchor() const
{
    return mapToScene(QPointF(0, 0));
}

QRectF NetworkMapNodeItem::boundingRect() const
{
    return cardGeometry().bounds;
}

QPainterPath NetworkMapNodeItem::shape() const
{
    return cardGeometry().cardPath;
}

void NetworkMapNodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = true;
    update();
    QGraphicsItem::hoverEnterEvent(event);
}

void NetworkMapNodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = false;
    update();
    QGraphicsItem::hoverLeaveEvent(event);
}

void NetworkMapNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const CardGeometry &g = cardGeometry();
    const QColor color = statusColor();
    painter->setRenderHint(QPainter::Antialiasing);

    if (option->state & QStyle::State_Selected) {
        QColor halo = SelectionColor;
        halo.setAlpha(45);
        painter->setPen(QPen(SelectionColor, 2.4));
        painter->setBrush(halo);
        painter->drawRoundedRect(g.card.adjusted(-3.5, -3.5, 3.5, 3.5), CardRadius + 3, CardRadius + 3);
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(ShadowColor);
        painter->drawRoundedRect(g.card.translated(0, ShadowOffset), CardRadius, CardRadius);
    }

    painter->setPen(QPen(m_hovered ? color.darker(130) : color, m_hovered ? 2.0 : 1.4));
    painter->setBrush(tint(color, m_hovered ? 0.17 : 0.10));
    painter->drawPath(g.cardPath);
    painter->fillPath(g.accentPath, color);

    painter->setPen(TextColor);
    painter->setFont(g.nameFont);
    painter->drawText(QPointF(g.textLeft, g.nameBaseline), m_nameText);
    painter->setPen(SecondaryTextColor);
    painter->setFont(g.versionFont);
    painter->drawText(QPointF(m_versionX, g.nameBaseline), m_versionText);
    painter->setRenderHint(QPainter::SmoothPixmapTransform);
    painter->drawPixmap(g.icon, statusPixmap(m_node), QRectF(0, 0, 16, 16));
    painter->setPen(color.darker(125));
    painter->setFont(g.statusFont);
    painter->drawText(QPointF(g.icon.right() + 4, g.statusBaseline), m_statusText);

    // The activity graph's panel: the graph itself is the child item's.
    painter->setPen(QPen(QColor(0xd3, 0xdb, 0xe2), 1));
    painter->setBrush(Qt::white);
    painter->drawRoundedRect(g.graph, 5, 5);
    // The top of the shared scale, then the base line.
    painter->setPen(QPen(QColor(0xcf, 0xd8, 0xdc), 1, Qt::DotLine));
    painter->drawLine(QLineF(g.chart.left(), g.chart.top(), g.chart.right(), g.chart.top()));
    painter->setPen(QPen(QColor(0xb0, 0xbe, 0xc5), 1));
    painter->drawLine(QLineF(g.chart.left(), g.chart.bottom(), g.chart.right(), g.chart.bottom()));
}

// --- NetworkMapActivityItem --------------------------------------------------------------

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

// --- NetworkMapLinkItem ------------------------------------------------------------------

namespace {

constexpr qreal LinkBend = 0.62;  // how far a link's middle stays from the hub (1: straight)
constexpr qreal LinkMargin = 4;   // covers the widest pen
constexpr qreal LinkHitWidth = 8; // how close the pointer must be for the tooltip

qreal linkZ(NetworkMapLinkItem::State state)
{
    // Problems on top of healthy links.
    switch (state) {
    case NetworkMapLinkItem::State::Stale:
        return 1.0;
    case NetworkMapLinkItem::State::Reachable:
        return 1.1;
    case NetworkMapLinkItem::State::Unreachable:
        return 1.2;
    }
    return 1.0;
}

} // namespace

NetworkMapLinkItem::NetworkMapLinkItem(const QString &a, const QString &b, QGraphicsItem *parent)
    : QGraphicsItem(parent)
    , m_a(a)
    , m_b(b)
{
    setFlag(ItemHasNoContents);
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(linkZ(m_state));
}

QPen NetworkMapLinkItem::pen(State state, bool dense)
{
    switch (state) {
    case State::Reachable: {
        QPen pen(QColor(0x43, 0xa0, 0x47, dense ? 120 : 220), dense ? 1.2 : 2.2);
        pen.setCapStyle(Qt::RoundCap);
        return pen;
    }
    case State::Unreachable: {
        QPen pen(QColor(0xe5, 0x39, 0x35, 235), dense ? 2.0 : 2.6);
        pen.setDashPattern({4, 2.5});
        pen.setCapStyle(Qt::FlatCap);
        return pen;
    }
    case State::Stale: {
        QPen pen(QColor(0x9e, 0x9e, 0x9e, dense ? 130 : 200), dense ? 1.2 : 1.8);
        pen.setDashPattern({0.1, 2.5});
        pen.setCapStyle(Qt::RoundCap);
        return pen;
    }
    }
    return {};
}

void NetworkMapLinkItem::setProbe(const NodeLink &link, quint64 generation)
{
    if (link.fromNode == m_a) {
        m_forward = link;
        m_forwardGeneration = generation;
    } else {
        m_backward = link;
        m_backwardGeneration = generation;
    }
    m_generation = generation;
}

bool NetworkMapLinkItem::finishRefresh(quint64 generation, const NodeInfo &a, const NodeInfo &b)
{
    if (m_forwardGeneration != generation)
        m_forward.reset();
    if (m_backwardGeneration != generation)
        m_backward.reset();
    m_nameA = a.name;
    m_nameB = b.name;
    m_statusA = a.status;
    m_statusB = b.status;
    m_toolTipValid = false;

    State state = State::Reachable;
    if (m_statusA != NodeStatus::Online || m_statusB != NodeStatus::Online)
        state = State::Stale;
    else if ((m_forward && !m_forward->reachable) || (m_backward && !m_backward->reachable))
        state = State::Unreachable;
    if (state == m_state)
        return false;
    m_state = state;
    setZValue(linkZ(state));
    return true;
}

QString NetworkMapLinkItem::toolTip() const
{
    if (m_toolTipValid)
        return m_toolTip;
    const auto direction = [](const QString &from, const QString &to, const std::optional<NodeLink> &probe) {
        if (!probe)
            return tr("%1 → %2: not probed").arg(from, to);
        const QString when = formatTimestamp(probe->probedAt);
        if (probe->reachable && probe->rttMs)
            return tr("%1 → %2: reachable, %3 ms (probed %4)")
                .arg(from, to, QLocale().toString(*probe->rttMs, 'f', 1), when);
        if (probe->reachable)
            return tr("%1 → %2: reachable (probed %3)").arg(from, to, when);
        return tr("%1 → %2: unreachable: %3 (probed %4)")
            .arg(from, to, probe->lastError.isEmpty() ? tr("no answer") : probe->lastError, when);
    };
    QStringList lines{tr("%1 ↔ %2").arg(m_nameA, m_nameB), direction(m_nameA, m_nameB, m_forward),
                      direction(m_nameB, m_nameA, m_backward)};
    if (m_statusA != NodeStatus::Online)
        lines.append(tr("Out of date: %1 is %2.").arg(m_nameA, nodeStatusText(m_statusA)));
    if (m_statusB != NodeStatus::Online)
        lines.append(tr("Out of date: %1 is %2.").arg(m_nameB, nodeStatusText(m_statusB)));
    m_toolTip = lines.join(u'\n');
    m_toolTipValid = true;
    return m_toolTip;
}

bool NetworkMapLinkItem::setEnds(QPointF a, QPointF b, QPointF hub, QSizeF hubClearance)
{
    // A quadratic curve whose middle sits nearer the hub than the straight line's, but
    // never inside the hub's clearance (an ellipse around it): a link between two nodes
    // does not pass through the database.
    const QPointF middle = (a + b) / 2;
    QPointF direction = middle - hub;
    qreal distance = std::hypot(direction.x(), direction.y());
    if (distance < 1e-6) {
        direction = QPointF(b.y() - a.y(), a.x() - b.x()); // the chord's normal
        distance = 0;
    }
    const qreal length = std::hypot(direction.x(), direction.y());
    QPainterPath path(a);
    if (length < 1e-6 || hubClearance.isEmpty()) {
        path.lineTo(b);
    } else {
        const QPointF unit = direction / length;
        const qreal clearance =
            1 / std::hypot(unit.x() / hubClearance.width(), unit.y() / hubClearance.height());
        const QPointF apex = hub + unit * std::max(distance * (1 + LinkBend) / 2, clearance);
        path.quadTo(2 * apex - middle, b); // the curve passes through apex half way
    }
    if (path == m_path)
        return false;
    prepareGeometryChange();
    m_path = path;
    m_bounds = path.boundingRect().adjusted(-LinkMargin, -LinkMargin, LinkMargin, LinkMargin);
    m_shape = {};
    return true;
}

QRectF NetworkMapLinkItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath NetworkMapLinkItem::shape() const
{
    if (m_shape.isEmpty() && !m_path.isEmpty()) {
        QPainterPathStroker stroker;
        stroker.setWidth(LinkHitWidth);
        m_shape = stroker.createStroke(m_path);
    }
    return m_shape;
}

void NetworkMapLinkItem::paint(QPainter *, const QStyleOptionGraphicsItem *, QWidget *)
{
    // ItemHasNoContents: the view draws all links at once (see NetworkMapView).
}

// --- NetworkMapHubItem -------------------------------------------------------------------

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
