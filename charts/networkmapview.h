// NetworkMapView: the cluster as a picture. Every node with its status colour, name and
// version around the shared database (the hub they all use), the links between nodes
// coloured from the peers' health probes, and beside each node a small graph of the jobs
// it finished per minute over the period, on one scale for all nodes. Updated in place.
#pragma once

#include "jobstatistics.h"
#include "nodelinks.h"
#include "noderegistry.h"

#include <QGraphicsView>
#include <QHash>

#include <memory>

namespace Cohort {

class NetworkMapNodeItem;
class NetworkMapLinkItem;
class NetworkMapHubItem;

class NetworkMapView : public QGraphicsView
{
    Q_OBJECT
    // Whether the picture of the links is still being drawn (off the GUI thread), for
    // tests that look at pixels.
    Q_PROPERTY(bool linksPending READ linksPending)
    // How many pictures of the links were started, for tests of how often it is redrawn.
    Q_PROPERTY(int linkPictures READ linkPictures)

public:
    explicit NetworkMapView(QWidget *parent = nullptr);
    ~NetworkMapView() override;

    // nodes: the cluster's nodes that are not decommissioned (others are ignored);
    // links: the latest probes; activity: jobs per bucket per node (may lack nodes);
    // databaseLabel: what the hub says (the redacted database URL).
    void setCluster(const QList<NodeInfo> &nodes, const QList<NodeLink> &links,
                    const ActivitySeries &activity, const QString &databaseLabel);

    // How often a change of link states alone may redraw the picture of the links (default
    // 1 s); a change of where links run redraws it at once.
    void setLinkStateRedrawInterval(int ms);
    int linkStateRedrawInterval() const;

    QStringList nodeGuids() const;                                          // in layout order
    NetworkMapNodeItem *nodeItem(const QString &guid) const;                // nullptr if absent
    NetworkMapLinkItem *linkItem(const QString &a, const QString &b) const; // either direction
    QList<NetworkMapLinkItem *> linkItems() const;
    // The latest probes that failed between two Online nodes on the map: what its red links
    // show (a link to an Offline node is stale, drawn grey, and not counted).
    int failingProbes() const;
    NetworkMapHubItem *hubItem() const;

    QString selectedNode() const; // GUID, or empty
    void selectNode(const QString &guid);

Q_SIGNALS:
    void nodeSelected(const QString &guid);  // empty when the selection is cleared
    void nodeActivated(const QString &guid); // double-click

protected:
    void resizeEvent(QResizeEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    void drawForeground(QPainter *painter, const QRectF &rect) override;

private:
    struct Private;

    void relayout();
    bool updateLinks(const QList<NodeLink> &links); // whether links came or went
    void renderLinks();
    bool linksPending() const;
    int linkPictures() const;
    void fitMap();
    void syncSelection();
    NetworkMapNodeItem *nodeAt(QPoint viewportPos) const;

    std::unique_ptr<Private> d;
};

} // namespace Cohort
