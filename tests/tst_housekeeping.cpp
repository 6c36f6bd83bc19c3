// The hourly purge (purge-old-records) on SQLite and PostgreSQL, run through the real job
// registry on a worker thread as a node runs it. It deletes in bounded batches, each its
// own write transaction: between batches a second connection (another node) writes and
// sees the batches already gone. Its cutoff is fixed when it starts, recent and unfinished
// rows stay, and a cancelled purge stops between batches with whole batches gone.
#include "jobpool.h"
#include "jobtypes.h"
#include "settingscache.h"
#include "testdatabase.h"

#include <QTest>
#include <QThread>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr qint64 HourMs = 3600 * 1000LL;
constexpr qint64 DayMs = 24 * HourMs;
// The default retention_days.
constexpr qint64 RetentionMs = 30 * DayMs;
constexpr int Batch = JobTypes::PurgeBatchRows;
// More than two batches of old finished jobs: three transactions, the last one partial.
constexpr int OldJobs = 2 * Batch + 2000;

// A second connection to the same database, like another node's, that takes a look
// whenever the purge asks whether it is cancelled (which it does between batches). Each
// look is a write transaction of its own: it counts the old finished jobs left, records
// the count in the audit log, and adds a job that finished at the retention's edge as of
// that moment (younger than the purge's cutoff, which was fixed when the purge started).
class Observer
{
public:
    Observer(const QString &url, qint64 oldBefore)
        : m_oldBefore(oldBefore)
    {
        auto database = Database::fromUrl(url);
        if (database)
            m_database = std::move(database).value();
        else
            errors << database.message();
    }

    void look()
    {
        if (!m_database)
            return;
        const QString now = m_database->dialect().nowMillis();
        auto left = m_database->write([&](QSqlDatabase &db) -> Result<qint64> {
            auto count = execQuery(db, u"SELECT COUNT(*) FROM jobs WHERE finished_at < ?"_s, {m_oldBefore});
            if (!count)
                return count.error();
            const qint64 oldLeft = count->next() ? count->value(0).toLongLong() : -1;
            count->finish();
            auto noted = execQuery(
                db,
                u"INSERT INTO audit_log (at, actor, action, details) VALUES (%1, 'observer', 'look', ?)"_s
                    .arg(now),
                {QString::number(oldLeft)});
            if (!noted)
                return noted.error();
            auto late = execQuery(db,
                                  u"INSERT INTO jobs (type, state, run_after, finished_at, created_at) "
                                  "VALUES ('late', 'succeeded', 0, %1 - ?, 0)"_s.arg(now),
                                  {RetentionMs});
            if (!late)
                return late.error();
            return oldLeft;
        });
        if (!left) {
            errors << left.message();
            return;
        }
        ++looks;
        if (seen.isEmpty() || seen.last() != *left)
            seen << *left;
    }

    // What each look saw, repeats left out.
    QList<qint64> seen;
    int looks = 0;
    QStringList errors;

private:
    std::unique_ptr<Database> m_database;
    qint64 m_oldBefore;
};

} // namespace

class TestHousekeeping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_fixture.tearDown(); }

    void purgeCommitsBatchByBatch();
    void recentAndUnfinishedRowsStay();
    void cancelledPurgeStopsBetweenBatches();
    void rowsAtTheCutoffStay();
    void aRunStopsAtItsLimitAndTheNextGoesOn();

private:
    Database &database() { return m_fixture.database(); }
    QVariant scalar(const QString &sql, const QVariantList &values = {});
    qint64 dbNow();
    // count finished jobs of type 'old', alternately succeeded and failed.
    bool seedOldJobs(int count, qint64 finishedAt);
    // Runs purge-old-records from the registry on a thread of its own (its own
    // connection), as a node's worker does; cancelled is asked on that thread.
    std::optional<Result<QString>> purge(const std::function<bool()> &cancelled);

    DatabaseFixture m_fixture;
};

void TestHousekeeping::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Migrated);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
}

QVariant TestHousekeeping::scalar(const QString &sql, const QVariantList &values)
{
    auto query = database().exec(sql, values);
    if (!query) {
        qWarning().noquote() << sql << query.message();
        return {};
    }
    return query->next() ? query->value(0) : QVariant();
}

qint64 TestHousekeeping::dbNow()
{
    auto now = JobPool::now(database());
    return now ? *now : 0;
}

bool TestHousekeeping::seedOldJobs(int count, qint64 finishedAt)
{
    auto seeded = database().exec(
        u"INSERT INTO jobs (type, state, run_after, finished_at, created_at) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT 'old', CASE WHEN i % 2 = 0 THEN 'succeeded' ELSE 'failed' END, 0, CAST(? AS BIGINT), 0 FROM n"_s,
        {count, finishedAt});
    if (!seeded)
        qWarning().noquote() << "seeding old jobs:" << seeded.message();
    return seeded.ok() && scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'old'"_s).toInt() == count;
}

std::optional<Result<QString>> TestHousekeeping::purge(const std::function<bool()> &cancelled)
{
    const JobType *type = JobTypes::find(u"purge-old-records"_s);
    if (!type)
        return std::nullopt;
    std::optional<Result<QString>> result;
    SettingsCache settings;
    ClaimedJob job;
    job.id = 1;
    job.type = type->name;
    std::unique_ptr<QThread> worker(QThread::create([&] {
        JobContext context{database(), job, {}, u"test-node"_s, settings, cancelled};
        result = type->run(context);
    }));
    worker->start();
    // The thread's connection is removed when it ends.
    if (!worker->wait(QDeadlineTimer(120 * 1000)))
        qFatal("the purge did not finish in 2 minutes");
    return result;
}

void TestHousekeeping::purgeCommitsBatchByBatch()
{
    const qint64 now = dbNow();
    QVERIFY(now > 0);
    QVERIFY(seedOldJobs(OldJobs, now - RetentionMs - DayMs));

    Observer observer(m_fixture.testDatabase().url(), now - RetentionMs - HourMs);
    auto result = purge([&] {
        observer.look();
        return false;
    });
    QVERIFY(result.has_value());
    QVERIFY2(result->ok(), qPrintable(result->message()));
    QVERIFY2(observer.errors.isEmpty(), qPrintable(observer.errors.join(u'\n')));

    // The other connection wrote between batches and saw each batch gone as a whole: the
    // two full batches and then the rest, each committed on its own.
    QList<qint64> partial;
    for (qint64 left : std::as_const(observer.seen)) {
        if (left > 0 && left < OldJobs)
            partial << left;
    }
    QCOMPARE(partial, (QList<qint64>{OldJobs - Batch, OldJobs - 2 * Batch}));
    QVERIFY2(result->value().startsWith(u"purged %1 jobs, 0 alerts, 0 audit entries"_s.arg(OldJobs)),
             qPrintable(result->value()));

    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'old'"_s).toInt(), 0);
    // Every look's writes stayed, the late jobs too: the cutoff did not move on.
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE actor = 'observer'"_s).toInt(), observer.looks);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'late'"_s).toInt(), observer.looks);
}

void TestHousekeeping::recentAndUnfinishedRowsStay()
{
    const qint64 now = dbNow();
    QVERIFY(now > 0);
    const qint64 old = now - RetentionMs - HourMs;    // past the retention
    const qint64 recent = now - RetentionMs + HourMs; // within it
    const qint64 ancient = now - 3 * RetentionMs;

    // Jobs: finished ones past the retention go (a local one with its run); recent ones
    // and unfinished ones stay, however old.
    QVERIFY(database()
                .exec(u"INSERT INTO jobs (type, scope, state, run_after, finished_at, created_at) VALUES "
                      "('gone-succeeded', 'pool', 'succeeded', 0, ?, 0), "
                      "('gone-failed', 'pool', 'failed', 0, ?, 0), "
                      "('gone-local', 'local', 'succeeded', 0, ?, 0), "
                      "('stays-recent', 'pool', 'succeeded', 0, ?, 0), "
                      "('stays-queued', 'pool', 'queued', 0, NULL, ?), "
                      "('stays-running', 'pool', 'running', 0, NULL, ?)"_s,
                      {old, old, old, recent, ancient, ancient})
                .ok());
    const qint64 localJob = scalar(u"SELECT id FROM jobs WHERE type = 'gone-local'"_s).toLongLong();
    QVERIFY(database()
                .exec(u"INSERT INTO local_job_runs (job_id, node_guid, state, started_at, finished_at) "
                      "VALUES (?, 'n1', 'succeeded', ?, ?)"_s,
                      {localJob, old, old})
                .ok());
    // Alerts: only cleared ones go, by when they were cleared.
    QVERIFY(database()
                .exec(u"INSERT INTO alerts (kind, severity, message, raised_at, cleared_at) VALUES "
                      "('gone-cleared', 'info', 'm', ?, ?), "
                      "('stays-open', 'info', 'm', ?, NULL), "
                      "('stays-cleared-recently', 'info', 'm', ?, ?)"_s,
                      {ancient, old, ancient, ancient, recent})
                .ok());
    QVERIFY(
        database()
            .exec(u"INSERT INTO audit_log (at, actor, action) VALUES (?, 'gone', 'x'), (?, 'stays', 'x')"_s,
                  {old, recent})
            .ok());
    QVERIFY(database()
                .exec(u"INSERT INTO job_stats (minute, node_guid, job_type, succeeded) VALUES "
                      "(?, 'gone', 't', 1), (?, 'stays', 't', 1)"_s,
                      {old / 60000 * 60000, recent / 60000 * 60000 + 60000})
                .ok());

    auto result = purge([] { return false; });
    QVERIFY(result.has_value());
    QVERIFY2(result->ok(), qPrintable(result->message()));
    // (No translation is loaded here: "%n day(s)" stays as it is.)
    QVERIFY2(
        result->value().startsWith(
            u"purged 3 jobs, 1 alerts, 1 audit entries, 1 statistics rows, 0 node events and 0 takeovers older than 30 day"_s),
        qPrintable(result->value()));

    auto names = [this](const QString &sql) {
        QStringList list;
        auto query = database().exec(sql);
        while (query && query->next())
            list << query->value(0).toString();
        list.sort();
        return list;
    };
    QCOMPARE(names(u"SELECT type FROM jobs"_s),
             (QStringList{u"stays-queued"_s, u"stays-recent"_s, u"stays-running"_s}));
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM local_job_runs"_s).toInt(), 0);
    QCOMPARE(names(u"SELECT kind FROM alerts"_s),
             (QStringList{u"stays-cleared-recently"_s, u"stays-open"_s}));
    QCOMPARE(names(u"SELECT actor FROM audit_log"_s), QStringList{u"stays"_s});
    QCOMPARE(names(u"SELECT node_guid FROM job_stats"_s), QStringList{u"stays"_s});
}

void TestHousekeeping::cancelledPurgeStopsBetweenBatches()
{
    const qint64 now = dbNow();
    QVERIFY(now > 0);
    QVERIFY(seedOldJobs(OldJobs, now - RetentionMs - DayMs));
    QVERIFY(database()
                .exec(u"INSERT INTO audit_log (at, actor, action) VALUES (?, 'old', 'x')"_s,
                      {now - RetentionMs - DayMs})
                .ok());

    // The node stops as soon as the other connection has seen the first batch gone.
    Observer observer(m_fixture.testDatabase().url(), now - RetentionMs - HourMs);
    auto result = purge([&] {
        observer.look();
        return !observer.seen.isEmpty() && observer.seen.last() < OldJobs;
    });
    QVERIFY(result.has_value());
    QVERIFY2(observer.errors.isEmpty(), qPrintable(observer.errors.join(u'\n')));
    // Exactly one whole batch went; nothing of the next one, nor of the later tables.
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'old'"_s).toInt(), OldJobs - Batch);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE actor = 'old'"_s).toInt(), 1);
    // A cancelled job fails, so the node hands it back (JobRunner), and says what it did.
    QVERIFY(!result->ok());
    QCOMPARE(result->code(), ErrorCode::Conflict);
    QVERIFY2(
        result->message().contains(
            u"purged %1 jobs, 0 alerts, 0 audit entries, 0 statistics rows, 0 node events and 0 takeovers"_s
                .arg(Batch)),
        qPrintable(result->message()));

    // The next run does the rest.
    auto again = purge([] { return false; });
    QVERIFY(again.has_value());
    QVERIFY2(again->ok(), qPrintable(again->message()));
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'old'"_s).toInt(), 0);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE actor = 'old'"_s).toInt(), 0);
}

void TestHousekeeping::rowsAtTheCutoffStay()
{
    // Each table's rows a millisecond before, at and after a cutoff: only the older one
    // goes ("older than", as the purge always did).
    constexpr qint64 cutoff = 1'700'000'000'000;
    const QVariantList times = {cutoff - 1, cutoff, cutoff + 1};
    QVERIFY(
        database()
            .exec(
                u"INSERT INTO jobs (type, state, run_after, finished_at, created_at) VALUES "
                "('before', 'succeeded', 0, ?, 0), ('at', 'failed', 0, ?, 0), ('after', 'succeeded', 0, ?, 0)"_s,
                times)
            .ok());
    QVERIFY(
        database()
            .exec(u"INSERT INTO alerts (kind, severity, message, raised_at, cleared_at) VALUES "
                  "('before', 'info', 'm', 0, ?), ('at', 'info', 'm', 0, ?), ('after', 'info', 'm', 0, ?)"_s,
                  times)
            .ok());
    QVERIFY(
        database()
            .exec(
                u"INSERT INTO audit_log (at, actor, action) VALUES (?, 'before', 'x'), (?, 'at', 'x'), (?, 'after', 'x')"_s,
                times)
            .ok());
    QVERIFY(database()
                .exec(u"INSERT INTO job_stats (minute, node_guid, job_type) VALUES "
                      "(?, 'before', 't'), (?, 'at', 't'), (?, 'after', 't')"_s,
                      times)
                .ok());
    QVERIFY(database()
                .exec(u"INSERT INTO node_events (node_guid, at, kind) VALUES "
                      "('before', ?, 'online'), ('at', ?, 'online'), ('after', ?, 'online')"_s,
                      times)
                .ok());
    QVERIFY(
        database()
            .exec(u"INSERT INTO takeovers (node_guid, node_name, marked_by, marked_by_name, reason, "
                  u"last_heartbeat, "
                  "marked_at) VALUES ('before', 'n', 'p', 'p', 'r', 0, ?), ('at', 'n', 'p', 'p', 'r', 0, ?), "
                  "('after', 'n', 'p', 'p', 'r', 0, ?)"_s,
                  times)
            .ok());
    // A takeover's jobs go with it.
    QVERIFY(database()
                .exec(u"INSERT INTO takeover_jobs (takeover_id, job_id, job_type, claim_epoch, returned_as) "
                      "SELECT id, 1, 'sleep', 1, 'queued' FROM takeovers"_s)
                .ok());

    auto report = JobTypes::purgeOldRecords(database(), cutoff, [] { return false; });
    QVERIFY2(report.ok(), qPrintable(report.message()));
    QCOMPARE(report->cutoff, cutoff);
    QCOMPARE(report->jobs, 1);
    QCOMPARE(report->alerts, 1);
    QCOMPARE(report->auditEntries, 1);
    QCOMPARE(report->statistics, 1);
    QCOMPARE(report->events, 1);
    QCOMPARE(report->takeovers, 1);
    QCOMPARE(report->batches, 6);
    QVERIFY(!report->limited);
    QVERIFY(!report->cancelled);
    for (const QString &sql :
         {u"SELECT type FROM jobs"_s, u"SELECT kind FROM alerts"_s, u"SELECT actor FROM audit_log"_s,
          u"SELECT node_guid FROM job_stats"_s, u"SELECT node_guid FROM node_events"_s,
          u"SELECT node_guid FROM takeovers"_s,
          u"SELECT t.node_guid FROM takeover_jobs j JOIN takeovers t ON t.id = j.takeover_id"_s}) {
        QStringList left;
        auto query = database().exec(sql);
        QVERIFY(query.ok());
        while (query->next())
            left << query->value(0).toString();
        left.sort();
        QCOMPARE(left, (QStringList{u"after"_s, u"at"_s}));
    }
}

void TestHousekeeping::aRunStopsAtItsLimitAndTheNextGoesOn()
{
    const qint64 now = dbNow();
    QVERIFY(now > 0);
    QVERIFY(seedOldJobs(10, now - DayMs));
    QVERIFY(database()
                .exec(u"INSERT INTO audit_log (at, actor, action) VALUES (?, 'old', 'x'), (?, 'old', 'x')"_s,
                      {now - DayMs, now - DayMs})
                .ok());

    // Batches of 3, at most 2 per table: 6 jobs now, and the limit of one table holds up
    // no other.
    auto first = JobTypes::purgeOldRecords(
        database(), now, [] { return false; }, 3, 2);
    QVERIFY2(first.ok(), qPrintable(first.message()));
    QCOMPARE(first->jobs, 6);
    QCOMPARE(first->auditEntries, 2);
    QVERIFY(first->limited);
    QCOMPARE(first->batches, 2 + 1 + 1 + 1 + 1 + 1);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'old'"_s).toInt(), 4);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE actor = 'old'"_s).toInt(), 0);

    auto second = JobTypes::purgeOldRecords(
        database(), now, [] { return false; }, 3, 2);
    QVERIFY2(second.ok(), qPrintable(second.message()));
    QCOMPARE(second->jobs, 4);
    QCOMPARE(second->auditEntries, 0);
    QVERIFY(!second->limited);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'old'"_s).toInt(), 0);
}

QTEST_GUILESS_MAIN(TestHousekeeping)
#include "tst_housekeeping.moc"
