// Database: each thread gets its own connection (Qt Sql connections are bound to their
// thread), connections go away with their thread, and a connection the server dropped
// is replaced on the next call. On SQLite and PostgreSQL.
#include "database.h"
#include "schema.h"
#include "testdatabase.h"

#include <QSet>
#include <QSqlDatabase>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestDatabaseConnections : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void eachThreadHasItsOwnConnection();
    void lostConnectionIsReplaced();
    void failedMigrationLeavesNothing();

private:
    DatabaseFixture m_fixture;
    TestDatabase *m_testDatabase = nullptr;
    Database *m_database = nullptr;
};

void TestDatabaseConnections::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Migrated);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
    m_database = &m_fixture.database();
    m_testDatabase = &m_fixture.testDatabase();
}

void TestDatabaseConnections::cleanup()
{
    m_database = nullptr;
    m_testDatabase = nullptr;
    m_fixture.tearDown();
}

void TestDatabaseConnections::eachThreadHasItsOwnConnection()
{
    constexpr int Threads = 4;
    constexpr int RowsPerThread = 50;
    std::atomic<int> failures{0};
    QStringList names[Threads];
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back(QThread::create([this, t, &failures, &names] {
            for (int i = 0; i < RowsPerThread; ++i) {
                auto inserted =
                    m_database->exec(u"INSERT INTO audit_log (at, actor, action) VALUES (?, ?, ?)"_s,
                                     {i, u"thread-%1"_s.arg(t), u"probe"_s});
                if (!inserted) {
                    qWarning() << inserted.message();
                    ++failures;
                }
            }
            auto connection = m_database->connection();
            if (connection)
                names[t] << connection->connectionName();
        }));
        threads.back()->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(60000));

    QCOMPARE(failures.load(), 0);
    QSet<QString> distinct;
    for (const QStringList &list : names) {
        QCOMPARE(list.size(), 1);
        distinct.insert(list.constFirst());
    }
    QCOMPARE(distinct.size(), Threads);
    // The threads' connections were closed and removed when the threads ended.
    for (const QString &name : std::as_const(distinct))
        QTRY_VERIFY2(!QSqlDatabase::contains(name), qPrintable(name));

    auto count = m_database->exec(u"SELECT COUNT(*), COUNT(DISTINCT actor) FROM audit_log"_s);
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), Threads * RowsPerThread);
    QCOMPARE(count->value(1).toInt(), Threads);
}

void TestDatabaseConnections::lostConnectionIsReplaced()
{
    auto first = m_database->exec(u"SELECT 1"_s);
    QVERIFY(first.ok());
    if (m_database->url().backend() == Backend::Postgres) {
        // Another session ends ours, as a server restart or failover would.
        auto pid = m_database->exec(u"SELECT pg_backend_pid()"_s);
        QVERIFY(pid.ok() && pid->next());
        Database admin(*DatabaseUrl::parse(m_testDatabase->url()));
        auto killed = admin.exec(u"SELECT pg_terminate_backend(?)"_s, {pid->value(0).toInt()});
        QVERIFY2(killed.ok(), qPrintable(killed.message()));
        auto broken = m_database->exec(u"SELECT 1"_s);
        QVERIFY(!broken.ok());
        QCOMPARE(broken.code(), ErrorCode::Unavailable);
    } else {
        // SQLite has no server; the nearest thing is the connection being closed under us.
        auto db = m_database->connection();
        QVERIFY(db.ok());
        db->close();
    }
    auto again = m_database->exec(u"SELECT 2"_s);
    QVERIFY2(again.ok(), qPrintable(again.message()));
    QVERIFY(again->next());
    QCOMPARE(again->value(0).toInt(), 2);
}

void TestDatabaseConnections::failedMigrationLeavesNothing()
{
    // Migrations and the work done with them are one transaction: when the work fails,
    // not even the schema is left behind.
    // The fixture migrated its database; use a second, empty one.
    auto empty = TestDatabase::create(m_testDatabase->backend(), u"empty"_s);
    QVERIFY2(empty.ok(), qPrintable(empty.message()));
    Database database(*DatabaseUrl::parse((*empty)->url()), Database::SqliteFile::CreateIfMissing);
    bool ran = false;
    auto outcome = Schema::migrate(
        database, u"test"_s, [&ran](QSqlDatabase &db, const MigrationOutcome &) -> Result<void> {
            ran = true;
            auto inserted = execQuery(db, u"INSERT INTO audit_log (at, actor, action) VALUES (?, ?, ?)"_s,
                                      {1, u"test"_s, u"half-done"_s});
            if (!inserted)
                return inserted.error();
            return makeError(ErrorCode::Conflict, u"the work after the migration failed"_s);
        });
    QVERIFY(ran);
    QVERIFY(!outcome.ok());
    QCOMPARE(outcome.code(), ErrorCode::Conflict);
    auto version = Schema::version(database);
    QVERIFY2(version.ok(), qPrintable(version.message()));
    QCOMPARE(*version, 0);
    auto db = database.connection();
    QVERIFY(db.ok());
    auto tables = database.dialect().tables(*db);
    QVERIFY(tables.ok());
    QCOMPARE(*tables, QStringList());
}

QTEST_GUILESS_MAIN(TestDatabaseConnections)
#include "tst_database.moc"
