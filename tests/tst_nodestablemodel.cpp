// NodesTableModel (and the KeyedTableModel diff under it): a new snapshot changes only
// the rows that changed, so views keep their selection and scroll position.
#include "nodestablemodel.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

using namespace Cohort;
using namespace Qt::StringLiterals;

namespace {

NodeInfo node(const QString &name, NodeStatus status = NodeStatus::Online, qint64 heartbeat = 1000)
{
    NodeInfo info;
    info.guid = u"guid-"_s + name;
    info.name = name;
    info.version = u"1.0.0"_s;
    info.status = status;
    info.lastHeartbeat = heartbeat;
    return info;
}

QList<NodeInfo> nodes(int count)
{
    QList<NodeInfo> list;
    for (int i = 0; i < count; ++i)
        list.append(node(u"node-%1"_s.arg(i, 3, 10, QChar(u'0'))));
    return list;
}

} // namespace

class TestNodesTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstSnapshotInsertsRows();
    void changedRowsOnlyEmitDataChanged();
    void vanishedRowsAreRemovedAndNewAppended();
    void selectionSurvivesRefreshes();
    void sortRoleHoldsRawValues();
};

void TestNodesTableModel::firstSnapshotInsertsRows()
{
    NodesTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QVERIFY(model.applySnapshot(nodes(5)));
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.index(2, NodesTableModel::Name).data().toString(), u"node-002"_s);
    QCOMPARE(model.index(2, NodesTableModel::Status).data().toString(), nodeStatusText(NodeStatus::Online));
    QVERIFY(!model.applySnapshot(nodes(5))); // the same again changes nothing
}

void TestNodesTableModel::changedRowsOnlyEmitDataChanged()
{
    NodesTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<NodeInfo> snapshot = nodes(10);
    QVERIFY(model.applySnapshot(snapshot));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    snapshot[3].status = NodeStatus::Offline;
    snapshot[7].lastHeartbeat = 2000;
    QVERIFY(model.applySnapshot(snapshot));
    QCOMPARE(changed.size(), 2);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 3);
    QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 3);
    QCOMPARE(changed.at(1).at(0).toModelIndex().row(), 7);
    QCOMPARE(changed.at(1).at(1).toModelIndex().column(), NodesTableModel::ColumnCount - 1);
    QCOMPARE(inserted.size() + removed.size() + reset.size(), 0);
    QCOMPARE(model.index(3, NodesTableModel::Status).data().toString(), nodeStatusText(NodeStatus::Offline));
    QCOMPARE(model.index(3, NodesTableModel::Status).data(Qt::ForegroundRole).value<QColor>(),
             NodesTableModel::statusColor(NodeStatus::Offline));
}

void TestNodesTableModel::vanishedRowsAreRemovedAndNewAppended()
{
    NodesTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<NodeInfo> snapshot = nodes(10);
    QVERIFY(model.applySnapshot(snapshot));

    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // Rows 2-4 and 8 go (two runs), two new ones come.
    QList<NodeInfo> next;
    for (int i = 0; i < snapshot.size(); ++i) {
        if (!(i >= 2 && i <= 4) && i != 8)
            next.append(snapshot.at(i));
    }
    next.prepend(node(u"new-a"_s));
    next.append(node(u"new-b"_s, NodeStatus::UpgradeRequired));
    QVERIFY(model.applySnapshot(next));
    QCOMPARE(removed.size(), 2);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 8);
    QStringList names;
    for (int row = 0; row < model.rowCount(); ++row)
        names << model.index(row, NodesTableModel::Name).data().toString();
    QCOMPARE(names, (QStringList{u"node-000"_s, u"node-001"_s, u"node-005"_s, u"node-006"_s, u"node-007"_s,
                                 u"node-009"_s, u"new-a"_s, u"new-b"_s}));
    QVERIFY(model.applySnapshot({}));
    QCOMPARE(model.rowCount(), 0);
}

void TestNodesTableModel::selectionSurvivesRefreshes()
{
    NodesTableModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(NodesTableModel::SortRole);
    proxy.sort(NodesTableModel::LastContact, Qt::DescendingOrder);
    QList<NodeInfo> snapshot = nodes(20);
    QVERIFY(model.applySnapshot(snapshot));
    QItemSelectionModel selection(&proxy);
    const int row = 0;
    const QString selected = proxy.index(row, 0).data(NodesTableModel::GuidRole).toString();
    selection.select(proxy.index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

    // Heartbeats move on (rows re-sort), some nodes go, one arrives.
    for (NodeInfo &info : snapshot)
        info.lastHeartbeat += 500;
    snapshot.removeAt(5);
    snapshot.append(node(u"late"_s));
    QVERIFY(model.applySnapshot(snapshot));
    const QModelIndexList rows = selection.selectedRows();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.first().data(NodesTableModel::GuidRole).toString(), selected);
}

void TestNodesTableModel::sortRoleHoldsRawValues()
{
    NodesTableModel model;
    NodeInfo busy = node(u"busy"_s);
    busy.jobsLastHour = 1234567;
    busy.runningJobs = 12;
    busy.tzOffsetSeconds = 3600;
    QVERIFY(model.applySnapshot({busy}));
    QCOMPARE(model.index(0, NodesTableModel::JobsLastHour).data(NodesTableModel::SortRole).toLongLong(),
             1234567);
    QCOMPARE(model.index(0, NodesTableModel::RunningJobs).data(NodesTableModel::SortRole).toLongLong(), 12);
    QCOMPARE(model.index(0, NodesTableModel::LastContact).data(NodesTableModel::SortRole).toLongLong(), 1000);
    QCOMPARE(model.index(0, NodesTableModel::TimeZone).data(NodesTableModel::SortRole).toInt(), 3600);
    QCOMPARE(model.index(0, NodesTableModel::Status).data(NodesTableModel::StatusRole).toInt(),
             int(NodeStatus::Online));
    QCOMPARE(model.headerData(NodesTableModel::Name, Qt::Horizontal).toString(), NodesTableModel::tr("Name"));
}

QTEST_MAIN(TestNodesTableModel)
#include "tst_nodestablemodel.moc"
