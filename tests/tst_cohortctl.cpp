// cohortctl, run as a real process on SQLite and PostgreSQL: init creates a cluster;
// a second init fails and changes nothing; the data key unlocks only with the right
// secret; every bad input gets a one-line error, a non-zero exit and changes nothing.
#include "cluster.h"
#include "ctlrun.h"
#include "database.h"
#include "masterkey.h"
#include "passwordhash.h"
#include "schema.h"
#include "testdatabase.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlRecord>
#include <QTcpServer>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

void writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
}

// Every row of the tables init writes, as text: "nothing changed" means this is equal.
QStringList snapshot(const QString &url)
{
    auto parsed = DatabaseUrl::parse(url);
    if (!parsed)
        return {u"bad url: "_s + parsed.message()};
    Database database(*parsed);
    auto db = database.connection();
    if (!db)
        return {u"unreachable: "_s + db.message()};
    auto tables = database.dialect().tables(*db);
    if (!tables)
        return {u"error: "_s + tables.message()};
    QStringList rows{u"tables: "_s + tables->join(u',')};
    for (const QString &table : {u"cluster"_s, u"users"_s, u"audit_log"_s, u"schema_migrations"_s}) {
        if (!tables->contains(table))
            continue;
        auto query = database.exec(u"SELECT * FROM %1 ORDER BY 1"_s.arg(table));
        if (!query)
            return rows << u"error: "_s + query.message();
        while (query->next()) {
            QStringList values;
            for (int i = 0; i < query->record().count(); ++i)
                values << query->value(i).toString();
            rows << table + u": "_s + values.join(u'|');
        }
    }
    return rows;
}

int closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort(); // closed again when probe goes out of scope
}

} // namespace

class TestCohortCtl : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_testDatabase.reset(); }

    void initCreatesCluster();
    void secondInitFailsAndChangesNothing();
    void concurrentInitsCreateOneCluster();
    void dataKeyUnlocksOnlyWithTheRightSecret();
    void badInputChangesNothing_data();
    void badInputChangesNothing();
    void interactivePasswordIsTypedTwice();
    void helpExplainsEveryOption();

private:
    QStringList initArguments(const QString &url) const;
    CtlRun initCluster();

    std::unique_ptr<TestDatabase> m_testDatabase;
    QString m_secretFile;
    QString m_passwordFile;
};

void TestCohortCtl::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto made = TestDatabase::create(backendFromName(backend), u"ctl"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    m_testDatabase = std::move(made).value();
    m_secretFile = m_testDatabase->scratchPath(u"secret.key"_s);
    m_passwordFile = m_testDatabase->scratchPath(u"password"_s);
    QVERIFY(MasterKey::writeNewSecretFile(m_secretFile).ok());
    writeFile(m_passwordFile, "correct horse battery\n");
}

QStringList TestCohortCtl::initArguments(const QString &url) const
{
    return {u"init"_s,
            u"--db"_s,
            url,
            u"--secret-file"_s,
            m_secretFile,
            u"--admin"_s,
            u"alice"_s,
            u"--password-file"_s,
            m_passwordFile,
            u"--name"_s,
            u"Test Cluster"_s};
}

CtlRun TestCohortCtl::initCluster()
{
    return runCtl(initArguments(m_testDatabase->url()));
}

void TestCohortCtl::initCreatesCluster()
{
    const CtlRun run = initCluster();
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(u"Created cluster \"Test Cluster\""_s), qPrintable(run.out));

    Database database(*DatabaseUrl::parse(m_testDatabase->url()));
    QCOMPARE(*Schema::version(database), Schema::CurrentVersion);
    auto cluster = Cluster::load(database);
    QVERIFY(cluster.ok() && cluster->has_value());
    QCOMPARE((*cluster)->name, u"Test Cluster"_s);

    auto users = database.exec(u"SELECT name, role, password_hash FROM users"_s);
    QVERIFY(users.ok() && users->next());
    QCOMPARE(users->value(0).toString(), u"alice"_s);
    QCOMPARE(users->value(1).toString(), u"administrator"_s);
    const QString hash = users->value(2).toString();
    QVERIFY(!hash.contains(u"correct horse"_s));
    QVERIFY(PasswordHash::verify(u"correct horse battery"_s, hash));
    QVERIFY(!users->next());

    auto audit = database.exec(u"SELECT actor, action, target FROM audit_log"_s);
    QVERIFY(audit.ok() && audit->next());
    QCOMPARE(audit->value(0).toString(), u"cohortctl"_s);
    QCOMPARE(audit->value(1).toString(), u"cluster.init"_s);
    QCOMPARE(audit->value(2).toString(), (*cluster)->clusterId);

    // The password may also come on standard input.
    auto other = TestDatabase::create(m_testDatabase->backend(), u"ctl_stdin"_s);
    QVERIFY(other.ok());
    const CtlRun piped = runCtl(
        {u"init"_s, u"--db"_s, (*other)->url(), u"--secret-file"_s, m_secretFile, u"--admin"_s, u"bob"_s},
        "piped password 1\n");
    QVERIFY2(piped.exitCode == 0, qPrintable(piped.err));
    Database second(*DatabaseUrl::parse((*other)->url()));
    auto bob = second.exec(u"SELECT password_hash FROM users WHERE name = ?"_s, {u"bob"_s});
    QVERIFY(bob.ok() && bob->next());
    QVERIFY(PasswordHash::verify(u"piped password 1"_s, bob->value(0).toString()));
}

void TestCohortCtl::secondInitFailsAndChangesNothing()
{
    const CtlRun first = initCluster();
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    const QStringList before = snapshot(m_testDatabase->url());
    QVERIFY(before.size() > 4);

    // Another administrator and another secret: neither may replace the first.
    const QString otherSecret = m_testDatabase->scratchPath(u"other.key"_s);
    QVERIFY(MasterKey::writeNewSecretFile(otherSecret).ok());
    const CtlRun second =
        runCtl({u"init"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s, otherSecret, u"--admin"_s,
                u"mallory"_s, u"--password-file"_s, m_passwordFile});
    QCOMPARE(second.exitCode, 1);
    QVERIFY2(second.err.contains(u"already holds cluster \"Test Cluster\""_s), qPrintable(second.err));
    QVERIFY2(second.err.contains(u"nothing was changed"_s), qPrintable(second.err));
    QCOMPARE(second.err.trimmed().count(u'\n'), 0);
    QCOMPARE(snapshot(m_testDatabase->url()), before);

    // The original secret still unlocks the key.
    const CtlRun status =
        runCtl({u"status"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s, m_secretFile});
    QVERIFY2(status.exitCode == 0, qPrintable(status.err));
}

void TestCohortCtl::concurrentInitsCreateOneCluster()
{
    // Two administrators run init against the same new database at the same moment, each
    // with a secret of their own: one cluster results, and its creator's secret opens it.
    constexpr int Racers = 2;
    QProcess processes[Racers];
    QString secrets[Racers];
    for (int i = 0; i < Racers; ++i) {
        secrets[i] = m_testDatabase->scratchPath(u"racer%1.key"_s.arg(i));
        QVERIFY(MasterKey::writeNewSecretFile(secrets[i]).ok());
        QStringList arguments = initArguments(m_testDatabase->url());
        arguments[arguments.indexOf(u"--secret-file"_s) + 1] = secrets[i];
        arguments[arguments.indexOf(u"--admin"_s) + 1] = u"racer%1"_s.arg(i);
        processes[i].start(QStringLiteral(COHORT_CTL_PATH), arguments);
    }
    int winner = -1;
    for (int i = 0; i < Racers; ++i) {
        QVERIFY(processes[i].waitForFinished(60000));
        const QString err = QString::fromUtf8(processes[i].readAllStandardError());
        if (processes[i].exitCode() == 0) {
            QCOMPARE(winner, -1);
            winner = i;
        } else {
            QCOMPARE(processes[i].exitCode(), 1);
            QVERIFY2(err.contains(u"already holds cluster"_s) || err.contains(u"meanwhile"_s),
                     qPrintable(err));
        }
    }
    QVERIFY(winner >= 0);
    const CtlRun status =
        runCtl({u"status"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s, secrets[winner]});
    QVERIFY2(status.exitCode == 0, qPrintable(status.err));
    const QStringList rows = snapshot(m_testDatabase->url());
    QCOMPARE(rows.filter(u"users: "_s).size(), 1);
    QVERIFY(rows.filter(u"users: "_s).constFirst().contains(u"racer%1"_s.arg(winner)));
    if (m_testDatabase->backend() == Backend::Sqlite) {
        // No staging files left beside the database.
        const QDir folder = QFileInfo(DatabaseUrl::parse(m_testDatabase->url())->path()).dir();
        QCOMPARE(folder.entryList({u"*.init-*"_s}, QDir::Files), QStringList());
    }
}

void TestCohortCtl::dataKeyUnlocksOnlyWithTheRightSecret()
{
    QVERIFY(initCluster().exitCode == 0);
    Database database(*DatabaseUrl::parse(m_testDatabase->url()));
    auto right = MasterKey::readSecretFile(m_secretFile);
    QVERIFY(right.ok());
    auto key = Cluster::unlock(database, *right);
    QVERIFY2(key.ok(), qPrintable(key.message()));
    QCOMPARE(key->fingerprint().size(), 32);

    QByteArray wrong = *right;
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    auto refused = Cluster::unlock(database, wrong);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.code(), ErrorCode::AccessDenied);
    QVERIFY2(refused.message().contains(u"does not unlock"_s), qPrintable(refused.message()));

    // The same through the command line, as an operator would check a node's secret.
    const CtlRun ok =
        runCtl({u"status"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s, m_secretFile});
    QCOMPARE(ok.exitCode, 0);
    QVERIFY2(ok.out.contains(u"unlocked by"_s), qPrintable(ok.out));
    const QString wrongFile = m_testDatabase->scratchPath(u"wrong.key"_s);
    writeFile(wrongFile, wrong + '\n');
    const CtlRun bad = runCtl({u"status"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s, wrongFile});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.contains(u"does not unlock this cluster's data key"_s), qPrintable(bad.err));
}

void TestCohortCtl::badInputChangesNothing_data()
{
    QTest::addColumn<QString>("problem");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("complaint");
    QTest::newRow("malformed URL") << u"malformed-url"_s << 2 << u"names no host"_s;
    QTest::newRow("unknown scheme") << u"unknown-scheme"_s << 2 << u"Unsupported database URL scheme"_s;
    QTest::newRow("unreachable server") << u"unreachable"_s << 1 << u"Cannot"_s;
    QTest::newRow("wrong credentials") << u"wrong-credentials"_s << 1 << u""_s;
    QTest::newRow("missing secret file") << u"missing-secret"_s << 1 << u"does not exist"_s;
    QTest::newRow("short secret") << u"short-secret"_s << 1 << u"a secret needs at least 16"_s;
    QTest::newRow("weak password") << u"weak-password"_s << 1 << u"at least 8"_s;
    QTest::newRow("no password") << u"no-password"_s << 1 << u"No password given"_s;
    QTest::newRow("bad user name") << u"bad-admin"_s << 1 << u"is not allowed"_s;
    QTest::newRow("missing --db") << u"missing-db"_s << 2 << u"--db is required"_s;
    QTest::newRow("unknown option") << u"unknown-option"_s << 2 << u"Unknown option 'frobnicate'"_s;
}

void TestCohortCtl::badInputChangesNothing()
{
    QFETCH(QString, problem);
    QFETCH(int, exitCode);
    QFETCH(QString, complaint);
    const bool postgres = m_testDatabase->backend() == Backend::Postgres;
    const QString url = m_testDatabase->url();
    const QStringList before = snapshot(url);

    QStringList arguments = initArguments(url);
    QByteArray input;
    auto replace = [&arguments](const QString &option, const QString &value) {
        arguments[arguments.indexOf(option) + 1] = value;
    };
    if (problem == u"malformed-url"_s) {
        replace(u"--db"_s, postgres ? u"postgresql://cohort:pw@:5432/db"_s : u"postgresql://cohort@/"_s);
    } else if (problem == u"unknown-scheme"_s) {
        replace(u"--db"_s, u"mysql://root@localhost/cohort"_s);
    } else if (problem == u"unreachable"_s) {
        if (postgres) {
            QUrl closed(url);
            closed.setPort(closedPort());
            replace(u"--db"_s, closed.toString());
            complaint = u"Connection refused"_s;
        } else {
            replace(u"--db"_s, u"sqlite:/nonexistent-folder/cohort.db"_s);
            complaint = u"does not exist"_s;
        }
    } else if (problem == u"wrong-credentials"_s) {
        if (postgres) {
            replace(u"--db"_s, m_testDatabase->urlWithPassword(u"not-the-password"_s));
            complaint = u"password authentication failed"_s;
        } else {
            // SQLite has no credentials; the nearest thing is a file that is not a database.
            const QString path = m_testDatabase->scratchPath(u"notes.txt"_s);
            writeFile(path, QByteArray("these are not the tables you are looking for\n").repeated(100));
            replace(u"--db"_s, u"sqlite:"_s + path);
            complaint = u"file is not a database"_s;
        }
    } else if (problem == u"missing-secret"_s) {
        replace(u"--secret-file"_s, m_testDatabase->scratchPath(u"absent.key"_s));
    } else if (problem == u"short-secret"_s) {
        const QString path = m_testDatabase->scratchPath(u"short.key"_s);
        writeFile(path, "tiny\n");
        replace(u"--secret-file"_s, path);
    } else if (problem == u"weak-password"_s) {
        writeFile(m_passwordFile, "abc\n");
    } else if (problem == u"no-password"_s) {
        arguments = arguments.mid(0, arguments.indexOf(u"--password-file"_s))
                    + arguments.mid(arguments.indexOf(u"--password-file"_s) + 2);
    } else if (problem == u"bad-admin"_s) {
        replace(u"--admin"_s, u"alice; DROP TABLE users"_s);
    } else if (problem == u"missing-db"_s) {
        arguments.removeAt(arguments.indexOf(u"--db"_s) + 1);
        arguments.removeAt(arguments.indexOf(u"--db"_s));
    } else if (problem == u"unknown-option"_s) {
        arguments << u"--frobnicate"_s;
    }

    const QString notes = m_testDatabase->scratchPath(u"notes.txt"_s);
    const QByteArray notesBefore = QFile::exists(notes) ? [&notes] {
        QFile file(notes);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }() : QByteArray();

    const CtlRun run = runCtl(arguments, input);
    QVERIFY2(run.exitCode == exitCode, qPrintable(u"exit %1: %2"_s.arg(run.exitCode).arg(run.err)));
    QVERIFY2(run.err.contains(complaint), qPrintable(run.err));
    QVERIFY2(run.err.startsWith(u"cohortctl init: "_s), qPrintable(run.err));
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out));
    QVERIFY2(run.err.trimmed().count(u'\n') == 0, qPrintable(u"one line: "_s + run.err));

    QCOMPARE(snapshot(url), before);
    if (!postgres) {
        const QString path = DatabaseUrl::parse(url)->path();
        QVERIFY2(!QFile::exists(path), "no database file left behind");
        QCOMPARE(QDir(QFileInfo(path).path()).entryList({u"*.init-*"_s}, QDir::Files), QStringList());
        QVERIFY(!QFileInfo::exists(u"/nonexistent-folder"_s));
        if (!notesBefore.isEmpty()) {
            QFile file(notes);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QCOMPARE(file.readAll(), notesBefore);
        }
    }
}

void TestCohortCtl::interactivePasswordIsTypedTwice()
{
    // On a terminal (script(1) gives it one) the password is asked twice, unseen.
    auto runOnTerminal = [this](const QByteArray &first, const QByteArray &second) -> QString {
        QStringList arguments = initArguments(m_testDatabase->url());
        arguments = arguments.mid(0, arguments.indexOf(u"--password-file"_s));
        QStringList quoted;
        for (const QString &argument : std::as_const(arguments))
            quoted << u"'"_s + QString(argument).replace(u"'"_s, u"'\\''"_s) + u"'"_s;
        QProcess process;
        process.start(u"script"_s, {u"-qec"_s, QStringLiteral(COHORT_CTL_PATH) + u' ' + quoted.join(u' '),
                                    u"/dev/null"_s});
        QString output;
        // Types each answer once its prompt is on the screen, as a person would.
        auto waitFor = [&process, &output](const QString &prompt) {
            QDeadlineTimer deadline(30000);
            while (!output.contains(prompt) && !deadline.hasExpired()
                   && process.state() != QProcess::NotRunning) {
                process.waitForReadyRead(100);
                output += QString::fromUtf8(process.readAllStandardOutput());
            }
        };
        waitFor(u"Password for"_s);
        process.write(first + '\r');
        waitFor(u"Repeat the password"_s);
        process.write(second + '\r');
        process.closeWriteChannel();
        process.waitForFinished(60000);
        return QString(output + QString::fromUtf8(process.readAllStandardOutput()));
    };
    const QString mismatch = runOnTerminal("first password", "second password");
    QVERIFY2(mismatch.contains(u"Repeat the password"_s), qPrintable(mismatch));
    QVERIFY2(mismatch.contains(u"The two passwords differ"_s), qPrintable(mismatch));
    QVERIFY2(!mismatch.contains(u"first password"_s), "the password is not echoed");
    QCOMPARE(snapshot(m_testDatabase->url()).filter(u"users: "_s), QStringList());

    const QString match = runOnTerminal("same password", "same password");
    QVERIFY2(match.contains(u"Created cluster"_s), qPrintable(match));
    QVERIFY(!match.contains(u"same password"_s));
}

void TestCohortCtl::helpExplainsEveryOption()
{
    const CtlRun top = runCtl({u"--help"_s});
    QCOMPARE(top.exitCode, 0);
    for (const QString &command : {u"init"_s, u"status"_s, u"migrate"_s, u"gen-secret"_s})
        QVERIFY2(top.out.contains(u"  "_s + command), qPrintable(command));

    const QMap<QString, QStringList> options{
        {u"init"_s, {u"--db"_s, u"--secret-file"_s, u"--admin"_s, u"--password-file"_s, u"--name"_s}},
        {u"status"_s, {u"--db"_s, u"--secret-file"_s, u"--json"_s}},
        {u"migrate"_s, {u"--db"_s, u"--create"_s}},
        {u"gen-secret"_s, {u"FILE"_s}},
    };
    for (auto it = options.cbegin(); it != options.cend(); ++it) {
        const CtlRun help = runCtl({it.key(), u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.out.startsWith(u"Usage: cohortctl %1"_s.arg(it.key())), qPrintable(help.out));
        for (const QString &option : it.value())
            QVERIFY2(help.out.contains(option), qPrintable(it.key() + u": "_s + option));
    }
    const CtlRun unknown = runCtl({u"frobnicate"_s});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY(unknown.err.contains(u"unknown command \"frobnicate\""_s));
}

QTEST_GUILESS_MAIN(TestCohortCtl)
#include "tst_cohortctl.moc"
