// cohortctl's cluster commands, run as real processes on SQLite and PostgreSQL against a
// cluster made by "cohortctl init": jobs submit / list / stats, nodes and decommission.
// Nodes join through the real NodeRegistry; what the commands did is read back with SQL.
#include "ctlrun.h"
#include "database.h"
#include "jobpool.h"
#include "masterkey.h"
#include "noderegistry.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <QUuid>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

constexpr qint64 MinuteMs = 60 * 1000;

// The JSON a command printed, or an error string naming what was printed instead.
QJsonDocument parseJson(const CtlRun &run, QString *problem)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(run.out.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        *problem = u"not JSON (%1): %2 %3"_s.arg(error.errorString(), run.out, run.err);
    return document;
}

void writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
}

struct TestNode
{
    QString guid;
    QString name;
    QString incarnation;
};

} // namespace

class TestCtlCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void submitInsertsQueuedJobs();
    void submitSetsScopeDelayPayloadAndAttempts();
    void badInputChangesNothing_data();
    void badInputChangesNothing();
    void commandsNeedACluster();
    void nodesShowsStatusAndActivity();
    void statsSumTheWindowByNodeAndType();
    void listFiltersByStateNodeAndLimit();
    void decommissionOnlyOfflineNodes();
    void helpExplainsEveryOption();

private:
    QStringList withDb(QStringList arguments) const;
    qint64 scalar(const QString &sql, const QVariantList &values = {});
    TestNode join(const QString &name);
    void leave(const TestNode &node);
    void addStats(qint64 minute, const TestNode &node, const QString &type, qint64 succeeded, qint64 failed,
                  qint64 totalMs);
    qint64 addJob(const QString &state, const QString &claimedBy);

    std::unique_ptr<TestDatabase> m_testDatabase;
    std::unique_ptr<Database> m_database;
};

void TestCtlCluster::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto made = TestDatabase::create(backendFromName(backend), u"ctlcluster"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    m_testDatabase = std::move(made).value();
    const QString secretFile = m_testDatabase->scratchPath(u"secret.key"_s);
    const QString passwordFile = m_testDatabase->scratchPath(u"password"_s);
    QVERIFY(MasterKey::writeNewSecretFile(secretFile).ok());
    writeFile(passwordFile, "correct horse battery\n");
    const CtlRun created = runCtl({u"init"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s,
                                   secretFile, u"--admin"_s, u"alice"_s, u"--password-file"_s, passwordFile});
    QVERIFY2(created.exitCode == 0, qPrintable(created.err));
    auto database = Database::fromUrl(m_testDatabase->url());
    QVERIFY2(database.ok(), qPrintable(database.message()));
    m_database = std::move(database).value();
}

void TestCtlCluster::cleanup()
{
    // The connection goes before its database is dropped.
    m_database.reset();
    m_testDatabase.reset();
}

QStringList TestCtlCluster::withDb(QStringList arguments) const
{
    return arguments << u"--db"_s << m_testDatabase->url();
}

qint64 TestCtlCluster::scalar(const QString &sql, const QVariantList &values)
{
    auto query = m_database->exec(sql, values);
    if (!query) {
        qWarning("%s: %s", qPrintable(sql), qPrintable(query.message()));
        return -1;
    }
    return query->next() ? query->value(0).toLongLong() : -1;
}

TestNode TestCtlCluster::join(const QString &name)
{
    TestNode node{QUuid::createUuid().toString(QUuid::WithoutBraces), name,
                  QUuid::createUuid().toString(QUuid::WithoutBraces)};
    NodeJoin request;
    request.guid = node.guid;
    request.name = name;
    request.apiAddress = u"https://%1.example:7443"_s.arg(name);
    request.version = u"0.1.0"_s;
    request.incarnation = node.incarnation;
    request.hostname = u"host-"_s + name;
    request.pid = 4242;
    request.tzName = u"UTC"_s;
    request.offlineAfterMs = 180000;
    request.guidFile = u"x"_s;
    auto joined = NodeRegistry::join(*m_database, request);
    if (!joined)
        qWarning("joining %s: %s", qPrintable(name), qPrintable(joined.message()));
    return joined ? node : TestNode{};
}

void TestCtlCluster::leave(const TestNode &node)
{
    auto left = NodeRegistry::leave(*m_database, node.guid, node.incarnation, u"test stop"_s);
    QVERIFY2(left.ok(), qPrintable(left.message()));
}

void TestCtlCluster::addStats(qint64 minute, const TestNode &node, const QString &type, qint64 succeeded,
                              qint64 failed, qint64 totalMs)
{
    auto inserted =
        m_database->exec(u"INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms) "
                         "VALUES (?, ?, ?, ?, ?, ?)"_s,
                         {minute, node.guid, type, succeeded, failed, totalMs});
    QVERIFY2(inserted.ok(), qPrintable(inserted.message()));
}

qint64 TestCtlCluster::addJob(const QString &state, const QString &claimedBy)
{
    const bool finished = state == u"succeeded"_s || state == u"failed"_s;
    auto inserted = m_database->exec(
        u"INSERT INTO jobs (type, scope, payload, state, run_after, attempts, max_attempts, claimed_by, "
        u"claim_epoch, "
        "claimed_at, finished_at, last_error, created_at) VALUES ('noop', 'pool', '{}', ?, 1, 1, 5, ?, 1, 2, ?, ?, 1)"_s,
        {state, claimedBy, finished ? QVariant(qint64(3)) : QVariant(QMetaType::fromType<qint64>()),
         state == u"failed"_s ? QVariant(u"it broke"_s) : QVariant(QMetaType::fromType<QString>())});
    if (!inserted) {
        qWarning("adding a job: %s", qPrintable(inserted.message()));
        return -1;
    }
    return scalar(u"SELECT MAX(id) FROM jobs"_s);
}

void TestCtlCluster::submitInsertsQueuedJobs()
{
    const CtlRun run = runCtl(withDb(
        {u"jobs"_s, u"submit"_s, u"--type"_s, u"noop"_s, u"--count"_s, u"250"_s, u"--priority"_s, u"3"_s}));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(run.out, u"Submitted 250 jobs of type noop.\n"_s);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs"_s), 250);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND type = 'noop' AND scope = 'pool' "
                    "AND priority = 3 AND payload = '{}' AND attempts = 0 AND max_attempts = 5 "
                    "AND claimed_by IS NULL AND ABS(run_after - created_at) < 1000"_s),
             250);

    const CtlRun one = runCtl(withDb({u"jobs"_s, u"submit"_s, u"--type"_s, u"noop"_s}));
    QVERIFY2(one.exitCode == 0, qPrintable(one.err));
    QCOMPARE(one.out, u"Submitted 1 job of type noop.\n"_s);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs WHERE priority = 0"_s), 1);

    // More than one submission's worth, and not a multiple of it: every job lands once.
    const CtlRun many = runCtl(withDb({u"jobs"_s, u"submit"_s, u"--type"_s, u"fail"_s, u"--count"_s,
                                       u"20001"_s, u"--priority"_s, u"-2"_s, u"--json"_s}));
    QVERIFY2(many.exitCode == 0, qPrintable(many.err));
    QString problem;
    const QJsonObject report = parseJson(many, &problem).object();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(report.value(u"submitted"_s).toInteger(), 20001);
    QCOMPARE(report.value(u"type"_s).toString(), u"fail"_s);
    QCOMPARE(report.value(u"scope"_s).toString(), u"pool"_s);
    QCOMPARE(
        scalar(u"SELECT COUNT(*) FROM jobs WHERE type = 'fail' AND priority = -2 AND state = 'queued'"_s),
        20001);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs"_s), 250 + 1 + 20001);
}

void TestCtlCluster::submitSetsScopeDelayPayloadAndAttempts()
{
    struct Case
    {
        QStringList arguments;
        QString type;
        QString scope;
        QString payload;
        qint64 delayMs;
        int maxAttempts;
    };
    const Case cases[] = {
        {{u"--type"_s, u"noop"_s, u"--local"_s}, u"noop"_s, u"local"_s, u"{}"_s, 0, 5},
        // clear-cache runs on every node whether or not --local says so.
        {{u"--type"_s, u"clear-cache"_s}, u"clear-cache"_s, u"local"_s, u"{}"_s, 0, 5},
        {{u"--type"_s, u"noop"_s, u"--delay"_s, u"60"_s}, u"noop"_s, u"pool"_s, u"{}"_s, 60000, 5},
        {{u"--type"_s, u"noop"_s, u"--delay"_s, u"1.5"_s}, u"noop"_s, u"pool"_s, u"{}"_s, 1500, 5},
        {{u"--type"_s, u"sleep"_s, u"--payload"_s, u"{\"ms\": 250}"_s, u"--max-attempts"_s, u"7"_s},
         u"sleep"_s,
         u"pool"_s,
         u"{\"ms\": 250}"_s,
         0,
         7},
        {{u"--type"_s, u"fail"_s, u"--payload"_s, u"{\"error\": \"disk f\u00fcll\", \"n\": [1, 2]}"_s},
         u"fail"_s,
         u"pool"_s,
         u"{\"error\": \"disk f\u00fcll\", \"n\": [1, 2]}"_s,
         0,
         5},
    };
    for (const Case &expected : cases) {
        const CtlRun run = runCtl(withDb(QStringList{u"jobs"_s, u"submit"_s} + expected.arguments));
        QVERIFY2(run.exitCode == 0, qPrintable(expected.arguments.join(u' ') + u": "_s + run.err));
        auto query = m_database->exec(
            u"SELECT type, scope, payload, run_after - created_at, max_attempts, state FROM jobs ORDER BY id DESC"_s);
        QVERIFY(query.ok() && query->next());
        const QString label = expected.arguments.join(u' ');
        QCOMPARE(query->value(0).toString(), expected.type);
        QVERIFY2(query->value(1).toString() == expected.scope, qPrintable(label));
        QVERIFY2(query->value(2).toString() == expected.payload,
                 qPrintable(label + u": "_s + query->value(2).toString()));
        const qint64 delay = query->value(3).toLongLong();
        // Both times come from the database's clock in one statement (PostgreSQL reads
        // clock_timestamp() once for each, so they may differ by a millisecond).
        QVERIFY2(delay >= expected.delayMs - 200 && delay <= expected.delayMs + 200,
                 qPrintable(u"%1: delay %2 ms"_s.arg(label).arg(delay)));
        QCOMPARE(query->value(4).toInt(), expected.maxAttempts);
        QCOMPARE(query->value(5).toString(), u"queued"_s);
    }
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs"_s), qint64(std::size(cases)));
}

void TestCtlCluster::badInputChangesNothing_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("complaint");
    const QString jobs = u"jobs"_s;
    const QString submit = u"submit"_s;
    QTest::newRow("unknown type") << QStringList{jobs, submit, u"--type"_s, u"frobnicate"_s}
                                  << u"Unknown job type \"frobnicate\""_s;
    QTest::newRow("malformed JSON payload")
        << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--payload"_s, u"{\"ms\": "_s}
        << u"not valid JSON"_s;
    QTest::newRow("payload not an object")
        << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--payload"_s, u"[1, 2]"_s}
        << u"must be a JSON object"_s;
    QTest::newRow("sleep without ms")
        << QStringList{jobs, submit, u"--type"_s, u"sleep"_s} << u"needs \"ms\""_s;
    QTest::newRow("sleep with negative ms")
        << QStringList{jobs, submit, u"--type"_s, u"sleep"_s, u"--payload"_s, u"{\"ms\": -5}"_s}
        << u"\"ms\" must be"_s;
    QTest::newRow("count 0") << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--count"_s, u"0"_s}
                             << u"--count must be a whole number from 1 to 1000000, not \"0\""_s;
    QTest::newRow("count abc") << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--count"_s, u"abc"_s}
                               << u"--count must be"_s;
    QTest::newRow("count too big") << QStringList{jobs,      submit,       u"--type"_s,
                                                  u"noop"_s, u"--count"_s, u"1000001"_s}
                                   << u"--count must be"_s;
    QTest::newRow("delay -1") << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--delay"_s, u"-1"_s}
                              << u"--delay must be"_s;
    QTest::newRow("delay past 30 days")
        << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--delay"_s, u"2592001"_s}
        << u"--delay must be"_s;
    QTest::newRow("delay nan") << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--delay"_s, u"nan"_s}
                               << u"--delay must be"_s;
    QTest::newRow("priority x") << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--priority"_s, u"x"_s}
                                << u"--priority must be a whole number"_s;
    QTest::newRow("max attempts 0") << QStringList{jobs,  submit, u"--type"_s, u"noop"_s, u"--max-attempts"_s,
                                                   u"0"_s}
                                    << u"--max-attempts must be"_s;
    QTest::newRow("max attempts 101")
        << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--max-attempts"_s, u"101"_s}
        << u"--max-attempts must be"_s;
    QTest::newRow("no type") << QStringList{jobs, submit, u"--count"_s, u"5"_s} << u"--type is required"_s;
    QTest::newRow("option of another action")
        << QStringList{jobs, submit, u"--type"_s, u"noop"_s, u"--since"_s, u"1h"_s}
        << u"--since does not apply to \"jobs submit\""_s;
    QTest::newRow("unknown action") << QStringList{jobs, u"frobnicate"_s, u"--type"_s, u"noop"_s}
                                    << u"unknown action \"frobnicate\""_s;
    QTest::newRow("no action") << QStringList{jobs} << u"give an action"_s;
    QTest::newRow("unknown state") << QStringList{jobs, u"list"_s, u"--state"_s, u"lost"_s}
                                   << u"Unknown job state \"lost\""_s;
    QTest::newRow("bad limit") << QStringList{jobs, u"list"_s, u"--limit"_s, u"0"_s} << u"--limit must be"_s;
    QTest::newRow("bad since") << QStringList{jobs, u"stats"_s, u"--since"_s, u"1fortnight"_s}
                               << u"--since must be a duration like 30s, 15m, 1h"_s;
    QTest::newRow("since without unit")
        << QStringList{jobs, u"stats"_s, u"--since"_s, u"60"_s} << u"--since must be a duration"_s;
    QTest::newRow("since zero") << QStringList{jobs, u"stats"_s, u"--since"_s, u"0s"_s}
                                << u"--since must be a duration"_s;
    QTest::newRow("nodes with an argument")
        << QStringList{u"nodes"_s, u"extra"_s} << u"unknown action \"extra\""_s;
    QTest::newRow("nodes list with an argument")
        << QStringList{u"nodes"_s, u"list"_s, u"extra"_s} << u"unexpected argument \"extra\""_s;
    QTest::newRow("health with an argument")
        << QStringList{u"health"_s, u"extra"_s} << u"unexpected argument"_s;
    QTest::newRow("decommission without a node")
        << QStringList{u"decommission"_s} << u"give exactly one NODE"_s;
    QTest::newRow("decommission with an empty actor")
        << QStringList{u"decommission"_s, u"some-node"_s, u"--actor"_s, u" "_s}
        << u"--actor cannot be empty"_s;
}

void TestCtlCluster::badInputChangesNothing()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, complaint);
    const qint64 auditBefore = scalar(u"SELECT COUNT(*) FROM audit_log"_s);

    const CtlRun run = runCtl(withDb(arguments));
    QVERIFY2(run.exitCode == 2, qPrintable(u"exit %1: %2"_s.arg(run.exitCode).arg(run.err)));
    QVERIFY2(run.err.contains(complaint), qPrintable(run.err));
    QVERIFY2(run.err.startsWith(u"cohortctl %1: "_s.arg(arguments.constFirst())), qPrintable(run.err));
    QVERIFY2(run.err.endsWith(u'\n') && run.err.count(u'\n') == 1, qPrintable(u"one line: "_s + run.err));
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out));

    QCOMPARE(scalar(u"SELECT COUNT(*) FROM jobs"_s), 0);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log"_s), auditBefore);
}

void TestCtlCluster::commandsNeedACluster()
{
    const QStringList commands[] = {{u"nodes"_s},
                                    {u"jobs"_s, u"list"_s},
                                    {u"jobs"_s, u"stats"_s},
                                    {u"jobs"_s, u"submit"_s, u"--type"_s, u"noop"_s},
                                    {u"decommission"_s, u"n1"_s}};
    // --db is required.
    for (const QStringList &command : commands) {
        const CtlRun run = runCtl(command);
        QVERIFY2(run.exitCode == 2 && run.err.contains(u"--db is required"_s), qPrintable(run.err));
    }

    // A database without a cluster: a one-line error, and nothing is created.
    auto empty = TestDatabase::create(m_testDatabase->backend(), u"ctlempty"_s);
    QVERIFY2(empty.ok(), qPrintable(empty.message()));
    const QString url = (*empty)->url();
    for (const QStringList &command : commands) {
        const CtlRun run = runCtl(command + QStringList{u"--db"_s, url});
        QVERIFY2(run.exitCode == 1, qPrintable(command.join(u' ') + u": "_s + run.err));
        QVERIFY2(run.err.count(u'\n') == 1, qPrintable(run.err));
        if (m_testDatabase->backend() == Backend::Postgres)
            QVERIFY2(run.err.contains(u"holds no cluster"_s), qPrintable(run.err));
        else
            QVERIFY2(run.err.contains(u"does not exist"_s), qPrintable(run.err));
    }
    if (m_testDatabase->backend() == Backend::Sqlite) {
        QVERIFY(!QFileInfo::exists(DatabaseUrl::parse(url)->path()));
    } else {
        Database database(*DatabaseUrl::parse(url));
        auto db = database.connection();
        QVERIFY(db.ok());
        auto tables = database.dialect().tables(*db);
        QVERIFY(tables.ok());
        QCOMPARE(*tables, QStringList());
    }
}

void TestCtlCluster::nodesShowsStatusAndActivity()
{
    const CtlRun none = runCtl(withDb({u"nodes"_s}));
    QCOMPARE(none.exitCode, 0);
    QVERIFY2(none.out.contains(u"No manager node"_s), qPrintable(none.out));

    const TestNode alpha = join(u"alpha"_s);
    const TestNode beta = join(u"beta"_s);
    QVERIFY(!alpha.guid.isEmpty() && !beta.guid.isEmpty());
    leave(beta);

    // Activity: finished jobs this hour (and one from long ago), one running job.
    auto now = JobPool::now(*m_database);
    QVERIFY(now.ok());
    const qint64 minute = *now / MinuteMs * MinuteMs;
    addStats(minute - 2 * MinuteMs, alpha, u"noop"_s, 3, 1, 40);
    addStats(minute - 5 * MinuteMs, alpha, u"sleep"_s, 2, 0, 40);
    addStats(minute - 3 * 60 * MinuteMs, alpha, u"noop"_s, 100, 0, 40);
    QVERIFY(addJob(u"running"_s, alpha.guid) > 0);
    QVERIFY(addJob(u"succeeded"_s, alpha.guid) > 0);

    const CtlRun run = runCtl(withDb({u"nodes"_s, u"--json"_s}));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QString problem;
    const QJsonArray nodes = parseJson(run, &problem).array();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(nodes.size(), 2);
    const QJsonObject first = nodes.at(0).toObject();
    const QJsonObject second = nodes.at(1).toObject();
    QCOMPARE(first.value(u"name"_s).toString(), u"alpha"_s);
    QCOMPARE(first.value(u"guid"_s).toString(), alpha.guid);
    QCOMPARE(first.value(u"address"_s).toString(), u"https://alpha.example:7443"_s);
    QCOMPARE(first.value(u"version"_s).toString(), u"0.1.0"_s);
    QCOMPARE(first.value(u"status"_s).toString(), u"online"_s);
    QCOMPARE(first.value(u"status_text"_s).toString(), u"Online"_s);
    QCOMPARE(first.value(u"jobs_last_hour"_s).toInteger(), 6);
    QCOMPARE(first.value(u"running_jobs"_s).toInteger(), 1);
    QCOMPARE(first.value(u"hostname"_s).toString(), u"host-alpha"_s);
    QCOMPARE(first.value(u"pid"_s).toInteger(), 4242);
    QCOMPARE(first.value(u"time_zone"_s).toString(), u"UTC"_s);
    const qint64 contact = first.value(u"last_contact_ms"_s).toInteger();
    QVERIFY2(contact > *now - MinuteMs && contact <= *now + MinuteMs, qPrintable(QString::number(contact)));
    QCOMPARE(
        QDateTime::fromString(first.value(u"last_contact"_s).toString(), Qt::ISODate).toMSecsSinceEpoch(),
        contact / 1000 * 1000);

    QCOMPARE(second.value(u"name"_s).toString(), u"beta"_s);
    QCOMPARE(second.value(u"guid"_s).toString(), beta.guid);
    QCOMPARE(second.value(u"status"_s).toString(), u"offline"_s);
    QCOMPARE(second.value(u"status_text"_s).toString(), u"Offline"_s);
    QCOMPARE(second.value(u"jobs_last_hour"_s).toInteger(), 0);
    QCOMPARE(second.value(u"running_jobs"_s).toInteger(), 0);
    const QStringList keys = {u"name"_s,           u"guid"_s,         u"address"_s,      u"version"_s,
                              u"status"_s,         u"status_text"_s,  u"last_contact"_s, u"last_contact_ms"_s,
                              u"jobs_last_hour"_s, u"running_jobs"_s, u"hostname"_s,     u"pid"_s,
                              u"time_zone"_s};
    for (const QString &key : keys)
        QVERIFY2(second.contains(key), qPrintable(key));

    const CtlRun text = runCtl(withDb({u"nodes"_s}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    const QStringList lines = text.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines.at(0).startsWith(u"NAME"_s), qPrintable(text.out));
    QVERIFY2(lines.at(1).startsWith(u"alpha"_s) && lines.at(1).contains(u"Online"_s)
                 && lines.at(1).contains(alpha.guid) && lines.at(1).contains(u" s ago)"_s),
             qPrintable(text.out));
    QVERIFY2(lines.at(2).startsWith(u"beta"_s) && lines.at(2).contains(u"Offline"_s), qPrintable(text.out));
    // Aligned: every row's GUID starts in the header's GUID column.
    const qsizetype guidColumn = lines.at(0).indexOf(u"GUID"_s);
    QCOMPARE(lines.at(1).indexOf(alpha.guid), guidColumn);
    QCOMPARE(lines.at(2).indexOf(beta.guid), guidColumn);
    QVERIFY2(QRegularExpression(u"\\s6\\s+1$"_s).match(lines.at(1)).hasMatch(), qPrintable(lines.at(1)));
}

void TestCtlCluster::statsSumTheWindowByNodeAndType()
{
    const TestNode alpha = join(u"alpha"_s);
    const TestNode beta = join(u"beta"_s);
    QVERIFY(!alpha.guid.isEmpty() && !beta.guid.isEmpty());
    auto now = JobPool::now(*m_database);
    QVERIFY(now.ok());
    const qint64 minute = *now / MinuteMs * MinuteMs;
    addStats(minute - 2 * MinuteMs, alpha, u"noop"_s, 5, 1, 600);
    addStats(minute - 10 * MinuteMs, alpha, u"noop"_s, 2, 0, 100);
    addStats(minute - 5 * MinuteMs, alpha, u"sleep"_s, 1, 2, 3000);
    addStats(minute - 1 * MinuteMs, beta, u"noop"_s, 4, 0, 40);
    addStats(minute - 30 * MinuteMs, beta, u"sleep"_s, 0, 3, 900);
    // Outside the hour: counted by a longer window only.
    addStats(minute - 3 * 60 * MinuteMs, alpha, u"noop"_s, 1000, 1000, 99999);

    using Sums = std::tuple<qint64, qint64, qint64>;
    auto statsFor = [this](const QString &since, QString *problem) -> QMap<QString, Sums> {
        const CtlRun run = runCtl(withDb({u"jobs"_s, u"stats"_s, u"--since"_s, since, u"--json"_s}));
        QMap<QString, Sums> sums;
        if (run.exitCode != 0) {
            *problem = run.err;
            return sums;
        }
        const QJsonArray rows = parseJson(run, problem).array();
        for (const QJsonValue &value : rows) {
            const QJsonObject row = value.toObject();
            const QString key = row.value(u"node"_s).toString() + u'/' + row.value(u"node_guid"_s).toString()
                                + u'/' + row.value(u"type"_s).toString();
            if (sums.contains(key))
                *problem = u"twice: "_s + key;
            sums.insert(key, {row.value(u"succeeded"_s).toInteger(), row.value(u"failed"_s).toInteger(),
                              row.value(u"total_ms"_s).toInteger()});
        }
        return sums;
    };
    auto key = [](const TestNode &node, const QString &type) -> QString {
        return node.name + u'/' + node.guid + u'/' + type;
    };

    QString problem;
    const QMap<QString, Sums> hour = statsFor(u"1h"_s, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const QMap<QString, Sums> expected{
        {key(alpha, u"noop"_s), {7, 1, 700}},
        {key(alpha, u"sleep"_s), {1, 2, 3000}},
        {key(beta, u"noop"_s), {4, 0, 40}},
        {key(beta, u"sleep"_s), {0, 3, 900}},
    };
    QCOMPARE(hour, expected);

    const QMap<QString, Sums> sixHours = statsFor(u"6h"_s, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(sixHours.value(key(alpha, u"noop"_s)), Sums(1007, 1001, 100699));

    const QMap<QString, Sums> fourMinutes = statsFor(u"4m"_s, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(fourMinutes,
             (QMap<QString, Sums>{{key(alpha, u"noop"_s), {5, 1, 600}}, {key(beta, u"noop"_s), {4, 0, 40}}}));

    // The text: by node and type, then totals by node with the average time.
    const CtlRun text = runCtl(withDb({u"jobs"_s, u"stats"_s}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    auto hasLine = [&text](const QString &pattern) {
        return QRegularExpression(pattern, QRegularExpression::MultilineOption).match(text.out).hasMatch();
    };
    QVERIFY2(hasLine(u"^alpha\\s+noop\\s+7\\s+1\\s+88$"_s), qPrintable(text.out));
    QVERIFY2(hasLine(u"^beta\\s+sleep\\s+0\\s+3\\s+300$"_s), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"Totals by node:"_s), qPrintable(text.out));
    QVERIFY2(hasLine(u"^alpha\\s+8\\s+3\\s+336$"_s), qPrintable(text.out)); // (700 + 3000) / 11
    QVERIFY2(hasLine(u"^beta\\s+4\\s+3\\s+134$"_s), qPrintable(text.out));  // (40 + 900) / 7
}

void TestCtlCluster::listFiltersByStateNodeAndLimit()
{
    const TestNode alpha = join(u"alpha"_s);
    QVERIFY(!alpha.guid.isEmpty());
    const CtlRun submitted =
        runCtl(withDb({u"jobs"_s, u"submit"_s, u"--type"_s, u"noop"_s, u"--count"_s, u"3"_s}));
    QVERIFY2(submitted.exitCode == 0, qPrintable(submitted.err));
    const qint64 running = addJob(u"running"_s, alpha.guid);
    const qint64 failed = addJob(u"failed"_s, alpha.guid);
    QVERIFY(running > 0 && failed > 0);

    auto ids = [this](const QStringList &filter, QString *problem) -> QList<qint64> {
        const CtlRun run = runCtl(withDb(QStringList{u"jobs"_s, u"list"_s, u"--json"_s} + filter));
        if (run.exitCode != 0) {
            *problem = run.err;
            return {};
        }
        QList<qint64> found;
        for (const QJsonValue &value : parseJson(run, problem).array())
            found << value.toObject().value(u"id"_s).toInteger();
        return found;
    };
    QList<qint64> queued;
    auto query = m_database->exec(u"SELECT id FROM jobs WHERE state = 'queued' ORDER BY id DESC"_s);
    QVERIFY(query.ok());
    while (query->next())
        queued << query->value(0).toLongLong();
    QCOMPARE(queued.size(), 3);

    QString problem;
    QCOMPARE(ids({u"--state"_s, u"queued"_s}, &problem), queued);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(ids({u"--state"_s, u"running"_s}, &problem), QList<qint64>{running});
    QCOMPARE(ids({u"--node"_s, u"alpha"_s}, &problem), (QList<qint64>{failed, running}));
    QCOMPARE(ids({u"--node"_s, alpha.guid}, &problem), (QList<qint64>{failed, running}));
    QCOMPARE(ids({u"--limit"_s, u"2"_s}, &problem), (QList<qint64>{failed, running}));
    QCOMPARE(ids({}, &problem).size(), 5);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const CtlRun json = runCtl(withDb({u"jobs"_s, u"list"_s, u"--json"_s, u"--state"_s, u"failed"_s}));
    const QJsonObject job = parseJson(json, &problem).array().at(0).toObject();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(job.value(u"type"_s).toString(), u"noop"_s);
    QCOMPARE(job.value(u"scope"_s).toString(), u"pool"_s);
    QCOMPARE(job.value(u"node"_s).toString(), u"alpha"_s);
    QCOMPARE(job.value(u"node_guid"_s).toString(), alpha.guid);
    QCOMPARE(job.value(u"attempts"_s).toInt(), 1);
    QCOMPARE(job.value(u"max_attempts"_s).toInt(), 5);
    QCOMPARE(job.value(u"last_error"_s).toString(), u"it broke"_s);
    QCOMPARE(job.value(u"finished_at_ms"_s).toInteger(), 3);

    const CtlRun text = runCtl(withDb({u"jobs"_s, u"list"_s, u"--state"_s, u"failed"_s}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    const QStringList lines = text.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY2(
        QRegularExpression(u"^\\s*%1\\s+noop\\s+pool\\s+failed\\s+1/5\\s+alpha\\s.*it broke$"_s.arg(failed))
            .match(lines.at(1))
            .hasMatch(),
        qPrintable(text.out));
}

void TestCtlCluster::decommissionOnlyOfflineNodes()
{
    const TestNode alpha = join(u"alpha"_s);
    const TestNode beta = join(u"beta"_s);
    const TestNode gamma = join(u"gamma"_s);
    QVERIFY(!alpha.guid.isEmpty() && !beta.guid.isEmpty() && !gamma.guid.isEmpty());
    leave(beta);
    leave(gamma);
    auto state = [this](const TestNode &node) -> QString {
        auto query = m_database->exec(u"SELECT state FROM nodes WHERE guid = ?"_s, {node.guid});
        return query && query->next() ? query->value(0).toString() : QString();
    };
    const QString audited = u"SELECT COUNT(*) FROM audit_log WHERE action = 'node.decommission'"_s;

    // An Online node is refused, and nothing changes.
    const CtlRun online = runCtl(withDb({u"decommission"_s, u"alpha"_s}));
    QCOMPARE(online.exitCode, 1);
    QVERIFY2(online.err.startsWith(u"cohortctl decommission: error: "_s), qPrintable(online.err));
    QVERIFY2(online.err.contains(u"Online"_s), qPrintable(online.err));
    QVERIFY2(online.err.count(u'\n') == 1, qPrintable(online.err));
    QVERIFY(online.out.isEmpty());
    QCOMPARE(state(alpha), u"online"_s);
    QCOMPARE(scalar(audited), 0);

    // An Offline one, by name, with an actor.
    const CtlRun done = runCtl(withDb({u"decommission"_s, u"beta"_s, u"--actor"_s, u"ops-bob"_s}));
    QVERIFY2(done.exitCode == 0, qPrintable(done.err));
    QVERIFY2(done.out.startsWith(u"Decommissioned node beta (%1).\n"_s.arg(beta.guid)), qPrintable(done.out));
    // What it changed, as the pre-flight lists it.
    QVERIFY2(done.out.contains(u"0 agents last checked in through beta"_s), qPrintable(done.out));
    QVERIFY2(done.out.contains(u"open alerts about it will be cleared"_s), qPrintable(done.out));
    QCOMPARE(state(beta), u"decommissioned"_s);
    QCOMPARE(scalar(audited), 1);
    {
        auto audit =
            m_database->exec(u"SELECT actor, target FROM audit_log WHERE action = 'node.decommission'"_s);
        QVERIFY(audit.ok() && audit->next());
        QCOMPARE(audit->value(0).toString(), u"ops-bob"_s);
        QCOMPARE(audit->value(1).toString(), beta.guid);
        // An unfinished SQLite statement would keep this connection on its snapshot.
        QVERIFY(!audit->next());
    }

    // By GUID, with the default actor: the program and the operating system's user.
    const CtlRun byGuid = runCtl(withDb({u"decommission"_s, gamma.guid}));
    QVERIFY2(byGuid.exitCode == 0, qPrintable(byGuid.err));
    QCOMPARE(state(gamma), u"decommissioned"_s);
    auto defaultActor = m_database->exec(
        u"SELECT actor FROM audit_log WHERE action = 'node.decommission' AND target = ?"_s, {gamma.guid});
    QVERIFY(defaultActor.ok() && defaultActor->next());
    QVERIFY2(defaultActor->value(0).toString().startsWith(u"cohortctl"_s),
             qPrintable(defaultActor->value(0).toString()));
    QVERIFY(!defaultActor->next());

    // Gone from the list.
    const CtlRun listed = runCtl(withDb({u"nodes"_s, u"--json"_s}));
    QString problem;
    const QJsonArray nodes = parseJson(listed, &problem).array();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(nodes.size(), 1);
    QCOMPARE(nodes.at(0).toObject().value(u"guid"_s).toString(), alpha.guid);

    // Twice is refused; so is a node that does not exist.
    const CtlRun again = runCtl(withDb({u"decommission"_s, beta.guid}));
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains(u"already decommissioned"_s), qPrintable(again.err));
    QVERIFY2(again.err.count(u'\n') == 1, qPrintable(again.err));
    const CtlRun unknown = runCtl(withDb({u"decommission"_s, u"delta"_s}));
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains(u"No node is called \"delta\""_s), qPrintable(unknown.err));
    QCOMPARE(scalar(audited), 2);
    QCOMPARE(state(alpha), u"online"_s);
}

void TestCtlCluster::helpExplainsEveryOption()
{
    const CtlRun top = runCtl({u"--help"_s});
    QCOMPARE(top.exitCode, 0);
    for (const QString &command : {u"nodes"_s, u"jobs"_s, u"decommission"_s})
        QVERIFY2(top.out.contains(u"  "_s + command + u' '), qPrintable(command));

    const QMap<QString, QStringList> mentions{
        {u"nodes"_s, {u"--db"_s, u"--json"_s}},
        {u"jobs"_s,
         {u"submit"_s, u"list"_s, u"stats"_s, u"--db"_s, u"--json"_s, u"--type"_s, u"--count"_s,
          u"--payload"_s, u"--local"_s, u"--priority"_s, u"--delay"_s, u"--max-attempts"_s, u"--state"_s,
          u"--node"_s, u"--limit"_s, u"--since"_s, u"noop"_s, u"sleep"_s, u"clear-cache"_s}},
        {u"decommission"_s, {u"--db"_s, u"--actor"_s, u"NODE"_s, u"Offline"_s}},
    };
    for (auto it = mentions.cbegin(); it != mentions.cend(); ++it) {
        for (const QStringList &asked :
             {QStringList{it.key(), u"--help"_s}, QStringList{u"help"_s, it.key()}}) {
            const CtlRun help = runCtl(asked);
            QCOMPARE(help.exitCode, 0);
            QVERIFY2(help.out.startsWith(u"Usage: cohortctl %1 [options]"_s.arg(it.key())),
                     qPrintable(help.out));
            for (const QString &word : it.value())
                QVERIFY2(help.out.contains(word), qPrintable(it.key() + u": "_s + word));
        }
    }
    const CtlRun jobsHelp = runCtl({u"jobs"_s, u"--help"_s});
    QVERIFY2(jobsHelp.out.startsWith(u"Usage: cohortctl jobs [options] submit|list|stats\n"_s),
             qPrintable(jobsHelp.out));
    // Each action is explained on a line of its own.
    for (const QString &action : {u"submit"_s, u"list"_s, u"stats"_s})
        QVERIFY2(QRegularExpression(u"^  %1\\s+\\S"_s.arg(action), QRegularExpression::MultilineOption)
                     .match(jobsHelp.out)
                     .hasMatch(),
                 qPrintable(action));
}

QTEST_GUILESS_MAIN(TestCtlCluster)
#include "tst_ctlcluster.moc"
