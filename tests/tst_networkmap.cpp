// The network map widget on values made here: layout without overlaps, status colours,
// link states and tooltips, updates in place, the shared activity scale, mouse selection
// and activation, and pictures (artifacts/networkmap-*.png) whose pixels must show the
// cards, graphs, hub and links that were put on the map.
#include "mappicture.h"
#include "networkmapactivityitem.h"
#include "networkmaphubitem.h"
#include "networkmaplayout.h"
#include "networkmaplinkitem.h"
#include "networkmapnodeitem.h"
#include "networkmapview.h"
#include "nodestablemodel.h"

#include <QApplication>
#include <QDir>
#include <QGraphicsScene>
#include <QHelpEvent>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

#include <algorithm>
#include <cmath>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 BaseTime = 1'700'000'000'000;

const QStringList Names{u"alpha"_s,  u"bravo"_s,    u"charlie"_s, u"delta"_s,  u"echo"_s,    u"foxtrot"_s,
                        u"golf"_s,   u"hotel"_s,    u"india"_s,   u"juliet"_s, u"kilo"_s,    u"lima"_s,
                        u"mike"_s,   u"november"_s, u"oscar"_s,   u"papa"_s,   u"quebec"_s,  u"romeo"_s,
                        u"sierra"_s, u"tango"_s,    u"uniform"_s, u"victor"_s, u"whiskey"_s, u"xray"_s,
                        u"yankee"_s, u"zulu"_s};

NodeInfo makeNode(int i, NodeStatus status = NodeStatus::Online)
{
    NodeInfo node;
    node.guid = u"00000000-0000-4000-8000-%1"_s.arg(i, 12, 10, QChar(u'0'));
    node.name = i < Names.size() ? Names.at(i) : u"manager-%1"_s.arg(i + 1, 2, 10, QChar(u'0'));
    node.version = u"1.4.%1"_s.arg(i % 3);
    node.apiAddress = u"https://10.0.0.%1:8443"_s.arg(i + 10);
    node.status = status;
    node.state = status == NodeStatus::Online ? u"online"_s : u"offline"_s;
    node.lastHeartbeat = BaseTime + i * 1000;
    return node;
}

NodeLink makeLink(const NodeInfo &from, const NodeInfo &to, bool reachable, double rttMs = 1.8,
                  const QString &error = {})
{
    NodeLink link;
    link.fromNode = from.guid;
    link.toNode = to.guid;
    link.reachable = reachable;
    if (reachable)
        link.rttMs = rttMs;
    link.lastError = reachable ? QString() : error;
    link.probedAt = BaseTime + 5000;
    return link;
}

QList<NodeLink> fullMesh(const QList<NodeInfo> &nodes)
{
    QList<NodeLink> links;
    for (int i = 0; i < nodes.size(); ++i) {
        for (int j = 0; j < nodes.size(); ++j) {
            if (i != j)
                links.append(makeLink(nodes.at(i), nodes.at(j), true, 0.6 + ((i + j) % 7) * 0.35));
        }
    }
    return links;
}

ActivitySeries makeActivity(const QList<NodeInfo> &nodes, int buckets = 60, qint64 bucketMs = 60'000)
{
    ActivitySeries series;
    series.fromMs = BaseTime - buckets * bucketMs;
    series.bucketMs = bucketMs;
    for (int i = 0; i < nodes.size(); ++i) {
        QList<qint64> counts;
        for (int b = 0; b < buckets; ++b)
            counts.append(qint64((i % 5 + 1) * (3 + 2 * std::sin((b + i * 7) / 6.0) + (b * (i + 3)) % 4)));
        series.perNode.insert(nodes.at(i).guid, counts);
    }
    return series;
}

// A mixed cluster: most nodes online, some offline, some waiting for an upgrade.
QList<NodeInfo> makeCluster(int count)
{
    QList<NodeInfo> nodes;
    for (int i = 0; i < count; ++i) {
        NodeStatus status = NodeStatus::Online;
        if (count > 2 && i % 7 == 2)
            status = NodeStatus::Offline;
        else if (count > 2 && i % 11 == 5)
            status = NodeStatus::UpgradeRequired;
        nodes.append(makeNode(i, status));
    }
    return nodes;
}

QList<NetworkMapNodeItem *> nodeItems(const NetworkMapView &view)
{
    QList<NetworkMapNodeItem *> items;
    const QList<QGraphicsItem *> all = view.scene()->items();
    for (QGraphicsItem *item : all) {
        if (auto *node = qgraphicsitem_cast<NetworkMapNodeItem *>(item))
            items.append(node);
    }
    return items;
}

QPoint viewportCentre(const NetworkMapView &view, const QGraphicsItem *item)
{
    return view.mapFromScene(item->sceneBoundingRect().center());
}

} // namespace

class TestNetworkMap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void layout_data();
    void layout();
    void statusColours();
    void linkStates();
    void linkPictureFollowsStates();
    void updateInPlace();
    void activityScale();
    void clickSelects();
    void doubleClickActivates();
    void toolTips();
    void emptyCluster();
    void render_data();
    void render();
};

void TestNetworkMap::initTestCase()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestNetworkMap::layout_data()
{
    QTest::addColumn<int>("count");
    for (int count : {1, 2, 3, 5, 8, 13, 20, 35, 50})
        QTest::addRow("%d", count) << count;
}

void TestNetworkMap::layout()
{
    QFETCH(int, count);

    // The pure layout.
    const QSizeF item(240, 80);
    const QSizeF hub(200, 120);
    const QList<QPointF> centres = NetworkMapLayout::place(count, item, hub);
    QCOMPARE(centres.size(), count);
    const QRectF hubRect(QPointF(-hub.width() / 2, -hub.height() / 2), hub);
    QList<QRectF> rects;
    for (const QPointF &c : centres)
        rects.append(QRectF(c - QPointF(item.width() / 2, item.height() / 2), item));
    for (int i = 0; i < rects.size(); ++i) {
        QVERIFY2(!rects.at(i).intersects(hubRect), qPrintable(u"item %1 overlaps the hub"_s.arg(i)));
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects.at(i).intersects(rects.at(j)),
                     qPrintable(u"items %1 and %2 overlap"_s.arg(i).arg(j)));
    }

    // The view's items, graphs included, and all of them in sight.
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QList<NodeInfo> nodes = makeCluster(count);
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"sqlite:/var/lib/cohort/cohort.db"_s);
    const QList<NetworkMapNodeItem *> items = nodeItems(view);
    QCOMPARE(items.size(), count);
    QCOMPARE(view.nodeGuids().size(), count);
    const QRectF hubBounds = view.hubItem()->sceneBoundingRect();
    const QRect visible = view.viewport()->rect();
    for (int i = 0; i < items.size(); ++i) {
        const QRectF a = items.at(i)->sceneBoundingRect();
        QVERIFY(a.contains(items.at(i)->activityItem()->sceneBoundingRect()));
        QVERIFY2(!a.intersects(hubBounds), qPrintable(items.at(i)->name()));
        QVERIFY2(visible.contains(view.mapFromScene(a).boundingRect()), qPrintable(items.at(i)->name()));
        for (int j = i + 1; j < items.size(); ++j) {
            QVERIFY2(!a.intersects(items.at(j)->sceneBoundingRect()),
                     qPrintable(items.at(i)->name() + u" overlaps "_s + items.at(j)->name()));
        }
    }
    QCOMPARE(view.linkItems().size(), count * (count - 1) / 2);
    QCOMPARE(view.hubItem()->label(), u"sqlite:/var/lib/cohort/cohort.db"_s);
}

void TestNetworkMap::statusColours()
{
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QList<NodeInfo> nodes{makeNode(0, NodeStatus::Online), makeNode(1, NodeStatus::Offline),
                                makeNode(2, NodeStatus::UpgradeRequired),
                                makeNode(3, NodeStatus::Decommissioned)};
    view.setCluster(nodes, {}, {}, u"db"_s);

    QCOMPARE(view.nodeGuids(), (QStringList{nodes.at(0).guid, nodes.at(1).guid, nodes.at(2).guid}));
    QCOMPARE(nodeItems(view).size(), 3);
    QVERIFY(!view.nodeItem(nodes.at(3).guid));
    for (int i = 0; i < 3; ++i) {
        const NetworkMapNodeItem *item = view.nodeItem(nodes.at(i).guid);
        QVERIFY(item);
        QCOMPARE(item->guid(), nodes.at(i).guid);
        QCOMPARE(item->name(), nodes.at(i).name);
        QCOMPARE(item->version(), nodes.at(i).version);
        QCOMPARE(item->status(), nodes.at(i).status);
        QVERIFY(item->flags() & QGraphicsItem::ItemIsSelectable);
        const QString tip = item->toolTip();
        QVERIFY2(tip.contains(nodes.at(i).name), qPrintable(tip));
        QVERIFY2(tip.contains(nodeStatusText(nodes.at(i).status)), qPrintable(tip));
        QVERIFY2(tip.contains(nodes.at(i).apiAddress), qPrintable(tip));
        QVERIFY2(tip.contains(nodes.at(i).version), qPrintable(tip));
        QVERIFY2(tip.contains(formatTimestamp(nodes.at(i).lastHeartbeat)), qPrintable(tip));
    }
    QCOMPARE(view.hubItem()->label(), u"db"_s);

    // Each status reads as what it means, and no two look alike.
    const QColor online = view.nodeItem(nodes.at(0).guid)->statusColor();
    const QColor offline = view.nodeItem(nodes.at(1).guid)->statusColor();
    const QColor upgrade = view.nodeItem(nodes.at(2).guid)->statusColor();
    QVERIFY2(isGreenish(online), qPrintable(online.name()));
    QVERIFY2(isReddish(offline), qPrintable(offline.name()));
    QVERIFY2(isAmber(upgrade), qPrintable(upgrade.name()));
    QVERIFY(hueDistance(online, offline) >= 60);
    QVERIFY(hueDistance(online, upgrade) >= 60);
    QVERIFY(hueDistance(offline, upgrade) >= 15);

    // And each card is painted in its own colour.
    QTRY_VERIFY(!view.property("linksPending").toBool());
    const MapPicture picture(view, view.grab());
    for (int i = 0; i < 3; ++i) {
        const QString problem = picture.cardProblem(view, view.nodeItem(nodes.at(i).guid));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
}

void TestNetworkMap::linkStates()
{
    NetworkMapView view;
    QList<NodeInfo> nodes{makeNode(0), makeNode(1), makeNode(2), makeNode(3),
                          makeNode(4, NodeStatus::Offline)};
    const NodeInfo &alpha = nodes.at(0);
    const NodeInfo &bravo = nodes.at(1);
    const NodeInfo &charlie = nodes.at(2);
    const NodeInfo &delta = nodes.at(3);
    const NodeInfo &echo = nodes.at(4);
    QList<NodeLink> links{
        makeLink(alpha, bravo, true, 1.8),
        makeLink(bravo, alpha, true, 2.4),
        makeLink(alpha, charlie, true, 0.9),
        makeLink(charlie, alpha, false, 0, u"no answer within 2000 ms"_s),
        makeLink(alpha, delta, true, 3.25),
        makeLink(alpha, echo, true, 1.1),
        makeLink(echo, alpha, true, 1.2),
        makeLink(alpha, makeNode(40), true), // a peer not on the map: ignored
    };
    view.setCluster(nodes, links, {}, u"db"_s);

    QCOMPARE(view.linkItems().size(), 4);
    QVERIFY(!view.linkItem(bravo.guid, charlie.guid)); // never probed
    NetworkMapLinkItem *ab = view.linkItem(alpha.guid, bravo.guid);
    QVERIFY(ab);
    QCOMPARE(view.linkItem(bravo.guid, alpha.guid), ab);
    QCOMPARE(ab->state(), NetworkMapLinkItem::State::Reachable);
    const auto ends = ab->nodes();
    QCOMPARE((QSet<QString>{ends.first, ends.second}), (QSet<QString>{alpha.guid, bravo.guid}));
    QString tip = ab->toolTip();
    QVERIFY2(tip.contains(u"alpha → bravo: reachable, 1.8 ms"_s), qPrintable(tip));
    QVERIFY2(tip.contains(u"bravo → alpha: reachable, 2.4 ms"_s), qPrintable(tip));
    QVERIFY2(tip.contains(formatTimestamp(BaseTime + 5000)), qPrintable(tip));

    NetworkMapLinkItem *ac = view.linkItem(charlie.guid, alpha.guid);
    QVERIFY(ac);
    QCOMPARE(ac->state(), NetworkMapLinkItem::State::Unreachable);
    tip = ac->toolTip();
    QVERIFY2(tip.contains(u"alpha → charlie: reachable, 0.9 ms"_s), qPrintable(tip));
    QVERIFY2(tip.contains(u"charlie → alpha: unreachable: no answer within 2000 ms"_s), qPrintable(tip));

    NetworkMapLinkItem *ad = view.linkItem(alpha.guid, delta.guid);
    QVERIFY(ad);
    QCOMPARE(ad->state(), NetworkMapLinkItem::State::Reachable);
    QVERIFY2(ad->toolTip().contains(u"alpha → delta: reachable, 3.3 ms"_s), qPrintable(ad->toolTip()));

    NetworkMapLinkItem *ae = view.linkItem(alpha.guid, echo.guid);
    QVERIFY(ae);
    QCOMPARE(ae->state(), NetworkMapLinkItem::State::Stale);
    QVERIFY2(ae->toolTip().contains(u"echo → alpha: reachable, 1.2 ms"_s), qPrintable(ae->toolTip()));
    // What the page's summary counts: charlie → alpha (the peer off the map is not counted).
    QCOMPARE(view.failingProbes(), 1);

    // The next round: echo is back, charlie answers, the alpha → delta row is gone and
    // delta → alpha is new. The same items follow.
    nodes[4].status = NodeStatus::Online;
    links[3] = makeLink(charlie, alpha, true, 1.4);
    links[4] = makeLink(delta, alpha, false, 0, u"connection refused"_s);
    view.setCluster(nodes, links, {}, u"db"_s);
    QCOMPARE(view.linkItem(alpha.guid, echo.guid), ae);
    QCOMPARE(ae->state(), NetworkMapLinkItem::State::Reachable);
    QCOMPARE(view.linkItem(alpha.guid, charlie.guid), ac);
    QCOMPARE(ac->state(), NetworkMapLinkItem::State::Reachable);
    QVERIFY2(ac->toolTip().contains(u"charlie → alpha: reachable, 1.4 ms"_s), qPrintable(ac->toolTip()));
    QCOMPARE(view.linkItem(alpha.guid, delta.guid), ad);
    QCOMPARE(ad->state(), NetworkMapLinkItem::State::Unreachable);
    QVERIFY2(ad->toolTip().contains(u"alpha → delta: not probed"_s), qPrintable(ad->toolTip()));
    QVERIFY2(ad->toolTip().contains(u"delta → alpha: unreachable: connection refused"_s),
             qPrintable(ad->toolTip()));

    // Links are drawn under the nodes and the hub.
    QVERIFY(ab->zValue() < view.nodeItem(alpha.guid)->zValue());
    QVERIFY(ab->zValue() < view.hubItem()->zValue());

    // delta → alpha fails while both are Online; once delta is Offline the link is stale
    // (grey), and its failed probe no longer counts as failing.
    QCOMPARE(view.failingProbes(), 1);
    nodes[3].status = NodeStatus::Offline;
    view.setCluster(nodes, links, {}, u"db"_s);
    QCOMPARE(ad->state(), NetworkMapLinkItem::State::Stale);
    QCOMPARE(view.failingProbes(), 0);
}

// The picture of the links is drawn off the GUI thread; the old one stays until the new one
// is ready. A burst of state changes is drawn once or twice, not once per change.
void TestNetworkMap::linkPictureFollowsStates()
{
    NetworkMapView view;
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QList<NodeInfo> nodes = makeCluster(20);
    for (NodeInfo &node : nodes)
        node.status = NodeStatus::Online;
    QList<NodeLink> links = fullMesh(nodes);
    view.setCluster(nodes, links, {}, u"db"_s);
    const auto pictures = [&view] { return view.property("linkPictures").toInt(); };
    const auto pending = [&view] { return view.property("linksPending").toBool(); };
    QTRY_VERIFY(!pending());
    QVERIFY(pictures() >= 1);
    const QImage healthy = view.grab().toImage();

    // Ten rounds in a row, each with another link failing (and the one before it healthy
    // again): the states follow at once, the picture follows.
    const int before = pictures();
    for (int round = 0; round < 10; ++round) {
        for (NodeLink &link : links) {
            const bool failing =
                link.fromNode == nodes.at(round).guid && link.toNode == nodes.at(round + 5).guid;
            link.reachable = !failing;
            link.lastError = failing ? u"no answer within 2000 ms"_s : QString();
        }
        view.setCluster(nodes, links, {}, u"db"_s);
        QCOMPARE(view.linkItem(nodes.at(round).guid, nodes.at(round + 5).guid)->state(),
                 NetworkMapLinkItem::State::Unreachable);
        if (round > 0) {
            QCOMPARE(view.linkItem(nodes.at(round - 1).guid, nodes.at(round + 4).guid)->state(),
                     NetworkMapLinkItem::State::Reachable);
        }
        QVERIFY(pending());
    }
    QCOMPARE(view.grab().toImage(), healthy); // the old picture until the new one is ready
    QTRY_VERIFY_WITH_TIMEOUT(!pending(), 10000);
    QVERIFY2(pictures() - before >= 1 && pictures() - before <= 2,
             qPrintable(u"%1 pictures for 10 rounds"_s.arg(pictures() - before)));
    const QImage failing = view.grab().toImage();
    QVERIFY(failing != healthy);

    // All healthy again: the same picture as before.
    for (NodeLink &link : links) {
        link.reachable = true;
        link.lastError.clear();
    }
    view.setCluster(nodes, links, {}, u"db"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!pending(), 10000);
    QCOMPARE(view.grab().toImage(), healthy);

    // A change of states alone waits for the interval; a change of where links run (a node
    // joins) draws at once, with the states too.
    view.setLinkStateRedrawInterval(3600 * 1000);
    const int settled = pictures();
    links.first().reachable = false;
    view.setCluster(nodes, links, {}, u"db"_s);
    QVERIFY(pending());
    QCOMPARE(pictures(), settled);
    nodes.append(makeNode(20));
    links.append(makeLink(nodes.at(20), nodes.at(0), true));
    view.setCluster(nodes, links, {}, u"db"_s);
    QCOMPARE(pictures(), settled + 1);
    QTRY_VERIFY_WITH_TIMEOUT(!pending(), 10000);
    QCOMPARE(view.linkItem(links.first().fromNode, links.first().toNode)->state(),
             NetworkMapLinkItem::State::Unreachable);
    QCOMPARE(view.linkItems().size(), 20 * 19 / 2 + 1);
}

void TestNetworkMap::updateInPlace()
{
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy selected(&view, &NetworkMapView::nodeSelected);
    QList<NodeInfo> nodes = makeCluster(5);
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    QList<NetworkMapNodeItem *> before;
    QList<QPointF> positions;
    for (const NodeInfo &node : std::as_const(nodes)) {
        before.append(view.nodeItem(node.guid));
        positions.append(view.nodeItem(node.guid)->pos());
    }
    NetworkMapLinkItem *link01 = view.linkItem(nodes.at(0).guid, nodes.at(1).guid);
    QVERIFY2(isGreenish(before.at(1)->statusColor()), qPrintable(before.at(1)->statusColor().name()));
    const QString wasOnline = MapPicture(view, view.grab()).cardProblem(view, before.at(1));
    QVERIFY2(wasOnline.isEmpty(), qPrintable(wasOnline));
    view.selectNode(nodes.at(2).guid);
    QCOMPARE(view.selectedNode(), nodes.at(2).guid);
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.last().at(0).toString(), nodes.at(2).guid);

    // Same nodes, changed values: same items, same places, selection kept.
    nodes[1].status = NodeStatus::Offline;
    nodes[1].name = u"bravo-renamed"_s;
    nodes[3].version = u"2.0.0"_s;
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    for (int i = 0; i < nodes.size(); ++i) {
        QCOMPARE(view.nodeItem(nodes.at(i).guid), before.at(i));
        QCOMPARE(before.at(i)->pos(), positions.at(i));
    }
    QCOMPARE(before.at(1)->status(), NodeStatus::Offline);
    QCOMPARE(before.at(1)->name(), u"bravo-renamed"_s);
    QVERIFY2(isReddish(before.at(1)->statusColor()), qPrintable(before.at(1)->statusColor().name()));
    // The card's cached picture follows: red now, no green left.
    const MapPicture picture(view, view.grab());
    const QString problem = picture.cardProblem(view, before.at(1));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(before.at(3)->version(), u"2.0.0"_s);
    QCOMPARE(view.linkItem(nodes.at(0).guid, nodes.at(1).guid), link01);
    QCOMPARE(link01->state(), NetworkMapLinkItem::State::Stale);
    QVERIFY(before.at(2)->isSelected());

    // One node goes, one comes: the others keep their items and the selection.
    const NodeInfo gone = nodes.takeAt(4);
    nodes.append(makeNode(5));
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(view.nodeItem(nodes.at(i).guid), before.at(i));
    QVERIFY(!view.nodeItem(gone.guid));
    QVERIFY(view.nodeItem(nodes.at(4).guid));
    QCOMPARE(nodeItems(view).size(), 5);
    QVERIFY(!view.linkItem(nodes.at(0).guid, gone.guid));
    QVERIFY(view.linkItem(nodes.at(0).guid, nodes.at(4).guid));
    QCOMPARE(view.linkItems().size(), 10);
    QCOMPARE(view.linkItem(nodes.at(0).guid, nodes.at(1).guid), link01);
    QCOMPARE(view.selectedNode(), nodes.at(2).guid);
    QVERIFY(before.at(2)->isSelected());
    QCOMPARE(selected.size(), 1);

    // The selected node goes: the selection is cleared, and said so.
    const QString selectedGuid = nodes.takeAt(2).guid;
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    QVERIFY(!view.nodeItem(selectedGuid));
    QCOMPARE(view.selectedNode(), QString());
    QCOMPARE(selected.size(), 2);
    QCOMPARE(selected.last().at(0).toString(), QString());
    QCOMPARE(nodeItems(view).size(), 4);
    QCOMPARE(view.linkItems().size(), 6);
}

void TestNetworkMap::activityScale()
{
    NetworkMapView view;
    const QList<NodeInfo> nodes{makeNode(0), makeNode(1), makeNode(2)};
    ActivitySeries series;
    series.fromMs = BaseTime;
    series.bucketMs = 2 * 60'000; // two minutes a bucket: counts are halved per minute
    QList<qint64> a(30, 0);
    QList<qint64> b(30, 0);
    a[3] = 10;
    a[10] = 4;
    b[20] = 40;
    b[21] = 6;
    series.perNode.insert(nodes.at(0).guid, a);
    series.perNode.insert(nodes.at(1).guid, b);
    series.perNode.insert(u"a-decommissioned-node"_s, QList<qint64>(30, 500)); // not on the map
    view.setCluster(nodes, {}, series, u"db"_s);

    for (const NodeInfo &node : nodes)
        QCOMPARE(view.nodeItem(node.guid)->peakPerMinute(), 20.0);
    QCOMPARE(view.nodeItem(nodes.at(0).guid)->activity(), a);
    QCOMPARE(view.nodeItem(nodes.at(1).guid)->activity(), b);
    QVERIFY(view.nodeItem(nodes.at(2).guid)->activity().isEmpty());
    QCOMPARE(view.nodeItem(nodes.at(0).guid)->totalJobs(), 14);
    QCOMPARE(view.nodeItem(nodes.at(1).guid)->totalJobs(), 46);
    const QString tip = view.nodeItem(nodes.at(1).guid)->activityItem()->toolTip();
    QVERIFY2(tip.contains(u"46 job"_s), qPrintable(tip));
    QVERIFY2(tip.contains(u"60 minutes"_s), qPrintable(tip));

    // The busiest node quietens: every graph follows the new peak.
    b[20] = 8;
    series.perNode.insert(nodes.at(1).guid, b);
    view.setCluster(nodes, {}, series, u"db"_s);
    for (const NodeInfo &node : nodes)
        QCOMPARE(view.nodeItem(node.guid)->peakPerMinute(), 5.0);
}

void TestNetworkMap::clickSelects()
{
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QList<NodeInfo> nodes = makeCluster(8);
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    QSignalSpy selected(&view, &NetworkMapView::nodeSelected);

    NetworkMapNodeItem *item = view.nodeItem(nodes.at(3).guid);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, viewportCentre(view, item));
    QTRY_COMPARE(selected.size(), 1);
    QCOMPARE(selected.last().at(0).toString(), nodes.at(3).guid);
    QVERIFY(item->isSelected());
    QCOMPARE(view.selectedNode(), nodes.at(3).guid);

    // Another node takes the selection over.
    NetworkMapNodeItem *other = view.nodeItem(nodes.at(5).guid);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, viewportCentre(view, other));
    QTRY_COMPARE(selected.size(), 2);
    QCOMPARE(selected.last().at(0).toString(), nodes.at(5).guid);
    QVERIFY(!item->isSelected());

    // An empty spot clears it.
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, QPoint(4, 4));
    QTRY_COMPARE(selected.size(), 3);
    QCOMPARE(selected.last().at(0).toString(), QString());
    QCOMPARE(view.selectedNode(), QString());
}

void TestNetworkMap::doubleClickActivates()
{
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QList<NodeInfo> nodes = makeCluster(5);
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    QSignalSpy activated(&view, &NetworkMapView::nodeActivated);

    const QPoint centre = viewportCentre(view, view.nodeItem(nodes.at(1).guid));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(view.viewport(), Qt::LeftButton, {}, centre);
    QTRY_COMPARE(activated.size(), 1);
    QCOMPARE(activated.last().at(0).toString(), nodes.at(1).guid);
    QCOMPARE(view.selectedNode(), nodes.at(1).guid);

    // Not on a node: nothing.
    QTest::mouseDClick(view.viewport(), Qt::LeftButton, {}, QPoint(4, 4));
    QCOMPARE(activated.size(), 1);
}

void TestNetworkMap::toolTips()
{
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QList<NodeInfo> nodes{makeNode(0), makeNode(1), makeNode(2)};
    QList<NodeLink> links = fullMesh(nodes);
    links[0] = makeLink(nodes.at(0), nodes.at(1), true, 1.8);
    view.setCluster(nodes, links, makeActivity(nodes), u"db"_s);

    const auto toolTipAt = [&view](QPointF scenePos) {
        const QPoint pos = view.mapFromScene(scenePos);
        QHelpEvent event(QEvent::ToolTip, pos, view.viewport()->mapToGlobal(pos));
        QCoreApplication::sendEvent(view.viewport(), &event);
        return QToolTip::isVisible() ? QToolTip::text() : QString();
    };
    // The middle of a link: both directions, built when asked for.
    const NetworkMapLinkItem *link = view.linkItem(nodes.at(0).guid, nodes.at(1).guid);
    QString tip = toolTipAt(link->path().pointAtPercent(0.5));
    QVERIFY2(tip.contains(u"alpha → bravo: reachable, 1.8 ms"_s), qPrintable(tip));
    QVERIFY2(tip.contains(u"bravo → alpha: reachable"_s), qPrintable(tip));
    // A node card, and its graph.
    const NetworkMapNodeItem *bravo = view.nodeItem(nodes.at(1).guid);
    tip = toolTipAt(bravo->mapToScene(bravo->boundingRect().left() + 30, 0));
    QVERIFY2(tip.contains(u"bravo"_s) && tip.contains(nodes.at(1).apiAddress), qPrintable(tip));
    tip = toolTipAt(bravo->activityItem()->sceneBoundingRect().center());
    QVERIFY2(tip.contains(QLocale().toString(bravo->totalJobs())), qPrintable(tip));
    QToolTip::hideText();
}

void TestNetworkMap::emptyCluster()
{
    NetworkMapView view;
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setCluster({}, {}, {}, u"sqlite:/tmp/cohort.db"_s);
    QVERIFY(view.nodeGuids().isEmpty());
    QVERIFY(view.linkItems().isEmpty());
    QCOMPARE(view.hubItem()->label(), u"sqlite:/tmp/cohort.db"_s);

    // Nodes come and all go again.
    const QList<NodeInfo> nodes = makeCluster(6);
    view.setCluster(nodes, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    QCOMPARE(nodeItems(view).size(), 6);
    QCOMPARE(view.linkItems().size(), 15);
    view.setCluster({}, fullMesh(nodes), makeActivity(nodes), u"db"_s);
    QVERIFY(nodeItems(view).isEmpty());
    QVERIFY(view.linkItems().isEmpty());
    QCOMPARE(view.selectedNode(), QString());
    QTRY_VERIFY(!view.property("linksPending").toBool());
    QVERIFY(view.grab().save(artifactPath(u"networkmap-empty.png"_s)));
}

void TestNetworkMap::render_data()
{
    QTest::addColumn<int>("count");
    QTest::addRow("3") << 3;
    QTest::addRow("50") << 50;
}

void TestNetworkMap::render()
{
    QFETCH(int, count);
    NetworkMapView view;
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QList<NodeInfo> nodes = makeCluster(count);
    QHash<QString, int> index;
    for (int i = 0; i < nodes.size(); ++i)
        index.insert(nodes.at(i).guid, i);
    QList<NodeLink> links = fullMesh(nodes);
    // A few one-way failures.
    for (NodeLink &link : links) {
        const int from = index.value(link.fromNode);
        const int to = index.value(link.toNode);
        if ((count <= 3 && from == 1 && to == 0) || (count > 3 && (from * 31 + to * 17) % 97 == 0)) {
            link.reachable = false;
            link.rttMs.reset();
            link.lastError = u"no answer within 2000 ms"_s;
        }
    }
    view.setCluster(nodes, links, makeActivity(nodes),
                    u"postgresql://cohort@db.example.internal:5432/cohort"_s);
    view.selectNode(nodes.at(0).guid);
    QTRY_VERIFY(!view.property("linksPending").toBool()); // the links are drawn off the GUI thread

    const QPixmap picture = view.grab();
    QVERIFY(!picture.isNull());
    const QString path = artifactPath(u"networkmap-%1.png"_s.arg(count));
    QVERIFY2(picture.save(path), qPrintable(path));
    qInfo("saved %s", qPrintable(path));

    // What was saved is what is checked: read back, one image pixel per viewport pixel.
    const MapPicture shot(view, QPixmap(path));
    QCOMPARE(shot.image.size(), view.size());

    // Not one colour: the background's glow, cards, lines and text.
    QHash<QRgb, int> colours;
    for (int y = 0; y < shot.image.height(); ++y) {
        for (int x = 0; x < shot.image.width(); ++x)
            ++colours[shot.image.pixel(x, y)];
    }
    QVERIFY2(colours.size() >= 500, qPrintable(QString::number(colours.size())));
    const auto [commonest, share] = shot.dominant(shot.image.rect());
    QVERIFY2(share < 0.5,
             qPrintable(u"%1 covers %2 %"_s.arg(QColor(commonest).name()).arg(qRound(share * 100))));

    // Every node: its card in its status colour, its graph blue while Online and grey
    // otherwise; the selected one outlined in blue above its card, no other.
    const QList<NetworkMapNodeItem *> items = nodeItems(view);
    QCOMPARE(items.size(), count);
    for (const NetworkMapNodeItem *item : items) {
        const QString problem = shot.cardProblem(view, item);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const int graph =
            shot.count(shot.pixelsOf(view, item->activityItem()->sceneBoundingRect()), looksBlue);
        if (item->status() == NodeStatus::Online)
            QVERIFY2(graph >= 20, qPrintable(u"%1: %2 blue pixels"_s.arg(item->name()).arg(graph)));
        else
            QVERIFY2(graph == 0, qPrintable(u"%1: %2 blue pixels"_s.arg(item->name()).arg(graph)));
        QRectF above = item->sceneBoundingRect();
        above.setHeight(5); // the margin above the card: only a selection outline is drawn there
        const int outline = shot.count(shot.pixelsOf(view, above), looksBlue);
        if (item->guid() == nodes.at(0).guid)
            QVERIFY2(outline >= 100, qPrintable(u"%1: %2 outline pixels"_s.arg(item->name()).arg(outline)));
        else
            QVERIFY2(outline == 0, qPrintable(u"%1: %2 outline pixels"_s.arg(item->name()).arg(outline)));
    }

    // The hub: its title, label and count in dark text.
    const int text = shot.count(shot.pixelsOf(view, view.hubItem()->sceneBoundingRect()),
                                [](QRgb p) { return QColor(p).value() < 110; });
    QVERIFY2(text >= 50, qPrintable(QString::number(text)));

    // Every link runs between its nodes in its state's colour, sampled along its path where
    // no card or the hub covers it: green, red dashes, grey dots. Where 1,225 links cross,
    // a sample may find another's colour, so a share of them must.
    QList<QRectF> covers{view.hubItem()->sceneBoundingRect()};
    for (const NetworkMapNodeItem *item : items)
        covers.append(item->sceneBoundingRect().adjusted(-4, -4, 4, 4));
    const auto looksGrey = [](QRgb p) { return QColor(p).hsvSaturation() < 40 && QColor(p).value() < 215; };
    int checked = 0;
    int staleLinks = 0;
    qreal staleGrey = 0;
    const QList<NetworkMapLinkItem *> drawnLinks = view.linkItems();
    for (const NetworkMapLinkItem *link : drawnLinks) {
        int visible = 0;
        int shown = 0;
        for (int step = 0; step <= 40; ++step) {
            const QPointF at = link->path().pointAtPercent(0.1 + step * 0.02);
            if (std::any_of(covers.cbegin(), covers.cend(), [&](const QRectF &r) { return r.contains(at); }))
                continue;
            ++visible;
            const QPoint pixel = shot.pixelAt(view, at);
            switch (link->state()) {
            case NetworkMapLinkItem::State::Reachable:
                shown += shot.near(pixel, looksGreen) ? 1 : 0;
                break;
            case NetworkMapLinkItem::State::Unreachable:
                shown += shot.near(pixel, looksRed) ? 1 : 0;
                break;
            case NetworkMapLinkItem::State::Stale:
                shown += shot.near(pixel, looksGrey) ? 1 : 0;
                break;
            }
        }
        if (visible < 5)
            continue; // hidden under the cards
        ++checked;
        const QString what =
            u"%1 ↔ %2 (state %3): %4 of %5 samples"_s
                .arg(view.nodeItem(link->nodes().first)->name(), view.nodeItem(link->nodes().second)->name())
                .arg(int(link->state()))
                .arg(shown)
                .arg(visible);
        if (link->state() == NetworkMapLinkItem::State::Stale) {
            ++staleLinks;
            staleGrey += qreal(shown) / visible;
            if (count <= 3) // no other lines cross these
                QVERIFY2(shown * 2 >= visible, qPrintable(what));
        } else {
            QVERIFY2(shown * 5 >= visible * 2, qPrintable(what));
        }
    }
    QVERIFY2(checked * 5 >= drawnLinks.size() * 4,
             qPrintable(u"%1 of %2 links"_s.arg(checked).arg(drawnLinks.size())));
    QVERIFY(staleLinks > 0);
    QVERIFY2(staleGrey / staleLinks >= 0.5, qPrintable(QString::number(staleGrey / staleLinks)));
}

QTEST_MAIN(TestNetworkMap)
#include "tst_networkmap.moc"
