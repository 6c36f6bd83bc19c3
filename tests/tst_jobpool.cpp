// The job pool and node registry of core, on SQLite and PostgreSQL, in one process
// playing several nodes: claims, fenced completions, retries with backoff, hand-backs,
// local jobs, statistics, and a node declared Offline exactly once.
#include "jobpool.h"
#include "jobstatistics.h"
#include "noderegistry.h"
#include "testdatabase.h"

#include <QSysInfo>
#include <QTest>
#include <QUuid>

#include <limits>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

QString newGuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QVariant scalar(Database &database, const QString &sql, const QVariantList &values = {})
{
    auto query = database.exec(sql, values);
    if (!query || !query->next())
        return {};
    return query->value(0);
}

JobSpec spec(const QString &type, int maxAttempts = 5)
{
    JobSpec job;
    job.type = type;
    job.maxAttempts = maxAttempts;
    return job;
}

JobOutcome outcome(const ClaimedJob &job, bool succeeded, const QString &error = {})
{
    JobOutcome result;
    result.job = job;
    result.succeeded = succeeded;
    result.error = error;
    result.durationMs = 3;
    return result;
}

} // namespace

class TestJobPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_fixture.tearDown(); }

    void claimAndCompleteAddToStats();
    void completionOfARevokedClaimIsRejected();
    void failedJobRetriesWithBackoffThenFails();
    void retryDelayDoubles();
    void handBackDoesNotUseAnAttempt();
    void localJobRunsOncePerNodeOnlineWhenSubmitted();
    void scheduleKeyMakesOneJob();
    void badSpecsAreRefused();
    void onlyOnePeerMarksANodeOffline();
    void aNodeDeclaredOfflineCannotClaim();
    void unknownClaimsAreHandedBack();
    void errorTextIsStorable();

private:
    // A node joined under this GUID (and name), Online: only such a node may claim.
    NodeJoin registered(const QString &guid);
    Database &database() { return m_fixture.database(); }
    DatabaseFixture m_fixture;
};

void TestJobPool::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Migrated);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
}

NodeJoin TestJobPool::registered(const QString &guid)
{
    NodeJoin join = nodeJoinRequest(guid);
    join.guid = guid;
    if (auto joined = NodeRegistry::join(database(), join); !joined)
        qWarning().noquote() << "cannot register node" << guid << joined.message();
    return join;
}

void TestJobPool::claimAndCompleteAddToStats()
{
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(5, spec(u"noop"_s))), 5);
    const NodeJoin nodeA = registered(u"node-a"_s);
    JobPool pool(database(), nodeA.guid, nodeA.incarnation);
    auto claimed = pool.claim(10);
    QVERIFY2(claimed.ok(), qPrintable(claimed.message()));
    QCOMPARE(claimed->size(), 5);
    QList<JobOutcome> outcomes;
    for (const ClaimedJob &job : std::as_const(*claimed)) {
        QCOMPARE(job.attempts, 1);
        QCOMPARE(job.epoch, 1);
        QCOMPARE(job.maxAttempts, 5);
        outcomes << outcome(job, true);
    }
    QCOMPARE(pool.claim(10)->size(), 0);
    QVERIFY(database().exec(u"UPDATE nodes SET last_heartbeat = 0"_s).ok());
    auto report = pool.complete(outcomes, 1000, JobPool::Heartbeat::Record);
    QVERIFY2(report.ok(), qPrintable(report.message()));
    QCOMPARE(report->succeeded, 5);
    QVERIFY(report->rejected.isEmpty());
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND finished_at IS NOT NULL"_s).toInt(),
             5);
    QCOMPARE(scalar(database(), u"SELECT SUM(succeeded) FROM job_stats WHERE node_guid = 'node-a' AND job_type = 'noop'"_s)
                 .toInt(),
             5);
    QCOMPARE(scalar(database(), u"SELECT SUM(total_ms) FROM job_stats"_s).toInt(), 15);
    // The heartbeat rode along with the completions.
    QVERIFY(scalar(database(), u"SELECT last_heartbeat FROM nodes WHERE guid = 'node-a'"_s).toLongLong() > 0);
    auto stats = JobStatistics::byNodeAndType(database(), StatisticsWindow{0, std::numeric_limits<qint64>::max()});
    QVERIFY(stats.ok());
    QCOMPARE(stats->size(), 1);
    QCOMPARE(stats->first().succeeded, 5);
}

void TestJobPool::completionOfARevokedClaimIsRejected()
{
    QCOMPARE(*JobPool::submit(database(), {spec(u"sleep"_s)}), 1);
    const NodeJoin nodeA = registered(u"node-a"_s);
    const NodeJoin nodeB = registered(u"node-b"_s);
    JobPool a(database(), nodeA.guid, nodeA.incarnation);
    JobPool b(database(), nodeB.guid, nodeB.incarnation);
    auto first = a.claim(1);
    QVERIFY(first.ok() && first->size() == 1);

    // node-a is declared dead: its claim goes back to the pool, node-b takes the job.
    auto released = database().write([&](QSqlDatabase &db) {
        return JobPool::releaseClaims(db, database().dialect(), u"node-a"_s, u"node-a went offline"_s);
    });
    QVERIFY2(released.ok(), qPrintable(released.message()));
    QCOMPARE(*released, 1);
    auto second = b.claim(1);
    QVERIFY(second.ok() && second->size() == 1);
    QCOMPARE(second->first().epoch, 2);

    // node-a's late completion must not overwrite node-b's claim.
    auto late = a.complete({outcome(first->first(), true)}, 1000);
    QVERIFY2(late.ok(), qPrintable(late.message()));
    QCOMPARE(late->rejected, QList<qint64>{first->first().id});
    QCOMPARE(late->succeeded, 0);
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs"_s).toString(), u"running"_s);
    QCOMPARE(scalar(database(), u"SELECT claimed_by FROM jobs"_s).toString(), u"node-b"_s);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM job_stats"_s).toInt(), 0);

    auto done = b.complete({outcome(second->first(), true)}, 1000);
    QVERIFY(done.ok());
    QCOMPARE(done->succeeded, 1);
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs"_s).toString(), u"succeeded"_s);
    QCOMPARE(scalar(database(), u"SELECT node_guid FROM job_stats"_s).toString(), u"node-b"_s);
}

void TestJobPool::failedJobRetriesWithBackoffThenFails()
{
    QCOMPARE(*JobPool::submit(database(), {spec(u"fail"_s, 2)}), 1);
    const NodeJoin nodeA = registered(u"node-a"_s);
    JobPool pool(database(), nodeA.guid, nodeA.incarnation);
    auto first = pool.claim(1);
    QVERIFY(first.ok() && first->size() == 1);
    auto report = pool.complete({outcome(first->first(), false, u"first failure"_s)}, 60000);
    QVERIFY(report.ok());
    QCOMPARE(report->retried, 1);
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs"_s).toString(), u"queued"_s);
    QCOMPARE(scalar(database(), u"SELECT last_error FROM jobs"_s).toString(), u"first failure"_s);
    QVERIFY(scalar(database(), u"SELECT claimed_by FROM jobs"_s).isNull());
    const qint64 wait = scalar(database(), u"SELECT run_after - claimed_at FROM jobs"_s).toLongLong();
    QVERIFY2(wait >= 60000 && wait < 70000, qPrintable(QString::number(wait)));
    // Not due yet.
    QCOMPARE(pool.claim(1)->size(), 0);

    QVERIFY(database().exec(u"UPDATE jobs SET run_after = 0"_s).ok());
    auto second = pool.claim(1);
    QVERIFY(second.ok() && second->size() == 1);
    QCOMPARE(second->first().attempts, 2);
    report = pool.complete({outcome(second->first(), false, u"second failure"_s)}, 60000);
    QVERIFY(report.ok());
    QCOMPARE(report->failed, 1);
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs"_s).toString(), u"failed"_s);
    QCOMPARE(scalar(database(), u"SELECT last_error FROM jobs"_s).toString(), u"second failure"_s);
    QCOMPARE(scalar(database(), u"SELECT SUM(failed) FROM job_stats"_s).toInt(), 1);
}

void TestJobPool::retryDelayDoubles()
{
    QCOMPARE(JobPool::retryDelayMs(1, 100), 100);
    QCOMPARE(JobPool::retryDelayMs(2, 100), 200);
    QCOMPARE(JobPool::retryDelayMs(4, 100), 800);
    QCOMPARE(JobPool::retryDelayMs(40, 100), JobPool::MaxRetryDelayMs);
    QCOMPARE(JobPool::retryDelayMs(3, 3600 * 1000), JobPool::MaxRetryDelayMs);
}

void TestJobPool::handBackDoesNotUseAnAttempt()
{
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(2, spec(u"sleep"_s))), 2);
    const NodeJoin nodeA = registered(u"node-a"_s);
    JobPool pool(database(), nodeA.guid, nodeA.incarnation);
    auto claimed = pool.claim(2);
    QVERIFY(claimed.ok() && claimed->size() == 2);
    auto handed = pool.handBack(*claimed);
    QVERIFY2(handed.ok(), qPrintable(handed.message()));
    QCOMPARE(*handed, 2);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND attempts = 0 AND claimed_by IS NULL"_s)
                 .toInt(),
             2);
    // A second hand-back of the same claims changes nothing: they are no longer ours.
    QCOMPARE(*pool.handBack(*claimed), 0);
}

void TestJobPool::localJobRunsOncePerNodeOnlineWhenSubmitted()
{
    const NodeJoin a = nodeJoinRequest(u"a"_s);
    const NodeJoin b = nodeJoinRequest(u"b"_s);
    auto joinedA = NodeRegistry::join(database(), a);
    auto joinedB = NodeRegistry::join(database(), b);
    QVERIFY2(joinedA.ok() && joinedB.ok(), qPrintable(joinedA.message() + joinedB.message()));

    JobSpec local = spec(u"clear-cache"_s);
    local.scope = JobScope::Local;
    QCOMPARE(*JobPool::submit(database(), {local}), 1);
    // Pool claims never take local jobs.
    JobPool poolA(database(), a.guid, a.incarnation);
    JobPool poolB(database(), b.guid, b.incarnation);
    QCOMPARE(poolA.claim(10)->size(), 0);

    auto runA = poolA.claimLocal(joinedA->joinedAt, 10);
    QVERIFY2(runA.ok(), qPrintable(runA.message()));
    QCOMPARE(runA->size(), 1);
    QCOMPARE(poolA.claimLocal(joinedA->joinedAt, 10)->size(), 0); // once per node
    QVERIFY(poolA.complete({outcome(runA->first(), true)}, 1000).ok());
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs"_s).toString(), u"queued"_s); // b has not run it

    // A node that joins after the job was submitted does not run it.
    const NodeJoin late = nodeJoinRequest(u"late"_s);
    QTest::qWait(5);
    auto joinedLate = NodeRegistry::join(database(), late);
    QVERIFY(joinedLate.ok());
    JobPool poolLate(database(), late.guid, late.incarnation);
    QCOMPARE(poolLate.claimLocal(joinedLate->joinedAt, 10)->size(), 0);

    auto runB = poolB.claimLocal(joinedB->joinedAt, 10);
    QVERIFY(runB.ok() && runB->size() == 1);
    QVERIFY(poolB.complete({outcome(runB->first(), true)}, 1000).ok());
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs"_s).toString(), u"succeeded"_s);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM local_job_runs WHERE state = 'succeeded'"_s).toInt(), 2);
    QCOMPARE(scalar(database(), u"SELECT SUM(succeeded) FROM job_stats WHERE job_type = 'clear-cache'"_s).toInt(), 2);
}

void TestJobPool::scheduleKeyMakesOneJob()
{
    JobSpec scheduled = spec(u"rollup-stats"_s);
    scheduled.scheduleKey = u"rollup-stats@1000"_s;
    QCOMPARE(*JobPool::submit(database(), {scheduled}), 1);
    QCOMPARE(*JobPool::submit(database(), {scheduled, scheduled}), 0);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs"_s).toInt(), 1);
}

void TestJobPool::badSpecsAreRefused()
{
    JobSpec noType;
    QCOMPARE(JobPool::submit(database(), {spec(u"noop"_s), noType}).code(), ErrorCode::InvalidArgument);
    QCOMPARE(JobPool::submit(database(), {spec(u"noop"_s, 0)}).code(), ErrorCode::InvalidArgument);
    QCOMPARE(JobPool::submit(database(), {spec(u"no-such-type"_s)}).code(), ErrorCode::InvalidArgument);
    JobSpec negative = spec(u"noop"_s);
    negative.delayMs = -1;
    QCOMPARE(JobPool::submit(database(), {negative}).code(), ErrorCode::InvalidArgument);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs"_s).toInt(), 0);
}

void TestJobPool::onlyOnePeerMarksANodeOffline()
{
    const NodeJoin dead = nodeJoinRequest(u"dead"_s);
    QVERIFY(NodeRegistry::join(database(), dead).ok());
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(3, spec(u"noop"_s))), 3);
    JobPool pool(database(), dead.guid, dead.incarnation);
    QCOMPARE(pool.claim(3)->size(), 3);
    QVERIFY(database().exec(u"UPDATE nodes SET last_heartbeat = last_heartbeat - 600000"_s).ok());

    auto found = NodeRegistry::findDead(database(), u"peer-1"_s, 180000, std::nullopt, QSysInfo::machineHostName());
    QVERIFY2(found.ok(), qPrintable(found.message()));
    QCOMPARE(found->size(), 1);
    QVERIFY(found->first().heartbeatExpired);
    auto first = NodeRegistry::markOffline(database(), found->first(), 180000, u"peer-1"_s);
    auto second = NodeRegistry::markOffline(database(), found->first(), 180000, u"peer-2"_s);
    QVERIFY(first.ok() && second.ok());
    QVERIFY(*first);
    QVERIFY(!*second);
    QCOMPARE(scalar(database(), u"SELECT state FROM nodes"_s).toString(), u"offline"_s);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline'"_s).toInt(), 1);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND claimed_by IS NULL"_s).toInt(), 3);

    // The status it shows, and a rejoin that wins it back.
    auto nodes = NodeRegistry::list(database());
    QVERIFY(nodes.ok());
    QCOMPARE(nodes->first().status, NodeStatus::Offline);
    QVERIFY(NodeRegistry::join(database(), dead).ok());
    QCOMPARE(NodeRegistry::list(database())->first().status, NodeStatus::Online);
}

void TestJobPool::aNodeDeclaredOfflineCannotClaim()
{
    const NodeJoin node = registered(u"node-a"_s);
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(2, spec(u"noop"_s))), 2);
    JobSpec local = spec(u"clear-cache"_s);
    local.scope = JobScope::Local;
    QCOMPARE(*JobPool::submit(database(), {local}), 1);
    QVERIFY(NodeRegistry::leave(database(), node.guid, node.incarnation, u"test"_s).ok());
    JobPool pool(database(), node.guid, node.incarnation);
    QCOMPARE(pool.claim(10)->size(), 0);
    QCOMPARE(pool.claimLocal(0, 10)->size(), 0);
    // Nor can a stale run of a node that is Online again under a new one.
    NodeJoin again = node;
    again.incarnation = newGuid();
    QVERIFY(NodeRegistry::join(database(), again).ok());
    QCOMPARE(pool.claim(10)->size(), 0);
    JobPool current(database(), again.guid, again.incarnation);
    QCOMPARE(current.claim(10)->size(), 2);
}

void TestJobPool::unknownClaimsAreHandedBack()
{
    const NodeJoin node = registered(u"node-a"_s);
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(3, spec(u"noop"_s))), 3);
    JobPool pool(database(), node.guid, node.incarnation);
    auto claimed = pool.claim(3);
    QVERIFY(claimed.ok() && claimed->size() == 3);
    // The node knows of one claim only (the answer to the others was lost).
    auto handed = pool.handBackUnknown({claimed->first()});
    QVERIFY2(handed.ok(), qPrintable(handed.message()));
    QCOMPARE(*handed, 2);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'running'"_s).toInt(), 1);
    QCOMPARE(scalar(database(), u"SELECT id FROM jobs WHERE state = 'running'"_s).toLongLong(), claimed->first().id);
}

void TestJobPool::errorTextIsStorable()
{
    const NodeJoin node = registered(u"node-a"_s);
    QCOMPARE(*JobPool::submit(database(), {spec(u"fail"_s, 1)}), 1);
    JobPool pool(database(), node.guid, node.incarnation);
    auto claimed = pool.claim(1);
    QVERIFY(claimed.ok() && claimed->size() == 1);
    const QString hostile = u"a"_s + QChar(0) + u"b"_s + QString(10000, u'x');
    auto report = pool.complete({outcome(claimed->first(), false, hostile)}, 1000);
    QVERIFY2(report.ok(), qPrintable(report.message()));
    QCOMPARE(report->failed, 1);
    const QString stored = scalar(database(), u"SELECT last_error FROM jobs"_s).toString();
    QVERIFY(stored.startsWith(u"abxxx"_s));
    QCOMPARE(stored.size(), 4000);
}

QTEST_GUILESS_MAIN(TestJobPool)
#include "tst_jobpool.moc"
