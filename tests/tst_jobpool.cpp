// The job pool and node registry of core, on SQLite and PostgreSQL, in one process
// playing several nodes: claims, fenced completions, retries with backoff, hand-backs,
// local jobs, statistics, and a node declared Offline exactly once.
#include "jobpool.h"
#include "jobstatistics.h"
#include "noderegistry.h"
#include "peerjudge.h"
#include "testdatabase.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QSqlDriver>
#include <QSysInfo>
#include <QTest>
#include <QThread>
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
    void oneCompletionOfEveryKind();
    void failedJobRetriesWithBackoffThenFails();
    void retryDelayDoubles();
    void handBackDoesNotUseAnAttempt();
    void localJobRunsOncePerNodeOnlineWhenSubmitted();
    void scheduleKeyMakesOneJob();
    void oneJobWakesTheNodesOnce();
    void oneJobSurvivesALostConnection();
    void badSpecsAreRefused();
    void onlyOnePeerMarksANodeOffline();
    void aPeerThatBeatsAgainIsNotMarkedOffline();
    void silenceIsTimedOnTheObserversClock();
    void aSlowHeartbeatIsAllowedTwoIntervals();
    void completionTakesTheNodeRowFirst();
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
    QFETCH_GLOBAL(QString, backend);
    const bool postgres = backend == u"postgresql"_s;
    if (postgres) // durable on this connection, whatever the test server's default
        QVERIFY(database().exec(u"SET synchronous_commit = on"_s).ok());
    auto claimed = pool.claim(10);
    QVERIFY2(claimed.ok(), qPrintable(claimed.message()));
    QCOMPARE(claimed->size(), 5);
    // A claim on PostgreSQL commits without waiting for the disk, and only the claim: the
    // completion that follows on the same connection must still wait for it.
    if (postgres)
        QCOMPARE(scalar(database(), u"SHOW synchronous_commit"_s).toString(), u"on"_s);
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
    QCOMPARE(scalar(database(),
                    u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND finished_at IS NOT NULL"_s)
                 .toInt(),
             5);
    QCOMPARE(
        scalar(database(),
               u"SELECT SUM(succeeded) FROM job_stats WHERE node_guid = 'node-a' AND job_type = 'noop'"_s)
            .toInt(),
        5);
    QCOMPARE(scalar(database(), u"SELECT SUM(total_ms) FROM job_stats"_s).toInt(), 15);
    // The heartbeat rode along with the completions.
    QVERIFY(scalar(database(), u"SELECT last_heartbeat FROM nodes WHERE guid = 'node-a'"_s).toLongLong() > 0);
    auto stats =
        JobStatistics::byNodeAndType(database(), StatisticsWindow{0, std::numeric_limits<qint64>::max()});
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

void TestJobPool::oneCompletionOfEveryKind()
{
    // On PostgreSQL a completion of pool jobs is one statement: the fence, the retries and
    // the statistics (grouped by minute, node and type) all in it.
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(3, spec(u"noop"_s))), 3);
    QCOMPARE(*JobPool::submit(database(), {spec(u"fail"_s, 1), spec(u"fail"_s, 2), spec(u"noop"_s)}), 3);
    const NodeJoin nodeA = registered(u"node-a"_s);
    JobPool pool(database(), nodeA.guid, nodeA.incarnation);
    auto claimed = pool.claim(10);
    QVERIFY2(claimed.ok(), qPrintable(claimed.message()));
    QCOMPARE(claimed->size(), 6);
    QList<JobOutcome> outcomes;
    qint64 stale = 0;
    for (const ClaimedJob &job : std::as_const(*claimed)) {
        JobOutcome result = outcome(job, job.type == u"noop"_s, u"broke"_s);
        result.durationMs = 10 + job.id;
        if (job.type == u"noop"_s && stale == 0) {
            stale = job.id;
            result.job.epoch += 1; // a claim this node no longer holds
        }
        outcomes << result;
    }
    // Another connection holds the node's row: the completion must wait for it (it takes
    // the row first, the cluster's one lock order) and then go through.
    QFETCH_GLOBAL(QString, backend);
    std::unique_ptr<QThread> holder;
    QSemaphore held;
    QSemaphore letGo;
    if (backendFromName(backend) == Backend::Postgres) {
        holder.reset(QThread::create([&] {
            auto other = Database::fromUrl(database().url().toString());
            auto db = other ? (*other)->connection() : makeError(ErrorCode::Database, u"no database"_s);
            const bool locked =
                db && (*other)->dialect().beginWrite(*db)
                && execQuery(*db, u"SELECT state FROM nodes WHERE guid = ? FOR UPDATE"_s, {nodeA.guid});
            held.release();
            if (!locked)
                return;
            letGo.tryAcquire(1, 60000);
            (void)(*other)->dialect().commit(*db);
            (*other)->resetConnection();
        }));
        holder->start();
        QVERIFY(held.tryAcquire(1, 30000));
    }
    Result<CompletionReport> report = makeError(ErrorCode::Database, u"not run"_s);
    std::unique_ptr<QThread> completing(QThread::create([&] {
        JobPool other(database(), nodeA.guid, nodeA.incarnation);
        report = other.complete(outcomes, 60000);
        other.reset();
    }));
    completing->start();
    if (holder) {
        auto waiting = [&] {
            return scalar(database(),
                          u"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND wait_event_type = 'Lock'"_s)
                .toInt();
        };
        QTRY_COMPARE_WITH_TIMEOUT(waiting(), 1, 10000);
        QVERIFY(!completing->isFinished());
        letGo.release();
        QVERIFY(holder->wait(60000));
    }
    QVERIFY(completing->wait(60000));
    QVERIFY2(report.ok(), qPrintable(report.message()));
    QCOMPARE(report->succeeded, 3);
    QCOMPARE(report->failed, 1);
    QCOMPARE(report->retried, 1);
    QCOMPARE(report->rejected, QList<qint64>{stale});
    QVERIFY(!report->heartbeatRecorded);
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs WHERE id = ?"_s, {stale}).toString(), u"running"_s);
    QCOMPARE(scalar(database(), u"SELECT state FROM jobs WHERE max_attempts = 2"_s).toString(), u"queued"_s);
    QCOMPARE(scalar(database(), u"SELECT last_error FROM jobs WHERE max_attempts = 1"_s).toString(),
             u"broke"_s);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM job_stats"_s).toInt(), 2);
    QCOMPARE(scalar(database(), u"SELECT succeeded FROM job_stats WHERE job_type = 'noop'"_s).toInt(), 3);
    QCOMPARE(scalar(database(), u"SELECT failed FROM job_stats WHERE job_type = 'fail'"_s).toInt(), 1);
    QCOMPARE(scalar(database(), u"SELECT node_guid FROM job_stats WHERE job_type = 'fail'"_s).toString(),
             nodeA.guid);
    qint64 finishedMs = 0;
    for (const JobOutcome &result : std::as_const(outcomes)) {
        if (result.job.id != stale && result.job.maxAttempts != 2)
            finishedMs += result.durationMs;
    }
    QCOMPARE(scalar(database(), u"SELECT SUM(total_ms) FROM job_stats"_s).toLongLong(), finishedMs);
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
    QCOMPARE(
        scalar(database(),
               u"SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND attempts = 0 AND claimed_by IS NULL"_s)
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
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM local_job_runs WHERE state = 'succeeded'"_s).toInt(),
             2);
    QCOMPARE(
        scalar(database(), u"SELECT SUM(succeeded) FROM job_stats WHERE job_type = 'clear-cache'"_s).toInt(),
        2);
}

void TestJobPool::scheduleKeyMakesOneJob()
{
    JobSpec scheduled = spec(u"rollup-stats"_s);
    scheduled.scheduleKey = u"rollup-stats@1000"_s;
    QCOMPARE(*JobPool::submit(database(), {scheduled}), 1);
    QCOMPARE(*JobPool::submit(database(), {scheduled, scheduled}), 0);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs"_s).toInt(), 1);
}

void TestJobPool::oneJobWakesTheNodesOnce()
{
    // One job on PostgreSQL goes in one statement (kept prepared) that also wakes the
    // listening nodes, once, with the job's scope; a job whose schedule key is taken wakes
    // nobody. SQLite has no notifications: only the rows count there.
    QFETCH_GLOBAL(QString, backend);
    auto listener = Database::fromUrl(m_fixture.testDatabase().url());
    QVERIFY2(listener, qPrintable(listener.message()));
    auto connection = (*listener)->connection();
    QVERIFY2(connection, qPrintable(connection.message()));
    const bool notifications = database().dialect().hasNotifications();
    QCOMPARE(notifications, backend == u"postgresql"_s);
    QSqlDriver *driver = connection->driver();
    QSignalSpy woken(driver, &QSqlDriver::notification);
    if (notifications)
        QVERIFY(driver->subscribeToNotification(QString::fromUtf16(JobsChannel)));

    JobSpec scheduled = spec(u"rollup-stats"_s);
    scheduled.scheduleKey = u"rollup-stats@2000"_s;
    JobSpec local = spec(u"clear-cache"_s);
    local.scope = JobScope::Local;
    for (int round = 0; round < 3; ++round) // the second and third run the kept statement
        QCOMPARE(*JobPool::submit(database(), {spec(u"noop"_s)}), 1);
    QCOMPARE(*JobPool::submit(database(), {scheduled}), 1);
    QCOMPARE(*JobPool::submit(database(), {scheduled}), 0);
    QCOMPARE(*JobPool::submit(database(), {local}), 1);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE scope = 'pool'"_s).toInt(), 4);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE scope = 'local'"_s).toInt(), 1);
    if (!notifications)
        return;
    QTRY_COMPARE(woken.size(), 5);
    QStringList payloads;
    for (const QList<QVariant> &signal : std::as_const(woken)) {
        QCOMPARE(signal.at(0).toString(), QString::fromUtf16(JobsChannel));
        payloads << signal.at(2).toString();
    }
    QCOMPARE(payloads, QStringList({u"pool"_s, u"pool"_s, u"pool"_s, u"pool"_s, u"local"_s}));
    // None more arrives for the duplicate.
    QTest::qWait(200);
    QCOMPARE(woken.size(), 5);
}

void TestJobPool::oneJobSurvivesALostConnection()
{
    // The kept statement dies with its connection: the submit that finds it dead says the
    // database is unavailable, and the next one prepares it again on a new connection.
    // (SQLite has no server session to lose: there the connection is dropped by hand.)
    QFETCH_GLOBAL(QString, backend);
    QCOMPARE(*JobPool::submit(database(), {spec(u"noop"_s)}), 1);
    if (backend == u"postgresql"_s) {
        const qint64 pid = scalar(database(), u"SELECT pg_backend_pid()"_s).toLongLong();
        QVERIFY(pid > 0);
        auto killer = Database::fromUrl(m_fixture.testDatabase().url());
        QVERIFY2(killer, qPrintable(killer.message()));
        QVERIFY(scalar(**killer, u"SELECT pg_terminate_backend(?)"_s, {pid}).toBool());
        auto lost = JobPool::submit(database(), {spec(u"noop"_s)});
        QVERIFY(!lost);
        QCOMPARE(lost.error().code, ErrorCode::Unavailable);
        QCOMPARE(*JobPool::submit(database(), {spec(u"noop"_s)}), 1);
        QVERIFY(scalar(database(), u"SELECT pg_backend_pid()"_s).toLongLong() != pid);
    } else {
        database().resetConnection();
        QCOMPARE(*JobPool::submit(database(), {spec(u"noop"_s)}), 1);
    }
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs"_s).toInt(), 2);
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
    // Its clock is ten minutes behind (SQLite: "database time" is each node's own): that
    // alone proves nothing. What counts is that its counter stands still.
    QVERIFY(database().exec(u"UPDATE nodes SET last_heartbeat = last_heartbeat - 600000"_s).ok());

    auto peers = NodeRegistry::onlinePeers(database(), u"peer-1"_s);
    QVERIFY2(peers.ok(), qPrintable(peers.message()));
    QCOMPARE(peers->size(), 1);
    PeerJudge judge(PeerJudge::Seed::FirstSight);
    judge.observe(*peers, 1000);
    QVERIFY(judge.expired(*peers, 180000, 1000).isEmpty());
    QVERIFY(judge.expired(*peers, 180000, 181000).isEmpty()); // exactly the threshold: not yet
    const QList<NodeDeath> found = judge.expired(*peers, 180000, 181001);
    QCOMPARE(found.size(), 1);
    QVERIFY(found.first().heartbeatExpired);
    QCOMPARE(found.first().heartbeatCount, peers->first().heartbeatCount);
    auto first = NodeRegistry::markOffline(database(), found.first(), u"peer-1"_s);
    auto second = NodeRegistry::markOffline(database(), found.first(), u"peer-2"_s);
    QVERIFY(first.ok() && second.ok());
    QVERIFY(*first);
    QVERIFY(!*second);
    QCOMPARE(scalar(database(), u"SELECT state FROM nodes"_s).toString(), u"offline"_s);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline'"_s).toInt(), 1);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND claimed_by IS NULL"_s)
                 .toInt(),
             3);

    // The status it shows, and a rejoin that wins it back.
    auto nodes = NodeRegistry::list(database());
    QVERIFY(nodes.ok());
    QCOMPARE(nodes->first().status, NodeStatus::Offline);
    QVERIFY(NodeRegistry::join(database(), dead).ok());
    QCOMPARE(NodeRegistry::list(database())->first().status, NodeStatus::Online);
}

void TestJobPool::aPeerThatBeatsAgainIsNotMarkedOffline()
{
    const NodeJoin slow = nodeJoinRequest(u"slow"_s);
    QVERIFY(NodeRegistry::join(database(), slow).ok());
    auto peers = NodeRegistry::onlinePeers(database(), u"peer-1"_s);
    QVERIFY(peers.ok());
    PeerJudge judge(PeerJudge::Seed::FirstSight);
    judge.observe(*peers, 0);
    const QList<NodeDeath> found = judge.expired(*peers, 180000, 200000);
    QCOMPARE(found.size(), 1);
    // It beats between the peer's look and its update: the update must not take it.
    QVERIFY(NodeRegistry::heartbeat(database(), slow.guid, slow.incarnation, 10000, 180000).ok());
    auto marked = NodeRegistry::markOffline(database(), found.first(), u"peer-1"_s);
    QVERIFY(marked.ok());
    QVERIFY(!*marked);
    QCOMPARE(scalar(database(), u"SELECT state FROM nodes WHERE guid = ?"_s, {slow.guid}).toString(),
             u"online"_s);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM alerts"_s).toInt(), 0);
}

void TestJobPool::silenceIsTimedOnTheObserversClock()
{
    // A node whose wall clock runs an hour fast or slow stamps its heartbeats with it (on
    // SQLite there is no other clock). Its peers time its silence on their own steady
    // clock: as long as its counter moves, it is alive.
    const NodeJoin skewed = nodeJoinRequest(u"skewed"_s);
    QVERIFY(NodeRegistry::join(database(), skewed).ok());
    PeerJudge judge(PeerJudge::Seed::FirstSight);
    for (qint64 step = 0; step < 10; ++step) {
        const qint64 shift = step % 2 == 0 ? 3600000 : -3600000;
        QVERIFY(database().exec(u"UPDATE nodes SET last_heartbeat = last_heartbeat + ?"_s, {shift}).ok());
        QVERIFY(NodeRegistry::heartbeat(database(), skewed.guid, skewed.incarnation, 1000, 5000).ok());
        auto peers = NodeRegistry::onlinePeers(database(), u"observer"_s);
        QVERIFY(peers.ok());
        const qint64 now = step * 4000; // beats every 4 s, threshold 5 s
        judge.observe(*peers, now);
        QVERIFY2(judge.expired(*peers, 5000, now).isEmpty(), qPrintable(u"step %1"_s.arg(step)));
    }
    // A moment ago, seen by one clock: on PostgreSQL the database's age seeds a new observer.
    auto peers = NodeRegistry::onlinePeers(database(), u"observer"_s);
    QVERIFY(peers.ok());
    PeerJudge fresh(PeerJudge::Seed::DatabaseAge);
    QList<PeerBeat> old = *peers;
    old.first().ageMs = 7000;
    fresh.observe(old, 100000);
    QCOMPARE(fresh.silentMs(skewed.guid, 100000), 7000);
    QCOMPARE(fresh.expired(old, 5000, 100000).size(), 1);
    // ... and one that was cut off from the database forgives what it could not see.
    fresh.forgive(100000);
    QVERIFY(fresh.expired(old, 5000, 104000).isEmpty());
    QCOMPARE(fresh.expired(old, 5000, 105001).size(), 1);
    // A peer it first sees after such a gap: its database age spans the same outage, so it
    // too is timed from the end of the gap, not marked at once.
    PeerJudge rejoined(PeerJudge::Seed::DatabaseAge);
    rejoined.forgive(100000);
    rejoined.observe(old, 101000); // 7 s old by the database's clock
    QCOMPARE(rejoined.silentMs(skewed.guid, 101000), 1000);
    QVERIFY(rejoined.expired(old, 5000, 104000).isEmpty());
    QCOMPARE(rejoined.expired(old, 5000, 105001).size(), 1);
}

void TestJobPool::aSlowHeartbeatIsAllowedTwoIntervals()
{
    // --heartbeat 200 under the default 180 s threshold: peers allow 400 s, not 180.
    const NodeJoin slow = nodeJoinRequest(u"slow"_s);
    QVERIFY(NodeRegistry::join(database(), slow).ok());
    QVERIFY(NodeRegistry::heartbeat(database(), slow.guid, slow.incarnation, 200000, 400000).ok());
    const NodeJoin quick = nodeJoinRequest(u"quick"_s);
    QVERIFY(NodeRegistry::join(database(), quick).ok());
    QVERIFY(NodeRegistry::heartbeat(database(), quick.guid, quick.incarnation, 10000, 180000).ok());
    auto peers = NodeRegistry::onlinePeers(database(), quick.guid);
    QVERIFY(peers.ok());
    QCOMPARE(peers->size(), 1);
    QCOMPARE(peers->first().heartbeatMs, 200000);
    PeerJudge judge(PeerJudge::Seed::FirstSight);
    judge.observe(*peers, 0);
    QVERIFY(judge.expired(*peers, 180000, 399000).isEmpty());
    QCOMPARE(judge.expired(*peers, 180000, 400001).size(), 1);
    // The slow node learns how soon the quick one may declare it dead: 400 s; the quick
    // one, how soon the slow one may (its 400 s threshold).
    auto slowBeat = NodeRegistry::heartbeat(database(), slow.guid, slow.incarnation, 200000, 400000);
    QVERIFY(slowBeat.ok());
    QCOMPARE(slowBeat->peersAllowMs, 400000);
    auto quickBeat = NodeRegistry::heartbeat(database(), quick.guid, quick.incarnation, 10000, 180000);
    QVERIFY(quickBeat.ok());
    QCOMPARE(quickBeat->peersAllowMs, 400000);
}

void TestJobPool::completionTakesTheNodeRowFirst()
{
    // A node completes its jobs (recording its heartbeat with them) at the moment a peer
    // declares it dead. With completions locking jobs before the node row and markOffline
    // the node row before the jobs, PostgreSQL aborted one of them as a deadlock. The
    // test holds the node row so that the peer queues first and the completion second,
    // then lets go: one lock order everywhere means both go through.
    QFETCH_GLOBAL(QString, backend);
    const bool postgres = backendFromName(backend) == Backend::Postgres;
    QCOMPARE(*JobPool::submit(database(), QList<JobSpec>(3, spec(u"noop"_s))), 3);
    const NodeJoin victim = registered(u"victim"_s);
    auto peers = NodeRegistry::onlinePeers(database(), u"peer"_s);
    QVERIFY(peers.ok() && peers->size() == 1);
    NodeDeath death;
    death.guid = victim.guid;
    death.name = victim.name;
    death.incarnation = victim.incarnation;
    death.heartbeatExpired = true;
    death.heartbeatCount = peers->first().heartbeatCount;
    death.reason = u"no heartbeat for 181 s"_s;

    // The victim's job loop, on a thread of its own (a JobPool belongs to one thread).
    QSemaphore claimed;
    QSemaphore complete;
    Result<CompletionReport> report = makeError(ErrorCode::Database, u"not run"_s);
    std::unique_ptr<QThread> victimLoop(QThread::create([&] {
        JobPool pool(database(), victim.guid, victim.incarnation);
        auto jobs = pool.claim(3);
        claimed.release();
        complete.acquire();
        QList<JobOutcome> outcomes;
        for (const ClaimedJob &job : jobs ? *jobs : QList<ClaimedJob>())
            outcomes << outcome(job, true);
        report = pool.complete(outcomes, 1000, JobPool::Heartbeat::Record);
        pool.reset();
    }));
    Result<bool> marked = makeError(ErrorCode::Database, u"not run"_s);
    std::unique_ptr<QThread> peerCheck(QThread::create([&] {
        marked = NodeRegistry::markOffline(database(), death, u"peer"_s);
        database().resetConnection();
    }));

    victimLoop->start();
    QVERIFY(claimed.tryAcquire(1, 30000));
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'running'"_s).toInt(), 3);
    if (postgres) {
        auto watcher = Database::fromUrl(database().url().toString());
        QVERIFY(watcher.ok());
        auto waiting = [&] {
            return scalar(**watcher,
                          u"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND wait_event_type = 'Lock'"_s)
                .toInt();
        };
        auto db = database().connection();
        QVERIFY(db.ok());
        QVERIFY(database().dialect().beginWrite(*db).ok());
        QVERIFY(execQuery(*db, u"SELECT state FROM nodes WHERE guid = ? FOR UPDATE"_s, {victim.guid}).ok());
        peerCheck->start();
        QTRY_COMPARE_WITH_TIMEOUT(waiting(), 1, 10000);
        complete.release();
        QTRY_COMPARE_WITH_TIMEOUT(waiting(), 2, 10000);
        QVERIFY(database().dialect().commit(*db).ok());
        (*watcher)->resetConnection();
    } else {
        // One write lock, no row locks: the same order, one after the other.
        peerCheck->start();
        QVERIFY(peerCheck->wait(60000));
        complete.release();
    }
    QVERIFY(peerCheck->wait(60000));
    QVERIFY(victimLoop->wait(60000));

    QVERIFY2(marked.ok(), qPrintable(marked.message()));
    QVERIFY2(report.ok(), qPrintable(report.message()));
    QCOMPARE(scalar(database(), u"SELECT state FROM nodes WHERE guid = ?"_s, {victim.guid}).toString(),
             u"offline"_s);
    // The peer went first: the completion came too late, changed nothing, and learnt that
    // the node is no longer Online.
    QVERIFY(*marked);
    QCOMPARE(report->rejected.size(), 3);
    QVERIFY(!report->heartbeatRecorded);
    QCOMPARE(scalar(database(), u"SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND claimed_by IS NULL"_s)
                 .toInt(),
             3);
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
    QCOMPARE(scalar(database(), u"SELECT id FROM jobs WHERE state = 'running'"_s).toLongLong(),
             claimed->first().id);
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
