// Schema migrations, on SQLite and PostgreSQL: an empty database gets the whole schema,
// a second run changes nothing, and a database from a newer program is left alone.
#include "database.h"
#include "jobpool.h"
#include "schema.h"
#include "testdatabase.h"

#include <QFile>
#include <QSqlRecord>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

// Every table's columns and the migration record: what "the schema" is, as text.
QStringList describeSchema(Database &database)
{
    QStringList lines;
    auto db = database.connection();
    if (!db)
        return {u"error: "_s + db.message()};
    auto tables = database.dialect().tables(*db);
    if (!tables)
        return {u"error: "_s + tables.message()};
    for (const QString &table : *tables) {
        const QSqlRecord record = db->record(table);
        QStringList columns;
        for (int i = 0; i < record.count(); ++i)
            columns << record.fieldName(i);
        lines << table + u": "_s + columns.join(u',');
    }
    auto migrations =
        database.exec(u"SELECT version, applied_at, applied_by FROM schema_migrations ORDER BY version"_s);
    if (!migrations)
        return lines << u"error: "_s + migrations.message();
    while (migrations->next())
        lines << u"migration %1 at %2 by %3"_s.arg(migrations->value(0).toString(),
                                                   migrations->value(1).toString(),
                                                   migrations->value(2).toString());
    return lines;
}

} // namespace

class TestSchema : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void createsSchemaOnEmptyDatabase();
    void secondRunChangesNothing();
    void tableCreatedOutsideIsNotTouched();
    void newerSchemaIsRefused();
    void everyOlderVersionMigrates_data();
    void everyOlderVersionMigrates();
    void connectionIsConfigured();
    void missingDatabaseIsNotCreated();

private:
    DatabaseFixture m_fixture;
    TestDatabase *m_testDatabase = nullptr;
    Database *m_database = nullptr;
};

void TestSchema::cleanup()
{
    m_database = nullptr;
    m_testDatabase = nullptr;
    m_fixture.tearDown();
}

void TestSchema::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Empty);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
    m_database = &m_fixture.database();
    m_testDatabase = &m_fixture.testDatabase();
}

void TestSchema::createsSchemaOnEmptyDatabase()
{
    auto before = Schema::version(*m_database);
    QVERIFY2(before.ok(), qPrintable(before.message()));
    QCOMPARE(*before, 0);

    auto outcome = Schema::migrate(*m_database, u"test"_s);
    QVERIFY2(outcome.ok(), qPrintable(outcome.message()));
    QCOMPARE(outcome->fromVersion, 0);
    QCOMPARE(outcome->toVersion, Schema::CurrentVersion);
    QVERIFY(outcome->changed());

    auto db = m_database->connection();
    QVERIFY(db.ok());
    auto tables = m_database->dialect().tables(*db);
    QVERIFY2(tables.ok(), qPrintable(tables.message()));
    QCOMPARE(*tables, Schema::tableNames());
    QCOMPARE(*Schema::version(*m_database), Schema::CurrentVersion);

    auto applied = m_database->exec(u"SELECT COUNT(*), MIN(applied_by) FROM schema_migrations"_s);
    QVERIFY(applied.ok() && applied->next());
    QCOMPARE(applied->value(0).toInt(), Schema::CurrentVersion);
    QCOMPARE(applied->value(1).toString(), u"test"_s);
}

void TestSchema::secondRunChangesNothing()
{
    QVERIFY(Schema::migrate(*m_database, u"first"_s).ok());
    const QStringList before = describeSchema(*m_database);
    QVERIFY2(!before.join(u'\n').contains(u"error: "_s), qPrintable(before.join(u'\n')));

    auto again = Schema::migrate(*m_database, u"second"_s);
    QVERIFY2(again.ok(), qPrintable(again.message()));
    QVERIFY(!again->changed());
    QCOMPARE(again->fromVersion, Schema::CurrentVersion);
    QVERIFY(again->describe().contains(u"already exists"_s));
    QCOMPARE(describeSchema(*m_database), before);
}

void TestSchema::tableCreatedOutsideIsNotTouched()
{
    // An administrator's own table in the same database survives migrations.
    QVERIFY(m_database->exec(u"CREATE TABLE site_notes (note TEXT)"_s).ok());
    QVERIFY(m_database->exec(u"INSERT INTO site_notes (note) VALUES (?)"_s, {u"keep me"_s}).ok());
    QVERIFY(Schema::migrate(*m_database, u"test"_s).ok());
    auto note = m_database->exec(u"SELECT note FROM site_notes"_s);
    QVERIFY(note.ok() && note->next());
    QCOMPARE(note->value(0).toString(), u"keep me"_s);
}

void TestSchema::everyOlderVersionMigrates_data()
{
    QTest::addColumn<int>("from");
    for (int version = 1; version < Schema::CurrentVersion; ++version)
        QTest::addRow("from version %d", version) << version;
}

void TestSchema::everyOlderVersionMigrates()
{
    QFETCH(int, from);
    // The database an older program left, with data in it.
    auto old = Schema::migrate(*m_database, u"old program"_s, {}, from);
    QVERIFY2(old.ok(), qPrintable(old.message()));
    QCOMPARE(old->toVersion, from);
    QCOMPARE(*Schema::version(*m_database), from);
    QVERIFY(
        m_database
            ->exec(u"INSERT INTO jobs (type, scope, run_after, created_at) VALUES ('noop', 'local', 0, 0)"_s)
            .ok());

    auto upgraded = Schema::migrate(*m_database, u"new program"_s);
    QVERIFY2(upgraded.ok(), qPrintable(upgraded.message()));
    QCOMPARE(upgraded->fromVersion, from);
    QCOMPARE(upgraded->toVersion, Schema::CurrentVersion);
    QVERIFY(upgraded->describe().contains(u"Migrated"_s));
    QCOMPARE(*Schema::version(*m_database), Schema::CurrentVersion);
    auto kept = m_database->exec(u"SELECT COUNT(*) FROM jobs WHERE scope = 'local'"_s);
    QVERIFY(kept.ok() && kept->next());
    QCOMPARE(kept->value(0).toInt(), 1);
    // Version 2's index is there.
    const QString indexSql = m_database->url().backend() == Backend::Sqlite
                                 ? u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?"_s
                                 : u"SELECT COUNT(*) FROM pg_indexes WHERE indexname = ?"_s;
    auto index = m_database->exec(indexSql, {u"jobs_local_queued"_s});
    QVERIFY(index.ok() && index->next());
    QCOMPARE(index->value(0).toInt(), 1);
    // Version 7's: finished_at and (on PostgreSQL) schedule_key index only the rows with a
    // value, and a schedule key still makes one job.
    const QString definitionSql = m_database->url().backend() == Backend::Sqlite
                                      ? u"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?"_s
                                      : u"SELECT indexdef FROM pg_indexes WHERE indexname = ?"_s;
    QStringList partial = {u"jobs_finished_at"_s};
    if (m_database->url().backend() == Backend::Postgres)
        partial << u"jobs_schedule_key"_s;
    for (const QString &name : std::as_const(partial)) {
        auto definition = m_database->exec(definitionSql, {name});
        QVERIFY2(definition.ok() && definition->next(), qPrintable(name));
        QVERIFY2(definition->value(0).toString().contains(u"IS NOT NULL"_s),
                 qPrintable(definition->value(0).toString()));
    }
    JobSpec keyed;
    keyed.type = u"noop"_s;
    keyed.scheduleKey = u"nightly-2026-12-06"_s;
    QCOMPARE(JobPool::submit(*m_database, {keyed}).value(), 1);
    QCOMPARE(JobPool::submit(*m_database, {keyed, keyed}).value(), 0);
    auto applied = m_database->exec(u"SELECT COUNT(*) FROM schema_migrations"_s);
    QVERIFY(applied.ok() && applied->next());
    QCOMPARE(applied->value(0).toInt(), Schema::CurrentVersion);
}

void TestSchema::newerSchemaIsRefused()
{
    QVERIFY(Schema::migrate(*m_database, u"test"_s).ok());
    QVERIFY(m_database
                ->exec(u"INSERT INTO schema_migrations (version, applied_at, applied_by) VALUES (?, 0, ?)"_s,
                       {Schema::CurrentVersion + 1, u"newer program"_s})
                .ok());
    const QStringList before = describeSchema(*m_database);

    auto outcome = Schema::migrate(*m_database, u"older program"_s);
    QVERIFY(!outcome.ok());
    QCOMPARE(outcome.code(), ErrorCode::UpgradeRequired);
    QVERIFY2(outcome.message().contains(u"newer than this program"_s), qPrintable(outcome.message()));
    QCOMPARE(describeSchema(*m_database), before);
}

void TestSchema::connectionIsConfigured()
{
    if (m_database->url().backend() == Backend::Sqlite) {
        // WAL and a busy timeout let several processes share the file.
        auto mode = m_database->exec(u"PRAGMA journal_mode"_s);
        QVERIFY(mode.ok() && mode->next());
        QCOMPARE(mode->value(0).toString(), u"wal"_s);
        auto timeout = m_database->exec(u"PRAGMA busy_timeout"_s);
        QVERIFY(timeout.ok() && timeout->next());
        QVERIFY(timeout->value(0).toInt() >= 1000);
    } else {
        auto name = m_database->exec(u"SELECT current_setting('application_name'), "
                                     "current_setting('client_min_messages')"_s);
        QVERIFY(name.ok() && name->next());
        QCOMPARE(name->value(0).toString(), u"cohort"_s);
        QCOMPARE(name->value(1).toString(), u"warning"_s);
    }
}

void TestSchema::missingDatabaseIsNotCreated()
{
    QString url;
    if (m_database->url().backend() == Backend::Sqlite) {
        url = u"sqlite:"_s + m_testDatabase->scratchPath(u"absent.db"_s);
    } else {
        QUrl absent(m_testDatabase->url());
        absent.setPath(u"/absent_database"_s);
        url = absent.toString();
    }
    Database absent(*DatabaseUrl::parse(url));
    auto connection = absent.connection();
    QVERIFY(!connection.ok());
    QVERIFY2(connection.message().contains(u"absent"_s), qPrintable(connection.message()));
    QVERIFY(!connection.message().contains(u'\n'));
    if (m_database->url().backend() == Backend::Sqlite) {
        QCOMPARE(connection.code(), ErrorCode::NotFound);
        QVERIFY(!QFile::exists(absent.url().path()));
    } else {
        QCOMPARE(connection.code(), ErrorCode::NotFound);
        QVERIFY2(connection.message().contains(u"does not exist"_s), qPrintable(connection.message()));
    }
}

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"
