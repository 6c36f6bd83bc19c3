// DatabaseUrl: the URLs administrators type are parsed exactly, and every malformed one
// is refused with a message that names the problem.
#include "databaseurl.h"

#include <QDir>
#include <QTest>

using namespace Qt::StringLiterals;
using Cohort::Backend;
using Cohort::DatabaseUrl;

class TestDatabaseUrl : public QObject
{
    Q_OBJECT

private slots:
    void sqlite_data();
    void sqlite();
    void postgres_data();
    void postgres();
    void rejected_data();
    void rejected();
    void redactedHidesPassword();
    void roundTripsThroughToString();
    void severalServers();
};

void TestDatabaseUrl::sqlite_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("path");
    QTest::newRow("absolute") << u"sqlite:/var/lib/cohort/cohort.db"_s << u"/var/lib/cohort/cohort.db"_s;
    QTest::newRow("triple slash") << u"sqlite:///var/lib/cohort.db"_s << u"/var/lib/cohort.db"_s;
    QTest::newRow("relative") << u"sqlite:data/cohort.db"_s << QDir::current().filePath(u"data/cohort.db"_s);
    QTest::newRow("spaces trimmed") << u"  sqlite:/tmp/a.db  "_s << u"/tmp/a.db"_s;
}

void TestDatabaseUrl::sqlite()
{
    QFETCH(QString, url);
    QFETCH(QString, path);
    auto parsed = DatabaseUrl::parse(url);
    QVERIFY2(parsed.ok(), qPrintable(parsed.message()));
    QCOMPARE(parsed->backend(), Backend::Sqlite);
    QCOMPARE(parsed->path(), path);
}

void TestDatabaseUrl::postgres_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("database");
    QTest::newRow("full") << u"postgresql://cohort:s3cret@db.example:6543/cluster"_s << u"db.example"_s
                          << 6543 << u"cohort"_s << u"s3cret"_s << u"cluster"_s;
    QTest::newRow("default port") << u"postgresql://cohort:pw@10.0.0.5/cluster"_s << u"10.0.0.5"_s << 5432
                                  << u"cohort"_s << u"pw"_s << u"cluster"_s;
    QTest::newRow("postgres scheme") << u"postgres://u@h:1/d"_s << u"h"_s << 1 << u"u"_s << QString()
                                     << u"d"_s;
    QTest::newRow("encoded password") << u"postgresql://u:p%40ss%2Fw%3Ard@h:5432/d"_s << u"h"_s << 5432
                                      << u"u"_s << u"p@ss/w:rd"_s << u"d"_s;
    QTest::newRow("ipv6") << u"postgresql://u:p@[::1]:5433/d"_s << u"::1"_s << 5433 << u"u"_s << u"p"_s
                          << u"d"_s;
}

void TestDatabaseUrl::postgres()
{
    QFETCH(QString, url);
    auto parsed = DatabaseUrl::parse(url);
    QVERIFY2(parsed.ok(), qPrintable(parsed.message()));
    QCOMPARE(parsed->backend(), Backend::Postgres);
    QTEST(parsed->host(), "host");
    QTEST(parsed->port(), "port");
    QTEST(parsed->user(), "user");
    QTEST(parsed->password(), "password");
    QTEST(parsed->databaseName(), "database");
}

void TestDatabaseUrl::rejected_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("complaint");
    QTest::newRow("empty") << u""_s << u"empty"_s;
    QTest::newRow("no scheme") << u"/var/lib/cohort.db"_s << u"not a database URL"_s;
    QTest::newRow("mysql") << u"mysql://u:p@h/d"_s << u"Unsupported database URL scheme \"mysql\""_s;
    QTest::newRow("sqlite no path") << u"sqlite:"_s << u"names no file"_s;
    QTest::newRow("sqlite memory") << u"sqlite::memory:"_s << u"in-memory"_s;
    QTest::newRow("sqlite options") << u"sqlite:/tmp/a.db?mode=ro"_s << u"has options"_s;
    QTest::newRow("pg no host") << u"postgresql://u:p@:5432/d"_s << u"names no host"_s;
    QTest::newRow("pg no user") << u"postgresql://h:5432/d"_s << u"names no user"_s;
    QTest::newRow("pg no database") << u"postgresql://u:p@h:5432"_s << u"names no database"_s;
    QTest::newRow("pg empty database") << u"postgresql://u:p@h:5432/"_s << u"names no database"_s;
    QTest::newRow("pg nested path") << u"postgresql://u:p@h/d/e"_s << u"single database name"_s;
    QTest::newRow("pg bad port") << u"postgresql://u:p@h:99999/d"_s << u"Malformed PostgreSQL URL"_s;
    QTest::newRow("pg port text") << u"postgresql://u:p@h:abc/d"_s << u"Malformed PostgreSQL URL"_s;
    QTest::newRow("pg bad escape in password") << u"postgresql://u:p%zz@h/d"_s << u"percent-encode"_s;
    QTest::newRow("pg port zero") << u"postgresql://u:p@h:0/d"_s << u"port 0"_s;
    QTest::newRow("pg unknown option")
        << u"postgresql://u:p@h/d?sslmod=require"_s << u"Unknown PostgreSQL URL option \"sslmod\""_s;
    QTest::newRow("pg bad sslmode") << u"postgresql://u:p@h/d?sslmode=maybe"_s
                                    << u"Invalid value \"maybe\" for sslmode"_s;
    QTest::newRow("pg bad timeout") << u"postgresql://u:p@h/d?connect_timeout=-3"_s << u"connect_timeout"_s;
    QTest::newRow("pg option injection")
        << u"postgresql://u:p@h/d?application_name=x%20dbname%3Dpostgres%20sslmode%3Ddisable"_s
        << u"may only hold letters"_s;
    QTest::newRow("pg option semicolon")
        << u"postgresql://u:p@h/d?application_name=a;sslmode=disable"_s << u"may only hold letters"_s;
    QTest::newRow("pg fragment") << u"postgresql://u:p@h/d#x"_s << u"fragment"_s;
    QTest::newRow("pg empty server") << u"postgresql://u:p@h1:5432,/d"_s << u"invalid entry \"\""_s;
    QTest::newRow("pg server port zero")
        << u"postgresql://u:p@h1:5432,h2:0/d"_s << u"invalid entry \"h2:0\""_s;
    QTest::newRow("pg server bad port") << u"postgresql://u:p@h1,h2:99999/d"_s << u"invalid entry"_s;
}

void TestDatabaseUrl::rejected()
{
    QFETCH(QString, url);
    QFETCH(QString, complaint);
    auto parsed = DatabaseUrl::parse(url);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.code(), Cohort::ErrorCode::InvalidArgument);
    QVERIFY2(parsed.message().contains(complaint), qPrintable(parsed.message()));
    QVERIFY2(!parsed.message().contains(u'\n'), "errors are one line");
    QVERIFY2(!parsed.message().contains(u"u:p"_s), "the password is never echoed");
}

void TestDatabaseUrl::redactedHidesPassword()
{
    auto parsed = DatabaseUrl::parse(u"postgresql://cohort:topsecret@h:5432/d?sslmode=require"_s);
    QVERIFY(parsed.ok());
    QVERIFY(!parsed->redacted().contains(u"topsecret"_s));
    QCOMPARE(parsed->redacted(), u"postgresql://cohort@h:5432/d?sslmode=require"_s);
    QCOMPARE(parsed->options().value(u"sslmode"_s), u"require"_s);
}

void TestDatabaseUrl::roundTripsThroughToString()
{
    const QString original = u"postgresql://u:p%40ss@h:5433/d"_s;
    auto parsed = DatabaseUrl::parse(original);
    QVERIFY(parsed.ok());
    auto again = DatabaseUrl::parse(parsed->toString());
    QVERIFY(again.ok());
    QCOMPARE(again->password(), u"p@ss"_s);
    QCOMPARE(again->port(), 5433);
}

void TestDatabaseUrl::severalServers()
{
    const QString original = u"postgresql://u:p%40ss@db1.example:5432,10.0.0.2:5433,db3/cohort"
                             "?target_session_attrs=read-write"_s;
    auto parsed = DatabaseUrl::parse(original);
    QVERIFY2(parsed.ok(), qPrintable(parsed.message()));
    QCOMPARE(parsed->servers().size(), 3);
    QCOMPARE(parsed->servers().at(0).host, u"db1.example"_s);
    QCOMPARE(parsed->servers().at(1).host, u"10.0.0.2"_s);
    QCOMPARE(parsed->servers().at(1).port, 5433);
    QCOMPARE(parsed->servers().at(2).port, 5432);
    QCOMPARE(parsed->user(), u"u"_s);
    QCOMPARE(parsed->password(), u"p@ss"_s);
    QCOMPARE(parsed->databaseName(), u"cohort"_s);
    QCOMPARE(parsed->options().value(u"target_session_attrs"_s), u"read-write"_s);
    QCOMPARE(
        parsed->redacted(),
        u"postgresql://u@db1.example:5432,10.0.0.2:5433,db3:5432/cohort?target_session_attrs=read-write"_s);
    QCOMPARE(parsed->serverList(), u"db1.example:5432, 10.0.0.2:5433, db3:5432"_s);
    auto again = DatabaseUrl::parse(parsed->toString());
    QVERIFY2(again.ok(), qPrintable(again.message()));
    QCOMPARE(again->password(), u"p@ss"_s);
    QCOMPARE(again->servers().size(), 3);
    QCOMPARE(again->redacted(), parsed->redacted());
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"
