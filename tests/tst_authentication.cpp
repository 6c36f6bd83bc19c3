// Authentication::login on SQLite and PostgreSQL, against a cluster made by the real core
// code: roles, wrong and unknown users, the lock-out after repeated failures and its end,
// and failures counted exactly when two threads (two connections) fail at once.
#include "auditlog.h"
#include "authentication.h"
#include "cluster.h"
#include "passwordhash.h"
#include "testdatabase.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>

#include <limits>
#include <memory>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
const QString AuditorPassword = u"audit all the things"_s;
const QString WrongMessage = u"Wrong user name or password."_s;

} // namespace

class TestAuthentication : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_fixture.tearDown(); }

    void successReturnsTheRole_data();
    void successReturnsTheRole();
    void wrongPasswordFails();
    void unknownUserFailsTheSameWay();
    void repeatedFailuresLockTheAccount();
    void theLockExpires();
    void successResetsTheCount();
    void concurrentFailuresAreAllCounted();

private:
    Database &database() { return m_fixture.database(); }
    QVariant scalar(const QString &sql, const QVariantList &values = {});
    int auditCount(const QString &action, const QString &actor);
    void setSetting(const IntegerSetting &setting, qint64 value);

    DatabaseFixture m_fixture;
};

void TestAuthentication::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Empty);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
    auto created = m_fixture.createCluster(u"auth"_s, u"admin"_s, AdminPassword);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    auto added = addUser(database(), u"audrey"_s, AuditorPassword, Role::Auditor);
    QVERIFY2(added.ok(), qPrintable(added.message()));
}

QVariant TestAuthentication::scalar(const QString &sql, const QVariantList &values)
{
    auto query = database().exec(sql, values);
    if (!query || !query->next())
        return {};
    const QVariant value = query->value(0);
    query->finish();
    return value;
}

int TestAuthentication::auditCount(const QString &action, const QString &actor)
{
    return scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor = ?"_s, {action, actor})
        .toInt();
}

void TestAuthentication::setSetting(const IntegerSetting &setting, qint64 value)
{
    auto set = database().write([&](QSqlDatabase &db) {
        return ClusterSettings::set(db, database().dialect(), QString::fromUtf16(setting.name),
                                    QString::number(value), u"test"_s);
    });
    QVERIFY2(set.ok(), qPrintable(set.message()));
}

void TestAuthentication::successReturnsTheRole_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<Role>("role");
    QTest::newRow("administrator") << u"admin"_s << AdminPassword << Role::Administrator;
    QTest::newRow("auditor") << u"audrey"_s << AuditorPassword << Role::Auditor;
}

void TestAuthentication::successReturnsTheRole()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(Role, role);
    const qint64 before = scalar(u"SELECT "_s + database().dialect().nowMillis()).toLongLong();
    auto session = Authentication::login(database(), user, password);
    QVERIFY2(session.ok(), qPrintable(session.message()));
    QCOMPARE(session->user, user);
    QCOMPARE(session->role, role);
    QCOMPARE(session->isAdministrator(), role == Role::Administrator);
    // Database time, not this process's clock.
    QVERIFY2(session->loggedInAt >= before && session->loggedInAt < before + 60000,
             qPrintable(u"%1 vs %2"_s.arg(session->loggedInAt).arg(before)));
    QCOMPARE(auditCount(u"user.login"_s, user), 1);
    QCOMPARE(auditCount(u"user.login-failed"_s, user), 0);
}

void TestAuthentication::wrongPasswordFails()
{
    auto session = Authentication::login(database(), u"admin"_s, u"not the password"_s);
    QVERIFY(!session.ok());
    QCOMPARE(session.code(), ErrorCode::AccessDenied);
    QCOMPARE(session.message(), WrongMessage);
    // Committed although the login failed.
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'admin'"_s).toInt(), 1);
    QVERIFY(scalar(u"SELECT locked_until FROM users WHERE name = 'admin'"_s).isNull());
    QCOMPARE(auditCount(u"user.login-failed"_s, u"admin"_s), 1);
    QCOMPARE(auditCount(u"user.login"_s, u"admin"_s), 0);
    // An empty password is just another wrong one.
    auto empty = Authentication::login(database(), u"admin"_s, QString());
    QCOMPARE(empty.message(), WrongMessage);
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'admin'"_s).toInt(), 2);
}

void TestAuthentication::unknownUserFailsTheSameWay()
{
    for (const QString &user : {u"nobody"_s, QString(), u"not a valid name!"_s}) {
        auto session = Authentication::login(database(), user, AdminPassword);
        QVERIFY(!session.ok());
        QCOMPARE(session.code(), ErrorCode::AccessDenied);
        QCOMPARE(session.message(), WrongMessage);
    }
    QCOMPARE(auditCount(u"user.login-failed"_s, u"nobody"_s), 1);
    QCOMPARE(scalar(u"SELECT SUM(failed_logins) FROM users"_s).toInt(), 0);

    // The same time as a wrong password: a password hash is checked either way. Taken as
    // the fastest of a few tries, and loosely, so that a busy machine does not fail it.
    auto fastest = [this](const QString &user) {
        qint64 best = std::numeric_limits<qint64>::max();
        for (int i = 0; i < 3; ++i) {
            QElapsedTimer timer;
            timer.start();
            (void)Authentication::login(database(), user, u"wrong password"_s);
            best = qMin(best, timer.nsecsElapsed());
        }
        return best;
    };
    const qint64 unknown = fastest(u"nobody"_s);
    const qint64 wrong = fastest(u"audrey"_s);
    QVERIFY2(unknown * 3 > wrong,
             qPrintable(u"unknown user %1 ns, wrong password %2 ns"_s.arg(unknown).arg(wrong)));
}

void TestAuthentication::repeatedFailuresLockTheAccount()
{
    setSetting(Setting::LoginMaxFailures, 3);
    for (int i = 1; i <= 3; ++i) {
        auto session = Authentication::login(database(), u"audrey"_s, u"guess %1"_s.arg(i));
        QCOMPARE(session.message(), WrongMessage);
        QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'audrey'"_s).toInt(), i);
        QCOMPARE(scalar(u"SELECT locked_until IS NOT NULL FROM users WHERE name = 'audrey'"_s).toBool(),
                 i == 3);
    }
    QCOMPARE(auditCount(u"user.login-failed"_s, u"audrey"_s), 3);
    QCOMPARE(auditCount(u"user.locked"_s, u"audrey"_s), 1);

    // Locked: even the right password is refused, and says so.
    auto refused = Authentication::login(database(), u"audrey"_s, AuditorPassword);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.code(), ErrorCode::AccessDenied);
    QVERIFY2(refused.message().contains(u"locked"_s), qPrintable(refused.message()));
    QVERIFY2(refused.message().contains(u"5 minute"_s), qPrintable(refused.message())); // the default 300 s
    QCOMPARE(auditCount(u"user.login"_s, u"audrey"_s), 0);
    QCOMPARE(auditCount(u"user.login-failed"_s, u"audrey"_s), 4);
    // Attempts while locked neither count nor lock again.
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'audrey'"_s).toInt(), 3);
    QCOMPARE(auditCount(u"user.locked"_s, u"audrey"_s), 1);

    // Other accounts are not affected.
    QVERIFY(Authentication::login(database(), u"admin"_s, AdminPassword).ok());
}

void TestAuthentication::theLockExpires()
{
    setSetting(Setting::LoginMaxFailures, 2);
    setSetting(Setting::LoginLockoutSeconds, 1);
    for (int i = 0; i < 2; ++i)
        QCOMPARE(Authentication::login(database(), u"admin"_s, u"wrong"_s).message(), WrongMessage);
    auto locked = Authentication::login(database(), u"admin"_s, AdminPassword);
    QVERIFY2(locked.message().contains(u"locked"_s), qPrintable(locked.message()));
    QVERIFY2(locked.message().contains(u"1 minute"_s), qPrintable(locked.message()));

    // Waits on the database's clock, which is the one the lock is judged by.
    const QString expired =
        u"SELECT locked_until <= %1 FROM users WHERE name = 'admin'"_s.arg(database().dialect().nowMillis());
    QTRY_VERIFY_WITH_TIMEOUT(scalar(expired).toBool(), 10000);
    auto session = Authentication::login(database(), u"admin"_s, AdminPassword);
    QVERIFY2(session.ok(), qPrintable(session.message()));
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'admin'"_s).toInt(), 0);
    QVERIFY(scalar(u"SELECT locked_until FROM users WHERE name = 'admin'"_s).isNull());
    QCOMPARE(auditCount(u"user.login"_s, u"admin"_s), 1);
}

void TestAuthentication::successResetsTheCount()
{
    setSetting(Setting::LoginMaxFailures, 3);
    for (int i = 0; i < 2; ++i)
        QCOMPARE(Authentication::login(database(), u"admin"_s, u"wrong"_s).message(), WrongMessage);
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'admin'"_s).toInt(), 2);
    QVERIFY(Authentication::login(database(), u"admin"_s, AdminPassword).ok());
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'admin'"_s).toInt(), 0);
    // Two more wrong ones do not reach the limit of three "in a row".
    for (int i = 0; i < 2; ++i)
        QCOMPARE(Authentication::login(database(), u"admin"_s, u"wrong"_s).message(), WrongMessage);
    QVERIFY(Authentication::login(database(), u"admin"_s, AdminPassword).ok());
    QCOMPARE(auditCount(u"user.locked"_s, u"admin"_s), 0);
}

void TestAuthentication::concurrentFailuresAreAllCounted()
{
    constexpr int PerThread = 6;
    setSetting(Setting::LoginMaxFailures, 100);
    // Each thread uses its own connection (Database::connection() is per thread).
    QStringList messages[2];
    std::unique_ptr<QThread> threads[2];
    for (int t = 0; t < 2; ++t) {
        threads[t].reset(QThread::create([this, t, &messages] {
            for (int i = 0; i < PerThread; ++i)
                messages[t] << Authentication::login(database(), u"audrey"_s, u"wrong %1 %2"_s.arg(t).arg(i))
                                   .message();
        }));
        threads[t]->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(120000));
    for (const QStringList &list : messages)
        QCOMPARE(list, QStringList(PerThread, WrongMessage));
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'audrey'"_s).toInt(), 2 * PerThread);
    QCOMPARE(auditCount(u"user.login-failed"_s, u"audrey"_s), 2 * PerThread);
}

QTEST_GUILESS_MAIN(TestAuthentication)
#include "tst_authentication.moc"
