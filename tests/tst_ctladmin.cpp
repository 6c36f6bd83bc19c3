// cohortctl's administration commands, run as real processes on SQLite and PostgreSQL
// against a cluster made by "cohortctl init": alerts, settings, users' roles and locks,
// and the audit log. Each change must be in the database with the audit entry the
// console writes for it (action, target, details; the actor is cohortctl's operator);
// each refusal must say so on one line, exit 2 (bad input) or 1 (failed), and change
// nothing.
#include "administration.h"
#include "alerts.h"
#include "auditlog.h"
#include "authentication.h"
#include "cluster.h"
#include "ctladminfixture.h"
#include "ctlrun.h"
#include "database.h"
#include "masterkey.h"
#include "passwordhash.h"
#include "testdatabase.h"
#include "users.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

int closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

class TestCtlAdmin
    : public QObject
    , private CtlAdminFixture
{
    Q_OBJECT

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void alertsListShowsOpenOrAll();
    void alertsAcknowledgeAndClearAsTheConsoleDoes();
    void settingsShowAndSet();
    void usersSetRole();
    void usersLockAndUnlock();
    void lastUnlockedAdministratorIsKept();
    void auditFiltersAsTheConsole();
    void badInputChangesNothing_data();
    void badInputChangesNothing();
    void unreachableDatabaseFails();
    void helpExplainsTheNewCommands();
};

void TestCtlAdmin::init()
{
    QFETCH_GLOBAL(QString, backend);
    // The bad-input rows change nothing (that is what each checks), so they share one
    // cluster per backend: a cluster costs several scrypt derivations.
    const bool sharing = qstrcmp(QTest::currentTestFunction(), "badInputChangesNothing") == 0;
    if (sharing && m_testDatabase && m_sharedFor == backend)
        return;
    createCluster(backend);
}

void TestCtlAdmin::cleanup()
{
    if (qstrcmp(QTest::currentTestFunction(), "badInputChangesNothing") == 0 && !QTest::currentTestFailed())
        return; // kept for the next row (init() resets it for another backend or function)
    dropCluster();
}

void TestCtlAdmin::alertsListShowsOpenOrAll()
{
    const CtlRun none = runCtl(withDb({u"alerts"_s, u"list"_s}));
    QVERIFY2(none.exitCode == 0, qPrintable(none.err));
    QCOMPARE(none.out, u"No open alerts.\n"_s);

    const NodeJoin node = joinTestNode(*m_database, u"alpha"_s);
    const qint64 offline = raiseAlert(AlertKind::NodeOffline, node.guid);
    const qint64 sync = raiseAlert(AlertKind::TimeOutOfSync);
    const qint64 agents = raiseAlert(AlertKind::AgentsOffline);
    QVERIFY(offline > 0 && sync > offline && agents > sync);
    QVERIFY(
        m_database->exec(u"UPDATE alerts SET cleared_at = 5, cleared_by = 'system' WHERE id = ?"_s, {sync})
            .ok());
    QVERIFY(m_database
                ->exec(u"UPDATE alerts SET acknowledged_at = 4, acknowledged_by = 'alice' WHERE id = ?"_s,
                       {offline})
                .ok());

    auto ids = [this](const QStringList &extra, QString *problem) {
        const CtlRun run = runCtl(withDb(QStringList{u"alerts"_s, u"list"_s, u"--json"_s} + extra));
        QList<qint64> found;
        if (run.exitCode != 0) {
            *problem = run.err;
            return found;
        }
        for (const QJsonValue &value : ctlJson(run, problem).array())
            found << value.toObject().value(u"id"_s).toInteger();
        return found;
    };
    QString problem;
    QCOMPARE(ids({}, &problem), (QList<qint64>{agents, offline}));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(ids({u"--all"_s}, &problem), (QList<qint64>{agents, sync, offline}));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const CtlRun json = runCtl(withDb({u"alerts"_s, u"list"_s, u"--all"_s, u"--json"_s}));
    const QJsonArray rows = ctlJson(json, &problem).array();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const QJsonObject acknowledged = rows.at(2).toObject();
    QCOMPARE(acknowledged.value(u"state"_s).toString(), u"acknowledged"_s);
    QCOMPARE(acknowledged.value(u"kind"_s).toString(), AlertKind::NodeOffline);
    QCOMPARE(acknowledged.value(u"severity"_s).toString(), u"warning"_s);
    QCOMPARE(acknowledged.value(u"node"_s).toString(), u"alpha"_s);
    QCOMPARE(acknowledged.value(u"node_guid"_s).toString(), node.guid);
    QCOMPARE(acknowledged.value(u"message"_s).toString(), u"Something about node-offline"_s);
    QCOMPARE(acknowledged.value(u"acknowledged_by"_s).toString(), u"alice"_s);
    QCOMPARE(acknowledged.value(u"acknowledged_at_ms"_s).toInteger(), 4);
    QVERIFY(acknowledged.value(u"cleared_at"_s).isNull());
    QVERIFY(acknowledged.value(u"raised_at_ms"_s).toInteger() > 0);
    QCOMPARE(rows.at(1).toObject().value(u"state"_s).toString(), u"cleared"_s);
    QCOMPARE(rows.at(1).toObject().value(u"cleared_by"_s).toString(), u"system"_s);
    QCOMPARE(rows.at(0).toObject().value(u"state"_s).toString(), u"open"_s);
    QCOMPARE(rows.at(0).toObject().value(u"node"_s).toString(), u""_s);

    const CtlRun text = runCtl(withDb({u"alerts"_s, u"list"_s}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    const QStringList lines = text.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines.at(0).startsWith(u"ID"_s) && lines.at(0).contains(u"MESSAGE"_s), qPrintable(text.out));
    QVERIFY2(lines.at(1).contains(u" open "_s) && lines.at(1).contains(AlertKind::AgentsOffline),
             qPrintable(text.out));
    QVERIFY2(lines.at(2).contains(u"acknowledged"_s) && lines.at(2).contains(u"alpha"_s),
             qPrintable(text.out));
}

void TestCtlAdmin::alertsAcknowledgeAndClearAsTheConsoleDoes()
{
    const qint64 byConsole = raiseAlert(AlertKind::TimeOutOfSync);
    const qint64 byCtl = raiseAlert(AlertKind::AgentsOffline);
    QVERIFY(byConsole > 0 && byCtl > byConsole);

    // The console's way, for comparison.
    auto session = Authentication::login(*m_database, u"alice"_s, AdminPassword);
    QVERIFY2(session.ok(), qPrintable(session.message()));
    Administration console(*m_database, *session);
    QVERIFY(console.acknowledgeAlert(byConsole).ok());
    const QString consoleEntry = lastAudit(u"alert.acknowledge"_s);
    QCOMPARE(consoleEntry, u"alice|%1|kind=%2"_s.arg(byConsole).arg(AlertKind::TimeOutOfSync));

    const QString actor = ctlActor();
    const CtlRun acknowledged = runCtl(withDb({u"alerts"_s, u"acknowledge"_s, QString::number(byCtl)}));
    QVERIFY2(acknowledged.exitCode == 0, qPrintable(acknowledged.err));
    QCOMPARE(acknowledged.out, u"Acknowledged alert %1.\n"_s.arg(byCtl));
    QCOMPARE(scalar(u"SELECT acknowledged_by FROM alerts WHERE id = ?"_s, {byCtl}).toString(), actor);
    QVERIFY(scalar(u"SELECT acknowledged_at FROM alerts WHERE id = ?"_s, {byCtl}).toLongLong() > 0);
    QVERIFY(scalar(u"SELECT cleared_at FROM alerts WHERE id = ?"_s, {byCtl}).isNull());
    QCOMPARE(lastAudit(u"alert.acknowledge"_s),
             u"%1|%2|kind=%3"_s.arg(actor).arg(byCtl).arg(AlertKind::AgentsOffline));
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'alert.acknowledge'"_s).toInt(), 2);

    const CtlRun cleared = runCtl(withDb({u"alerts"_s, u"clear"_s, QString::number(byCtl)}));
    QVERIFY2(cleared.exitCode == 0, qPrintable(cleared.err));
    QCOMPARE(cleared.out, u"Cleared alert %1.\n"_s.arg(byCtl));
    QCOMPARE(scalar(u"SELECT cleared_by FROM alerts WHERE id = ?"_s, {byCtl}).toString(), actor);
    QCOMPARE(lastAudit(u"alert.clear"_s),
             u"%1|%2|kind=%3"_s.arg(actor).arg(byCtl).arg(AlertKind::AgentsOffline));

    // Clearing needs no acknowledgement, as on the console; the console's alert is untouched.
    const qint64 fresh = raiseAlert(AlertKind::SecretOutdated);
    const CtlRun clearedFresh = runCtl(withDb({u"alerts"_s, u"clear"_s, QString::number(fresh)}));
    QVERIFY2(clearedFresh.exitCode == 0, qPrintable(clearedFresh.err));
    QVERIFY(scalar(u"SELECT acknowledged_at FROM alerts WHERE id = ?"_s, {fresh}).isNull());
    QCOMPARE(scalar(u"SELECT cleared_by FROM alerts WHERE id = ?"_s, {fresh}).toString(), actor);
    QVERIFY(scalar(u"SELECT cleared_at FROM alerts WHERE id = ?"_s, {byConsole}).isNull());
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'alert.clear'"_s).toInt(), 2);
}

void TestCtlAdmin::settingsShowAndSet()
{
    const QString actor = ctlActor();
    auto settingsShown = [this](QString *problem) {
        const CtlRun run = runCtl(withDb({u"settings"_s, u"show"_s, u"--json"_s}));
        if (run.exitCode != 0)
            *problem = run.err;
        return ctlJson(run, problem).object();
    };
    QString problem;
    QCOMPARE(settingsShown(&problem), (QJsonObject{{u"agents.load_balancer_address"_s, u""_s},
                                                   {u"nodes.heartbeat_seconds"_s, 10},
                                                   {u"nodes.offline_after_seconds"_s, 180},
                                                   {u"time.tolerance_seconds"_s, 30}}));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const CtlRun set = runCtl(
        withDb({u"settings"_s, u"set"_s, u"nodes.offline_after_seconds=60"_s,
                u"agents.load_balancer_address=lb.example.com:8443"_s, u"nodes.heartbeat_seconds=5"_s}));
    QVERIFY2(set.exitCode == 0, qPrintable(set.err));
    QCOMPARE(set.out, u"Saved 3 settings.\n"_s);
    auto stored = [this](const QString &name) {
        return scalar(u"SELECT value || '|' || updated_by FROM cluster_settings WHERE name = ?"_s, {name})
            .toString();
    };
    QCOMPARE(stored(u"nodes.offline_after_seconds"_s), u"60|"_s + actor);
    QCOMPARE(stored(u"nodes.heartbeat_seconds"_s), u"5|"_s + actor);
    QCOMPARE(stored(u"agents.load_balancer_address"_s), u"lb.example.com:8443|"_s + actor);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM cluster_settings WHERE name = 'time.tolerance_seconds'"_s).toInt(),
             0);
    // The console's entry: names in the page's order, old and new values.
    QCOMPARE(lastAudit(u"settings.change"_s),
             u"%1|cluster_settings|agents.load_balancer_address: \"\" → \"lb.example.com:8443\"; "
             "nodes.heartbeat_seconds: 10 → 5; nodes.offline_after_seconds: 180 → 60"_s.arg(actor));
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'settings.change'"_s).toInt(), 1);

    // One setting: the others keep their stored values; the address can be emptied.
    const CtlRun one = runCtl(withDb(
        {u"settings"_s, u"set"_s, u"time.tolerance_seconds=45"_s, u"agents.load_balancer_address="_s}));
    QVERIFY2(one.exitCode == 0, qPrintable(one.err));
    QCOMPARE(settingsShown(&problem), (QJsonObject{{u"agents.load_balancer_address"_s, u""_s},
                                                   {u"nodes.heartbeat_seconds"_s, 5},
                                                   {u"nodes.offline_after_seconds"_s, 60},
                                                   {u"time.tolerance_seconds"_s, 45}}));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(lastAudit(u"settings.change"_s),
             u"%1|cluster_settings|agents.load_balancer_address: \"lb.example.com:8443\" → \"\"; "
             "time.tolerance_seconds: 30 → 45"_s.arg(actor));

    // The same values again: nothing to write, nothing to audit.
    const QString before = dump({u"cluster_settings"_s, u"audit_log"_s});
    const CtlRun again = runCtl(withDb({u"settings"_s, u"set"_s, u"time.tolerance_seconds=45"_s}));
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
    QCOMPARE(dump({u"cluster_settings"_s, u"audit_log"_s}), before);

    const CtlRun text = runCtl(withDb({u"settings"_s, u"show"_s}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    const QStringList lines = text.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    QVERIFY2(lines.at(0).startsWith(u"SETTING"_s), qPrintable(text.out));
    QVERIFY2(QRegularExpression(u"^nodes\\.heartbeat_seconds\\s+5\\s+10\\s+1 to 3600 seconds$"_s,
                                QRegularExpression::MultilineOption)
                 .match(text.out)
                 .hasMatch(),
             qPrintable(text.out));
}

void TestCtlAdmin::usersSetRole()
{
    addUser(u"bob"_s, Role::Administrator);
    addUser(u"carol"_s, Role::Auditor);
    const QString actor = ctlActor();
    auto column = [this](const QString &name, const QString &field) {
        return scalar(u"SELECT %1 FROM users WHERE name = ?"_s.arg(field), {name}).toString();
    };
    QVERIFY(!column(u"bob"_s, u"key_data"_s).isEmpty());

    // An administrator made auditor loses its key pair and copy of the data key.
    const CtlRun demoted = runCtl(withDb({u"users"_s, u"set-role"_s, u"bob"_s, u"auditor"_s}));
    QVERIFY2(demoted.exitCode == 0, qPrintable(demoted.err));
    QVERIFY2(demoted.out.contains(u"bob is now an auditor"_s), qPrintable(demoted.out));
    QCOMPARE(column(u"bob"_s, u"role"_s), u"auditor"_s);
    QCOMPARE(column(u"bob"_s, u"key_data"_s), u""_s);
    QCOMPARE(column(u"bob"_s, u"key_private"_s), u""_s);
    QCOMPARE(column(u"bob"_s, u"key_public"_s), u""_s);
    QCOMPARE(lastAudit(u"user.role"_s), u"%1|bob|administrator → auditor"_s.arg(actor));
    auto bob = Authentication::login(*m_database, u"bob"_s, UserPassword);
    QVERIFY2(bob.ok(), qPrintable(bob.message()));
    QCOMPARE(bob->role, Role::Auditor);

    // An auditor made administrator gets a new password and a copy of the data key it opens.
    const QString oldHash = column(u"carol"_s, u"password_hash"_s);
    const CtlRun promoted =
        runCtl(withDb({u"users"_s, u"set-role"_s, u"carol"_s, u"administrator"_s, u"--secret-file"_s,
                       m_secretFile, u"--password-file"_s, m_newPasswordFile}));
    QVERIFY2(promoted.exitCode == 0, qPrintable(promoted.err));
    QVERIFY2(promoted.out.contains(u"carol is now an administrator"_s), qPrintable(promoted.out));
    QCOMPARE(column(u"carol"_s, u"role"_s), u"administrator"_s);
    QVERIFY(column(u"carol"_s, u"password_hash"_s) != oldHash);
    QVERIFY(PasswordHash::verify(NewPassword, column(u"carol"_s, u"password_hash"_s)));
    QCOMPARE(lastAudit(u"user.role"_s), u"%1|carol|auditor → administrator"_s.arg(actor));
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'user.role'"_s).toInt(), 2);
    auto cluster = Cluster::load(*m_database);
    QVERIFY(cluster.ok() && cluster->has_value());
    const QByteArray context = (*cluster)->keyContext();
    auto dataKey = MasterKey::unwrap((*cluster)->wrappedDataKey, m_secret, context);
    QVERIFY(dataKey.ok());
    auto db = m_database->connection();
    QVERIFY(db.ok());
    auto opened = Users::openDataKey(*db, context, u"carol"_s, NewPassword);
    QVERIFY2(opened.ok(), qPrintable(opened.message()));
    QCOMPARE(opened->fingerprint(), dataKey->fingerprint());
    auto carol = Authentication::login(*m_database, u"carol"_s, NewPassword);
    QVERIFY2(carol.ok(), qPrintable(carol.message()));
    QCOMPARE(carol->role, Role::Administrator);

    // The console's list agrees; the password may also come on standard input.
    const CtlRun listed = runCtl(withDb({u"users"_s, u"list"_s, u"--json"_s}));
    QString problem;
    const QJsonArray users = ctlJson(listed, &problem).array();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(users.size(), 3);
    QCOMPARE(users.at(1).toObject().value(u"role"_s).toString(), u"auditor"_s);
    QCOMPARE(users.at(1).toObject().value(u"holds_data_key"_s).toBool(), false);
    QCOMPARE(users.at(2).toObject().value(u"role"_s).toString(), u"administrator"_s);
    QCOMPARE(users.at(2).toObject().value(u"holds_data_key"_s).toBool(), true);
    const CtlRun piped = runCtl(
        withDb({u"users"_s, u"set-role"_s, u"bob"_s, u"administrator"_s, u"--secret-file"_s, m_secretFile}),
        "piped in password\n");
    QVERIFY2(piped.exitCode == 0, qPrintable(piped.err));
    QVERIFY(PasswordHash::verify(u"piped in password"_s, column(u"bob"_s, u"password_hash"_s)));
    QCOMPARE(column(u"bob"_s, u"role"_s), u"administrator"_s);
}

void TestCtlAdmin::usersLockAndUnlock()
{
    addUser(u"bob"_s, Role::Administrator);
    const QString actor = ctlActor();
    auto lockedUntil = [this] { return scalar(u"SELECT locked_until FROM users WHERE name = 'bob'"_s); };

    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const CtlRun locked = runCtl(withDb({u"users"_s, u"lock"_s, u"bob"_s, u"--minutes"_s, u"30"_s}));
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    QVERIFY2(locked.exitCode == 0, qPrintable(locked.err));
    QCOMPARE(locked.out, u"Locked bob for 30 minutes.\n"_s);
    const qint64 until = lockedUntil().toLongLong();
    // The database's clock and this process's are the same machine's.
    QVERIFY2(until >= before + 30 * MinuteMs - 5000 && until <= after + 30 * MinuteMs + 5000,
             qPrintable(QString::number(until - before)));
    QCOMPARE(lastAudit(u"user.lock"_s),
             u"%1|bob|for 30 min, until %2"_s.arg(
                 actor, QDateTime::fromMSecsSinceEpoch(until, Qt::UTC).toString(Qt::ISODate)));
    auto refused = Authentication::login(*m_database, u"bob"_s, UserPassword);
    QCOMPARE(refused.code(), ErrorCode::AccessDenied);
    QVERIFY2(refused.message().contains(u"locked"_s), qPrintable(refused.message()));

    // Until unlocked.
    const CtlRun indefinitely = runCtl(withDb({u"users"_s, u"lock"_s, u"bob"_s}));
    QVERIFY2(indefinitely.exitCode == 0, qPrintable(indefinitely.err));
    QCOMPARE(lockedUntil().toLongLong(), LockedUntilUnlocked);
    QCOMPARE(lastAudit(u"user.lock"_s), u"%1|bob|until unlocked"_s.arg(actor));
    refused = Authentication::login(*m_database, u"bob"_s, UserPassword);
    QVERIFY2(refused.message().contains(u"until an administrator unlocks it"_s),
             qPrintable(refused.message()));
    const CtlRun listed = runCtl(withDb({u"users"_s, u"list"_s}));
    QVERIFY2(QRegularExpression(u"^bob\\s.*until unlocked$"_s, QRegularExpression::MultilineOption)
                 .match(listed.out)
                 .hasMatch(),
             qPrintable(listed.out));

    const CtlRun unlocked = runCtl(withDb({u"users"_s, u"unlock"_s, u"bob"_s}));
    QVERIFY2(unlocked.exitCode == 0, qPrintable(unlocked.err));
    QCOMPARE(unlocked.out, u"Unlocked bob.\n"_s);
    QVERIFY(lockedUntil().isNull());
    QCOMPARE(scalar(u"SELECT failed_logins FROM users WHERE name = 'bob'"_s).toInt(), 0);
    QCOMPARE(lastAudit(u"user.unlock"_s), u"%1|bob|was locked until unlocked"_s.arg(actor));
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM audit_log WHERE action IN ('user.lock', 'user.unlock')"_s).toInt(),
             3);
    auto allowed = Authentication::login(*m_database, u"bob"_s, UserPassword);
    QVERIFY2(allowed.ok(), qPrintable(allowed.message()));
}

void TestCtlAdmin::lastUnlockedAdministratorIsKept()
{
    addUser(u"carol"_s, Role::Auditor);
    const QStringList tables = {u"users"_s, u"audit_log"_s};
    auto refusedAndUnchanged = [&](const QStringList &arguments) -> QString {
        const QString before = dump(tables);
        const CtlRun run = runCtl(withDb(arguments));
        QString problem = ctlRefusal(run, 1, u"users"_s, u"No administrator but alice is unlocked"_s);
        if (problem.isEmpty() && dump(tables) != before)
            problem = u"changed: "_s + arguments.join(u' ');
        return problem;
    };

    // alice is the only administrator.
    QString problem = refusedAndUnchanged({u"users"_s, u"set-role"_s, u"alice"_s, u"auditor"_s});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = refusedAndUnchanged({u"users"_s, u"lock"_s, u"alice"_s});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = refusedAndUnchanged({u"users"_s, u"lock"_s, u"alice"_s, u"--minutes"_s, u"5"_s});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // An auditor may be locked.
    const CtlRun carol = runCtl(withDb({u"users"_s, u"lock"_s, u"carol"_s}));
    QVERIFY2(carol.exitCode == 0, qPrintable(carol.err));

    // A second administrator who is locked does not count.
    addUser(u"bob"_s, Role::Administrator);
    const CtlRun bobLocked = runCtl(withDb({u"users"_s, u"lock"_s, u"bob"_s, u"--minutes"_s, u"10"_s}));
    QVERIFY2(bobLocked.exitCode == 0, qPrintable(bobLocked.err));
    problem = refusedAndUnchanged({u"users"_s, u"set-role"_s, u"alice"_s, u"auditor"_s});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = refusedAndUnchanged({u"users"_s, u"lock"_s, u"alice"_s});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    // Once bob is unlocked, alice may go.
    QVERIFY(runCtl(withDb({u"users"_s, u"unlock"_s, u"bob"_s})).exitCode == 0);
    const CtlRun demoted = runCtl(withDb({u"users"_s, u"set-role"_s, u"alice"_s, u"auditor"_s}));
    QVERIFY2(demoted.exitCode == 0, qPrintable(demoted.err));
    // ... and now bob is the last one.
    const QString before = dump(tables);
    const CtlRun last = runCtl(withDb({u"users"_s, u"lock"_s, u"bob"_s}));
    problem = ctlRefusal(last, 1, u"users"_s, u"No administrator but bob is unlocked"_s);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(dump(tables), before);
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM users WHERE role = 'administrator'"_s).toInt(), 1);
}

void TestCtlAdmin::auditFiltersAsTheConsole()
{
    struct Row
    {
        qint64 at;
        QString actor;
        QString action;
        QString target;
    };
    const QList<Row> rows = {
        {1000, u"alice"_s, u"node.decommission"_s, u"n1"_s},
        {2000, u"bob"_s, u"node.describe"_s, u"n2"_s},
        {3000, u"alice"_s, u"alert.clear"_s, u"7"_s},
        {4000, u"cohortctl:ops"_s, u"user.lock"_s, u"bob"_s},
        {5000, u"alice"_s, u"node.describe"_s, u"n1"_s},
    };
    for (const Row &row : rows) {
        QVERIFY(
            m_database
                ->exec(
                    u"INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, 'd')"_s,
                    {row.at, row.actor, row.action, row.target})
                .ok());
    }
    // What cohortctl prints, and what the console's query finds with the same filter.
    auto printed = [this](const QStringList &options, QString *problem) {
        const CtlRun run = runCtl(withDb(QStringList{u"audit"_s, u"--json"_s} + options));
        QStringList found;
        if (run.exitCode != 0) {
            *problem = run.err;
            return found;
        }
        for (const QJsonValue &value : ctlJson(run, problem).array()) {
            const QJsonObject entry = value.toObject();
            found << u"%1 %2 %3 %4"_s.arg(entry.value(u"at_ms"_s).toInteger())
                         .arg(entry.value(u"actor"_s).toString(), entry.value(u"action"_s).toString(),
                              entry.value(u"target"_s).toString());
        }
        return found;
    };
    auto queried = [this](const AuditFilter &filter) {
        QStringList found;
        auto entries = AuditLog::query(*m_database, filter);
        if (!entries)
            return QStringList{u"error: "_s + entries.message()};
        for (const AuditEntry &entry : std::as_const(*entries))
            found << u"%1 %2 %3 %4"_s.arg(entry.at).arg(entry.actor, entry.action, entry.target);
        return found;
    };
    const QString until = u"1970-01-01T00:00:10Z"_s; // before the entries init wrote
    constexpr qint64 UntilMs = 10000;
    QString problem;
    const QStringList all = printed({u"--until"_s, until}, &problem);
    QCOMPARE(all.size(), rows.size());
    QCOMPARE(all, queried({{}, {}, 0, UntilMs, 1000, {}}));
    QCOMPARE(all.first(), u"5000 alice node.describe n1"_s);
    QCOMPARE(printed({u"--actor"_s, u"alice"_s, u"--until"_s, until}, &problem),
             queried({u"alice"_s, {}, 0, UntilMs, 1000, {}}));
    QCOMPARE(printed({u"--actor"_s, u"alice"_s, u"--until"_s, until}, &problem).size(), 3);
    QCOMPARE(printed({u"--action"_s, u"node."_s}, &problem),
             QStringList({u"5000 alice node.describe n1"_s, u"2000 bob node.describe n2"_s,
                          u"1000 alice node.decommission n1"_s}));
    QCOMPARE(printed({u"--action"_s, u"node.describe"_s, u"--target"_s, u"n1"_s}, &problem),
             QStringList{u"5000 alice node.describe n1"_s});
    QCOMPARE(printed({u"--target"_s, u"bob"_s}, &problem),
             QStringList{u"4000 cohortctl:ops user.lock bob"_s});
    QCOMPARE(printed({u"--target"_s, u"n"_s}, &problem), QStringList());
    QCOMPARE(
        printed({u"--since"_s, u"1970-01-01T00:00:02Z"_s, u"--until"_s, u"1970-01-01T00:00:04Z"_s}, &problem),
        QStringList({u"3000 alice alert.clear 7"_s, u"2000 bob node.describe n2"_s}));
    // A time without an offset is UTC; one with an offset is converted; a date is midnight UTC.
    QCOMPARE(printed({u"--since"_s, u"1970-01-01T00:00:04"_s, u"--until"_s, until}, &problem).size(), 2);
    QCOMPARE(printed({u"--since"_s, u"1970-01-01T01:00:04+01:00"_s, u"--until"_s, until}, &problem).size(),
             2);
    QCOMPARE(printed({u"--since"_s, u"1970-01-01"_s, u"--until"_s, u"1970-01-02"_s, u"--limit"_s, u"2"_s},
                     &problem),
             QStringList({u"5000 alice node.describe n1"_s, u"4000 cohortctl:ops user.lock bob"_s}));
    // The last hour: only what init wrote just now.
    const QStringList recent = printed({u"--last"_s, u"1h"_s}, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(!recent.isEmpty() && recent.last().contains(u"cluster.init"_s), qPrintable(recent.join(u'\n')));
    for (const QString &entry : recent)
        QVERIFY2(entry.section(u' ', 0, 0).toLongLong() > UntilMs, qPrintable(entry));

    const CtlRun json = runCtl(withDb({u"audit"_s, u"--json"_s, u"--target"_s, u"7"_s}));
    const QJsonObject entry = ctlJson(json, &problem).array().at(0).toObject();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(entry.value(u"at"_s).toString(), u"1970-01-01T00:00:03Z"_s);
    QCOMPARE(entry.value(u"details"_s).toString(), u"d"_s);
    QVERIFY(entry.value(u"id"_s).toInteger() > 0);

    const CtlRun text = runCtl(withDb({u"audit"_s, u"--until"_s, until, u"--limit"_s, u"2"_s}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    const QStringList lines = text.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY2(lines.at(0).startsWith(u"TIME"_s) && lines.at(0).contains(u"DETAILS"_s), qPrintable(text.out));
    QVERIFY2(QRegularExpression(u"^1970-01-01T00:00:05Z\\s+alice\\s+node\\.describe\\s+n1\\s+d$"_s)
                 .match(lines.at(1))
                 .hasMatch(),
             qPrintable(text.out));
    QVERIFY2(lines.at(3).contains(u"--limit shows more"_s), qPrintable(text.out));
    const CtlRun none = runCtl(withDb({u"audit"_s, u"--actor"_s, u"nobody"_s}));
    QCOMPARE(none.out, u"No audit entries match.\n"_s);
}

void TestCtlAdmin::badInputChangesNothing_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("complaint");
    const QString alerts = u"alerts"_s, settings = u"settings"_s, set = u"set"_s, users = u"users"_s,
                  setRole = u"set-role"_s, audit = u"audit"_s;
    QTest::newRow("alerts: no action") << QStringList{alerts} << 2 << u"give an action"_s;
    QTest::newRow("alerts: unknown action")
        << QStringList{alerts, u"dismiss"_s, u"1"_s} << 2 << u"unknown action \"dismiss\""_s;
    QTest::newRow("alerts: no id") << QStringList{alerts, u"acknowledge"_s} << 2
                                   << u"acknowledge needs exactly one ID"_s;
    QTest::newRow("alerts: two ids") << QStringList{alerts, u"clear"_s, u"@alert-open"_s, u"@alert-open"_s}
                                     << 2 << u"clear needs exactly one ID"_s;
    QTest::newRow("alerts: id not a number") << QStringList{alerts, u"acknowledge"_s, u"abc"_s} << 2
                                             << u"the alert ID must be a whole number from 1, not \"abc\""_s;
    QTest::newRow("alerts: id zero") << QStringList{alerts, u"clear"_s, u"0"_s} << 2
                                     << u"must be a whole number"_s;
    QTest::newRow("alerts: id with a fraction")
        << QStringList{alerts, u"clear"_s, u"1.5"_s} << 2 << u"must be a whole number"_s;
    QTest::newRow("alerts: --all with clear") << QStringList{alerts, u"clear"_s, u"@alert-open"_s, u"--all"_s}
                                              << 2 << u"--all does not apply to \"alerts clear\""_s;
    QTest::newRow("alerts: list with an id")
        << QStringList{alerts, u"list"_s, u"@alert-open"_s} << 2 << u"unexpected argument"_s;
    QTest::newRow("alerts: unknown option")
        << QStringList{alerts, u"list"_s, u"--everything"_s} << 2 << u"Unknown option 'everything'"_s;
    QTest::newRow("alerts: unknown alert")
        << QStringList{alerts, u"acknowledge"_s, u"987654"_s} << 1 << u"There is no alert 987654."_s;
    QTest::newRow("alerts: clear a cleared alert")
        << QStringList{alerts, u"clear"_s, u"@alert-cleared"_s} << 1 << u"is already cleared"_s;
    QTest::newRow("alerts: acknowledge a cleared alert")
        << QStringList{alerts, u"acknowledge"_s, u"@alert-cleared"_s} << 1 << u"is already cleared"_s;
    QTest::newRow("alerts: acknowledge twice")
        << QStringList{alerts, u"acknowledge"_s, u"@alert-acknowledged"_s} << 1
        << u"is already acknowledged"_s;
    QTest::newRow("settings: no action") << QStringList{settings} << 2 << u"give an action: show or set"_s;
    QTest::newRow("settings: unknown action")
        << QStringList{settings, u"get"_s} << 2 << u"unknown action \"get\""_s;
    QTest::newRow("settings: nothing to set")
        << QStringList{settings, set} << 2 << u"set needs at least one NAME=VALUE"_s;
    QTest::newRow("settings: no equals sign") << QStringList{settings, set, u"nodes.heartbeat_seconds"_s} << 2
                                              << u"\"nodes.heartbeat_seconds\" is not NAME=VALUE"_s;
    QTest::newRow("settings: no name")
        << QStringList{settings, set, u"=5"_s} << 2 << u"\"=5\" is not NAME=VALUE"_s;
    QTest::newRow("settings: unknown setting") << QStringList{settings, set, u"nodes.heartbeat=5"_s} << 2
                                               << u"unknown setting \"nodes.heartbeat\"; the settings are "
                                                  "agents.load_balancer_address, nodes.heartbeat_seconds"_s;
    QTest::newRow("settings: not a number")
        << QStringList{settings, set, u"nodes.heartbeat_seconds=ten"_s} << 2
        << u"nodes.heartbeat_seconds must be a whole number of seconds, not \"ten\""_s;
    QTest::newRow("settings: heartbeat zero")
        << QStringList{settings, set, u"nodes.heartbeat_seconds=0"_s} << 2
        << u"nodes.heartbeat_seconds: The heartbeat must be from 1 to 3600 seconds, "
           "not 0. Nothing was changed."_s;
    QTest::newRow("settings: tolerance too large")
        << QStringList{settings, set, u"time.tolerance_seconds=3601"_s} << 2
        << u"time.tolerance_seconds: The clock tolerance must be from 1 to 3600"_s;
    QTest::newRow("settings: heartbeat over half the offline threshold")
        << QStringList{settings, set, u"nodes.heartbeat_seconds=100"_s} << 2
        << u"nodes.offline_after_seconds: The offline threshold (180 s) must be at least two heartbeats (200 s)"_s;
    QTest::newRow("settings: one good, one bad")
        << QStringList{settings, set, u"time.tolerance_seconds=40"_s, u"nodes.offline_after_seconds=1"_s} << 2
        << u"nodes.offline_after_seconds: The offline threshold must be from 2 to 86400 seconds, not 1."_s;
    QTest::newRow("settings: address without a port")
        << QStringList{settings, set, u"agents.load_balancer_address=lb.example.com"_s} << 2
        << u"agents.load_balancer_address: The load balancer address \"lb.example.com\" has no port"_s;
    QTest::newRow("settings: address with a bad port")
        << QStringList{settings, set, u"agents.load_balancer_address=lb.example.com:70000"_s} << 2
        << u"The load balancer port \"70000\" is not a number from 1 to 65535"_s;
    QTest::newRow("settings: set twice")
        << QStringList{settings, set, u"nodes.heartbeat_seconds=5"_s, u"nodes.heartbeat_seconds=6"_s} << 2
        << u"nodes.heartbeat_seconds is set twice"_s;
    QTest::newRow("settings: --json with set")
        << QStringList{settings, set, u"--json"_s, u"nodes.heartbeat_seconds=5"_s} << 2
        << u"--json does not apply to \"settings set\""_s;
    QTest::newRow("settings: show with an argument")
        << QStringList{settings, u"show"_s, u"nodes.heartbeat_seconds"_s} << 2 << u"unexpected argument"_s;
    QTest::newRow("users: set-role without a role")
        << QStringList{users, setRole, u"bob"_s} << 2 << u"set-role needs a NAME and a ROLE"_s;
    QTest::newRow("users: unknown role") << QStringList{users, setRole, u"bob"_s, u"root"_s} << 2
                                         << u"the ROLE must be administrator or auditor, not \"root\""_s;
    QTest::newRow("users: promotion without the secret")
        << QStringList{users, setRole, u"carol"_s, u"administrator"_s, u"--password-file"_s, u"@password"_s}
        << 2 << u"--secret-file is required"_s;
    QTest::newRow("users: demotion with a password")
        << QStringList{users, setRole, u"bob"_s, u"auditor"_s, u"--password-file"_s, u"@password"_s} << 2
        << u"--password-file is for set-role NAME administrator"_s;
    QTest::newRow("users: promotion with a weak password") << QStringList{users,
                                                                          setRole,
                                                                          u"carol"_s,
                                                                          u"administrator"_s,
                                                                          u"--secret-file"_s,
                                                                          u"@secret"_s,
                                                                          u"--password-file"_s,
                                                                          u"@weak"_s}
                                                           << 2 << u"The password must have at least"_s;
    QTest::newRow("users: --role with set-role")
        << QStringList{users, setRole, u"bob"_s, u"auditor"_s, u"--role"_s, u"auditor"_s} << 2
        << u"--role does not apply to set-role"_s;
    QTest::newRow("users: minutes not a number")
        << QStringList{users, u"lock"_s, u"bob"_s, u"--minutes"_s, u"ten"_s} << 2
        << u"--minutes must be a whole number from 1 to 527040, not \"ten\""_s;
    QTest::newRow("users: minutes zero") << QStringList{users, u"lock"_s, u"bob"_s, u"--minutes"_s, u"0"_s}
                                         << 2 << u"--minutes must be a whole number"_s;
    QTest::newRow("users: minutes with unlock")
        << QStringList{users, u"unlock"_s, u"bob"_s, u"--minutes"_s, u"5"_s} << 2
        << u"--minutes is only for lock"_s;
    QTest::newRow("users: lock without a name")
        << QStringList{users, u"lock"_s} << 2 << u"lock needs exactly one NAME"_s;
    QTest::newRow("users: lock a malformed name") << QStringList{users, u"lock"_s, u"bob smith"_s} << 2
                                                  << u"The user name \"bob smith\" is not allowed"_s;
    QTest::newRow("users: unknown action")
        << QStringList{users, u"ban"_s, u"bob"_s} << 2 << u"unknown ACTION \"ban\""_s;
    QTest::newRow("users: --role with add only")
        << QStringList{users,        u"reset-password"_s, u"bob"_s,    u"--role"_s,
                       u"auditor"_s, u"--secret-file"_s,  u"@secret"_s}
        << 2 << u"set-role changes a user's role"_s;
    QTest::newRow("users: demote an unknown user")
        << QStringList{users, setRole, u"nobody"_s, u"auditor"_s} << 1 << u"There is no user nobody."_s;
    QTest::newRow("users: promote an unknown user") << QStringList{users,
                                                                   setRole,
                                                                   u"nobody"_s,
                                                                   u"administrator"_s,
                                                                   u"--secret-file"_s,
                                                                   u"@secret"_s,
                                                                   u"--password-file"_s,
                                                                   u"@password"_s}
                                                    << 1 << u"There is no user nobody."_s;
    QTest::newRow("users: demote an auditor")
        << QStringList{users, setRole, u"carol"_s, u"auditor"_s} << 1 << u"carol is already an auditor."_s;
    QTest::newRow("users: promote an administrator") << QStringList{users,
                                                                    setRole,
                                                                    u"bob"_s,
                                                                    u"administrator"_s,
                                                                    u"--secret-file"_s,
                                                                    u"@secret"_s,
                                                                    u"--password-file"_s,
                                                                    u"@password"_s}
                                                     << 1 << u"bob is already an administrator"_s;
    QTest::newRow("users: lock an unknown user")
        << QStringList{users, u"lock"_s, u"nobody"_s} << 1 << u"There is no user nobody."_s;
    QTest::newRow("users: unlock an unlocked user")
        << QStringList{users, u"unlock"_s, u"bob"_s} << 1 << u"bob is not locked."_s;
    QTest::newRow("audit: bad since")
        << QStringList{audit, u"--since"_s, u"yesterday"_s} << 2
        << u"--since must be a time like 2024-05-01T12:00:00Z, not \"yesterday\""_s;
    QTest::newRow("audit: bad until")
        << QStringList{audit, u"--until"_s, u"2024-13-01"_s} << 2 << u"--until must be a time"_s;
    QTest::newRow("audit: until 1970")
        << QStringList{audit, u"--until"_s, u"1970-01-01T00:00:00Z"_s} << 2 << u"--until must be a time"_s;
    QTest::newRow("audit: since and last")
        << QStringList{audit, u"--since"_s, u"2024-05-01"_s, u"--last"_s, u"1h"_s} << 2
        << u"give --since or --last, not both"_s;
    QTest::newRow("audit: bad last") << QStringList{audit, u"--last"_s, u"1fortnight"_s} << 2
                                     << u"--last must be a duration like 30s, 15m, 1h"_s;
    QTest::newRow("audit: last without unit")
        << QStringList{audit, u"--last"_s, u"60"_s} << 2 << u"--last must be a duration"_s;
    QTest::newRow("audit: since after until")
        << QStringList{audit, u"--since"_s, u"2024-05-02"_s, u"--until"_s, u"2024-05-01"_s} << 2
        << u"--since must be before --until"_s;
    QTest::newRow("audit: limit zero") << QStringList{audit, u"--limit"_s, u"0"_s} << 2
                                       << u"--limit must be a whole number from 1 to 100000, not \"0\""_s;
    QTest::newRow("audit: limit not a number")
        << QStringList{audit, u"--limit"_s, u"many"_s} << 2 << u"--limit must be"_s;
    QTest::newRow("audit: empty actor")
        << QStringList{audit, u"--actor"_s, u" "_s} << 2 << u"--actor cannot be empty"_s;
    QTest::newRow("audit: an argument")
        << QStringList{audit, u"alice"_s} << 2 << u"unexpected argument \"alice\""_s;
}

// Alerts (open, cleared, acknowledged), users (alice and bob administrators, carol an
// auditor) and the audit log; a refused command changes none of them.
void TestCtlAdmin::badInputChangesNothing()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, complaint);
    QFETCH_GLOBAL(QString, backend);
    if (m_sharedFor != backend) {
        addUser(u"bob"_s, Role::Administrator);
        addUser(u"carol"_s, Role::Auditor);
        m_alerts.insert(u"open"_s, raiseAlert(AlertKind::AgentsOffline));
        m_alerts.insert(u"cleared"_s, raiseAlert(AlertKind::TimeOutOfSync));
        m_alerts.insert(u"acknowledged"_s, raiseAlert(AlertKind::SecretOutdated));
        QVERIFY(m_database
                    ->exec(u"UPDATE alerts SET cleared_at = 5, cleared_by = 'system' WHERE id = ?"_s,
                           {m_alerts.value(u"cleared"_s)})
                    .ok());
        QVERIFY(m_database
                    ->exec(u"UPDATE alerts SET acknowledged_at = 5, acknowledged_by = 'alice' WHERE id = ?"_s,
                           {m_alerts.value(u"acknowledged"_s)})
                    .ok());
        m_sharedFor = backend;
    }
    const QStringList tables = {u"alerts"_s, u"cluster_settings"_s, u"users"_s, u"audit_log"_s};
    const QString before = dump(tables);

    const CtlRun run = runCtl(withDb(resolved(arguments)));
    const QString problem = ctlRefusal(run, exitCode, arguments.constFirst(), complaint);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(dump(tables), before);
}

void TestCtlAdmin::unreachableDatabaseFails()
{
    const QString url = u"postgresql://cohort:secret@127.0.0.1:%1/cohort"_s.arg(closedPort());
    const QStringList commands[] = {
        {u"alerts"_s, u"list"_s},
        {u"alerts"_s, u"clear"_s, u"1"_s},
        {u"settings"_s, u"show"_s},
        {u"settings"_s, u"set"_s, u"nodes.heartbeat_seconds=5"_s},
        {u"audit"_s, u"--last"_s, u"1h"_s},
        {u"users"_s, u"lock"_s, u"bob"_s},
        {u"users"_s, u"unlock"_s, u"bob"_s},
        {u"users"_s, u"set-role"_s, u"bob"_s, u"auditor"_s},
    };
    for (const QStringList &command : commands) {
        const CtlRun run = runCtl(command + QStringList{u"--db"_s, url});
        QVERIFY2(run.exitCode == 1, qPrintable(command.join(u' ') + u": "_s + run.err));
        QVERIFY2(run.err.startsWith(u"cohortctl %1: error: "_s.arg(command.constFirst())),
                 qPrintable(run.err));
        QVERIFY2(run.err.count(u'\n') == 1, qPrintable(run.err));
        QVERIFY(run.out.isEmpty());
    }
}

void TestCtlAdmin::helpExplainsTheNewCommands()
{
    const CtlRun top = runCtl({u"--help"_s});
    QCOMPARE(top.exitCode, 0);
    for (const QString &command : {u"alerts"_s, u"settings"_s, u"audit"_s, u"users"_s})
        QVERIFY2(top.out.contains(u"  "_s + command + u' '), qPrintable(command));
    const QMap<QString, QStringList> mentions{
        {u"alerts"_s,
         {u"list"_s, u"acknowledge"_s, u"clear"_s, u"--all"_s, u"--json"_s, u"--db"_s, u"alert.clear"_s}},
        {u"settings"_s,
         {u"show"_s, u"set"_s, u"NAME=VALUE"_s, u"agents.load_balancer_address"_s,
          u"nodes.heartbeat_seconds"_s, u"nodes.offline_after_seconds"_s, u"time.tolerance_seconds"_s,
          u"settings.change"_s}},
        {u"audit"_s,
         {u"--since"_s, u"--last"_s, u"--until"_s, u"--actor"_s, u"--action"_s, u"--target"_s, u"--limit"_s,
          u"--json"_s}},
        {u"users"_s,
         {u"set-role"_s, u"lock"_s, u"unlock"_s, u"--minutes"_s, u"--password-file"_s, u"--secret-file"_s,
          u"last administrator"_s}},
    };
    for (auto it = mentions.cbegin(); it != mentions.cend(); ++it) {
        const CtlRun help = runCtl({it.key(), u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.out.startsWith(u"Usage: cohortctl %1 [options]"_s.arg(it.key())), qPrintable(help.out));
        for (const QString &word : it.value())
            QVERIFY2(help.out.contains(word), qPrintable(it.key() + u": "_s + word));
    }
}

QTEST_GUILESS_MAIN(TestCtlAdmin)
#include "tst_ctladmin.moc"
