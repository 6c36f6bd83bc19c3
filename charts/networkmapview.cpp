#include "networkmapview.h"

#include "chartslogging.h"
#include "networkmapactivityitem.h"
#include "networkmaphubitem.h"
#include "networkmaplayout.h"
#include "networkmaplegend.h"
#include "networkmaplinkitem.h"
#include "networkmapnodeitem.h"
#include "nodestablemodel.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QGraphicsScene>
#include <QGraphicsSceneHelpEvent>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPromise>
#include <QRadialGradient>
#include <QThreadPool>
#include <QTimer>
#include <QToolTip>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qreal LinkLayerZ = 1; // the spokes and links
constexpr qreal HubZ = 5;       // over the links
constexpr qreal NodeZ = 10;     // over everything
constexpr int DenseFrom = 13;   // nodes from which links are drawn thin and faint
constexpr qreal ContentMargin = 18;
constexpr qreal MaxZoom = 1.35; // a small cluster is not blown up to poster size
constexpr int ViewPadding = 8;  // pixels around the map
constexpr int SyncLines = 16;   // up to this many links and spokes are drawn on the GUI thread
// A change of link states alone redraws the picture at most this often by default: drawing
// it costs a core tens of milliseconds, which a 1 s poll can afford but a burst of refreshes
// cannot (it would compete with the GUI thread for the processor). A change of where links
// run (layout, zoom, links coming or going) redraws it at once.
constexpr int DefaultLinkStateRedrawMs = 1000;

const QColor BackgroundEdge(0xe9, 0xee, 0xf3);
const QColor BackgroundCentre(0xfb, 0xfc, 0xfd);

// The line from a node to the hub: solid while it is Online, grey dashes otherwise.
QPen spokePen(bool online)
{
    if (online)
        return QPen(QColor(0x78, 0x90, 0x9c, 200), 2.0, Qt::SolidLine, Qt::RoundCap);
    QPen pen(QColor(0xb0, 0xbe, 0xc5, 200), 1.6, Qt::SolidLine, Qt::FlatCap);
    pen.setDashPattern({4, 3});
    return pen;
}

// The ellipse around the hub that links go around.
QSizeF linkClearance()
{
    const QSizeF hub = NetworkMapHubItem::itemSize();
    return {hub.width() / 2 * 1.2 + 12, hub.height() / 2 * 1.2 + 12};
}

quint64 pairKey(quint32 a, quint32 b)
{
    return (quint64(std::min(a, b)) << 32) | std::max(a, b);
}

// The scene: tooltips of links are built only when asked for (NetworkMapLinkItem::toolTip).
class NetworkMapScene : public QGraphicsScene
{
public:
    using QGraphicsScene::QGraphicsScene;

protected:
    void helpEvent(QGraphicsSceneHelpEvent *event) override
    {
        QTransform device;
        if (event->widget()) {
            if (const auto *view = qobject_cast<const QGraphicsView *>(event->widget()->parentWidget()))
                device = view->viewportTransform();
        }
        QString text;
        const QList<QGraphicsItem *> under =
            items(event->scenePos(), Qt::IntersectsItemShape, Qt::DescendingOrder, device);
        for (QGraphicsItem *item : under) {
            const auto *link = qgraphicsitem_cast<NetworkMapLinkItem *>(item);
            text = link ? link->toolTip() : item->toolTip();
            if (!text.isEmpty())
                break;
        }
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
            return;
        }
        QToolTip::showText(event->screenPos(), text, event->widget());
        event->accept();
    }
};

// Every spoke and link in one picture: the viewport's size at the view's scale, drawn off
// the GUI thread (see NetworkMapView::renderLinks) and shown until the next one is ready.
class NetworkMapLinkLayer : public QGraphicsItem
{
public:
    NetworkMapLinkLayer()
    {
        setAcceptedMouseButtons(Qt::NoButton);
        setZValue(LinkLayerZ);
    }

    void setImage(const QImage &image, const QRectF &sceneRect)
    {
        if (sceneRect != m_rect)
            prepareGeometryChange();
        m_image = image;
        m_rect = sceneRect;
        update();
    }

    QRectF boundingRect() const override { return m_rect; }

    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override
    {
        if (m_image.isNull())
            return;
        // The picture was drawn at the view's scale: blit it pixel for pixel. Drawn into
        // m_rect through the view's transform it would be resampled, which costs the GUI
        // thread several milliseconds per repaint.
        const QRectF device = painter->worldTransform().mapRect(m_rect);
        const QSizeF pixels = QSizeF(m_image.size()) / m_image.devicePixelRatio();
        if (qAbs(device.width() - pixels.width()) > 1 || qAbs(device.height() - pixels.height()) > 1) {
            painter->drawImage(m_rect, m_image); // the view was resized; a new picture is coming
            return;
        }
        painter->save();
        painter->resetTransform();
        painter->drawImage(device.topLeft().toPoint(), m_image);
        painter->restore();
    }

private:
    QImage m_image;
    QRectF m_rect;
};

// What a picture of the links needs, copied (paths are shared, not deep-copied).
struct LinkPicture
{
    std::array<QList<QLineF>, 2> spokes;      // offline, online
    std::array<QList<QPainterPath>, 3> paths; // by state, drawn in this order
    bool dense = false;
    QTransform transform; // scene to viewport
    QSize size;           // of the viewport
    qreal devicePixelRatio = 1;
    QRectF sceneRect; // what the viewport shows
};

constexpr std::array<NetworkMapLinkItem::State, 3> LinkDrawingOrder{NetworkMapLinkItem::State::Stale,
                                                                    NetworkMapLinkItem::State::Reachable,
                                                                    NetworkMapLinkItem::State::Unreachable};

QImage drawLinks(const LinkPicture &picture)
{
    QImage image(picture.size * picture.devicePixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(picture.devicePixelRatio);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setTransform(picture.transform);
    for (std::size_t online = 0; online < picture.spokes.size(); ++online) {
        painter.setPen(spokePen(online == 1));
        painter.drawLines(picture.spokes.at(online));
    }
    for (std::size_t i = 0; i < LinkDrawingOrder.size(); ++i) {
        painter.setPen(NetworkMapLinkItem::pen(LinkDrawingOrder.at(i), picture.dense));
        painter.setBrush(Qt::NoBrush);
        for (const QPainterPath &path : picture.paths.at(i))
            painter.drawPath(path);
    }
    return image;
}

} // namespace

struct NodeEntry
{
    NetworkMapNodeItem *item = nullptr;
    quint32 id = 0; // never reused, so link keys of a removed node cannot match a new one
};

struct NetworkMapView::Private
{
    NetworkMapScene *scene = nullptr;
    NetworkMapHubItem *hub = nullptr;
    NetworkMapLinkLayer *linkLayer = nullptr;
    QFutureWatcher<QImage> linkRender;
    QRectF linkRenderRect;          // the scene rect of the picture being drawn
    bool linkRenderActive = false;  // until its picture is shown
    bool linksDirty = false;        // the picture no longer matches the links
    bool linkGeometryDirty = false; // ... nor where they run: redraw at once
    QElapsedTimer lastLinkRender;   // started when the last picture was started
    QTimer linkRedrawTimer;         // a throttled redraw (see DefaultLinkStateRedrawMs)
    int linkStateRedrawMs = DefaultLinkStateRedrawMs;
    int linkPictures = 0; // started so far
    QHash<QString, NodeEntry> nodes;
    QStringList order; // layout order
    QHash<quint64, NetworkMapLinkItem *> links;
    QHash<int, QList<QPointF>> layouts; // by node count
    quint32 nextId = 1;
    quint64 generation = 0;
    bool dense = false;
    QRectF content;
    qreal peakPerMinute = 0;
    int periodMinutes = 0;
    bool updating = false;
    QString lastSelected;
    NetworkMapLegend legend;
    // The legend drawn once (see NetworkMapLegend::draw): a repaint only copies it, and skips it when
    // the exposed area misses it.
    QPixmap legendPixmap;
    QRect legendArea; // the viewport it was laid out for; empty: to be drawn again
    QRect legendRect; // where it goes in that viewport

    void buildLegend()
    {
        legendArea = {};
        legend.rebuild(peakPerMinute, periodMinutes);
    }

    NetworkMapLegend::Layout layoutLegend(qreal viewportWidth) const
    {
        return legend.layout(viewportWidth - 2 * NetworkMapLegend::Margin);
    }
};

NetworkMapView::NetworkMapView(QWidget *parent)
    : QGraphicsView(parent)
    , d(std::make_unique<Private>())
{
    d->scene = new NetworkMapScene(this);
    setScene(d->scene);
    d->hub = new NetworkMapHubItem;
    d->hub->setZValue(HubZ);
    d->scene->addItem(d->hub);
    d->linkLayer = new NetworkMapLinkLayer;
    d->scene->addItem(d->linkLayer);
    d->buildLegend();
    connect(&d->linkRender, &QFutureWatcher<QImage>::finished, this, [this] {
        d->linkRenderActive = false;
        if (d->linkRender.future().resultCount() > 0)
            d->linkLayer->setImage(d->linkRender.result(), d->linkRenderRect);
        if (d->linksDirty)
            renderLinks();
    });

    d->linkRedrawTimer.setSingleShot(true);
    connect(&d->linkRedrawTimer, &QTimer::timeout, this, [this] {
        if (d->linksDirty)
            renderLinks();
    });

    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setCacheMode(QGraphicsView::CacheBackground);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setDragMode(QGraphicsView::NoDrag);
    setTransformationAnchor(QGraphicsView::NoAnchor);
    setResizeAnchor(QGraphicsView::NoAnchor);
    setMinimumSize(320, 240);
    setAccessibleName(tr("Network map"));

    connect(d->scene, &QGraphicsScene::selectionChanged, this, [this] {
        if (!d->updating)
            syncSelection();
    });

    d->content =
        d->hub->sceneBoundingRect().adjusted(-ContentMargin, -ContentMargin, ContentMargin, ContentMargin);
}

NetworkMapView::~NetworkMapView()
{
    // The items go now, while the view whose selection they report is still whole. A
    // picture still being drawn finishes on its own and is dropped.
    disconnect(d->scene, nullptr, this, nullptr);
    disconnect(&d->linkRender, nullptr, this, nullptr);
    d->updating = true;
    d->scene->clearSelection();
    d->links.clear();
    d->nodes.clear();
    d->scene->clear();
}

void NetworkMapView::setCluster(const QList<NodeInfo> &nodes, const QList<NodeLink> &links,
                                const ActivitySeries &activity, const QString &databaseLabel)
{
    QElapsedTimer timer;
    timer.start();
    d->updating = true;

    // The nodes to show, in the order given.
    QStringList order;
    order.reserve(nodes.size());
    QHash<QString, const NodeInfo *> incoming;
    incoming.reserve(nodes.size());
    for (const NodeInfo &node : nodes) {
        if (node.status == NodeStatus::Decommissioned || node.guid.isEmpty() || incoming.contains(node.guid))
            continue;
        incoming.insert(node.guid, &node);
        order.append(node.guid);
    }
    const bool nodeSetChanged = order != d->order;

    if (nodeSetChanged) {
        for (auto it = d->nodes.begin(); it != d->nodes.end();) {
            if (incoming.contains(it.key())) {
                ++it;
                continue;
            }
            delete it->item;
            it = d->nodes.erase(it);
        }
    }

    int online = 0;
    for (const QString &guid : std::as_const(order)) {
        const NodeInfo &info = *incoming.value(guid);
        if (info.status == NodeStatus::Online)
            ++online;
        auto it = d->nodes.find(guid);
        if (it == d->nodes.end()) {
            NodeEntry entry;
            entry.item = new NetworkMapNodeItem(info);
            entry.item->setZValue(NodeZ);
            entry.id = d->nextId++;
            d->scene->addItem(entry.item);
            d->nodes.insert(guid, entry);
            continue;
        }
        const NodeStatus before = it->item->status();
        if (it->item->setNode(info) && info.status != before)
            d->linksDirty = true; // its spoke
    }

    // Activity, on one scale for all nodes.
    const qreal bucketMinutes = activity.bucketMs > 0 ? activity.bucketMs / 60000.0 : 1.0;
    int buckets = 0;
    qint64 peakCount = 0;
    for (const QString &guid : std::as_const(order)) {
        const auto it = activity.perNode.constFind(guid);
        if (it == activity.perNode.constEnd())
            continue;
        buckets = std::max(buckets, int(it->size()));
        for (qint64 count : *it)
            peakCount = std::max(peakCount, count);
    }
    const qreal peak = peakCount / bucketMinutes;
    static const QList<qint64> noActivity;
    for (const QString &guid : std::as_const(order)) {
        const auto it = activity.perNode.constFind(guid);
        d->nodes.value(guid).item->setActivity(it == activity.perNode.constEnd() ? noActivity : *it, buckets,
                                               bucketMinutes, peak);
    }
    const int periodMinutes = int(std::lround(buckets * bucketMinutes));
    const bool legendChanged = peak != d->peakPerMinute || periodMinutes != d->periodMinutes;
    d->peakPerMinute = peak;
    d->periodMinutes = periodMinutes;

    if (nodeSetChanged) {
        d->order = order;
        relayout();
    }
    const bool linkSetChanged = updateLinks(links);

    d->hub->setLabel(databaseLabel);
    d->hub->setCounts(online, int(order.size()));

    if (legendChanged) {
        const QRect area = viewport()->rect();
        const NetworkMapLegend::Layout before = d->layoutLegend(area.width());
        d->buildLegend();
        const NetworkMapLegend::Layout after = d->layoutLegend(area.width());
        if (after.size.height() != before.size.height()) {
            fitMap(); // the room above it changed
        } else {
            const QRectF panel = NetworkMapLegend::panel(area, before) | NetworkMapLegend::panel(area, after);
            viewport()->update(panel.toAlignedRect().adjusted(-1, -1, 1, 1));
        }
    }
    if (nodeSetChanged || linkSetChanged) {
        // What the view must show: the nodes, the hub, and links that bend out of the ring.
        QRectF content = d->hub->sceneBoundingRect();
        for (const NodeEntry &entry : std::as_const(d->nodes))
            content |= entry.item->sceneBoundingRect();
        for (const NetworkMapLinkItem *link : std::as_const(d->links))
            content |= link->sceneBoundingRect();
        content.adjust(-ContentMargin, -ContentMargin, ContentMargin, ContentMargin);
        if (content != d->content) {
            d->content = content;
            fitMap();
        }
    }

    if (d->linksDirty)
        renderLinks();

    d->updating = false;
    syncSelection();
    qCDebug(lcCharts) << "network map:" << order.size() << "nodes," << d->links.size() << "links in"
                      << timer.nsecsElapsed() / 1000 << "µs" << (nodeSetChanged ? "(new layout)" : "");
}

void NetworkMapView::relayout()
{
    const int count = int(d->order.size());
    auto layout = d->layouts.constFind(count);
    if (layout == d->layouts.constEnd())
        layout = d->layouts.insert(count, NetworkMapLayout::place(count, NetworkMapNodeItem::itemSize(),
                                                                  NetworkMapHubItem::itemSize()));
    const QPointF hub = d->hub->pos();
    for (int i = 0; i < count && i < layout->size(); ++i) {
        const NodeEntry &entry = d->nodes.value(d->order.at(i));
        entry.item->setPos(hub + layout->at(i));
    }

    d->dense = count >= DenseFrom;
    d->linksDirty = true;
    d->linkGeometryDirty = true;
    for (NetworkMapLinkItem *link : std::as_const(d->links)) {
        const auto [a, b] = link->nodes();
        const auto itemA = d->nodes.constFind(a);
        const auto itemB = d->nodes.constFind(b);
        if (itemA == d->nodes.constEnd() || itemB == d->nodes.constEnd())
            continue; // goes in updateLinks()
        link->setEnds(itemA->item->anchor(), itemB->item->anchor(), hub, linkClearance());
    }
}

bool NetworkMapView::updateLinks(const QList<NodeLink> &links)
{
    bool changed = false;
    const quint64 generation = ++d->generation;
    const QPointF hub = d->hub->pos();
    for (const NodeLink &link : links) {
        const auto from = d->nodes.constFind(link.fromNode);
        const auto to = d->nodes.constFind(link.toNode);
        if (from == d->nodes.constEnd() || to == d->nodes.constEnd() || from == to)
            continue;
        NetworkMapLinkItem *&item = d->links[pairKey(from->id, to->id)];
        if (!item) {
            const bool forward = link.fromNode < link.toNode;
            item = new NetworkMapLinkItem(forward ? link.fromNode : link.toNode,
                                          forward ? link.toNode : link.fromNode);
            item->setEnds((forward ? from : to)->item->anchor(), (forward ? to : from)->item->anchor(), hub,
                          linkClearance());
            d->scene->addItem(item);
            changed = true;
        }
        item->setProbe(link, generation);
    }
    for (auto it = d->links.begin(); it != d->links.end();) {
        NetworkMapLinkItem *item = it.value();
        if (item->generation() != generation) {
            delete item;
            it = d->links.erase(it);
            changed = true;
            continue;
        }
        const auto [a, b] = item->nodes();
        if (item->finishRefresh(generation, d->nodes.constFind(a)->item->node(),
                                d->nodes.constFind(b)->item->node()))
            d->linksDirty = true;
        ++it;
    }
    if (changed)
        d->linksDirty = d->linkGeometryDirty = true;
    return changed;
}

void NetworkMapView::renderLinks()
{
    if (d->linkRenderActive)
        return; // its finished() starts the next one
    const QRect area = viewport()->rect();
    if (area.isEmpty())
        return;
    if (!d->linkGeometryDirty && d->lastLinkRender.isValid()
        && d->lastLinkRender.elapsed() < d->linkStateRedrawMs) {
        if (!d->linkRedrawTimer.isActive())
            d->linkRedrawTimer.start(int(d->linkStateRedrawMs - d->lastLinkRender.elapsed()));
        return;
    }
    d->linkRedrawTimer.stop();
    d->linkGeometryDirty = false;
    LinkPicture picture;
    picture.dense = d->dense;
    picture.transform = viewportTransform();
    picture.size = area.size();
    picture.devicePixelRatio = devicePixelRatioF();
    picture.sceneRect = picture.transform.inverted().mapRect(QRectF(area));
    const QPointF hub = d->hub->pos();
    for (const NodeEntry &entry : std::as_const(d->nodes)) {
        const bool online = entry.item->status() == NodeStatus::Online;
        picture.spokes.at(online ? 1 : 0).append(QLineF(entry.item->anchor(), hub));
    }
    for (const NetworkMapLinkItem *link : std::as_const(d->links)) {
        const auto order = std::find(LinkDrawingOrder.cbegin(), LinkDrawingOrder.cend(), link->state());
        picture.paths.at(std::size_t(order - LinkDrawingOrder.cbegin())).append(link->path());
    }
    d->linksDirty = false;
    d->lastLinkRender.start();
    ++d->linkPictures;
    if (d->links.size() + d->nodes.size() <= SyncLines) {
        d->linkLayer->setImage(drawLinks(picture), picture.sceneRect);
        return;
    }
    // Drawn on a pool thread; the old picture stays until this one is ready.
    d->linkRenderRect = picture.sceneRect;
    d->linkRenderActive = true;
    auto promise = std::make_shared<QPromise<QImage>>();
    d->linkRender.setFuture(promise->future());
    promise->start();
    QThreadPool::globalInstance()->start([promise, picture = std::move(picture)] {
        promise->addResult(drawLinks(picture));
        promise->finish();
    });
}

bool NetworkMapView::linksPending() const
{
    return d->linksDirty || d->linkRenderActive;
}

void NetworkMapView::setLinkStateRedrawInterval(int ms)
{
    d->linkStateRedrawMs = std::max(0, ms);
    if (d->linkRedrawTimer.isActive()) {
        d->linkRedrawTimer.stop();
        renderLinks(); // again, with the new interval
    }
}

int NetworkMapView::linkStateRedrawInterval() const
{
    return d->linkStateRedrawMs;
}

int NetworkMapView::linkPictures() const
{
    return d->linkPictures;
}

void NetworkMapView::fitMap()
{
    const QRect area = viewport()->rect();
    if (area.isEmpty() || d->content.isEmpty())
        return;
    const NetworkMapLegend::Layout legend = d->layoutLegend(area.width());
    const QRectF available =
        QRectF(area).adjusted(ViewPadding, ViewPadding, -ViewPadding,
                              -(legend.size.height() + 2 * NetworkMapLegend::Margin - ViewPadding / 2));
    if (available.width() <= 1 || available.height() <= 1)
        return;
    const qreal scale =
        std::min({available.width() / d->content.width(), available.height() / d->content.height(), MaxZoom});
    setTransform(QTransform::fromScale(scale, scale));
    // The view's scene rect is the viewport itself, placed so that the content's centre
    // shows at the centre of the room above the legend.
    const QPointF offset = available.center() - QRectF(area).center();
    const QPointF centre = d->content.center() - offset / scale;
    const QSizeF size(area.width() / scale, area.height() / scale);
    setSceneRect(QRectF(centre - QPointF(size.width() / 2, size.height() / 2), size));
    centerOn(centre);
    resetCachedContent(); // the background's glow follows the content
    d->linksDirty = d->linkGeometryDirty = true;
    renderLinks();
}

void NetworkMapView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    fitMap();
}

QStringList NetworkMapView::nodeGuids() const
{
    return d->order;
}

NetworkMapNodeItem *NetworkMapView::nodeItem(const QString &guid) const
{
    const auto it = d->nodes.constFind(guid);
    return it == d->nodes.constEnd() ? nullptr : it->item;
}

NetworkMapLinkItem *NetworkMapView::linkItem(const QString &a, const QString &b) const
{
    const auto itemA = d->nodes.constFind(a);
    const auto itemB = d->nodes.constFind(b);
    if (itemA == d->nodes.constEnd() || itemB == d->nodes.constEnd() || itemA == itemB)
        return nullptr;
    return d->links.value(pairKey(itemA->id, itemB->id));
}

QList<NetworkMapLinkItem *> NetworkMapView::linkItems() const
{
    return d->links.values();
}

int NetworkMapView::failingProbes() const
{
    int failing = 0;
    for (const NetworkMapLinkItem *link : std::as_const(d->links)) {
        if (link->state() != NetworkMapLinkItem::State::Unreachable)
            continue;
        failing += link->forward() && !link->forward()->reachable ? 1 : 0;
        failing += link->backward() && !link->backward()->reachable ? 1 : 0;
    }
    return failing;
}

NetworkMapHubItem *NetworkMapView::hubItem() const
{
    return d->hub;
}

QString NetworkMapView::selectedNode() const
{
    const QList<QGraphicsItem *> selected = d->scene->selectedItems();
    for (QGraphicsItem *item : selected) {
        if (const auto *node = qgraphicsitem_cast<NetworkMapNodeItem *>(item))
            return node->guid();
    }
    return {};
}

void NetworkMapView::selectNode(const QString &guid)
{
    d->updating = true;
    d->scene->clearSelection();
    if (NetworkMapNodeItem *item = nodeItem(guid))
        item->setSelected(true);
    d->updating = false;
    syncSelection();
}

void NetworkMapView::syncSelection()
{
    const QString guid = selectedNode();
    if (guid == d->lastSelected)
        return;
    d->lastSelected = guid;
    Q_EMIT nodeSelected(guid);
}

NetworkMapNodeItem *NetworkMapView::nodeAt(QPoint viewportPos) const
{
    for (QGraphicsItem *item = itemAt(viewportPos); item; item = item->parentItem()) {
        if (auto *node = qgraphicsitem_cast<NetworkMapNodeItem *>(item))
            return node;
    }
    return nullptr;
}

void NetworkMapView::mouseDoubleClickEvent(QMouseEvent *event)
{
    QGraphicsView::mouseDoubleClickEvent(event);
    if (event->button() != Qt::LeftButton)
        return;
    if (const NetworkMapNodeItem *node = nodeAt(event->position().toPoint()))
        Q_EMIT nodeActivated(node->guid());
}

void NetworkMapView::keyPressEvent(QKeyEvent *event)
{
    if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) && !selectedNode().isEmpty()) {
        Q_EMIT nodeActivated(selectedNode());
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void NetworkMapView::drawBackground(QPainter *painter, const QRectF &rect)
{
    const QPointF centre = d->hub->pos();
    QRadialGradient glow(centre,
                         std::max<qreal>(std::max(d->content.width(), d->content.height()) * 0.6, 200));
    glow.setColorAt(0, BackgroundCentre);
    glow.setColorAt(1, BackgroundEdge);
    painter->fillRect(rect, glow);
}

void NetworkMapView::drawForeground(QPainter *painter, const QRectF &rect)
{
    painter->save();
    painter->resetTransform();
    const QRect area = viewport()->rect();

    if (d->order.isEmpty()) {
        painter->setRenderHint(QPainter::Antialiasing);
        QFont font = QGuiApplication::font();
        font.setPixelSize(13);
        painter->setFont(font);
        painter->setPen(QColor(0x5a, 0x6b, 0x7a));
        const QRect below = mapFromScene(d->hub->sceneBoundingRect()).boundingRect();
        painter->drawText(QRect(area.left(), below.bottom() + 12, area.width(), 24),
                          Qt::AlignHCenter | Qt::AlignTop, tr("No manager nodes to show."));
    }

    const qreal ratio = devicePixelRatioF();
    if (area != d->legendArea || d->legendPixmap.devicePixelRatio() != ratio) {
        const NetworkMapLegend::Layout layout = d->layoutLegend(area.width());
        d->legendRect = NetworkMapLegend::panel(area, layout).toAlignedRect();
        d->legendPixmap = QPixmap((QSizeF(d->legendRect.size()) * ratio).toSize());
        d->legendPixmap.setDevicePixelRatio(ratio);
        d->legendPixmap.fill(Qt::transparent);
        QPainter legendPainter(&d->legendPixmap);
        d->legend.draw(&legendPainter, layout);
        d->legendArea = area;
    }
    if (mapFromScene(rect).boundingRect().intersects(d->legendRect))
        painter->drawPixmap(d->legendRect.topLeft(), d->legendPixmap);
    painter->restore();
}

} // namespace Cohort
