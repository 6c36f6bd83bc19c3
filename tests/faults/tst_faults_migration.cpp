// Faults during a schema migration (issue 11, scenario 14), on a cluster an older program
// made (schema version 2) that the nodes started here upgrade to the current version:
// - the migrating node killed while it is half-way (PostgreSQL: blocked on a table lock
//   inside its migration transaction): everything it did is rolled back, the migration
//   lock goes with its session, and the next node completes the migration with no manual
//   unlock;
// - a node that waits for the migration lock, or for a table lock, longer than its
//   --migration-wait exits with a clear error and changes nothing;
// - SQLite: the same wait against another process's write lock, and a node killed while
//   it waits.
// Every scenario ends with jobs run through the upgraded cluster and FaultScenario's
// invariants. CTest label "faults".
#include "faultscenario.h"
#include "schema.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr int OlderSchema = 2;
const QString ThisDatabase = u"(SELECT oid FROM pg_database WHERE datname = current_database())"_s;

} // namespace

class TestFaultsMigration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    // PostgreSQL only: on SQLite the migration holds the only write lock from its first
    // statement to its commit, so no other process can stop it half-way; a node killed
    // while it waits for that lock is in migrationWaitsAreBounded.
    void migratingNodeKilledHalfWay();
    void migrationWaitsAreBounded_data();
    void migrationWaitsAreBounded();

private:
    // A cluster at the older schema, on backend.
    bool makeCluster(Backend backend)
    {
        auto cluster =
            TestCluster::create(backend, QString::fromLatin1(QTest::currentTestFunction()), OlderSchema);
        if (!cluster) {
            qWarning("%s", qPrintable(cluster.message()));
            return false;
        }
        m_cluster = std::move(cluster).value();
        m_backend = backend;
        return schemaVersion() == OlderSchema;
    }
    QString backend() const { return m_backend == Backend::Postgres ? u"postgresql"_s : u"sqlite"_s; }
    bool postgres() const { return m_backend == Backend::Postgres; }
    int schemaVersion() { return m_cluster->scalar(u"SELECT MAX(version) FROM schema_migrations"_s).toInt(); }
    // A second connection of the test's own, to hold locks while the first one looks.
    std::unique_ptr<Database> holder()
    {
        auto opened = Database::fromUrl(m_cluster->url());
        return opened ? std::move(opened).value() : nullptr;
    }
    // PostgreSQL: the backend waiting for a lock on the nodes table (0: none yet).
    int waiterOnNodes()
    {
        return m_cluster
            ->scalar(u"SELECT COALESCE(MIN(pid), 0) FROM pg_locks WHERE NOT granted "
                     "AND relation = 'nodes'::regclass AND database = %1"_s.arg(ThisDatabase))
            .toInt();
    }
    // The upgraded cluster runs jobs, exactly once each.
    void runJobsThroughTheCluster(int nodes);

    std::unique_ptr<TestCluster> m_cluster;
    Backend m_backend = Backend::Sqlite;
};

void TestFaultsMigration::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(60);
    m_cluster.reset();
}

void TestFaultsMigration::runJobsThroughTheCluster(int nodes)
{
    FaultScenario scenario(*m_cluster, backend());
    QCOMPARE(scenario.submit(u"sleep"_s, u"{\"ms\": 5}"_s, 200).size(), 200);
    QVERIFY(scenario.waitAllFinished(60000));
    const QStringList broken = scenario.brokenInvariants();
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u"; "_s)));
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM nodes WHERE state = 'online'"_s).toInt(), nodes);
}

void TestFaultsMigration::migratingNodeKilledHalfWay()
{
    QVERIFY(makeCluster(Backend::Postgres));
    // The test reads the nodes table in an open transaction: the migration's ALTER TABLE
    // nodes then waits inside the migrating node's transaction, under its migration lock.
    auto locker = holder();
    QVERIFY(locker);
    auto lockerDb = locker->connection();
    QVERIFY(lockerDb.ok());
    QSqlQuery hold(*lockerDb);
    // Every connection ends a transaction left idle for 10 s (Dialect): the holder's must
    // last as long as the test needs, however slowly a loaded machine starts the nodes.
    if (postgres())
        QVERIFY(hold.exec(u"SET idle_in_transaction_session_timeout = 0"_s));
    QVERIFY(hold.exec(u"BEGIN"_s));
    QVERIFY(hold.exec(u"SELECT COUNT(*) FROM nodes"_s));
    hold.finish();

    NodeProcess *migrator = m_cluster->startNode(u"migrator"_s);
    int backendPid = 0;
    QTRY_VERIFY_WITH_TIMEOUT((backendPid = waiterOnNodes()) != 0, 30000);
    // Half-way: its transaction has begun and holds the migration lock.
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = ?"_s,
                     {backendPid})
            .toInt(),
        1);

    migrator->signal(SIGKILL);
    QVERIFY(migrator->waitForExit(10000));
    QVERIFY(hold.exec(u"COMMIT"_s));
    // Its session ends as soon as the server sees the connection closed.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?"_s, {backendPid}).toInt(), 0,
        20000);

    // Rolled back: still the older schema, none of the new columns, no lock left behind.
    QCOMPARE(schemaVersion(), OlderSchema);
    QCOMPARE(m_cluster
                 ->scalar(u"SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'nodes' "
                          "AND column_name = 'heartbeat_count' AND table_schema = current_schema()"_s)
                 .toInt(),
             0);
    // (pg_locks is the whole server's, shared with other tests.)
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND database = %1"_s.arg(
                ThisDatabase))
            .toInt(),
        0);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM nodes"_s).toInt(), 0);

    // The next nodes complete the migration on their own, once.
    QElapsedTimer since;
    since.start();
    NodeProcess *next[] = {m_cluster->startNode(u"next1"_s), m_cluster->startNode(u"next2"_s)};
    for (NodeProcess *node : next)
        QVERIFY(node->waitForJoined());
    FaultScenario(*m_cluster, backend()).figure(u"migrated_after_kill_ms"_s, since.elapsed());
    QCOMPARE(schemaVersion(), Schema::CurrentVersion);
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM schema_migrations WHERE version = ?"_s, {Schema::CurrentVersion})
            .toInt(),
        1);
    runJobsThroughTheCluster(2);
}

void TestFaultsMigration::migrationWaitsAreBounded_data()
{
    addBackendRows();
}

void TestFaultsMigration::migrationWaitsAreBounded()
{
    QFETCH(QString, backend);
    QVERIFY(makeCluster(backendFromName(backend)));
    auto locker = holder();
    QVERIFY(locker);
    auto lockerDb = locker->connection();
    QVERIFY(lockerDb.ok());
    QSqlQuery hold(*lockerDb);
    // Every connection ends a transaction left idle for 10 s (Dialect): the holder's must
    // last as long as the test needs, however slowly a loaded machine starts the nodes.
    if (postgres())
        QVERIFY(hold.exec(u"SET idle_in_transaction_session_timeout = 0"_s));

    if (postgres()) {
        // A node waiting for a table lock inside the migration gives up after its wait.
        QVERIFY(hold.exec(u"BEGIN"_s));
        QVERIFY(hold.exec(u"SELECT COUNT(*) FROM nodes"_s));
        hold.finish();
        NodeProcess *impatient = m_cluster->startNode(u"impatient"_s, {u"--migration-wait"_s, u"2"_s});
        QVERIFY(impatient->waitForExit(30000));
        QCOMPARE(impatient->process().exitCode(), 1);
        QVERIFY2(
            impatient->output().contains(u"another session has held a table it changes for more than 2 s; "
                                         "nothing was changed"_s),
            qPrintable(impatient->output()));

        // A node waiting for the migration lock, which a blocked migration holds, gives up too.
        NodeProcess *patient = m_cluster->startNode(u"patient"_s);
        QTRY_VERIFY_WITH_TIMEOUT(waiterOnNodes() != 0, 30000);
        NodeProcess *second = m_cluster->startNode(u"second"_s, {u"--migration-wait"_s, u"2"_s});
        QVERIFY(second->waitForExit(30000));
        QCOMPARE(second->process().exitCode(), 1);
        QVERIFY2(
            second->output().contains(u"another process has held the migration lock for more than 2 s"_s),
            qPrintable(second->output()));
        QCOMPARE(schemaVersion(), OlderSchema);

        // Released, the patient node completes the migration and joins.
        QVERIFY(hold.exec(u"COMMIT"_s));
        QVERIFY(patient->waitForJoined());
    } else {
        // Another process holds SQLite's write lock: the migration cannot begin.
        QVERIFY(hold.exec(u"BEGIN IMMEDIATE"_s));
        hold.finish();
        QElapsedTimer waited;
        waited.start();
        NodeProcess *impatient = m_cluster->startNode(u"impatient"_s, {u"--migration-wait"_s, u"2"_s});
        QVERIFY(impatient->waitForExit(30000));
        QCOMPARE(impatient->process().exitCode(), 1);
        QVERIFY2(impatient->output().contains(
                     u"another process has held the database's write lock for more than 2 s"_s),
                 qPrintable(impatient->output()));
        // It waited its two seconds, not the connection's usual fifteen.
        QVERIFY2(waited.elapsed() < 14000, qPrintable(u"exited after %1 ms"_s.arg(waited.elapsed())));

        // One killed while it waits leaves nothing behind either.
        NodeProcess *killed = m_cluster->startNode(u"killed"_s);
        QTRY_VERIFY_WITH_TIMEOUT(
            killed->output().contains(u"upgrading it to %1"_s.arg(Schema::CurrentVersion)), 30000);
        QVERIFY(killed->running());
        killed->signal(SIGKILL);
        QVERIFY(killed->waitForExit(10000));
        QVERIFY(hold.exec(u"COMMIT"_s));
        QCOMPARE(schemaVersion(), OlderSchema);

        NodeProcess *patient = m_cluster->startNode(u"patient"_s);
        QVERIFY(patient->waitForJoined());
    }
    QCOMPARE(schemaVersion(), Schema::CurrentVersion);
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM schema_migrations WHERE version = ?"_s, {Schema::CurrentVersion})
            .toInt(),
        1);
    // The nodes that gave up registered nothing.
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM nodes"_s).toInt(), 1);
    runJobsThroughTheCluster(1);
}

QTEST_GUILESS_MAIN(TestFaultsMigration)
#include "tst_faults_migration.moc"
