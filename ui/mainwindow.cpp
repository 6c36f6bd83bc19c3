#include "mainwindow.h"
#include "agentspage.h"
#include "alertspage.h"
#include "alertstablemodel.h"
#include "auditlogpage.h"
#include "clusterclient.h"
#include "consistencypage.h"
#include "consolesettings.h"
#include "icons.h"
#include "nodepropertiesdialog.h"
#include "nodespage.h"
#include "settingspage.h"
#include "statusbanner.h"
#include "systeminformationpage.h"
#include "users.h"
#include "userspage.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QString pageTitle(MainWindow::Page page)
{
    switch (page) {
    case MainWindow::ManagerNodes:
        return MainWindow::tr("Manager Nodes");
    case MainWindow::Agents:
        return MainWindow::tr("Agents");
    case MainWindow::SystemInformation:
        return MainWindow::tr("System Information");
    case MainWindow::Alerts:
        return MainWindow::tr("Alerts");
    case MainWindow::AuditLog:
        return MainWindow::tr("Audit Log");
    case MainWindow::Users:
        return MainWindow::tr("Users");
    case MainWindow::Consistency:
        return MainWindow::tr("Consistency");
    case MainWindow::SystemSettings:
    case MainWindow::PageCount:
        break;
    }
    return MainWindow::tr("System Settings");
}

QIcon pageIcon(MainWindow::Page page)
{
    // Icons::Page lists the pages in the same order.
    static_assert(int(Icons::Page::Consistency) == MainWindow::Consistency);
    return Icons::page(Icons::Page(page));
}

} // namespace

QString MainWindow::pageKey(Page page)
{
    static const QString keys[] = {u"nodes"_s,     u"agents"_s, u"system-information"_s, u"alerts"_s,
                                   u"audit-log"_s, u"users"_s,  u"settings"_s,           u"consistency"_s};
    return keys[qBound(0, int(page), PageCount - 1)];
}

MainWindow::MainWindow(ClusterClient &client, ConsoleSettings &settings, QWidget *parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_consoleSettings(settings)
    , m_navigation(new QListWidget(this))
    , m_pages(new QStackedWidget(this))
    , m_banner(new StatusBanner(client, this))
    , m_nodes(new NodesPage(client, this))
    , m_agents(new AgentsPage(client, this))
    , m_systemInformation(new SystemInformationPage(client, this))
    , m_alerts(new AlertsPage(client, this))
    , m_audit(new AuditLogPage(client, this))
    , m_users(new UsersPage(client, this))
    , m_settings(new SettingsPage(client, settings, this))
    , m_consistency(new ConsistencyPage(client, this))
    , m_connection(new QLabel(this))
    , m_lastRefresh(new QLabel(this))
    , m_user(new QLabel(this))
{
    setObjectName(u"mainWindow"_s);
    setWindowTitle(tr("Cohort Console — %1").arg(client.databaseUrl()));

    m_pages->addWidget(m_nodes);
    m_pages->addWidget(m_agents);
    m_pages->addWidget(m_systemInformation);
    m_pages->addWidget(m_alerts);
    m_pages->addWidget(m_audit);
    m_pages->addWidget(m_users);
    m_pages->addWidget(m_settings);
    m_pages->addWidget(m_consistency);

    m_navigation->setObjectName(u"navigation"_s);
    m_navigation->setAccessibleName(tr("Pages"));
    m_navigation->setAccessibleDescription(tr("The console's pages; Ctrl+1 to Ctrl+8 open them."));
    m_navigation->setIconSize({20, 20});
    m_navigation->setFixedWidth(190);
    m_navigation->setFrameShape(QFrame::NoFrame);
    for (int page = 0; page < PageCount; ++page)
        m_navigation->addItem(new QListWidgetItem(pageIcon(Page(page)), pageTitle(Page(page))));
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    auto *content = new QVBoxLayout;
    content->addWidget(m_banner);
    content->addWidget(m_pages, 1);
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->addWidget(m_navigation);
    layout->addLayout(content, 1);
    setCentralWidget(central);

    m_connection->setObjectName(u"connectionState"_s);
    m_lastRefresh->setObjectName(u"lastRefresh"_s);
    for (QLabel *label : {m_connection, m_lastRefresh, m_user})
        label->setContentsMargins(8, 0, 8, 0);
    statusBar()->addPermanentWidget(m_connection);
    statusBar()->addPermanentWidget(m_lastRefresh);
    statusBar()->addPermanentWidget(m_user);
    m_user->setText(tr("%1 (%2)").arg(client.session().user, client.session().isAdministrator()
                                                                 ? tr("Administrator", "role")
                                                                 : tr("Auditor", "role")));

    createMenus();
    connect(m_nodes, &NodesPage::propertiesRequested, this, &MainWindow::openProperties);
    connect(m_systemInformation, &SystemInformationPage::propertiesRequested, this,
            &MainWindow::openProperties);
    connect(&m_client, &ClusterClient::stateChanged, this, &MainWindow::updateStatus);
    connect(&m_client, &ClusterClient::snapshotChanged, this, &MainWindow::updateStatus);

    // Wide enough for every column of the Manager Nodes table.
    resize(1440, 680);
    restoreGeometry(settings.windowGeometry());
    restoreState(settings.windowState());
    int page = ManagerNodes;
    for (int i = 0; i < PageCount; ++i) {
        if (pageKey(Page(i)) == settings.lastPage())
            page = i;
    }
    showPage(Page(page));
    updateStatus();
}

void MainWindow::createMenus()
{
    QMenu *console = menuBar()->addMenu(tr("&Console", "menu"));
    QAction *refresh = console->addAction(Icons::action(Icons::Action::Refresh), tr("&Refresh"), &m_client,
                                          &ClusterClient::refreshNow);
    refresh->setShortcut(QKeySequence::Refresh);
    console->addSeparator();
    console->addAction(Icons::action(Icons::Action::SignOut), tr("Sign &Out"), this, [this] {
        saveWindow();
        Q_EMIT logoutRequested();
    });
    QAction *quit = console->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View", "menu"));
    auto *pages = new QActionGroup(this);
    for (int page = 0; page < PageCount; ++page) {
        QAction *action = view->addAction(pageIcon(Page(page)), pageTitle(Page(page)), this,
                                          [this, page] { showPage(Page(page)); });
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + page)));
        action->setCheckable(true);
        pages->addAction(action);
        connect(m_navigation, &QListWidget::currentRowChanged, action,
                [action, page](int row) { action->setChecked(row == page); });
    }

    view->addSeparator();
    // Ctrl+F: the cursor into the current page's filter (a widget a page marks "cohortFind").
    QAction *find = view->addAction(Icons::action(Icons::Action::Filter), tr("&Find"), this, [this] {
        const auto widgets = m_pages->currentWidget()->findChildren<QWidget *>();
        for (QWidget *widget : widgets) {
            if (widget->property("cohortFind").toBool() && widget->isVisible()) {
                widget->setFocus(Qt::ShortcutFocusReason);
                if (auto *edit = qobject_cast<QLineEdit *>(widget))
                    edit->selectAll();
                return;
            }
        }
    });
    find->setShortcut(QKeySequence::Find);

    QMenu *node = menuBar()->addMenu(tr("&Node", "menu"));
    QAction *properties =
        node->addAction(Icons::action(Icons::Action::Properties), tr("&Properties…"), this, [this] {
            showPage(ManagerNodes);
            if (const QString guid = m_nodes->selectedGuid(); !guid.isEmpty())
                openProperties(guid);
        });
    properties->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Return));

    QMenu *help = menuBar()->addMenu(tr("&Help", "menu"));
    help->addAction(tr("&About Cohort Console"), this, [this] {
        QMessageBox::about(
            this, tr("About Cohort Console"),
            tr("<p><b>Cohort Console</b> %1</p><p>Administers a cluster of Cohort manager nodes that "
               "share one database.</p>")
                .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::showPage(Page page)
{
    m_navigation->setCurrentRow(page);
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

QString MainWindow::connectionText() const
{
    return m_connection->text();
}

NodePropertiesDialog *MainWindow::openProperties(const QString &guid)
{
    m_dialogs.removeAll(nullptr);
    for (const QPointer<NodePropertiesDialog> &dialog : std::as_const(m_dialogs)) {
        if (dialog->guid() == guid) {
            dialog->raise();
            dialog->activateWindow();
            return dialog;
        }
    }
    auto *dialog = new NodePropertiesDialog(m_client, guid, this);
    connect(dialog, &NodePropertiesDialog::decommissioned, this, [this](const QString &name) {
        statusBar()->showMessage(tr("Node %1 was decommissioned.").arg(name), 10000);
    });
    m_dialogs.append(dialog);
    dialog->show();
    return dialog;
}

void MainWindow::updateStatus()
{
    QString state;
    switch (m_client.state()) {
    case ClusterClient::State::LoggedOut:
        state = tr("Signed out");
        break;
    case ClusterClient::State::Connecting:
        state = tr("Connecting…");
        break;
    case ClusterClient::State::Connected:
        state = tr("Connected");
        break;
    case ClusterClient::State::Unreachable:
        state = tr("Database unreachable");
        break;
    case ClusterClient::State::Stalled:
        state = tr("Database not answering");
        break;
    }
    m_connection->setText(state);
    m_lastRefresh->setText(m_client.hasSnapshot() ? tr("Last refresh: %1")
                                                        .arg(QLocale().toString(m_client.lastRefresh().time(),
                                                                                QLocale::LongFormat))
                                                  : tr("Not refreshed yet"));
    const int open = m_alerts->model()->openCount();
    m_navigation->item(Alerts)->setText(open > 0 ? tr("Alerts (%1)").arg(open) : pageTitle(Alerts));
    const int quiet = m_agents->quietCount();
    m_navigation->item(Agents)->setText(quiet > 0 ? tr("Agents (%1 gone quiet)").arg(quiet)
                                                  : pageTitle(Agents));
}

void MainWindow::saveWindow()
{
    m_consoleSettings.setWindow(saveGeometry(), saveState());
    m_consoleSettings.setLastPage(pageKey(currentPage()));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindow();
    event->accept();
}

} // namespace Cohort
