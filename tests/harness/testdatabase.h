// TestDatabase: a fresh, empty cluster database for one test, on SQLite (a file in a
// temporary folder) or PostgreSQL (a new database on the shared test server), removed
// when the test ends. Database tests run on both: see addBackendRows().
#pragma once

#include "database.h"
#include "databaseurl.h"
#include "noderegistry.h"
#include "postgresserver.h"
#include "result.h"
#include "users.h"

#include <QTemporaryDir>

#include <memory>

namespace Cohort::Test {

// The test server: the one the CTest fixture started (COHORT_TEST_PG_STATE names its
// state file), or else one started for this process and stopped when it exits.
Result<PostgresServer *> sharedPostgres();

// Adds the "backend" column with one row per backend; call from initTestCase_data() so
// every test function runs on both, and read it with QFETCH_GLOBAL(QString, backend).
void addBackendRows();
Backend backendFromName(const QString &name);

// A join request for a node played by the test process itself: new GUID and incarnation,
// this process's pid, a three-minute offline threshold.
NodeJoin nodeJoinRequest(const QString &name);
// Joins such a node (Online); a failure is printed and shows in the test's later checks.
NodeJoin joinTestNode(Database &database, const QString &name);

// The local secret DatabaseFixture::createCluster() uses.
inline const QByteArray FixtureSecret = QByteArrayLiteral("a local secret of thirty-two b.");

// Adds a user as cohortctl does: password hashed, personal data sealed and, for an
// administrator, a key pair and a copy of the data key (unlocked with secret).
Result<void> addUser(Database &database, const QByteArray &secret, const NewUser &user);
// The same with DatabaseFixture's secret and no personal data.
Result<void> addUser(Database &database, const QString &name, const QString &password, Role role);

class TestDatabase
{
public:
    static Result<std::unique_ptr<TestDatabase>> create(Backend backend, const QString &label);
    ~TestDatabase();

    Backend backend() const { return m_backend; }
    QString url() const { return m_url; }
    // The same database with a wrong password (PostgreSQL only).
    QString urlWithPassword(const QString &password) const;
    // A folder that lives as long as the database, for secret files and the like.
    QString scratchPath(const QString &name) const;

private:
    TestDatabase() = default;
    Backend m_backend = Backend::Sqlite;
    QTemporaryDir m_scratch;
    QString m_url;
    QString m_postgresName;
};

// What most database tests start from: a fresh TestDatabase named after the current test
// function, opened, and migrated to the current schema when asked.
class DatabaseFixture
{
public:
    enum class SchemaState { Empty, Migrated };

    Result<void> setUp(const QString &backendName, SchemaState state);
    void tearDown();
    // Creates a cluster in the (empty) database: data key, schema, first administrator.
    Result<void> createCluster(const QString &name, const QString &adminName, const QString &adminPassword);

    TestDatabase &testDatabase() { return *m_testDatabase; }
    Database &database() { return *m_database; }

private:
    std::unique_ptr<TestDatabase> m_testDatabase;
    std::unique_ptr<Database> m_database;
};

} // namespace Cohort::Test
