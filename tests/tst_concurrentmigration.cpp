// Five processes start migrating one empty database at the same instant, on SQLite and
// on PostgreSQL: exactly one creates the schema, the others wait for the migration lock
// and find it already there; the schema ends intact and recorded once.
#include "database.h"
#include "schema.h"
#include "testdatabase.h"

#include <QProcess>
#include <QTest>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

class TestConcurrentMigration : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void fiveProcessesCreateTheSchemaOnce_data();
    void fiveProcessesCreateTheSchemaOnce();
};

void TestConcurrentMigration::fiveProcessesCreateTheSchemaOnce_data()
{
    // Several rounds: a race that is lost only now and then must still be caught.
    QTest::addColumn<int>("round");
    for (int round = 1; round <= 3; ++round)
        QTest::addRow("round %d", round) << round;
}

void TestConcurrentMigration::fiveProcessesCreateTheSchemaOnce()
{
    QFETCH_GLOBAL(QString, backend);
    constexpr int Processes = 5;
    auto testDatabase = TestDatabase::create(backendFromName(backend), u"race"_s);
    QVERIFY2(testDatabase.ok(), qPrintable(testDatabase.message()));
    const QString url = (*testDatabase)->url();

    // All processes connect first, then are released together, so they really meet at
    // the migration lock.
    std::vector<std::unique_ptr<QProcess>> processes;
    for (int i = 0; i < Processes; ++i) {
        auto process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->start(QStringLiteral(COHORT_MIGRATE_ON_GO_PATH), {url});
        QVERIFY2(process->waitForStarted(), qPrintable(process->errorString()));
        processes.push_back(std::move(process));
    }
    for (auto &process : processes) {
        QTRY_VERIFY_WITH_TIMEOUT(process->canReadLine() || process->state() == QProcess::NotRunning, 30000);
        const QByteArray line = process->readLine().trimmed();
        QVERIFY2(line == "ready", line.constData());
    }
    for (auto &process : processes)
        process->write("go\n");
    for (auto &process : processes)
        QVERIFY(process->waitForBytesWritten(5000));

    int created = 0;
    int alreadyThere = 0;
    for (auto &process : processes) {
        QVERIFY(process->waitForFinished(60000));
        const QString output = QString::fromUtf8(process->readAll()).trimmed();
        QVERIFY2(process->exitStatus() == QProcess::NormalExit && process->exitCode() == 0,
                 qPrintable(output));
        if (output.contains(u"created Created the schema at version %1"_s.arg(Schema::CurrentVersion)))
            ++created;
        else if (output.contains(
                     u"exists The schema already exists at version %1"_s.arg(Schema::CurrentVersion)))
            ++alreadyThere;
        else
            QFAIL(qPrintable(u"unexpected output: "_s + output));
    }
    QCOMPARE(created, 1);
    QCOMPARE(alreadyThere, Processes - 1);

    auto parsed = DatabaseUrl::parse(url);
    QVERIFY(parsed.ok());
    Database database(*parsed);
    auto version = Schema::version(database);
    QVERIFY2(version.ok(), qPrintable(version.message()));
    QCOMPARE(*version, Schema::CurrentVersion);
    auto db = database.connection();
    QVERIFY2(db.ok(), qPrintable(db.message()));
    auto tables = database.dialect().tables(*db);
    QVERIFY(tables.ok());
    QCOMPARE(*tables, Schema::tableNames());
    auto recorded =
        database.exec(u"SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version"_s);
    QVERIFY(recorded.ok());
    int versions = 0;
    while (recorded->next()) {
        ++versions;
        QCOMPARE(recorded->value(0).toInt(), versions);
        QCOMPARE(recorded->value(1).toInt(), 1);
    }
    QCOMPARE(versions, Schema::CurrentVersion);
    // The database is usable: a write and a read through the new tables.
    QVERIFY(
        database
            .exec(u"INSERT INTO audit_log (at, actor, action) VALUES (?, ?, ?)"_s, {1, u"t"_s, u"probe"_s})
            .ok());
    auto count = database.exec(u"SELECT COUNT(*) FROM audit_log"_s);
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), 1);
}

QTEST_GUILESS_MAIN(TestConcurrentMigration)
#include "tst_concurrentmigration.moc"
