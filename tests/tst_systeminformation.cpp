// The System Information data on SQLite and PostgreSQL: core's aggregates of job_stats
// (per node and type, activity in buckets, the finished jobs behind a count) with exact
// window edges, and the three job-count models fed by the console's worker for each
// period, against rows whose expected sums the test works out by itself.
#include "clusterclient.h"
#include "jobcountsmodel.h"
#include "jobpool.h"
#include "jobstatistics.h"
#include "noderegistry.h"
#include "testdatabase.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTest>
#include <QUuid>

#include <map>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
constexpr qint64 MinuteMs = 60 * 1000;
constexpr int Patience = 30000;

QString newGuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// One row of job_stats: minutesAgo is counted back from the current minute (0: this one;
// negative: a minute in the future, which no period shows).
struct StatsRow
{
    int minutesAgo;
    QString node; // a key into the test's nodes
    QString type;
    qint64 succeeded;
    qint64 failed;
};

// Rows two minutes or more from every period's edge, so a minute that turns while the test
// runs cannot move a row across one.
const QList<StatsRow> Rows = {
    {0, u"alpha"_s, u"report"_s, 5, 1},         {2, u"alpha"_s, u"report"_s, 7, 0},
    {2, u"bravo"_s, u"report"_s, 11, 2},        {30, u"bravo"_s, u"backup"_s, 3, 0},
    {57, u"alpha"_s, u"Cache clear"_s, 4, 4},   {57, u"gone"_s, u"report"_s, 9, 0},
    {62, u"alpha"_s, u"report"_s, 100, 0},      {200, u"bravo"_s, u"backup"_s, 20, 5},
    {357, u"charlie"_s, u"report"_s, 13, 0},    {363, u"alpha"_s, u"backup"_s, 1000, 0},
    {1000, u"bravo"_s, u"index, full"_s, 6, 1}, {1437, u"alpha"_s, u"report"_s, 17, 3},
    {1443, u"bravo"_s, u"report"_s, 5000, 0},   {3000, u"alpha"_s, u"report"_s, 70000, 0},
    {-3, u"alpha"_s, u"report"_s, 80000, 0},
};

} // namespace

class TestSystemInformation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_fixture.tearDown(); }

    void windowsAreWholeMinutes();
    void byNodeAndTypeHonoursTheWindowEdges();
    void activityIsBucketed();
    void finishedJobsBehindACount();
    void modelsCountEachPeriod_data();
    void modelsCountEachPeriod();
    void modelsUpdateInPlace();
    void csvQuotesWhatNeedsIt();

private:
    Database &database() { return m_fixture.database(); }
    void insertStats(qint64 minute, const QString &guid, const QString &type, qint64 succeeded,
                     qint64 failed);
    qint64 insertJob(const QString &type, const QString &scope, const QString &state, const QString &node,
                     qint64 finishedAt);

    DatabaseFixture m_fixture;
    std::map<QString, QString> m_guids; // test name -> GUID
};

void TestSystemInformation::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Empty);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
    auto created = m_fixture.createCluster(u"sysinfo"_s, u"admin"_s, AdminPassword);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    m_guids.clear();
    for (const QString &name : {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s})
        m_guids[name] = joinTestNode(database(), name).guid;
    m_guids[u"gone"_s] = newGuid(); // finished jobs, then left the nodes table
}

void TestSystemInformation::insertStats(qint64 minute, const QString &guid, const QString &type,
                                        qint64 succeeded, qint64 failed)
{
    auto inserted =
        database().exec(u"INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms) "
                        "VALUES (?, ?, ?, ?, ?, ?)"_s,
                        {minute, guid, type, succeeded, failed, (succeeded + failed) * 10});
    QVERIFY2(inserted.ok(), qPrintable(inserted.message()));
}

qint64 TestSystemInformation::insertJob(const QString &type, const QString &scope, const QString &state,
                                        const QString &node, qint64 finishedAt)
{
    auto inserted = database().exec(
        u"INSERT INTO jobs (type, scope, state, run_after, attempts, max_attempts, claimed_by, finished_at, "
        "last_error, created_at) VALUES (?, ?, ?, 0, 1, 3, ?, ?, ?, 0)"_s,
        {type, scope, state, scope == u"pool"_s ? QVariant(node) : QVariant(), finishedAt,
         state == u"failed"_s ? QVariant(u"disk on fire"_s) : QVariant()});
    if (!inserted)
        qWarning().noquote() << inserted.message();
    auto id = database().exec(u"SELECT MAX(id) FROM jobs"_s);
    return id && id->next() ? id->value(0).toLongLong() : -1;
}

void TestSystemInformation::windowsAreWholeMinutes()
{
    const qint64 now = 1'700'000'040'000 + 25'000; // 25 s into a minute
    const StatisticsWindow hour = StatisticsWindow::lastMinutes(now, 60);
    QCOMPARE(hour.toMs, 1'700'000'040'000 + MinuteMs);
    QCOMPARE(hour.toMs - hour.fromMs, 60 * MinuteMs);
    QCOMPARE(hour.fromMs % MinuteMs, 0);
    QCOMPARE(StatisticsWindow::lastMinutes(now, 1440).toMs - StatisticsWindow::lastMinutes(now, 1440).fromMs,
             1440 * MinuteMs);
}

void TestSystemInformation::byNodeAndTypeHonoursTheWindowEdges()
{
    const qint64 start = 1'700'000'040'000;
    const QString alpha = m_guids[u"alpha"_s];
    const QString gone = m_guids[u"gone"_s];
    insertStats(start - MinuteMs, alpha, u"report"_s, 1, 0);       // just before: out
    insertStats(start, alpha, u"report"_s, 2, 1);                  // the first minute: in
    insertStats(start + 59 * MinuteMs, alpha, u"report"_s, 4, 0);  // the last minute: in
    insertStats(start + 59 * MinuteMs, alpha, u"backup"_s, 8, 0);  // another type
    insertStats(start + 30 * MinuteMs, gone, u"report"_s, 16, 0);  // a node no longer listed
    insertStats(start + 60 * MinuteMs, alpha, u"report"_s, 32, 0); // the end: out

    auto counts = JobStatistics::byNodeAndType(database(), {start, start + 60 * MinuteMs});
    QVERIFY2(counts.ok(), qPrintable(counts.message()));
    // By node name (the unnamed one first), then type.
    const QList<JobCount> expected = {
        {gone, QString(), u"report"_s, 16, 0, 160},
        {alpha, u"alpha"_s, u"backup"_s, 8, 0, 80},
        {alpha, u"alpha"_s, u"report"_s, 6, 1, 70},
    };
    QCOMPARE(*counts, expected);
    QVERIFY(
        JobStatistics::byNodeAndType(database(), {start + 61 * MinuteMs, start + 90 * MinuteMs})->isEmpty());
    QCOMPARE(JobStatistics::byNodeAndType(database(), {start, start - 1}).code(), ErrorCode::InvalidArgument);
}

void TestSystemInformation::activityIsBucketed()
{
    const qint64 start = 1'700'000'040'000;
    const QString alpha = m_guids[u"alpha"_s];
    const QString bravo = m_guids[u"bravo"_s];
    insertStats(start - MinuteMs, alpha, u"report"_s, 100, 0); // before
    insertStats(start, alpha, u"report"_s, 1, 1);
    insertStats(start + 5 * MinuteMs, alpha, u"backup"_s, 3, 0); // same bucket of six minutes
    insertStats(start + 6 * MinuteMs, alpha, u"report"_s, 4, 0);
    insertStats(start + 359 * MinuteMs, bravo, u"report"_s, 7, 0);
    insertStats(start + 360 * MinuteMs, bravo, u"report"_s, 100, 0); // after

    const StatisticsWindow sixHours{start, start + 360 * MinuteMs};
    auto activity = JobStatistics::activity(database(), sixHours, 6 * MinuteMs);
    QVERIFY2(activity.ok(), qPrintable(activity.message()));
    QCOMPARE(activity->fromMs, start);
    QCOMPARE(activity->bucketMs, 6 * MinuteMs);
    QCOMPARE(activity->perNode.size(), 2);
    QList<qint64> expectedAlpha(60, 0);
    expectedAlpha[0] = 5;
    expectedAlpha[1] = 4;
    QCOMPARE(activity->perNode.value(alpha), expectedAlpha);
    QList<qint64> expectedBravo(60, 0);
    expectedBravo[59] = 7;
    QCOMPARE(activity->perNode.value(bravo), expectedBravo);

    QCOMPARE(JobStatistics::activity(database(), sixHours, 7 * MinuteMs).code(), ErrorCode::InvalidArgument);
    QCOMPARE(JobStatistics::activity(database(), sixHours, 0).code(), ErrorCode::InvalidArgument);
    QCOMPARE(JobStatistics::activity(database(), {start, start + 8 * 24 * 60 * MinuteMs}, MinuteMs).code(),
             ErrorCode::InvalidArgument);
}

void TestSystemInformation::finishedJobsBehindACount()
{
    const qint64 start = 1'700'000'040'000;
    const StatisticsWindow hour{start, start + 60 * MinuteMs};
    const QString alpha = m_guids[u"alpha"_s];
    const QString bravo = m_guids[u"bravo"_s];
    const qint64 first = insertJob(u"report"_s, u"pool"_s, u"succeeded"_s, alpha, start);
    const qint64 failed = insertJob(u"report"_s, u"pool"_s, u"failed"_s, alpha, start + 10 * MinuteMs);
    insertJob(u"backup"_s, u"pool"_s, u"succeeded"_s, alpha, start + 11 * MinuteMs);
    insertJob(u"report"_s, u"pool"_s, u"succeeded"_s, bravo, start + 12 * MinuteMs);
    insertJob(u"report"_s, u"pool"_s, u"succeeded"_s, alpha, start - 1);             // before
    insertJob(u"report"_s, u"pool"_s, u"succeeded"_s, alpha, start + 60 * MinuteMs); // after
    insertJob(u"report"_s, u"pool"_s, u"queued"_s, alpha, start + 5 * MinuteMs);     // not finished
    // A local job: one run per node.
    const qint64 local =
        insertJob(u"Cache clear"_s, u"local"_s, u"succeeded"_s, QString(), start + 20 * MinuteMs);
    for (const QString &node : {alpha, bravo}) {
        QVERIFY(database()
                    .exec(u"INSERT INTO local_job_runs (job_id, node_guid, state, started_at, finished_at) "
                          "VALUES (?, ?, 'succeeded', ?, ?)"_s,
                          {local, node, start + 19 * MinuteMs, start + 20 * MinuteMs})
                    .ok());
    }

    const auto ids = [](const QList<JobRow> &rows) {
        QList<qint64> list;
        for (const JobRow &row : rows)
            list << row.id;
        return list;
    };
    auto reports = JobStatistics::finishedJobs(database(), {hour, alpha, u"report"_s, 500});
    QVERIFY2(reports.ok(), qPrintable(reports.message()));
    QCOMPARE(ids(*reports), (QList<qint64>{failed, first})); // newest first
    QCOMPARE(reports->first().state, u"failed"_s);
    QCOMPARE(reports->first().lastError, u"disk on fire"_s);
    QCOMPARE(reports->first().claimedByName, u"alpha"_s);

    auto ofAlpha = JobStatistics::finishedJobs(database(), {hour, alpha, QString(), 500});
    QVERIFY(ofAlpha.ok());
    QCOMPARE(ofAlpha->size(), 4); // two reports, a backup, the local run
    QCOMPARE(ofAlpha->first().id, local);
    QCOMPARE(ofAlpha->first().scope, u"local"_s);
    QCOMPARE(ofAlpha->first().claimedBy, alpha);

    auto allReports = JobStatistics::finishedJobs(database(), {hour, QString(), u"report"_s, 500});
    QVERIFY(allReports.ok());
    QCOMPARE(allReports->size(), 3);
    auto limited = JobStatistics::finishedJobs(database(), {hour, QString(), QString(), 2});
    QVERIFY(limited.ok());
    QCOMPARE(limited->size(), 2);
}

void TestSystemInformation::modelsCountEachPeriod_data()
{
    QTest::addColumn<int>("minutes");
    QTest::newRow("1 h") << 60;
    QTest::newRow("6 h") << 360;
    QTest::newRow("24 h") << 1440;
}

void TestSystemInformation::modelsCountEachPeriod()
{
    QFETCH(int, minutes);
    auto now = JobPool::now(database());
    QVERIFY(now.ok());
    const qint64 currentMinute = *now - *now % MinuteMs;
    // What each model must show, worked out from the rows.
    std::map<QString, std::pair<qint64, qint64>> byNode, byType; // succeeded, failed
    std::map<std::pair<QString, QString>, qint64> byNodeAndType;
    for (const StatsRow &row : Rows) {
        const QString guid = m_guids[row.node];
        insertStats(currentMinute - row.minutesAgo * MinuteMs, guid, row.type, row.succeeded, row.failed);
        if (row.minutesAgo < 0 || row.minutesAgo >= minutes)
            continue;
        byNode[guid].first += row.succeeded;
        byNode[guid].second += row.failed;
        byType[row.type].first += row.succeeded;
        byType[row.type].second += row.failed;
        byNodeAndType[{guid, row.type}] += row.succeeded + row.failed;
    }
    // Every listed node has a row, jobs or not.
    for (const QString &name : {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s})
        byNode.try_emplace(m_guids[name]);

    ClusterClient client;
    client.setPollInterval(100);
    QSignalSpy loggedIn(&client, &ClusterClient::loginFinished);
    client.login(m_fixture.testDatabase().url(), u"admin"_s, AdminPassword);
    QVERIFY(loggedIn.wait(Patience));
    QVERIFY2(loggedIn.first().at(0).toBool(), qPrintable(loggedIn.first().at(1).toString()));
    client.watchSystemInformation(minutes);
    const auto arrived = [&] {
        return client.snapshot().statistics && client.snapshot().statistics->periodMinutes == minutes;
    };
    QTRY_VERIFY_WITH_TIMEOUT(arrived(), Patience);
    const StatisticsSnapshot statistics = *client.snapshot().statistics;
    QCOMPARE(statistics.window.toMs - statistics.window.fromMs, minutes * MinuteMs);
    QCOMPARE(statistics.activity.bucketMs, qMax(1, minutes / 60) * MinuteMs);

    JobCountsModel nodes(JobCountsModel::Grouping::ByNode);
    JobCountsModel types(JobCountsModel::Grouping::ByType);
    JobCountsModel nodesAndTypes(JobCountsModel::Grouping::ByNodeAndType);
    QAbstractItemModelTester nodesTester(&nodes, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester typesTester(&types, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester bothTester(&nodesAndTypes,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (JobCountsModel *model : {&nodes, &types, &nodesAndTypes})
        model->setStatistics(statistics.counts, client.snapshot().nodes);

    QCOMPARE(nodes.rowCount(), int(byNode.size()));
    for (const auto &[guid, expected] : byNode) {
        QCOMPARE(nodes.count(guid, JobCountsModel::Succeeded), expected.first);
        QCOMPARE(nodes.count(guid, JobCountsModel::Failed), expected.second);
    }
    QCOMPARE(types.rowCount(), int(byType.size()));
    for (const auto &[type, expected] : byType) {
        QVERIFY2(types.rowKeys().contains(type), qPrintable(type));
        QCOMPARE(types.count(type, JobCountsModel::Succeeded), expected.first);
        QCOMPARE(types.count(type, JobCountsModel::Failed), expected.second);
    }
    qint64 total = 0;
    for (const auto &[cell, expected] : byNodeAndType) {
        QCOMPARE(nodesAndTypes.count(cell.first, cell.second), expected);
        total += expected;
    }
    QCOMPARE(nodesAndTypes.total(), total);
    QCOMPARE(nodes.total(), total);
    QCOMPARE(types.total(), total);
    QCOMPARE(nodesAndTypes.columnCount(), int(byType.size()));

    // The node that left the table is named by its GUID; the listed ones by name, in order.
    QCOMPARE(nodes.rowLabel(int(nodes.rowKeys().indexOf(m_guids[u"alpha"_s]))), u"alpha"_s);
    QVERIFY(nodes.rowKeys().indexOf(m_guids[u"alpha"_s]) < nodes.rowKeys().indexOf(m_guids[u"bravo"_s]));

    // The activity sums to the same jobs per node, in the period's buckets.
    for (const auto &[guid, expected] : byNode) {
        qint64 sum = 0;
        for (qint64 value : statistics.activity.perNode.value(guid))
            sum += value;
        QCOMPARE(sum, expected.first + expected.second);
    }
}

void TestSystemInformation::modelsUpdateInPlace()
{
    const QString alpha = m_guids[u"alpha"_s];
    const QString bravo = m_guids[u"bravo"_s];
    QList<NodeInfo> nodes;
    for (const QString &name : {u"alpha"_s, u"bravo"_s}) {
        NodeInfo node;
        node.guid = m_guids[name];
        node.name = name;
        node.status = NodeStatus::Online;
        nodes << node;
    }
    JobCountsModel model(JobCountsModel::Grouping::ByNodeAndType);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<JobCount> counts = {{alpha, u"alpha"_s, u"report"_s, 3, 0, 0},
                              {bravo, u"bravo"_s, u"report"_s, 1, 1, 0}};
    QVERIFY(model.setStatistics(counts, nodes));
    QCOMPARE(model.columnKeys(), QStringList{u"report"_s});

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy rowsRemoved(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy columnsInserted(&model, &QAbstractItemModel::columnsInserted);

    QVERIFY(!model.setStatistics(counts, nodes)); // the same: no signal
    QCOMPARE(changed.size(), 0);

    counts[0].succeeded = 4;
    QVERIFY(model.setStatistics(counts, nodes));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex(), model.index(0, 0));
    QCOMPARE(model.count(alpha, u"report"_s), 4);

    // A new type sorts before "report": inserted at column 0.
    counts << JobCount{bravo, u"bravo"_s, u"backup"_s, 2, 0, 0};
    QVERIFY(model.setStatistics(counts, nodes));
    QCOMPARE(columnsInserted.size(), 1);
    QCOMPARE(columnsInserted.first().at(1).toInt(), 0);
    QCOMPARE(model.columnKeys(), (QStringList{u"backup"_s, u"report"_s}));
    QCOMPARE(model.count(bravo, u"backup"_s), 2);

    // bravo leaves the cluster and its jobs age out: its row goes.
    QVERIFY(model.setStatistics({counts.first()}, {nodes.first()}));
    QCOMPARE(rowsRemoved.size(), 1);
    QCOMPARE(model.rowKeys(), QStringList{alpha});
    QCOMPARE(model.columnKeys(), QStringList{u"report"_s});
    QCOMPARE(reset.size(), 0);
}

void TestSystemInformation::csvQuotesWhatNeedsIt()
{
    JobCountsModel model(JobCountsModel::Grouping::ByType);
    model.setStatistics({{m_guids[u"alpha"_s], u"alpha"_s, u"index, \"full\""_s, 3, 1, 0},
                         {m_guids[u"alpha"_s], u"alpha"_s, u"report"_s, 5, 0, 0}},
                        {});
    QCOMPARE(model.toCsv(),
             u"Job type,Succeeded,Failed,Total\r\n\"index, \"\"full\"\"\",3,1,4\r\nreport,5,0,5\r\n"_s);
}

QTEST_GUILESS_MAIN(TestSystemInformation)
#include "tst_systeminformation.moc"
