// MainWindow: the console after login. Navigation between the pages on the left, a
// banner when the data is not current, the connection state and last refresh in the
// status bar; geometry and the last page are remembered.
#pragma once

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace Cohort {

class AgentsPage;
class AlertsPage;
class AuditLogPage;
class ClusterClient;
class ConsistencyPage;
class ConsoleSettings;
class NodePropertiesDialog;
class NodesPage;
class SystemInformationPage;
class SettingsPage;
class UsersPage;
class StatusBanner;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    enum Page {
        ManagerNodes,
        Agents,
        SystemInformation,
        Alerts,
        AuditLog,
        Users,
        SystemSettings,
        Consistency,
        PageCount
    };

    MainWindow(ClusterClient &client, ConsoleSettings &settings, QWidget *parent = nullptr);

    void showPage(Page page);
    Page currentPage() const;
    static QString pageKey(Page page);

    NodesPage *nodesPage() const { return m_nodes; }
    AgentsPage *agentsPage() const { return m_agents; }
    AlertsPage *alertsPage() const { return m_alerts; }
    SystemInformationPage *systemInformationPage() const { return m_systemInformation; }
    AuditLogPage *auditLogPage() const { return m_audit; }
    SettingsPage *settingsPage() const { return m_settings; }
    UsersPage *usersPage() const { return m_users; }
    ConsistencyPage *consistencyPage() const { return m_consistency; }
    StatusBanner *banner() const { return m_banner; }
    QString connectionText() const;
    // Opens (or raises) the Properties dialog of a node.
    NodePropertiesDialog *openProperties(const QString &guid);

Q_SIGNALS:
    void logoutRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void updateStatus();
    void saveWindow();

    ClusterClient &m_client;
    ConsoleSettings &m_consoleSettings;
    QListWidget *m_navigation;
    QStackedWidget *m_pages;
    StatusBanner *m_banner;
    NodesPage *m_nodes;
    AgentsPage *m_agents;
    SystemInformationPage *m_systemInformation;
    AlertsPage *m_alerts;
    AuditLogPage *m_audit;
    UsersPage *m_users;
    SettingsPage *m_settings;
    ConsistencyPage *m_consistency;
    QLabel *m_connection;
    QLabel *m_lastRefresh;
    QLabel *m_user;
    QList<QPointer<NodePropertiesDialog>> m_dialogs;
};

} // namespace Cohort
