#include "testdatabase.h"
#include "cluster.h"
#include "masterkey.h"
#include "passwordhash.h"
#include "schema.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <QTest>
#include <QUrl>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

namespace {

std::unique_ptr<PostgresServer> &serverSlot()
{
    static std::unique_ptr<PostgresServer> server;
    return server;
}

void stopPrivateServer()
{
    serverSlot().reset();
}

} // namespace

Result<PostgresServer *> sharedPostgres()
{
    auto &server = serverSlot();
    if (server)
        return server.get();
    const QString stateFile = qEnvironmentVariable("COHORT_TEST_PG_STATE");
    auto made = stateFile.isEmpty() ? PostgresServer::start() : PostgresServer::attach(stateFile);
    if (!made)
        return made.error();
    server = std::move(made).value();
    qAddPostRoutine(stopPrivateServer);
    return server.get();
}

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << u"sqlite"_s;
    QTest::newRow("postgresql") << u"postgresql"_s;
}

Backend backendFromName(const QString &name)
{
    return name == u"postgresql"_s ? Backend::Postgres : Backend::Sqlite;
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::create(Backend backend, const QString &label)
{
    std::unique_ptr<TestDatabase> database(new TestDatabase);
    database->m_backend = backend;
    if (!database->m_scratch.isValid())
        return makeError(ErrorCode::Io, u"cannot make a temporary folder"_s);
    if (backend == Backend::Sqlite) {
        database->m_url = u"sqlite:"_s + database->m_scratch.filePath(u"cohort.db"_s);
        return database;
    }
    auto server = sharedPostgres();
    if (!server)
        return server.error();
    auto name = (*server)->createDatabase(label.isEmpty() ? u"t"_s : label);
    if (!name)
        return name.error();
    database->m_postgresName = *name;
    database->m_url = (*server)->url(*name);
    return database;
}

TestDatabase::~TestDatabase()
{
    if (!m_postgresName.isEmpty()) {
        if (auto server = sharedPostgres(); server)
            (void)(*server)->dropDatabase(m_postgresName);
    }
}

QString TestDatabase::urlWithPassword(const QString &password) const
{
    QUrl url(m_url);
    url.setPassword(password);
    return url.toString();
}

QString TestDatabase::scratchPath(const QString &name) const
{
    return m_scratch.filePath(name);
}

Result<void> DatabaseFixture::setUp(const QString &backendName, SchemaState state)
{
    auto made =
        TestDatabase::create(backendFromName(backendName), QString::fromLatin1(QTest::currentTestFunction()));
    if (!made)
        return made.error();
    m_testDatabase = std::move(made).value();
    auto url = DatabaseUrl::parse(m_testDatabase->url());
    if (!url)
        return url.error();
    m_database = std::make_unique<Database>(*url, Database::SqliteFile::CreateIfMissing);
    if (state == SchemaState::Migrated) {
        auto migrated = Schema::migrate(*m_database, u"test"_s);
        if (!migrated)
            return migrated.error();
    }
    return {};
}

Result<void> DatabaseFixture::createCluster(const QString &name, const QString &adminName,
                                            const QString &adminPassword)
{
    ClusterInitRequest request;
    request.name = name;
    request.secret = FixtureSecret;
    request.adminName = adminName;
    request.adminPassword = adminPassword;
    request.actor = u"test"_s;
    auto created = Cluster::initialize(*m_database, request);
    if (!created)
        return created.error();
    return {};
}

NodeJoin nodeJoinRequest(const QString &name)
{
    NodeJoin join;
    join.guid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    join.name = name;
    join.apiAddress = u"127.0.0.1:8443"_s;
    join.version = u"0.1.0"_s;
    join.incarnation = QUuid::createUuid().toString(QUuid::WithoutBraces);
    join.hostname = QSysInfo::machineHostName();
    join.hostId = NodeRegistry::hostIdentity();
    join.pid = QCoreApplication::applicationPid();
    join.heartbeatMs = 10000;
    join.offlineAfterMs = 180000;
    join.guidFile = u"node.guid"_s;
    return join;
}

NodeJoin joinTestNode(Database &database, const QString &name)
{
    const NodeJoin join = nodeJoinRequest(name);
    if (auto joined = NodeRegistry::join(database, join); !joined)
        qWarning().noquote() << "cannot join node" << name << joined.message();
    return join;
}

Result<void> addUser(Database &database, const QByteArray &secret, const NewUser &user)
{
    auto cluster = Cluster::load(database);
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value())
        return makeError(ErrorCode::NotFound, u"no cluster to add a user to"_s);
    const QByteArray context = (*cluster)->keyContext();
    auto key = MasterKey::unwrap((*cluster)->wrappedDataKey, secret, context);
    if (!key)
        return key.error();
    auto prepared = Users::prepare(user, context);
    if (!prepared)
        return prepared.error();
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        auto inserted = Users::insert(db, database.dialect(), *prepared, *key, context);
        if (!inserted)
            return inserted.error();
        return {};
    });
}

Result<void> addUser(Database &database, const QString &name, const QString &password, Role role)
{
    NewUser user;
    user.name = name;
    user.password = password;
    user.role = role;
    return addUser(database, FixtureSecret, user);
}

void DatabaseFixture::tearDown()
{
    m_database.reset();
    m_testDatabase.reset();
}

} // namespace Cohort::Test
