// The console's Agents page, the Manager Nodes Agents column and the Properties dialog's
// "Reported by the Node's API", on both databases, offscreen, against real cohort-node
// processes. Agents are recorded through Agents::record, the code nodes run, with the
// cluster's data key. An administrator sees host names and addresses in clear, an auditor
// sees them sealed; the dialog shows what the live node answers over HTTPS pinned to the
// fingerprint in the database, and refuses the node once that fingerprint is changed.
// With COHORT_SCREENSHOTS=FOLDER the page and the dialog are saved as pictures there.
#include "agentdistributionview.h"
#include "agents.h"
#include "agentsfiltermodel.h"
#include "agentspage.h"
#include "agentstablemodel.h"
#include "cluster.h"
#include "consoleclient.h"
#include "consolescreenshot.h"
#include "consolesettings.h"
#include "mainwindow.h"
#include "modelrows.h"
#include "nodeapiclient.h"
#include "nodepropertiesdialog.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "testcluster.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString ZoePassword = u"zoe's long passphrase"_s;
const QString AnnPassword = u"ann's long passphrase"_s;
constexpr int Patience = 30000;

struct TestAgent
{
    QString guid;
    QString node; // alpha or bravo
    QString hostName;
    QStringList addresses;
    QString version;
};

// Three agents check in with alpha, two with bravo.
const QList<TestAgent> &testAgents()
{
    static const QList<TestAgent> agents = {
        {u"0a1b2c3d-0000-4000-8000-000000000001"_s,
         u"alpha"_s,
         u"web-01.corp.example"_s,
         {u"10.20.0.11"_s, u"fd00::11"_s},
         u"2.4.1"_s},
        {u"0a1b2c3d-0000-4000-8000-000000000002"_s,
         u"alpha"_s,
         u"web-02.corp.example"_s,
         {u"10.20.0.12"_s},
         u"2.4.1"_s},
        {u"0a1b2c3d-0000-4000-8000-000000000003"_s,
         u"alpha"_s,
         u"db-primary.corp.example"_s,
         {u"10.30.0.5"_s},
         u"2.3.9"_s},
        {u"5e6f7a8b-0000-4000-8000-000000000004"_s,
         u"bravo"_s,
         u"db-replica.corp.example"_s,
         {u"10.30.0.6"_s},
         u"2.4.1"_s},
        {u"5e6f7a8b-0000-4000-8000-000000000005"_s,
         u"bravo"_s,
         u"mail.corp.example"_s,
         {u"10.40.0.2"_s, u"192.0.2.40"_s},
         u"2.2.0"_s},
    };
    return agents;
}

QString agentCell(const QAbstractItemModel *model, const QString &guid, int column)
{
    return cellOf(model, AgentsTableModel::Guid, guid, column);
}

int barOf(const AgentDistributionView *view, const QString &name)
{
    for (const AgentDistributionView::Bar &bar : view->bars()) {
        if (bar.name == name)
            return bar.agents;
    }
    return -1;
}

QString withoutSpace(QString text)
{
    return text.remove(QRegularExpression(u"\\s"_s));
}

} // namespace

class TestConsoleAgents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void administratorSeesAgents();
    void auditorSeesThemSealed();
    void propertiesShowTheNodeApi();
    void apiClientReportsRefusals();

private:
    // Records check-ins as the node named node would, through core's Agents::record.
    Result<void> record(const QString &node, const QList<TestAgent> &agents);
    std::unique_ptr<MainWindow> window(ClusterClient &client);
    void screenshot(QWidget *widget, const QString &name);

    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
    QHash<QString, QString> m_guids; // node name -> GUID
    std::unique_ptr<ConsoleSettings> m_settings;
};

void TestConsoleAgents::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
}

void TestConsoleAgents::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
    for (const NewUser &user : {NewUser{u"zoe"_s, ZoePassword, Role::Administrator, {}, {}},
                                NewUser{u"ann"_s, AnnPassword, Role::Auditor, {}, {}}}) {
        auto added = m_cluster->addUser(user);
        QVERIFY2(added.ok(), qPrintable(added.message()));
    }
    m_guids.clear();
    for (const QString &name : {u"alpha"_s, u"bravo"_s}) {
        NodeProcess *node = m_cluster->startNode(name);
        QVERIFY2(node->waitForJoined(), qPrintable(node->output()));
        m_guids.insert(name, node->guid());
    }
    auto recorded = record(u"alpha"_s, testAgents().mid(0, 3));
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    recorded = record(u"bravo"_s, testAgents().mid(3));
    QVERIFY2(recorded.ok(), qPrintable(recorded.message()));
    m_settings = std::make_unique<ConsoleSettings>();
}

void TestConsoleAgents::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(20);
    m_settings.reset();
    m_cluster.reset();
}

Result<void> TestConsoleAgents::record(const QString &node, const QList<TestAgent> &agents)
{
    auto secret = MasterKey::readSecretFile(m_cluster->secretFile());
    if (!secret)
        return secret.error();
    Database &database = m_cluster->database();
    auto key = Cluster::unlock(database, *secret);
    if (!key)
        return key.error();
    auto cluster = Cluster::load(database);
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value())
        return makeError(ErrorCode::NotFound, u"no cluster"_s);
    const QByteArray context = (*cluster)->keyContext();
    QList<AgentCheckin> checkins;
    for (const TestAgent &agent : agents)
        checkins.append({agent.guid, agent.hostName, agent.addresses, agent.version, u"7"_s, 3});
    const QString managerGuid = m_guids.value(node);
    return database.write([&](QSqlDatabase &db) {
        return Agents::record(db, database.dialect(), *key, context, managerGuid, checkins);
    });
}

std::unique_ptr<MainWindow> TestConsoleAgents::window(ClusterClient &client)
{
    auto window = std::make_unique<MainWindow>(client, *m_settings);
    window->resize(1280, 720);
    window->show();
    return window;
}

void TestConsoleAgents::screenshot(QWidget *widget, const QString &name)
{
    bool failed = false;
    const QString file = saveScreenshot(widget, name, m_cluster->url(), &failed);
    QVERIFY2(!failed, qPrintable(name));
    if (!file.isEmpty())
        qInfo().noquote() << "screenshot:" << file;
}

void TestConsoleAgents::administratorSeesAgents()
{
    auto client = loggedInClient(m_cluster->url(), u"zoe"_s, ZoePassword, Patience);
    QVERIFY(client);
    auto main = window(*client);
    main->showPage(MainWindow::Agents);
    AgentsPage *page = main->agentsPage();
    // The model and its proxy keep Qt's rules through every refresh, filter and toggle below.
    QAbstractItemModelTester modelTester(page->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(page->proxy(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModel *view = page->view()->model();
    QTRY_COMPARE_WITH_TIMEOUT(view->rowCount(), 5, Patience);
    QTRY_COMPARE_WITH_TIMEOUT(page->quietCount(), 0, Patience);
    QVERIFY2(page->note().isEmpty(), qPrintable(page->note()));

    // Every column of every agent, host names and addresses in clear.
    for (const TestAgent &agent : testAgents()) {
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::HostName), agent.hostName);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Addresses), agent.addresses.join(u", "_s));
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Version), agent.version);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Node), agent.node);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::State), u"Online"_s);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Checkins), u"3"_s);
        const QString age = agentCell(view, agent.guid, AgentsTableModel::LastCheckin);
        QVERIFY2(QRegularExpression(u"^(just now|\\d+ s ago)$"_s).match(age).hasMatch(), qPrintable(age));
    }
    // The exact time as the tooltip: the database's last_checkin.
    const QString first = testAgents().first().guid;
    const qint64 lastCheckin =
        m_cluster->scalar(u"SELECT last_checkin FROM agents WHERE guid = ?"_s, {first}).toLongLong();
    const QModelIndex age =
        view->index(rowOf(view, AgentsTableModel::Guid, first), AgentsTableModel::LastCheckin);
    QVERIFY2(age.data(Qt::ToolTipRole).toString().startsWith(formatTimestamp(lastCheckin)),
             qPrintable(age.data(Qt::ToolTipRole).toString()));

    // The filter matches the node name, a host name, an address, a version and a GUID.
    const auto filtered = [&](const QString &text) {
        page->filterEdit()->clear();
        QTest::keyClicks(page->filterEdit(), text);
        return view->rowCount();
    };
    QCOMPARE(filtered(u"bravo"_s), 2);
    QCOMPARE(filtered(u"DB-"_s), 2);
    QCOMPARE(filtered(u"10.20.0.1"_s), 2);
    QCOMPARE(filtered(u"2.4.1"_s), 3);
    QCOMPARE(filtered(u"000000000005"_s), 1);
    QCOMPARE(agentCell(view, testAgents().last().guid, AgentsTableModel::HostName), u"mail.corp.example"_s);
    QCOMPARE(filtered(u"no such agent"_s), 0);
    QCOMPARE(filtered(QString()), 5);

    // Online agents per node: the page's bars and the Manager Nodes column.
    AgentDistributionView *bars = page->distribution();
    QTRY_COMPARE_WITH_TIMEOUT(barOf(bars, u"alpha"_s), 3, Patience);
    QCOMPARE(barOf(bars, u"bravo"_s), 2);
    QVERIFY(bars->barRect(m_guids.value(u"alpha"_s)).width()
            > bars->barRect(m_guids.value(u"bravo"_s)).width());
    const QAbstractItemModel *nodes = main->nodesPage()->view()->model();
    const auto agentsOf = [&](const QString &name) {
        const int row = rowOf(nodes, NodesTableModel::Name, name);
        return row < 0 ? QString() : nodes->index(row, NodesTableModel::Agents).data().toString();
    };
    QCOMPARE(agentsOf(u"alpha"_s), u"3"_s);
    QCOMPARE(agentsOf(u"bravo"_s), u"2"_s);
    screenshot(main.get(), u"agents-page"_s);
    main->showPage(MainWindow::ManagerNodes);
    screenshot(main.get(), u"nodes-page"_s);
    main->showPage(MainWindow::Agents);

    // An agent of alpha silent for an hour (the setting is 15 minutes), one of bravo
    // flagged offline: both counted as gone quiet, marked, and taken off their node's bars.
    const QString silent = testAgents().at(1).guid;
    const QString offline = testAgents().at(4).guid;
    m_cluster->scalar(u"UPDATE agents SET last_checkin = last_checkin - 3600000 WHERE guid = ?"_s, {silent});
    m_cluster->scalar(u"UPDATE agents SET state = 'offline', offline_since = last_checkin WHERE guid = ?"_s,
                      {offline});
    QTRY_COMPARE_WITH_TIMEOUT(page->quietCount(), 2, Patience);
    QVERIFY2(page->summaryText().contains(u"2 gone quiet"_s), qPrintable(page->summaryText()));
    const QListWidget *navigation = main->findChild<QListWidget *>(u"navigation"_s);
    QCOMPARE(navigation->item(MainWindow::Agents)->text(), u"Agents (2 gone quiet)"_s);
    // The nodes' agent-offline-check job may have flagged it offline already (it runs every minute).
    const QString silentState = agentCell(view, silent, AgentsTableModel::State);
    QVERIFY2(silentState == u"Gone quiet"_s || silentState == u"Offline"_s, qPrintable(silentState));
    QCOMPARE(agentCell(view, silent, AgentsTableModel::LastCheckin), u"1 h ago"_s);
    QCOMPARE(agentCell(view, offline, AgentsTableModel::State), u"Offline"_s);
    const QModelIndex silentRow =
        view->index(rowOf(view, AgentsTableModel::Guid, silent), AgentsTableModel::Guid);
    QVERIFY(silentRow.data(AgentsTableModel::QuietRole).toBool());
    QVERIFY(silentRow.data(Qt::BackgroundRole).canConvert<QColor>());
    const QModelIndex fine = view->index(rowOf(view, AgentsTableModel::Guid, first), AgentsTableModel::Guid);
    QVERIFY(!fine.data(Qt::BackgroundRole).isValid());
    QTRY_COMPARE_WITH_TIMEOUT(barOf(bars, u"alpha"_s), 2, Patience);
    QCOMPARE(barOf(bars, u"bravo"_s), 1);
    QTRY_COMPARE_WITH_TIMEOUT(agentsOf(u"alpha"_s), u"2"_s, Patience);
    QCOMPARE(agentsOf(u"bravo"_s), u"1"_s);

    // The toggle shows them alone, and the filter still applies.
    page->quietOnlyBox()->click();
    QCOMPARE(view->rowCount(), 2);
    QStringList shown;
    for (int row = 0; row < view->rowCount(); ++row)
        shown << view->index(row, AgentsTableModel::Guid).data().toString();
    shown.sort();
    QCOMPARE(shown, (QStringList{silent, offline}));
    QCOMPARE(filtered(u"mail"_s), 1);
    QCOMPARE(filtered(QString()), 2);
    screenshot(main.get(), u"agents-quiet"_s);
    page->quietOnlyBox()->click();
    QCOMPARE(view->rowCount(), 5);

    // The silent one checks in again (with bravo now): online, counted for bravo.
    QVERIFY2(record(u"bravo"_s, {testAgents().at(1)}).ok(), "record");
    QTRY_COMPARE_WITH_TIMEOUT(page->quietCount(), 1, Patience);
    QCOMPARE(agentCell(view, silent, AgentsTableModel::Node), u"bravo"_s);
    QCOMPARE(agentCell(view, silent, AgentsTableModel::Checkins), u"6"_s);
    QCOMPARE(barOf(bars, u"alpha"_s), 2);
    QCOMPARE(barOf(bars, u"bravo"_s), 2);
}

void TestConsoleAgents::auditorSeesThemSealed()
{
    auto client = loggedInClient(m_cluster->url(), u"ann"_s, AnnPassword, Patience);
    QVERIFY(client);
    auto main = window(*client);
    main->showPage(MainWindow::Agents);
    AgentsPage *page = main->agentsPage();
    QAbstractItemModel *view = page->view()->model();
    QTRY_COMPARE_WITH_TIMEOUT(view->rowCount(), 5, Patience);
    for (const TestAgent &agent : testAgents()) {
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::HostName), u"Sealed"_s);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Addresses), u"Sealed"_s);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Version), agent.version);
        QCOMPARE(agentCell(view, agent.guid, AgentsTableModel::Node), agent.node);
    }
    QVERIFY2(page->note().contains(u"sealed"_s), qPrintable(page->note()));
    // What is sealed is not searched (the word "Sealed" shown in its place neither).
    page->filterEdit()->setText(u"corp.example"_s);
    QCOMPARE(view->rowCount(), 0);
    page->filterEdit()->setText(u"sealed"_s);
    QCOMPARE(view->rowCount(), 0);
    page->filterEdit()->setText(u"alpha"_s);
    QCOMPARE(view->rowCount(), 3);
    page->filterEdit()->clear();
    QCOMPARE(barOf(page->distribution(), u"alpha"_s), 3);
    screenshot(main.get(), u"agents-auditor"_s);

    // Properties: /api/v1/health only, and the section says why.
    NodePropertiesDialog *dialog = main->openProperties(m_guids.value(u"alpha"_s));
    QTRY_COMPARE_WITH_TIMEOUT(dialog->apiValue(u"name"_s), u"alpha"_s, Patience);
    QCOMPARE(dialog->apiValue(u"status"_s), u"online"_s);
    QCOMPARE(dialog->apiValue(u"version"_s),
             m_cluster->scalar(u"SELECT version FROM nodes WHERE guid = ?"_s, {m_guids.value(u"alpha"_s)})
                 .toString());
    QCOMPARE(withoutSpace(dialog->apiValue(u"certificate"_s)), m_cluster->apiPin(m_guids.value(u"alpha"_s)));
    QCOMPARE(dialog->apiValue(u"address"_s), u"—"_s);
    QCOMPARE(dialog->apiValue(u"started"_s), u"—"_s);
    QVERIFY2(dialog->apiNote().contains(u"/api/v1/health"_s) && dialog->apiNote().contains(u"auditor"_s),
             qPrintable(dialog->apiNote()));
    QVERIFY(dialog->apiError().isEmpty());
    // Drain and Decommission are shown, but not for an auditor.
    QVERIFY(!dialog->drainButton()->isEnabled());
    QVERIFY2(dialog->drainHint().contains(u"auditor"_s), qPrintable(dialog->drainHint()));
    QVERIFY(!dialog->decommissionButton()->isEnabled());
    screenshot(dialog, u"properties-auditor"_s);
}

void TestConsoleAgents::propertiesShowTheNodeApi()
{
    auto client = loggedInClient(m_cluster->url(), u"zoe"_s, ZoePassword, Patience);
    QVERIFY(client);
    auto main = window(*client);
    main->showPage(MainWindow::ManagerNodes);
    const QAbstractItemModel *nodes = main->nodesPage()->view()->model();
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(nodes, NodesTableModel::Name, u"alpha"_s) >= 0, Patience);

    // Double-click alpha's row, as a user does.
    QTableView *table = main->nodesPage()->view();
    const QModelIndex cell =
        nodes->index(rowOf(nodes, NodesTableModel::Name, u"alpha"_s), NodesTableModel::Name);
    const QPoint point = table->visualRect(cell).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, point);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, point);
    NodePropertiesDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = main->findChild<NodePropertiesDialog *>()) != nullptr);
    const QString guid = m_guids.value(u"alpha"_s);
    QCOMPARE(dialog->guid(), guid);

    // What the live node says about itself through GET /api/v1/node, with the token.
    const QString pin = m_cluster->apiPin(guid);
    QTRY_COMPARE_WITH_TIMEOUT(dialog->apiValue(u"name"_s), u"alpha"_s, Patience);
    QCOMPARE(dialog->apiValue(u"version"_s),
             m_cluster->scalar(u"SELECT version FROM nodes WHERE guid = ?"_s, {guid}).toString());
    QCOMPARE(dialog->apiValue(u"status"_s), u"online"_s);
    QCOMPARE(dialog->apiValue(u"address"_s), m_cluster->apiAddress(guid));
    QCOMPARE(withoutSpace(dialog->apiValue(u"certificate"_s)), pin);
    const qint64 started =
        m_cluster->scalar(u"SELECT started_at FROM nodes WHERE guid = ?"_s, {guid}).toLongLong();
    QVERIFY(started > 0);
    QVERIFY2(dialog->apiValue(u"started"_s) != u"—"_s, qPrintable(dialog->apiValue(u"started"_s)));
    QVERIFY2(dialog->apiNote().contains(u"/api/v1/node"_s), qPrintable(dialog->apiNote()));
    QVERIFY(dialog->apiError().isEmpty());
    screenshot(dialog, u"properties"_s);

    // The database now names another certificate: the node is refused, naming both.
    const QString otherPin = QString(64, u'e');
    m_cluster->scalar(u"UPDATE nodes SET cert_sha256 = ? WHERE guid = ?"_s, {otherPin, guid});
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->apiError().isEmpty(), Patience);
    QVERIFY2(dialog->apiError().contains(pin) && dialog->apiError().contains(otherPin)
                 && dialog->apiError().startsWith(u"Refused"_s),
             qPrintable(dialog->apiError()));
    QCOMPARE(dialog->apiValue(u"name"_s), u"—"_s);
    QCOMPARE(dialog->apiValue(u"certificate"_s), u"—"_s);
    QVERIFY(!dialog->apiRetryPending()); // a refusal is not asked again until something changes
    screenshot(dialog, u"properties-pin-refused"_s);
    dialog->close();

    // A node that stopped: its port refuses, and the section says the node is unreachable.
    NodeProcess *bravo = m_cluster->nodes().at(1).get();
    const QString bravoAddress = m_cluster->apiAddress(m_guids.value(u"bravo"_s));
    bravo->signal(SIGKILL);
    QVERIFY(bravo->waitForExit());
    dialog = main->openProperties(m_guids.value(u"bravo"_s));
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->apiError().isEmpty(), Patience);
    QVERIFY2(dialog->apiError().contains(u"unreachable"_s), qPrintable(dialog->apiError()));
    // It asks again by itself; the node coming back (same address, same certificate, so
    // nothing in the snapshot asks for a new request) fills the section in without a click.
    QVERIFY(dialog->apiRetryPending());
    QVERIFY2(dialog->apiNote().contains(u"asking again"_s), qPrintable(dialog->apiNote()));
    screenshot(dialog, u"properties-unreachable"_s);
    NodeProcess *again = m_cluster->startNodeIn(u"bravo"_s, bravo->dataDir(), {u"--api"_s, bravoAddress});
    QVERIFY2(again->waitForJoined(), qPrintable(again->output()));
    QTRY_COMPARE_WITH_TIMEOUT(dialog->apiValue(u"name"_s), u"bravo"_s, Patience);
    QVERIFY(dialog->apiError().isEmpty());
    QVERIFY(!dialog->apiRetryPending());
}

void TestConsoleAgents::apiClientReportsRefusals()
{
    const QString guid = m_guids.value(u"alpha"_s);
    const QString address = m_cluster->apiAddress(guid);
    const QString pin = m_cluster->apiPin(guid);
    NodeApiClient api;
    QSignalSpy finished(&api, &NodeApiClient::finished);
    const auto ask = [&](const QString &path, const QString &token, const QString &withPin = {}) {
        finished.clear();
        const quint64 id = api.get(address, withPin.isEmpty() ? pin : withPin, path, token);
        if (!finished.wait(Patience))
            return NodeApiReply{};
        return finished.first().at(0).toULongLong() == id ? finished.first().at(1).value<NodeApiReply>()
                                                          : NodeApiReply{};
    };

    NodeApiReply health = ask(u"/api/v1/health"_s, {});
    QVERIFY2(health.ok(), qPrintable(health.message));
    QCOMPARE(health.json.value(u"guid"_s).toString(), guid);
    QCOMPARE(health.presentedSha256, pin);

    // Not 200: the API's own JSON error.
    NodeApiReply noToken = ask(u"/api/v1/node"_s, {});
    QCOMPARE(noToken.outcome, NodeApiReply::Outcome::HttpError);
    QCOMPARE(noToken.status, 401);
    QVERIFY2(noToken.message.contains(u"this resource needs the node API token"_s),
             qPrintable(noToken.message));
    NodeApiReply wrongToken = ask(u"/api/v1/node"_s, u"not-the-token"_s);
    QCOMPARE(wrongToken.status, 401);
    QVERIFY2(wrongToken.message.contains(u"the token is not the node API token"_s),
             qPrintable(wrongToken.message));
    NodeApiReply node = ask(u"/api/v1/node"_s, m_cluster->apiToken());
    QVERIFY2(node.ok(), qPrintable(node.message));
    QCOMPARE(node.json.value(u"cert_sha256"_s).toString(), pin);

    // Another pin: refused before anything is sent.
    NodeApiReply refused = ask(u"/api/v1/node"_s, m_cluster->apiToken(), QString(64, u'0'));
    QCOMPARE(refused.outcome, NodeApiReply::Outcome::PinMismatch);
    QCOMPARE(refused.status, 0);
    QVERIFY(refused.message.contains(pin));

    // A listener that never answers: the deadline.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    api.setTimeout(1000);
    finished.clear();
    api.get(u"127.0.0.1:%1"_s.arg(silent.serverPort()), pin, u"/api/v1/health"_s);
    QVERIFY(finished.wait(Patience));
    const NodeApiReply late = finished.first().at(1).value<NodeApiReply>();
    QCOMPARE(late.outcome, NodeApiReply::Outcome::TimedOut);
    QVERIFY2(late.message.contains(u"within 1 second"_s), qPrintable(late.message));
}

QTEST_MAIN(TestConsoleAgents)
#include "tst_consoleagents.moc"
