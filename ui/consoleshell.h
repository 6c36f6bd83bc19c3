// ConsoleShell: the console's top level: the login dialog, then the main window, back to
// the login dialog on Sign Out. With a password given up front (the demo) it signs in by
// itself; with a screenshot folder it tours the pages, saves pictures and quits.
#pragma once

#include "logindialog.h"
#include "mainwindow.h"

#include <QObject>
#include <QPointer>

namespace Cohort {

class ClusterClient;
class ConsoleSettings;

class ConsoleShell : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString databaseUrl;
        QString user;
        QString password; // signs in at once when set with the two above
        QString page;     // page key to show first
        QString screenshotFolder;
    };

    ConsoleShell(ClusterClient &client, ConsoleSettings &settings, Options options,
                 QObject *parent = nullptr);
    ~ConsoleShell() override;

    void start();
    MainWindow *mainWindow() const { return m_window; }
    LoginDialog *loginDialog() const { return m_login; }

Q_SIGNALS:
    // The user cancelled the login, or the screenshot tour ended.
    void finished(int exitCode);

private:
    void showLogin();
    void showMainWindow();

    ClusterClient &m_client;
    ConsoleSettings &m_settings;
    Options m_options;
    QPointer<LoginDialog> m_login;
    QPointer<MainWindow> m_window;
};

} // namespace Cohort
