#include "consoleshell.h"
#include "clusterclient.h"
#include "consolesettings.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "screenshottour.h"

#include <QDir>
#include <QTextStream>

using namespace Qt::StringLiterals;

namespace Cohort {

ConsoleShell::ConsoleShell(ClusterClient &client, ConsoleSettings &settings, Options options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_settings(settings)
    , m_options(std::move(options))
{}

ConsoleShell::~ConsoleShell()
{
    delete m_window;
    delete m_login;
}

void ConsoleShell::start()
{
    showLogin();
}

void ConsoleShell::showLogin()
{
    auto *login = new LoginDialog(m_client, m_settings);
    login->setAttribute(Qt::WA_DeleteOnClose);
    m_login = login;
    if (!m_options.databaseUrl.isEmpty())
        login->setDatabaseUrl(m_options.databaseUrl);
    if (!m_options.user.isEmpty())
        login->setUser(m_options.user);
    connect(login, &QDialog::accepted, this, &ConsoleShell::showMainWindow);
    connect(login, &QDialog::rejected, this, [this] { Q_EMIT finished(0); });
    login->show();
    if (!m_options.password.isEmpty() && !m_options.databaseUrl.isEmpty() && !m_options.user.isEmpty()) {
        login->setPassword(std::exchange(m_options.password, QString()));
        if (!m_options.screenshotFolder.isEmpty() && QDir().mkpath(m_options.screenshotFolder))
            ScreenshotTour::save(login, QDir(m_options.screenshotFolder), u"00-login.png"_s);
        login->signIn();
    }
}

void ConsoleShell::showMainWindow()
{
    auto *window = new MainWindow(m_client, m_settings);
    window->setAttribute(Qt::WA_DeleteOnClose);
    m_window = window;
    for (int page = 0; page < MainWindow::PageCount; ++page) {
        if (MainWindow::pageKey(MainWindow::Page(page)) == m_options.page)
            window->showPage(MainWindow::Page(page));
    }
    connect(window, &MainWindow::logoutRequested, this, [this] {
        m_client.logout();
        m_window->close();
        showLogin();
    });
    connect(window, &QObject::destroyed, this, [this] {
        if (!m_login)
            Q_EMIT finished(0);
    });
    window->show();

    if (!m_options.screenshotFolder.isEmpty()) {
        auto *tour = new ScreenshotTour(*window, m_client, m_options.screenshotFolder, window);
        connect(tour, &ScreenshotTour::finished, this, [this, tour](bool ok) {
            QTextStream out(stdout);
            for (const QString &file : tour->files())
                out << file << Qt::endl;
            Q_EMIT finished(ok ? 0 : 1);
        });
        tour->start();
    }
}

} // namespace Cohort
