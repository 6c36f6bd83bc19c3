// The console against a real cluster of cohort-node processes, on SQLite and PostgreSQL,
// driven as a user would: the login dialog, the Manager Nodes table, the Properties
// dialog with Decommission, the Alerts, Audit Log and System Settings pages. Offscreen.
#include "activitygraph.h"
#include "alertspage.h"
#include "alertstablemodel.h"
#include "auditlogmodel.h"
#include "auditlogpage.h"
#include "clusterclient.h"
#include "clustersettings.h"
#include "consoleclient.h"
#include "consolesettings.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "messagebox.h"
#include "modelrows.h"
#include "nodepropertiesdialog.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "passwordhash.h"
#include "settingspage.h"
#include "testcluster.h"
#include "users.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
const QString AuditorPassword = u"auditor password 1"_s;
constexpr int Patience = 30000; // ms; generous for the sanitizer build on two cores

int rowOfName(const QAbstractItemModel *model, const QString &name)
{
    return rowOf(model, NodesTableModel::Name, name);
}

QString statusOf(const QAbstractItemModel *model, const QString &name)
{
    return cellOf(model, NodesTableModel::Name, name, NodesTableModel::Status);
}

} // namespace

class TestConsole : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void loginSucceedsFailsAndLocks();
    void nodesTableFollowsTheCluster();
    void propertiesDialogDecommissions();
    void decommissionOfANodeThatCameBackIsRefused();
    void auditorSeesButCannotChange();
    void settingsValidationKeepsNothingBad();
    void alertsAreAcknowledgedAndCleared();
    void auditLogFilters();
    void windowRemembersGeometryAndPage();

private:
    std::unique_ptr<ClusterClient> loggedInClient(const QString &user, const QString &password)
    {
        return Test::loggedInClient(m_cluster->url(), user, password, Patience);
    }

    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
};

void TestConsole::initTestCase()
{
    // The console's QSettings go to a throwaway folder, not the user's.
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
}

void TestConsole::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
    NewUser auditor;
    auditor.name = u"audrey"_s;
    auditor.password = AuditorPassword;
    auditor.role = Role::Auditor;
    auto added = m_cluster->addUser(auditor);
    QVERIFY2(added.ok(), qPrintable(added.message()));
}

void TestConsole::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

void TestConsole::loginSucceedsFailsAndLocks()
{
    auto lower = m_cluster->database().write([&](QSqlDatabase &db) {
        return ClusterSettings::set(db, m_cluster->database().dialect(), u"login.max_failures"_s, u"3"_s,
                                    u"test"_s);
    });
    QVERIFY(lower.ok());

    ConsoleSettings settings;
    ClusterClient client;
    LoginDialog dialog(client, settings);
    dialog.show();
    auto *url = dialog.findChild<QLineEdit *>(u"databaseUrl"_s);
    auto *user = dialog.findChild<QLineEdit *>(u"user"_s);
    auto *password = dialog.findChild<QLineEdit *>(u"password"_s);
    QVERIFY(url && user && password);

    // A malformed URL is caught before anything is sent.
    url->setText(u"mysql://nowhere"_s);
    user->setText(u"admin"_s);
    password->setText(AdminPassword);
    dialog.signIn();
    QVERIFY(!dialog.busy());
    QVERIFY2(!dialog.errorText().isEmpty(), "no error for a malformed URL");

    // Wrong passwords: refused, the dialog stays, the password field is emptied.
    url->setText(m_cluster->url());
    const auto signInWith = [&](const QString &typed) {
        password->clear();
        QTest::keyClicks(password, typed);
        dialog.signIn();
        const auto settled = [&] { return !dialog.busy(); };
        return QTest::qWaitFor(settled, Patience);
    };
    for (int attempt = 1; attempt <= 2; ++attempt) {
        QVERIFY(signInWith(u"wrong password"_s));
        QVERIFY2(dialog.errorText().contains(u"Wrong user name or password"_s),
                 qPrintable(dialog.errorText()));
        QVERIFY(dialog.isVisible());
        QVERIFY(password->text().isEmpty());
        QVERIFY(!client.loggedIn());
    }
    // The third wrong one locks the account; then even the right password is refused.
    QVERIFY(signInWith(u"still wrong"_s));
    QVERIFY(signInWith(AdminPassword));
    QVERIFY2(dialog.errorText().contains(u"locked"_s), qPrintable(dialog.errorText()));
    QVERIFY(!client.loggedIn());
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'user.locked' AND target = 'admin'"_s)
            .toInt(),
        1);
    QVERIFY(m_cluster->scalar(u"SELECT locked_until FROM users WHERE name = 'admin'"_s).toLongLong() > 0);

    // Another account still signs in, and the dialog closes with the session open.
    user->setText(u"audrey"_s);
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QVERIFY(signInWith(AuditorPassword));
    QCOMPARE(accepted.size(), 1);
    QCOMPARE(client.session().user, u"audrey"_s);
    QCOMPARE(client.session().role, Role::Auditor);
    // The profile is remembered without any password.
    QCOMPARE(settings.lastUser(), u"audrey"_s);
    const QList<ConnectionProfile> profiles = settings.profiles();
    QCOMPARE(profiles.size(), 1);
    QVERIFY(!profiles.first().url.contains(AuditorPassword));
}

void TestConsole::nodesTableFollowsTheCluster()
{
    for (const QString &name : {u"alpha"_s, u"bravo"_s, u"charlie"_s})
        QVERIFY2(m_cluster->startNode(name)->waitForJoined(), qPrintable(name));
    NodeProcess *bravo = m_cluster->nodes().at(1).get();
    NodeProcess *charlie = m_cluster->nodes().at(2).get();
    charlie->signal(SIGTERM);
    QVERIFY(charlie->waitForExit());
    // An older node that tried to start: recorded as it does, with its own version.
    NodeJoin old;
    old.guid = u"0d1d0d1d-0000-4000-8000-000000000001"_s;
    old.name = u"delta"_s;
    old.version = u"0.0.9"_s;
    QVERIFY(
        NodeRegistry::recordUpgradeRequired(m_cluster->database(), old, QStringLiteral(COHORT_VERSION_STRING))
            .ok());

    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    NodesPage *page = window.nodesPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QAbstractItemModel *view = page->proxy();

    const auto loaded = [&] { return view->rowCount() == 4 && statusOf(view, u"charlie"_s) == u"Offline"_s; };
    QTRY_VERIFY_WITH_TIMEOUT(loaded(), Patience);
    QCOMPARE(statusOf(view, u"delta"_s), u"Offline (Upgrade Required)"_s);
    const QModelIndex deltaStatus = view->index(rowOfName(view, u"delta"_s), NodesTableModel::Status);
    QCOMPARE(deltaStatus.data(Qt::ForegroundRole).value<QColor>(),
             NodesTableModel::statusColor(NodeStatus::UpgradeRequired));
    QVERIFY(deltaStatus.data(Qt::ToolTipRole)
                .toString()
                .contains(
                    u"runs version 0.0.9; the cluster runs %1"_s.arg(QStringLiteral(COHORT_VERSION_STRING))));
    // Each row's status is the one the database derives.
    auto listed = NodeRegistry::list(m_cluster->database());
    QVERIFY(listed.ok());
    for (const NodeInfo &info : *listed)
        QCOMPARE(statusOf(view, info.name), nodeStatusText(info.status));
    QCOMPARE(statusOf(view, u"alpha"_s), u"Online"_s);
    QCOMPARE(statusOf(view, u"bravo"_s), u"Online"_s);
    // Colour and icon carry the state too.
    const QModelIndex charlieStatus = view->index(rowOfName(view, u"charlie"_s), NodesTableModel::Status);
    QCOMPARE(charlieStatus.data(Qt::ForegroundRole).value<QColor>(),
             NodesTableModel::statusColor(NodeStatus::Offline));
    QVERIFY(!charlieStatus.data(Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(view->index(rowOfName(view, u"alpha"_s), NodesTableModel::Version).data().toString(),
             QStringLiteral(COHORT_VERSION_STRING));

    // Select alpha, then kill bravo: its row turns Offline by itself, alpha stays selected.
    page->view()->selectRow(rowOfName(view, u"alpha"_s));
    const QString alphaGuid = page->selectedGuid();
    QVERIFY(!alphaGuid.isEmpty());
    QSignalSpy resets(page->model(), &QAbstractItemModel::modelReset);
    bravo->signal(SIGKILL);
    QVERIFY(bravo->waitForExit());
    const auto bravoOffline = [&] { return statusOf(view, u"bravo"_s) == u"Offline"_s; };
    QTRY_VERIFY_WITH_TIMEOUT(bravoOffline(), Patience);
    QCOMPARE(page->selectedGuid(), alphaGuid);
    QCOMPARE(resets.size(), 0);

    // The filter box narrows the rows through the proxy.
    auto *filter = page->findChild<QLineEdit *>(u"nodeFilter"_s);
    QVERIFY(filter);
    QTest::keyClicks(filter, u"offline"_s);
    QCOMPARE(view->rowCount(), 3);
    filter->clear();
    QTest::keyClicks(filter, u"upgrade"_s);
    QCOMPARE(view->rowCount(), 1);
    filter->clear();
    QCOMPARE(view->rowCount(), 4);

    // Sorting by status puts Online first.
    page->view()->sortByColumn(NodesTableModel::Status, Qt::AscendingOrder);
    QCOMPARE(view->index(0, NodesTableModel::Name).data().toString(), u"alpha"_s);
    QCOMPARE(window.connectionText(), MainWindow::tr("Connected"));
}

void TestConsole::propertiesDialogDecommissions()
{
    for (const QString &name : {u"alpha"_s, u"bravo"_s})
        QVERIFY2(m_cluster->startNode(name)->waitForJoined(), qPrintable(name));
    NodeProcess *bravo = m_cluster->nodes().at(1).get();
    const QString bravoGuid = bravo->guid();
    QVERIFY(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs"_s).isValid());

    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QAbstractItemModel *view = window.nodesPage()->proxy();
    const auto bothOnline = [&] {
        return statusOf(view, u"alpha"_s) == u"Online"_s && statusOf(view, u"bravo"_s) == u"Online"_s;
    };
    QTRY_VERIFY_WITH_TIMEOUT(bothOnline(), Patience);

    // Double-click bravo's row: its Properties open, Decommission disabled while Online.
    QTableView *table = window.nodesPage()->view();
    const QModelIndex cell = view->index(rowOfName(view, u"bravo"_s), NodesTableModel::Name);
    table->scrollTo(cell);
    // As a mouse does it: a press and release, then the second press (QTest's double
    // click alone sends no first press, which item views need).
    const QPoint point = table->visualRect(cell).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, point);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, point);
    NodePropertiesDialog *dialog = nullptr;
    const auto opened = [&] {
        const auto dialogs = window.findChildren<NodePropertiesDialog *>();
        dialog = dialogs.isEmpty() ? nullptr : dialogs.first();
        return dialog != nullptr;
    };
    QTRY_VERIFY(opened());
    QCOMPARE(dialog->guid(), bravoGuid);
    QCOMPARE(dialog->findChild<QLabel *>(u"guid"_s)->text(), bravoGuid);
    QCOMPARE(dialog->findChild<QLabel *>(u"name"_s)->text(), u"bravo"_s);
    QVERIFY(dialog->isVisible());
    QVERIFY(!dialog->decommissionButton()->isEnabled());
    // Its activity over the last hour: sixty minutes.
    QTRY_COMPARE_WITH_TIMEOUT(dialog->activityGraph()->perMinute().size(), 60, Patience);

    // A description is saved through core.
    auto *description = dialog->findChild<QLineEdit *>(u"description"_s);
    QTest::keyClicks(description, u"rack 4, blue cable"_s);
    QTest::keyClick(description, Qt::Key_Return);
    const auto described = [&] {
        return m_cluster->scalar(u"SELECT description FROM nodes WHERE guid = ?"_s, {bravoGuid}).toString()
               == u"rack 4, blue cable"_s;
    };
    QTRY_VERIFY_WITH_TIMEOUT(described(), Patience);

    // Stopped, bravo turns Offline in the open dialog and Decommission is enabled.
    bravo->signal(SIGTERM);
    QVERIFY(bravo->waitForExit());
    QTRY_VERIFY_WITH_TIMEOUT(dialog->decommissionButton()->isEnabled(), Patience);

    // Cancelling the confirmation changes nothing.
    // (The confirmation comes once the worker has checked what it would change.)
    MessageBox::setNextAnswer(QMessageBox::Cancel);
    QTest::mouseClick(dialog->decommissionButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->lastPreflightText().isEmpty(), Patience);
    QCOMPARE(MessageBox::lastText(), dialog->lastPreflightText());
    QVERIFY(MessageBox::lastText().contains(u"bravo"_s));
    QVERIFY(dialog->isVisible());
    QCOMPARE(m_cluster->nodeState(bravoGuid), u"offline"_s);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->decommissionButton()->isEnabled(), Patience);

    // Confirmed: the node is decommissioned, audited, the dialog closes and the row goes.
    QPointer<NodePropertiesDialog> watched(dialog);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(dialog->decommissionButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(watched.isNull() || !watched->isVisible(), Patience);
    QCOMPARE(m_cluster->nodeState(bravoGuid), u"decommissioned"_s);
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'node.decommission' AND actor = 'admin' "
                     "AND target LIKE ?"_s,
                     {QVariant(u"%"_s + bravoGuid + u"%"_s)})
            .toInt(),
        1);
    QTRY_COMPARE_WITH_TIMEOUT(rowOfName(view, u"bravo"_s), -1, Patience);
    QCOMPARE(view->rowCount(), 1);
}

void TestConsole::decommissionOfANodeThatCameBackIsRefused()
{
    NodeProcess *alpha = m_cluster->startNode(u"alpha"_s);
    QVERIFY(alpha->waitForJoined());
    const QString guid = alpha->guid();
    const QString dataDir = alpha->dataDir();
    alpha->signal(SIGTERM);
    QVERIFY(alpha->waitForExit());

    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    const QAbstractItemModel *view = window.nodesPage()->proxy();
    const auto offline = [&] { return statusOf(view, u"alpha"_s) == u"Offline"_s; };
    QTRY_VERIFY_WITH_TIMEOUT(offline(), Patience);
    NodePropertiesDialog *dialog = window.openProperties(guid);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->decommissionButton()->isEnabled(), Patience);

    // The worker answers in order: once a request queued now is answered, all it did
    // before has reached the console too.
    const auto workerCaughtUp = [&client] {
        QSignalSpy listed(client.get(), &ClusterClient::finishedJobsListed);
        const quint64 request = client->listFinishedJobs({});
        return QTest::qWaitFor(
            [&] { return !listed.isEmpty() && listed.last().at(0).toULongLong() == request; }, Patience);
    };

    // The console stops refreshing (as if slow); meanwhile the node comes back. One round
    // now takes the place of the one due at the old interval, and arms the new one.
    QSignalSpy snapshots(client.get(), &ClusterClient::snapshotChanged);
    client->setPollInterval(3600 * 1000);
    client->refreshNow();
    QVERIFY(workerCaughtUp());
    QVERIFY(!snapshots.isEmpty());
    QCOMPARE(statusOf(view, u"alpha"_s), u"Offline"_s);
    snapshots.clear();
    QVERIFY(m_cluster->startNodeIn(u"alpha"_s, dataDir)->waitForJoined());
    QCOMPARE(m_cluster->nodeState(guid), u"online"_s);
    // It beats after joining: a second at the test heartbeat, rounds a polling console
    // would not have missed.
    const auto heartbeat = [&] {
        return m_cluster->scalar(u"SELECT last_heartbeat FROM nodes WHERE guid = ?"_s, {guid}).toLongLong();
    };
    const qint64 joined = heartbeat();
    QTRY_VERIFY_WITH_TIMEOUT(heartbeat() > joined, Patience);
    QVERIFY(workerCaughtUp());
    // No round since: the dialog still shows Offline.
    QCOMPARE(snapshots.size(), 0);
    QVERIFY(dialog->decommissionButton()->isEnabled());

    MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(dialog->decommissionButton(), Qt::LeftButton);
    const auto refused = [&] { return !dialog->errorText().isEmpty(); };
    QTRY_VERIFY_WITH_TIMEOUT(refused(), Patience);
    QVERIFY2(dialog->errorText().contains(u"Online"_s), qPrintable(dialog->errorText()));
    QVERIFY(dialog->isVisible());
    QCOMPARE(m_cluster->nodeState(guid), u"online"_s);
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'node.decommission'"_s).toInt(), 0);
    // The refused action refreshed the data: the dialog now shows it Online.
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->decommissionButton()->isEnabled(), Patience);
}

void TestConsole::auditorSeesButCannotChange()
{
    NodeProcess *alpha = m_cluster->startNode(u"alpha"_s);
    QVERIFY(alpha->waitForJoined());
    const QString guid = alpha->guid();
    alpha->signal(SIGKILL);
    QVERIFY(alpha->waitForExit());
    NodeProcess *bravo = m_cluster->startNode(u"bravo"_s);
    QVERIFY(bravo->waitForJoined());
    // bravo declares alpha dead and raises an alert.
    const auto alerted = [&] { return m_cluster->nodeState(guid) == u"offline"_s; };
    QTRY_VERIFY_WITH_TIMEOUT(alerted(), Patience);

    auto client = loggedInClient(u"audrey"_s, AuditorPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    const QAbstractItemModel *view = window.nodesPage()->proxy();
    const auto offline = [&] { return statusOf(view, u"alpha"_s) == u"Offline"_s; };
    QTRY_VERIFY_WITH_TIMEOUT(offline(), Patience);

    NodePropertiesDialog *dialog = window.openProperties(guid);
    QVERIFY(!dialog->decommissionButton()->isEnabled());
    QVERIFY(dialog->findChild<QLineEdit *>(u"description"_s)->isReadOnly());
    // Core refuses again even if the GUI were fooled.
    QSignalSpy finished(client.get(), &ClusterClient::actionFinished);
    const quint64 request = client->decommissionNode(guid);
    QVERIFY(finished.wait(Patience));
    QCOMPARE(finished.first().at(0).toULongLong(), request);
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(m_cluster->nodeState(guid), u"offline"_s);

    AlertsPage *alerts = window.alertsPage();
    QTRY_VERIFY_WITH_TIMEOUT(alerts->model()->rowCount() > 0, Patience);
    alerts->view()->selectAll();
    QVERIFY(!alerts->acknowledgeButton()->isEnabled());
    QVERIFY(!alerts->clearButton()->isEnabled());

    SettingsPage *settingsPage = window.settingsPage();
    QVERIFY(settingsPage->field(SystemSettings::Field::HeartbeatSeconds)->isReadOnly());
    QVERIFY(!settingsPage->saveButton()->isEnabled());
    QVERIFY(!settingsPage->save());
}

void TestConsole::settingsValidationKeepsNothingBad()
{
    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    window.showPage(MainWindow::SystemSettings);
    SettingsPage *page = window.settingsPage();
    QLineEdit *address = page->field(SystemSettings::Field::LoadBalancerAddress);
    QLineEdit *heartbeat = page->field(SystemSettings::Field::HeartbeatSeconds);
    QLineEdit *offline = page->field(SystemSettings::Field::OfflineAfterSeconds);
    QTRY_COMPARE_WITH_TIMEOUT(heartbeat->text(), u"10"_s, Patience);
    const auto storedSettings = [&] {
        return m_cluster
            ->scalar(u"SELECT COUNT(*) FROM cluster_settings WHERE name LIKE 'nodes.%' "
                     "OR name LIKE 'agents.%'"_s)
            .toInt();
    };
    QCOMPARE(storedSettings(), 0);

    struct Case
    {
        QString address, heartbeat, offline;
        SystemSettings::Field field;
    };
    const Case bad[] = {
        {u""_s, u"ten"_s, u"180"_s, SystemSettings::Field::HeartbeatSeconds},
        {u""_s, u"0"_s, u"180"_s, SystemSettings::Field::HeartbeatSeconds},
        {u""_s, u"3601"_s, u"86400"_s, SystemSettings::Field::HeartbeatSeconds},
        {u""_s, u"10"_s, u"15"_s, SystemSettings::Field::OfflineAfterSeconds},
        {u""_s, u"10"_s, u"-5"_s, SystemSettings::Field::OfflineAfterSeconds},
        {u"lb.example.com"_s, u"10"_s, u"180"_s, SystemSettings::Field::LoadBalancerAddress},
        {u"lb.example.com:0"_s, u"10"_s, u"180"_s, SystemSettings::Field::LoadBalancerAddress},
        {u"lb.example.com:99999"_s, u"10"_s, u"180"_s, SystemSettings::Field::LoadBalancerAddress},
        {u"bad host:80"_s, u"10"_s, u"180"_s, SystemSettings::Field::LoadBalancerAddress},
    };
    for (const Case &c : bad) {
        for (auto [edit, text] :
             {std::pair{address, c.address}, {heartbeat, c.heartbeat}, {offline, c.offline}}) {
            edit->selectAll();
            QTest::keyClick(edit, Qt::Key_Backspace);
            QTest::keyClicks(edit, text);
        }
        QVERIFY2(!page->save(), qPrintable(c.address + u' ' + c.heartbeat + u' ' + c.offline));
        QVERIFY2(!page->fieldError(c.field).isEmpty(),
                 qPrintable(c.address + u' ' + c.heartbeat + u' ' + c.offline));
        QVERIFY(!page->message().isEmpty());
        QCOMPARE(storedSettings(), 0);
    }

    // Good values are saved, audited, and the page shows what the database holds.
    address->setText(u"lb.example.com:8443"_s);
    heartbeat->setText(u"5"_s);
    offline->setText(u"60"_s);
    QSignalSpy finished(client.get(), &ClusterClient::actionFinished);
    QVERIFY(page->save());
    QVERIFY(finished.wait(Patience));
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(m_cluster->scalar(u"SELECT value FROM cluster_settings WHERE name = 'nodes.heartbeat_seconds'"_s)
                 .toString(),
             u"5"_s);
    QCOMPARE(
        m_cluster->scalar(u"SELECT value FROM cluster_settings WHERE name = 'nodes.offline_after_seconds'"_s)
            .toString(),
        u"60"_s);
    QCOMPARE(
        m_cluster->scalar(u"SELECT value FROM cluster_settings WHERE name = 'agents.load_balancer_address'"_s)
            .toString(),
        u"lb.example.com:8443"_s);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'settings.change'"_s).toInt(),
             1);
    QVERIFY(page->fieldError(SystemSettings::Field::HeartbeatSeconds).isEmpty());
}

void TestConsole::alertsAreAcknowledgedAndCleared()
{
    NodeProcess *alpha = m_cluster->startNode(u"alpha"_s);
    QVERIFY(alpha->waitForJoined());
    QVERIFY(m_cluster->startNode(u"bravo"_s)->waitForJoined());
    alpha->signal(SIGKILL);
    QVERIFY(alpha->waitForExit());
    const auto raised = [&] {
        return m_cluster->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline'"_s).toInt() == 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(raised(), Patience);

    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    window.showPage(MainWindow::Alerts);
    AlertsPage *page = window.alertsPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(page->view()->model()->rowCount(), 1, Patience);
    QVERIFY(page->view()->model()->index(0, AlertsTableModel::Node).data().toString() == u"alpha"_s);

    page->view()->selectRow(0);
    QVERIFY(page->acknowledgeButton()->isEnabled());
    QTest::mouseClick(page->acknowledgeButton(), Qt::LeftButton);
    const auto acknowledged = [&] {
        return m_cluster->scalar(u"SELECT acknowledged_by FROM alerts WHERE kind = 'node-offline'"_s)
                   .toString()
               == u"admin"_s;
    };
    QTRY_VERIFY_WITH_TIMEOUT(acknowledged(), Patience);
    const auto shownAcknowledged = [&] {
        return page->view()
            ->model()
            ->index(0, AlertsTableModel::State)
            .data()
            .toString()
            .contains(u"admin"_s);
    };
    QTRY_VERIFY_WITH_TIMEOUT(shownAcknowledged(), Patience);
    QVERIFY(!page->acknowledgeButton()->isEnabled());

    page->view()->selectRow(0);
    QTest::mouseClick(page->clearButton(), Qt::LeftButton);
    const auto cleared = [&] {
        return m_cluster->scalar(u"SELECT cleared_by FROM alerts WHERE kind = 'node-offline'"_s).toString()
               == u"admin"_s;
    };
    QTRY_VERIFY_WITH_TIMEOUT(cleared(), Patience);
    // Cleared alerts leave the list unless asked for.
    QTRY_COMPARE_WITH_TIMEOUT(page->view()->model()->rowCount(), 0, Patience);
    page->showClearedBox()->setChecked(true);
    QCOMPARE(page->view()->model()->rowCount(), 1);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action LIKE 'alert.%'"_s).toInt(), 2);

    // A node that joins again clears its own open node-offline alert (not one already
    // cleared by someone), and the page names the node, not its GUID.
    const QString guid = alpha->guid();
    NodeProcess *back = m_cluster->startNodeIn(u"alpha"_s, alpha->dataDir());
    QVERIFY2(back->waitForJoined(), qPrintable(back->output()));
    QCOMPARE(m_cluster->scalar(u"SELECT cleared_by FROM alerts WHERE kind = 'node-offline'"_s).toString(),
             u"admin"_s);
    back->signal(SIGKILL);
    QVERIFY(back->waitForExit());
    const auto raisedAgain = [&] {
        return m_cluster
                   ->scalar(
                       u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline' AND cleared_at IS NULL"_s)
                   .toInt()
               == 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(raisedAgain(), Patience);
    QVERIFY2(m_cluster->startNodeIn(u"alpha"_s, alpha->dataDir())->waitForJoined(),
             qPrintable(m_cluster->nodes().back()->output()));
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline' AND cleared_by = ?"_s, {guid})
            .toInt(),
        1);
    const auto clearedByAlpha = [&] {
        const QAbstractItemModel *model = page->view()->model();
        int byAlpha = 0;
        for (int row = 0; row < model->rowCount(); ++row)
            byAlpha += model->index(row, AlertsTableModel::State).data().toString() == u"Cleared by alpha"_s;
        return model->rowCount() == 2 && byAlpha == 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(clearedByAlpha(), Patience);
}

void TestConsole::auditLogFilters()
{
    // Two users sign in (audited), one also fails once.
    QVERIFY(loggedInClient(u"audrey"_s, AuditorPassword));
    QVERIFY(!loggedInClient(u"audrey"_s, u"nope"_s));
    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    window.showPage(MainWindow::AuditLog);
    AuditLogPage *page = window.auditLogPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const int all = m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log"_s).toInt();
    QVERIFY(all >= 4); // cluster.init, two logins, one failure
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), all, Patience);

    const auto rowsWith = [&](int column, const QString &value) {
        int count = 0;
        for (int row = 0; row < page->model()->rowCount(); ++row)
            count += page->model()->index(row, column).data().toString() == value ? 1 : 0;
        return count;
    };

    page->setUserFilter(u"audrey"_s);
    page->applyFilter();
    const int audrey = m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log WHERE actor = 'audrey'"_s).toInt();
    QVERIFY(audrey >= 2);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), audrey, Patience);
    QCOMPARE(rowsWith(AuditLogModel::User, u"audrey"_s), audrey);

    page->setUserFilter(QString());
    page->setActionFilter(u"user.login-failed"_s);
    page->applyFilter();
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 1, Patience);
    QCOMPARE(page->model()->index(0, AuditLogModel::User).data().toString(), u"audrey"_s);

    // A time range that ends before the cluster existed shows nothing.
    page->setActionFilter(QString());
    page->setTimeRange(QDateTime(QDate(2000, 1, 1), QTime(0, 0)), QDateTime(QDate(2000, 1, 2), QTime(0, 0)));
    page->applyFilter();
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 0, Patience);
    page->setTimeRange(QDateTime::currentDateTime().addSecs(-3600), {});
    page->applyFilter();
    QTRY_VERIFY_WITH_TIMEOUT(page->model()->rowCount() >= 4, Patience);
}

void TestConsole::windowRemembersGeometryAndPage()
{
    auto client = loggedInClient(u"admin"_s, AdminPassword);
    QVERIFY(client);
    ConsoleSettings settings;
    {
        MainWindow window(*client, settings);
        window.show();
        window.resize(1234, 777);
        window.showPage(MainWindow::AuditLog);
        window.close();
    }
    MainWindow again(*client, settings);
    QCOMPARE(again.currentPage(), MainWindow::AuditLog);
    QCOMPARE(again.size(), QSize(1234, 777));
    // Keyboard: Ctrl+1 goes back to the Manager Nodes page.
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    QTest::keyClick(&again, Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(again.currentPage(), MainWindow::ManagerNodes);
}

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
