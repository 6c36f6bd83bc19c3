// The console's changes through core on SQLite and PostgreSQL: Administration (roles read
// again in every transaction, decommission, descriptions, alerts, system settings), the
// audit log's filters, the alerts' names, and the per-minute job statistics.
#include "administration.h"
#include "alerts.h"
#include "auditlog.h"
#include "cluster.h"
#include "jobstatistics.h"
#include "passwordhash.h"
#include "testdatabase.h"

#include <QSqlRecord>
#include <QSysInfo>
#include <QTest>
#include <QUuid>

#include <tuple>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
const QString AuditorPassword = u"audit all the things"_s;
constexpr qint64 MinuteMs = 60 * 1000;

QString newGuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

enum class Action { Decommission, Describe, Acknowledge, Clear, SaveSettings };

} // namespace

class TestAdministration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup() { m_fixture.tearDown(); }

    void auditorIsRefusedAndNothingChanges_data();
    void auditorIsRefusedAndNothingChanges();
    void removedUserIsRefused();
    void decommissionAnOfflineNode();
    void decommissionRefusesANodeThatIsNotOffline();
    void describeANode();
    void acknowledgeAndClearAnAlert();
    void badSettingsAreRefusedAndNothingIsStored_data();
    void badSettingsAreRefusedAndNothingIsStored();
    void goodAddressesAreAccepted_data();
    void goodAddressesAreAccepted();
    void settingsStoreAndAuditOnlyWhatChanged();
    void auditLogQueryFilters();
    void jobStatisticsPerMinute();

private:
    Database &database() { return m_fixture.database(); }
    QVariant scalar(const QString &sql, const QVariantList &values = {});
    // Every row of a table as text, to show that a refused change wrote nothing.
    QString dump(const QString &table);
    QString dumpAll();
    int auditCount(const QString &action);
    // leave() makes a node that joined (joinTestNode) Offline.
    void leave(const NodeJoin &node);
    qint64 raiseAlert(const QString &nodeGuid);
    UserSession login(const QString &user, const QString &password);
    Result<void> perform(Administration &administration, Action action);

    DatabaseFixture m_fixture;
    NodeJoin m_offline;
    qint64 m_alert = 0;
};

void TestAdministration::init()
{
    QFETCH_GLOBAL(QString, backend);
    auto ready = m_fixture.setUp(backend, DatabaseFixture::SchemaState::Empty);
    QVERIFY2(ready.ok(), qPrintable(ready.message()));
    auto created = m_fixture.createCluster(u"administration"_s, u"admin"_s, AdminPassword);
    QVERIFY2(created.ok(), qPrintable(created.message()));
    for (const auto &[name, role] :
         {std::pair{u"audrey"_s, Role::Auditor}, {u"bob"_s, Role::Administrator}}) {
        auto added = addUser(database(), name, AuditorPassword, role);
        QVERIFY2(added.ok(), qPrintable(added.message()));
    }

    m_offline = joinTestNode(database(), u"retiree"_s);
    leave(m_offline);
    m_alert = raiseAlert(m_offline.guid);
    QVERIFY(m_alert > 0);
}

QVariant TestAdministration::scalar(const QString &sql, const QVariantList &values)
{
    auto query = database().exec(sql, values);
    if (!query || !query->next())
        return {};
    const QVariant value = query->value(0);
    query->finish();
    return value;
}

QString TestAdministration::dump(const QString &table)
{
    auto query = database().exec(u"SELECT * FROM %1 ORDER BY 1"_s.arg(table));
    if (!query)
        return u"error: "_s + query.message();
    QStringList rows;
    while (query->next()) {
        QStringList fields;
        for (int i = 0; i < query->record().count(); ++i)
            fields << (query->value(i).isNull() ? u"NULL"_s : query->value(i).toString());
        rows << fields.join(u'|');
    }
    return rows.join(u'\n');
}

QString TestAdministration::dumpAll()
{
    QStringList tables;
    for (const QString &table : {u"nodes"_s, u"alerts"_s, u"cluster_settings"_s, u"audit_log"_s, u"users"_s})
        tables << table + u":\n"_s + dump(table);
    return tables.join(u"\n"_s);
}

int TestAdministration::auditCount(const QString &action)
{
    return scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = ?"_s, {action}).toInt();
}

void TestAdministration::leave(const NodeJoin &node)
{
    auto left = NodeRegistry::leave(database(), node.guid, node.incarnation, u"test"_s);
    QVERIFY2(left.ok(), qPrintable(left.message()));
}

qint64 TestAdministration::raiseAlert(const QString &nodeGuid)
{
    auto raised = database().write([&](QSqlDatabase &db) {
        return Alerts::raise(db, database().dialect(), AlertKind::NodeOffline, Alerts::Severity::Critical,
                             nodeGuid, u"Manager node is Offline."_s);
    });
    if (!raised || !*raised)
        return 0;
    return scalar(u"SELECT MAX(id) FROM alerts"_s).toLongLong();
}

UserSession TestAdministration::login(const QString &user, const QString &password)
{
    auto session = Authentication::login(database(), user, password);
    if (!session) {
        qWarning().noquote() << "cannot log in as" << user << session.message();
        return {};
    }
    return *session;
}

Result<void> TestAdministration::perform(Administration &administration, Action action)
{
    switch (action) {
    case Action::Decommission:
        if (auto done = administration.decommissionNode(m_offline.guid); !done)
            return done.error();
        return {};
    case Action::Describe:
        return administration.setNodeDescription(m_offline.guid, u"rack 4"_s);
    case Action::Acknowledge:
        return administration.acknowledgeAlert(m_alert);
    case Action::Clear:
        return administration.clearAlert(m_alert);
    case Action::SaveSettings: {
        SystemSettings settings;
        settings.heartbeatSeconds = 5;
        settings.offlineAfterSeconds = 60;
        settings.loadBalancerAddress = u"lb.example.com:443"_s;
        return administration.saveSystemSettings(settings);
    }
    }
    Q_UNREACHABLE();
}

void TestAdministration::auditorIsRefusedAndNothingChanges_data()
{
    QTest::addColumn<Action>("action");
    QTest::newRow("decommission") << Action::Decommission;
    QTest::newRow("describe") << Action::Describe;
    QTest::newRow("acknowledge") << Action::Acknowledge;
    QTest::newRow("clear") << Action::Clear;
    QTest::newRow("settings") << Action::SaveSettings;
}

void TestAdministration::auditorIsRefusedAndNothingChanges()
{
    QFETCH(Action, action);
    const UserSession auditor = login(u"audrey"_s, AuditorPassword);
    QCOMPARE(auditor.role, Role::Auditor);
    // A session that claims more than the users table says is worth nothing either.
    UserSession claimed = auditor;
    claimed.role = Role::Administrator;
    const QString before = dumpAll();
    for (const UserSession &session : {auditor, claimed}) {
        Administration administration(database(), session);
        auto refused = perform(administration, action);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.code(), ErrorCode::AccessDenied);
        QCOMPARE(refused.message(), u"audrey is an auditor and may not change the cluster."_s);
        QCOMPARE(dumpAll(), before);
    }

    // The same change by an administrator goes through (so the refusal was the role).
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    auto done = perform(administration, action);
    QVERIFY2(done.ok(), qPrintable(done.message()));
}

void TestAdministration::removedUserIsRefused()
{
    const UserSession bob = login(u"bob"_s, AuditorPassword);
    QVERIFY(bob.isAdministrator());
    Administration administration(database(), bob);
    QVERIFY(administration.setNodeDescription(m_offline.guid, u"first"_s).ok());
    QVERIFY(database().exec(u"DELETE FROM users WHERE name = 'bob'"_s).ok());
    const QString before = dumpAll();
    auto refused = administration.setNodeDescription(m_offline.guid, u"second"_s);
    QCOMPARE(refused.code(), ErrorCode::AccessDenied);
    QVERIFY2(refused.message().contains(u"bob"_s) && refused.message().contains(u"no longer exists"_s),
             qPrintable(refused.message()));
    QCOMPARE(administration.decommissionNode(m_offline.guid).code(), ErrorCode::AccessDenied);
    QCOMPARE(dumpAll(), before);
}

void TestAdministration::decommissionAnOfflineNode()
{
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    auto done = administration.decommissionNode(m_offline.guid);
    QVERIFY2(done.ok(), qPrintable(done.message()));
    QCOMPARE(done->guid, m_offline.guid);
    QCOMPARE(done->status, NodeStatus::Decommissioned);
    QCOMPARE(scalar(u"SELECT state FROM nodes WHERE guid = ?"_s, {m_offline.guid}).toString(),
             u"decommissioned"_s);
    QCOMPARE(auditCount(u"node.decommission"_s), 1);
    QCOMPARE(scalar(u"SELECT actor FROM audit_log WHERE action = 'node.decommission' AND target = ?"_s,
                    {m_offline.guid})
                 .toString(),
             u"admin"_s);

    // Twice is a conflict, and the GUID cannot rejoin.
    auto again = administration.decommissionNode(m_offline.guid);
    QCOMPARE(again.code(), ErrorCode::Conflict);
    QVERIFY2(again.message().contains(u"already decommissioned"_s), qPrintable(again.message()));
    QCOMPARE(NodeRegistry::join(database(), m_offline).code(), ErrorCode::AccessDenied);
    QCOMPARE(auditCount(u"node.decommission"_s), 1);
}

void TestAdministration::decommissionRefusesANodeThatIsNotOffline()
{
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    const NodeJoin online = joinTestNode(database(), u"busy"_s);
    // Offline when the console looked, Online again by the time the operator confirmed.
    NodeJoin back = joinTestNode(database(), u"phoenix"_s);
    leave(back);
    back.incarnation = newGuid();
    QVERIFY(NodeRegistry::join(database(), back).ok());
    const QString before = dumpAll();

    for (const QString &guid : {online.guid, back.guid}) {
        auto refused = administration.decommissionNode(guid);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.code(), ErrorCode::Conflict);
        QVERIFY2(refused.message().contains(nodeStatusText(NodeStatus::Online)),
                 qPrintable(refused.message()));
        QVERIFY2(refused.message().contains(guid), qPrintable(refused.message()));
        QCOMPARE(scalar(u"SELECT state FROM nodes WHERE guid = ?"_s, {guid}).toString(), u"online"_s);
    }
    auto missing = administration.decommissionNode(newGuid());
    QCOMPARE(missing.code(), ErrorCode::NotFound);
    QCOMPARE(auditCount(u"node.decommission"_s), 0);
    QCOMPARE(dumpAll(), before);
}

void TestAdministration::describeANode()
{
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    const QString longest(500, u'x');
    auto described = administration.setNodeDescription(m_offline.guid, longest);
    QVERIFY2(described.ok(), qPrintable(described.message()));
    QCOMPARE(scalar(u"SELECT description FROM nodes WHERE guid = ?"_s, {m_offline.guid}).toString(), longest);
    QCOMPARE(auditCount(u"node.describe"_s), 1);

    const QString before = dumpAll();
    auto tooLong = administration.setNodeDescription(m_offline.guid, longest + u'y');
    QCOMPARE(tooLong.code(), ErrorCode::InvalidArgument);
    QVERIFY2(tooLong.message().contains(u"500"_s), qPrintable(tooLong.message()));
    QCOMPARE(administration.setNodeDescription(newGuid(), u"nowhere"_s).code(), ErrorCode::NotFound);
    QCOMPARE(dumpAll(), before);

    // Emptied again: stored as an empty text, not NULL.
    QVERIFY(administration.setNodeDescription(m_offline.guid, QString()).ok());
    QCOMPARE(scalar(u"SELECT description FROM nodes WHERE guid = ?"_s, {m_offline.guid}).toString(), u""_s);
    QCOMPARE(auditCount(u"node.describe"_s), 2);
    auto nodes = NodeRegistry::find(database(), m_offline.guid);
    QVERIFY(nodes.ok());
    QCOMPARE(nodes->description, u""_s);
}

void TestAdministration::acknowledgeAndClearAnAlert()
{
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    const qint64 other = raiseAlert(QString());
    QVERIFY(other > m_alert);

    QVERIFY(administration.acknowledgeAlert(m_alert).ok());
    auto again = administration.acknowledgeAlert(m_alert);
    QCOMPARE(again.code(), ErrorCode::Conflict);
    QVERIFY2(again.message().contains(u"acknowledged"_s), qPrintable(again.message()));
    QVERIFY(administration.clearAlert(m_alert).ok());
    auto clearedTwice = administration.clearAlert(m_alert);
    QCOMPARE(clearedTwice.code(), ErrorCode::Conflict);
    QVERIFY2(clearedTwice.message().contains(u"cleared"_s), qPrintable(clearedTwice.message()));
    QCOMPARE(administration.acknowledgeAlert(m_alert).code(), ErrorCode::Conflict);

    // Clearing needs no acknowledgement first; acknowledging a cleared one is a conflict.
    QVERIFY(administration.clearAlert(other).ok());
    QCOMPARE(administration.acknowledgeAlert(other).code(), ErrorCode::Conflict);
    QCOMPARE(administration.clearAlert(123456).code(), ErrorCode::NotFound);
    QCOMPARE(administration.acknowledgeAlert(123456).code(), ErrorCode::NotFound);
    QCOMPARE(auditCount(u"alert.acknowledge"_s), 1);
    QCOMPARE(auditCount(u"alert.clear"_s), 2);

    auto alerts = Alerts::recent(database(), 10);
    QVERIFY2(alerts.ok(), qPrintable(alerts.message()));
    QCOMPARE(alerts->size(), 2);
    const AlertRow &first = alerts->at(1);
    QCOMPARE(first.id, m_alert);
    QCOMPARE(first.nodeGuid, m_offline.guid);
    QCOMPARE(first.nodeName, u"retiree"_s);
    QCOMPARE(first.acknowledgedBy, u"admin"_s);
    QCOMPARE(first.clearedBy, u"admin"_s);
    QVERIFY(first.acknowledgedAt > 0 && first.clearedAt >= first.acknowledgedAt);
    const AlertRow &second = alerts->at(0);
    QCOMPARE(second.id, other);
    QCOMPARE(second.nodeName, u""_s);
    QCOMPARE(second.acknowledgedBy, u""_s);
    QCOMPARE(second.acknowledgedAt, qint64(0));
    QCOMPARE(second.clearedBy, u"admin"_s);
}

void TestAdministration::badSettingsAreRefusedAndNothingIsStored_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<qint64>("heartbeat");
    QTest::addColumn<qint64>("offlineAfter");
    QTest::addColumn<SystemSettings::Field>("field");
    QTest::addColumn<QString>("says");
    using Field = SystemSettings::Field;
    QTest::newRow("heartbeat 0") << u""_s << qint64(0) << qint64(180) << Field::HeartbeatSeconds
                                 << u"1 to 3600"_s;
    QTest::newRow("heartbeat 3601") << u""_s << qint64(3601) << qint64(86400) << Field::HeartbeatSeconds
                                    << u"1 to 3600"_s;
    QTest::newRow("offline 1") << u""_s << qint64(1) << qint64(1) << Field::OfflineAfterSeconds
                               << u"2 to 86400"_s;
    QTest::newRow("offline 86401") << u""_s << qint64(10) << qint64(86401) << Field::OfflineAfterSeconds
                                   << u"2 to 86400"_s;
    QTest::newRow("offline under two heartbeats")
        << u""_s << qint64(10) << qint64(19) << Field::OfflineAfterSeconds << u"two heartbeats (20 s)"_s;
    QTest::newRow("no port") << u"host"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                             << u"no port"_s;
    QTest::newRow("port 0") << u"host:0"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                            << u"1 to 65535"_s;
    QTest::newRow("port 99999") << u"host:99999"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                                << u"1 to 65535"_s;
    QTest::newRow("port not a number")
        << u"host:http"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress << u"1 to 65535"_s;
    QTest::newRow("empty port") << u"host:"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                                << u"1 to 65535"_s;
    QTest::newRow("space in host") << u"bad host:80"_s << qint64(10) << qint64(180)
                                   << Field::LoadBalancerAddress << u"not a valid host name"_s;
    QTest::newRow("unclosed bracket")
        << u"[::1"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress << u"never closes"_s;
    QTest::newRow("empty label") << u"a..b:80"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                                 << u"not a valid host name"_s;
    QTest::newRow("bad IPv4") << u"10.0.0.256:80"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                              << u"not a valid host name"_s;
    QTest::newRow("bare IPv6") << u"::1:80"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                               << u"brackets"_s;
    QTest::newRow("bad IPv6") << u"[::g]:80"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                              << u"not an IPv6 address"_s;
    QTest::newRow("IPv6 without port")
        << u"[::1]"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress << u"no port"_s;
    QTest::newRow("no host") << u":80"_s << qint64(10) << qint64(180) << Field::LoadBalancerAddress
                             << u"no host"_s;
    QTest::newRow("hyphen at end") << u"lb-.example.com:80"_s << qint64(10) << qint64(180)
                                   << Field::LoadBalancerAddress << u"not a valid host name"_s;
}

void TestAdministration::badSettingsAreRefusedAndNothingIsStored()
{
    QFETCH(QString, address);
    QFETCH(qint64, heartbeat);
    QFETCH(qint64, offlineAfter);
    QFETCH(SystemSettings::Field, field);
    QFETCH(QString, says);
    SystemSettings settings;
    settings.loadBalancerAddress = address;
    settings.heartbeatSeconds = heartbeat;
    settings.offlineAfterSeconds = offlineAfter;
    const auto problems = settings.problems();
    QCOMPARE(problems.size(), 1);
    QCOMPARE(problems.first().field, field);
    QVERIFY2(problems.first().message.contains(says), qPrintable(problems.first().message));
    QVERIFY2(problems.first().message.endsWith(u'.'), qPrintable(problems.first().message));

    // Something stored already, to show it is left alone too.
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    SystemSettings stored;
    stored.heartbeatSeconds = 7;
    stored.offlineAfterSeconds = 70;
    QVERIFY(administration.saveSystemSettings(stored).ok());
    const QString settingsBefore = dump(u"cluster_settings"_s);
    QVERIFY(settingsBefore.contains(u"nodes.heartbeat_seconds|7|"_s));
    const QString before = dumpAll();
    auto refused = administration.saveSystemSettings(settings);
    QCOMPARE(refused.code(), ErrorCode::InvalidArgument);
    QCOMPARE(refused.message(), problems.first().message);
    QCOMPARE(dump(u"cluster_settings"_s), settingsBefore);
    QCOMPARE(dumpAll(), before);
}

void TestAdministration::goodAddressesAreAccepted_data()
{
    QTest::addColumn<QString>("address");
    QTest::newRow("none") << u""_s;
    QTest::newRow("name") << u"lb.example.com:443"_s;
    QTest::newRow("single label") << u"localhost:1"_s;
    QTest::newRow("hyphens and digits") << u"lb-2.eu-west-1.example.net:65535"_s;
    QTest::newRow("IPv4") << u"192.168.10.1:8443"_s;
    QTest::newRow("IPv6") << u"[2001:db8::1]:443"_s;
    QTest::newRow("IPv6 loopback") << u"[::1]:80"_s;
}

void TestAdministration::goodAddressesAreAccepted()
{
    QFETCH(QString, address);
    SystemSettings settings;
    settings.loadBalancerAddress = address;
    const auto problems = settings.problems();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.isEmpty() ? QString() : problems.first().message));
    Administration administration(database(), login(u"admin"_s, AdminPassword));
    QVERIFY(administration.saveSystemSettings(settings).ok());
    auto loaded = SystemSettings::load(database());
    QVERIFY2(loaded.ok(), qPrintable(loaded.message()));
    QCOMPARE(loaded->loadBalancerAddress, address);
}

void TestAdministration::settingsStoreAndAuditOnlyWhatChanged()
{
    // Unset: the defaults.
    auto defaults = SystemSettings::load(database());
    QVERIFY2(defaults.ok(), qPrintable(defaults.message()));
    QCOMPARE(defaults->loadBalancerAddress, u""_s);
    QCOMPARE(defaults->heartbeatSeconds, Setting::HeartbeatSeconds.defaultValue);
    QCOMPARE(defaults->offlineAfterSeconds, Setting::OfflineAfterSeconds.defaultValue);
    QCOMPARE(systemSettingName(SystemSettings::Field::LoadBalancerAddress),
             u"agents.load_balancer_address"_s);
    QCOMPARE(systemSettingName(SystemSettings::Field::HeartbeatSeconds), u"nodes.heartbeat_seconds"_s);
    QCOMPARE(systemSettingName(SystemSettings::Field::OfflineAfterSeconds), u"nodes.offline_after_seconds"_s);

    Administration administration(database(), login(u"admin"_s, AdminPassword));
    SystemSettings changed = *defaults;
    changed.loadBalancerAddress = u"lb.example.com:8443"_s;
    changed.offlineAfterSeconds = 60;
    QVERIFY(administration.saveSystemSettings(changed).ok());
    QCOMPARE(scalar(u"SELECT COUNT(*) FROM cluster_settings"_s).toInt(), 2);
    QCOMPARE(
        scalar(u"SELECT value FROM cluster_settings WHERE name = 'nodes.offline_after_seconds'"_s).toString(),
        u"60"_s);
    QCOMPARE(scalar(u"SELECT updated_by FROM cluster_settings WHERE name = 'agents.load_balancer_address'"_s)
                 .toString(),
             u"admin"_s);
    QCOMPARE(auditCount(u"settings.change"_s), 1);
    QCOMPARE(
        scalar(u"SELECT details FROM audit_log WHERE action = 'settings.change'"_s).toString(),
        u"agents.load_balancer_address: \"\" → \"lb.example.com:8443\"; nodes.offline_after_seconds: 180 → 60"_s);

    auto loaded = SystemSettings::load(database());
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->loadBalancerAddress, changed.loadBalancerAddress);
    QCOMPARE(loaded->heartbeatSeconds, qint64(10));
    QCOMPARE(loaded->offlineAfterSeconds, qint64(60));

    // The same values again: nothing to write, nothing to audit.
    const QString before = dumpAll();
    QVERIFY(administration.saveSystemSettings(changed).ok());
    QCOMPARE(dumpAll(), before);

    changed.heartbeatSeconds = 5;
    QVERIFY(administration.saveSystemSettings(changed).ok());
    QCOMPARE(auditCount(u"settings.change"_s), 2);
    auto entries = AuditLog::query(database(), AuditFilter{u"admin"_s, u"settings."_s, 0, 0, 1, {}});
    QVERIFY(entries.ok());
    QCOMPARE(entries->size(), 1);
    QCOMPARE(entries->first().details, u"nodes.heartbeat_seconds: 10 → 5"_s);
    QCOMPARE(SystemSettings::load(database())->heartbeatSeconds, qint64(5));
}

void TestAdministration::auditLogQueryFilters()
{
    const QList<std::tuple<qint64, QString, QString>> rows = {
        {1000, u"alice"_s, u"node.decommission"_s}, {2000, u"bob"_s, u"node.describe"_s},
        {3000, u"alice"_s, u"alert.clear"_s},       {4000, u"alice"_s, u"nodeXdescribe"_s},
        {5000, u"carol"_s, u"Node.describe"_s},
    };
    for (const auto &[at, actor, action] : rows) {
        QVERIFY(
            database()
                .exec(
                    u"INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, '', '')"_s,
                    {at, actor, action})
                .ok());
    }
    auto actions = [this](const AuditFilter &filter) {
        QStringList found;
        auto entries = AuditLog::query(database(), filter);
        if (!entries)
            return QStringList{u"error: "_s + entries.message()};
        for (const AuditEntry &entry : std::as_const(*entries))
            found << u"%1 %2 %3"_s.arg(entry.at).arg(entry.actor, entry.action);
        return found;
    };
    constexpr qint64 Old = 10000; // before the rows the cluster itself wrote
    QCOMPARE(actions({{}, {}, 0, Old, 1000, {}}),
             QStringList({u"5000 carol Node.describe"_s, u"4000 alice nodeXdescribe"_s,
                          u"3000 alice alert.clear"_s, u"2000 bob node.describe"_s,
                          u"1000 alice node.decommission"_s}));
    QCOMPARE(actions({u"alice"_s, {}, 0, Old, 1000, {}}),
             QStringList({u"4000 alice nodeXdescribe"_s, u"3000 alice alert.clear"_s,
                          u"1000 alice node.decommission"_s}));
    // A prefix, with the same case on both databases.
    QCOMPARE(actions({{}, u"node."_s, 0, 0, 1000, {}}),
             QStringList({u"2000 bob node.describe"_s, u"1000 alice node.decommission"_s}));
    QCOMPARE(actions({u"alice"_s, u"node."_s, 0, 0, 1000, {}}),
             QStringList{u"1000 alice node.decommission"_s});
    // The user's wildcards match only themselves.
    QCOMPARE(actions({{}, u"node_"_s, 0, 0, 1000, {}}), QStringList());
    QCOMPARE(actions({{}, u"%"_s, 0, 0, 1000, {}}), QStringList());
    QCOMPARE(actions({{}, u"node%describe"_s, 0, 0, 1000, {}}), QStringList());
    QCOMPARE(actions({{}, u"node\\"_s, 0, 0, 1000, {}}), QStringList());
    QCOMPARE(actions({{}, u"'"_s, 0, 0, 1000, {}}), QStringList());
    // Time: from inclusive, to exclusive.
    QCOMPARE(actions({{}, {}, 2000, 4000, 1000, {}}),
             QStringList({u"3000 alice alert.clear"_s, u"2000 bob node.describe"_s}));
    QCOMPARE(actions({{}, {}, 4000, Old, 1000, {}}),
             QStringList({u"5000 carol Node.describe"_s, u"4000 alice nodeXdescribe"_s}));
    // The newest first, as many as asked for.
    QCOMPARE(actions({{}, {}, 0, Old, 2, {}}),
             QStringList({u"5000 carol Node.describe"_s, u"4000 alice nodeXdescribe"_s}));
    // No filter at all: the cluster's own entry comes too.
    const QStringList all = actions({});
    QCOMPARE(all.size(), rows.size() + 1);
    QVERIFY2(all.last().contains(u"cluster.init"_s), qPrintable(all.last()));
    QCOMPARE(AuditLog::query(database(), AuditFilter{{}, {}, 0, 0, 0, {}}).code(),
             ErrorCode::InvalidArgument);

    // The target, exactly.
    QVERIFY(
        database()
            .exec(
                u"INSERT INTO audit_log (at, actor, action, target, details) VALUES (6000, 'dave', 'x.y', 'n1', '')"_s)
            .ok());
    QCOMPARE(actions({{}, {}, 0, Old, 1000, u"n1"_s}), QStringList{u"6000 dave x.y"_s});
    QCOMPARE(actions({{}, {}, 0, Old, 1000, u"n"_s}), QStringList());
}

void TestAdministration::jobStatisticsPerMinute()
{
    const QString node = m_offline.guid;
    const QString other = newGuid();
    const qint64 start = 1'700'000'040'000; // a whole minute
    QCOMPARE(start % MinuteMs, 0);
    // minute, node, type, succeeded, failed
    const QList<std::tuple<qint64, QString, QString, int, int>> rows = {
        {start - MinuteMs, node, u"noop"_s, 7, 0}, // before the range
        {start, node, u"noop"_s, 1, 0},
        {start + 2 * MinuteMs, node, u"noop"_s, 3, 1},
        {start + 2 * MinuteMs, node, u"sleep"_s, 2, 0},
        {start + 2 * MinuteMs, other, u"noop"_s, 50, 0}, // another node
        {start + 4 * MinuteMs, node, u"fail"_s, 0, 2},
        {start + 5 * MinuteMs, node, u"noop"_s, 9, 0}, // at the end: outside
    };
    for (const auto &[minute, guid, type, succeeded, failed] : rows) {
        QVERIFY(database()
                    .exec(u"INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms) "
                          "VALUES (?, ?, ?, ?, ?, 0)"_s,
                          {minute, guid, type, succeeded, failed})
                    .ok());
    }
    // Rounded down to whole minutes at both ends.
    auto counts = JobStatistics::perMinute(database(), node, start + 30000, start + 5 * MinuteMs + 59999);
    QVERIFY2(counts.ok(), qPrintable(counts.message()));
    QCOMPARE(*counts, (QList<qint64>{1, 0, 6, 0, 2}));
    QCOMPARE(*JobStatistics::perMinute(database(), other, start, start + 3 * MinuteMs),
             (QList<qint64>{0, 0, 50}));
    QCOMPARE(*JobStatistics::perMinute(database(), newGuid(), start, start + 2 * MinuteMs),
             (QList<qint64>{0, 0}));
    QVERIFY(JobStatistics::perMinute(database(), node, start, start)->isEmpty());

    auto backwards = JobStatistics::perMinute(database(), node, start, start - MinuteMs);
    QCOMPARE(backwards.code(), ErrorCode::InvalidArgument);
    constexpr qint64 Week = 7 * 24 * 60 * MinuteMs;
    auto week = JobStatistics::perMinute(database(), node, start - MinuteMs, start - MinuteMs + Week);
    QVERIFY2(week.ok(), qPrintable(week.message()));
    QCOMPARE(week->size(), 7 * 24 * 60);
    QCOMPARE(week->at(0), qint64(7));
    QCOMPARE(week->at(3), qint64(6));
    QCOMPARE(JobStatistics::perMinute(database(), node, start, start + Week + MinuteMs).code(),
             ErrorCode::InvalidArgument);
}

QTEST_GUILESS_MAIN(TestAdministration)
#include "tst_administration.moc"
