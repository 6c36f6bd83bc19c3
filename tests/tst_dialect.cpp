// Dialect: the SQL that differs between SQLite and PostgreSQL behaves the same on both:
// the database clock, upserts, and claiming a batch of jobs.
#include "database.h"
#include "dialect.h"
#include "schema.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestDialect : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void nowMillisIsTheDatabaseClock();
    void upsertReplaces();
    void upsertAccumulates();
    void claimTakesQueuedPoolJobsByPriority();
    void concurrentClaimsAreDisjoint();

private:
    void insertJob(const QString &type, int priority, const QString &scope = u"pool"_s, qint64 delayMs = 0);
    QList<qint64> claim(Database &database, const QString &node, int limit);

    DatabaseFixture m_fixture;
    TestDatabase *m_testDatabase = nullptr;
    Database *m_database = nullptr;
};

void TestDialect::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Migrated);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
    m_database = &m_fixture.database();
    m_testDatabase = &m_fixture.testDatabase();
}

void TestDialect::cleanup()
{
    m_database = nullptr;
    m_testDatabase = nullptr;
    m_fixture.tearDown();
}

void TestDialect::insertJob(const QString &type, int priority, const QString &scope, qint64 delayMs)
{
    auto inserted = m_database->exec(
        u"INSERT INTO jobs (type, scope, priority, run_after, created_at) VALUES (?, ?, ?, %1 + ?, %1)"_s.arg(
            m_database->dialect().nowMillis()),
        {type, scope, priority, delayMs});
    QVERIFY2(inserted.ok(), qPrintable(inserted.message()));
}

QList<qint64> TestDialect::claim(Database &database, const QString &node, int limit)
{
    QList<qint64> ids;
    auto db = database.connection();
    if (!db)
        return ids;
    // Only an Online node may claim.
    QSqlQuery registered(*db);
    registered.prepare(
        u"INSERT INTO nodes (guid, name, version, schema_version, state, incarnation, created_at) "
        "VALUES (?, ?, '0', 1, 'online', ?, 0) ON CONFLICT (guid) DO NOTHING"_s);
    registered.addBindValue(node);
    registered.addBindValue(node);
    registered.addBindValue(node);
    if (!registered.exec()) {
        qWarning() << registered.lastError().text();
        return ids;
    }
    QSqlQuery query(*db);
    query.prepare(database.dialect().claimJobs());
    query.bindValue(u":node"_s, node);
    query.bindValue(u":incarnation"_s, node);
    query.bindValue(u":limit"_s, limit);
    if (!query.exec()) {
        qWarning() << query.lastError().text();
        return ids;
    }
    while (query.next())
        ids << query.value(0).toLongLong();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void TestDialect::nowMillisIsTheDatabaseClock()
{
    auto now = m_database->exec(u"SELECT %1"_s.arg(m_database->dialect().nowMillis()));
    QVERIFY2(now.ok(), qPrintable(now.message()));
    QVERIFY(now->next());
    const qint64 databaseMs = now->value(0).toLongLong();
    // Same machine, so the clocks agree to well within a second.
    QVERIFY2(qAbs(databaseMs - QDateTime::currentMSecsSinceEpoch()) < 2000,
             qPrintable(QString::number(databaseMs)));
    // Milliseconds, not seconds: two readings a few ms apart differ.
    QTest::qWait(20);
    auto later = m_database->exec(u"SELECT %1"_s.arg(m_database->dialect().nowMillis()));
    QVERIFY(later.ok() && later->next());
    QVERIFY(later->value(0).toLongLong() - databaseMs >= 10);
}

void TestDialect::upsertReplaces()
{
    const QString sql = m_database->dialect().upsert(u"cluster_settings"_s, {u"name"_s},
                                                     {u"value"_s, u"updated_at"_s, u"updated_by"_s},
                                                     Dialect::UpsertMode::Replace);
    QVERIFY(m_database->exec(sql, {u"offline_after"_s, u"180"_s, 1, u"a"_s}).ok());
    QVERIFY(m_database->exec(sql, {u"offline_after"_s, u"60"_s, 2, u"b"_s}).ok());
    auto rows = m_database->exec(u"SELECT value, updated_by, COUNT(*) OVER () FROM cluster_settings"_s);
    QVERIFY2(rows.ok(), qPrintable(rows.message()));
    QVERIFY(rows->next());
    QCOMPARE(rows->value(0).toString(), u"60"_s);
    QCOMPARE(rows->value(1).toString(), u"b"_s);
    QCOMPARE(rows->value(2).toInt(), 1);
}

void TestDialect::upsertAccumulates()
{
    const QString sql = m_database->dialect().upsert(
        u"job_stats"_s, {u"minute"_s, u"node_guid"_s, u"job_type"_s},
        {u"succeeded"_s, u"failed"_s, u"total_ms"_s}, Dialect::UpsertMode::Accumulate);
    QVERIFY(m_database->exec(sql, {60000, u"n1"_s, u"noop"_s, 5, 1, 100}).ok());
    QVERIFY(m_database->exec(sql, {60000, u"n1"_s, u"noop"_s, 3, 0, 50}).ok());
    QVERIFY(m_database->exec(sql, {60000, u"n2"_s, u"noop"_s, 7, 0, 70}).ok());
    auto rows = m_database->exec(
        u"SELECT node_guid, succeeded, failed, total_ms FROM job_stats ORDER BY node_guid"_s);
    QVERIFY(rows.ok());
    QVERIFY(rows->next());
    QCOMPARE(rows->value(0).toString(), u"n1"_s);
    QCOMPARE(rows->value(1).toInt(), 8);
    QCOMPARE(rows->value(2).toInt(), 1);
    QCOMPARE(rows->value(3).toInt(), 150);
    QVERIFY(rows->next());
    QCOMPARE(rows->value(1).toInt(), 7);
    QVERIFY(!rows->next());
}

void TestDialect::claimTakesQueuedPoolJobsByPriority()
{
    insertJob(u"low"_s, 0);                        // id 1
    insertJob(u"high"_s, 10);                      // id 2
    insertJob(u"local"_s, 50, u"local"_s);         // id 3: every node runs it, never claimed from the pool
    insertJob(u"later"_s, 99, u"pool"_s, 3600000); // id 4: not due yet
    insertJob(u"mid"_s, 5);                        // id 5
    insertJob(u"low2"_s, 0);                       // id 6

    auto db = m_database->connection();
    QVERIFY(db.ok());
    QVERIFY(m_database->dialect().beginWrite(*db).ok());
    const QList<qint64> first = claim(*m_database, u"node-a"_s, 2);
    QVERIFY(m_database->dialect().commit(*db).ok());
    QCOMPARE(first, (QList<qint64>{2, 5}));

    auto claimed =
        m_database->exec(u"SELECT state, claimed_by, claim_epoch, attempts FROM jobs WHERE id = ?"_s, {2});
    QVERIFY(claimed.ok() && claimed->next());
    QCOMPARE(claimed->value(0).toString(), u"running"_s);
    QCOMPARE(claimed->value(1).toString(), u"node-a"_s);
    QCOMPARE(claimed->value(2).toInt(), 1);
    QCOMPARE(claimed->value(3).toInt(), 1);

    QVERIFY(m_database->dialect().beginWrite(*db).ok());
    const QList<qint64> rest = claim(*m_database, u"node-b"_s, 10);
    QVERIFY(m_database->dialect().commit(*db).ok());
    QCOMPARE(rest, (QList<qint64>{1, 6}));
}

void TestDialect::concurrentClaimsAreDisjoint()
{
    for (int i = 0; i < 12; ++i)
        insertJob(u"noop"_s, 0);
    // Two connections, as two nodes would have.
    Database other(*DatabaseUrl::parse(m_testDatabase->url()));
    auto a = m_database->connection();
    auto b = other.connection();
    QVERIFY(a.ok() && b.ok());

    if (m_database->url().backend() == Backend::Postgres) {
        // Both transactions stay open at once: the second claimer must skip the first's
        // locked rows rather than wait for them (a wait would hit the statement timeout).
        QVERIFY(other.exec(u"SET statement_timeout = 5000"_s).ok());
        QVERIFY(m_database->dialect().beginWrite(*a).ok());
        QVERIFY(other.dialect().beginWrite(*b).ok());
        const QList<qint64> first = claim(*m_database, u"node-a"_s, 5);
        const QList<qint64> second = claim(other, u"node-b"_s, 5);
        QVERIFY(m_database->dialect().commit(*a).ok());
        QVERIFY(other.dialect().commit(*b).ok());
        QCOMPARE(first.size(), 5);
        QCOMPARE(second.size(), 5);
        const QSet<qint64> overlap =
            QSet<qint64>(first.cbegin(), first.cend()) & QSet<qint64>(second.cbegin(), second.cend());
        QVERIFY(overlap.isEmpty());
    } else {
        // SQLite has one writer at a time: the write transactions take turns.
        QVERIFY(m_database->dialect().beginWrite(*a).ok());
        const QList<qint64> first = claim(*m_database, u"node-a"_s, 5);
        QVERIFY(m_database->dialect().commit(*a).ok());
        QVERIFY(other.dialect().beginWrite(*b).ok());
        const QList<qint64> second = claim(other, u"node-b"_s, 5);
        QVERIFY(other.dialect().commit(*b).ok());
        QCOMPARE(first, (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(second, (QList<qint64>{6, 7, 8, 9, 10}));
    }
    auto left = m_database->exec(u"SELECT COUNT(*) FROM jobs WHERE state = 'queued'"_s);
    QVERIFY(left.ok() && left->next());
    QCOMPARE(left->value(0).toInt(), 2);
}

QTEST_GUILESS_MAIN(TestDialect)
#include "tst_dialect.moc"
