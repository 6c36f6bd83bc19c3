// ConsoleUnderTest: the console as its users get it (ConsoleShell: the login dialog, then
// the MainWindow), fed by a real ClusterClient, with nothing remembered from an earlier
// run. It tells a GuiTimeline when the snapshotChanged handlers start and end (its own
// handlers come first and last). Callers connect what they measure to client() before
// showLogin(), so their handlers run before the windows' own.
#pragma once

#include "clusterclient.h"
#include "consolesettings.h"
#include "consoleshell.h"
#include "result.h"

#include <memory>

namespace Cohort::Bench {

class GuiTimeline;

class ConsoleUnderTest
{
public:
    // TestCluster's first administrator (tests/harness/testcluster.cpp).
    static inline const QString User = QStringLiteral("admin");
    static inline const QString Password = QStringLiteral("correct horse battery");

    // Forgets what an earlier console remembered, then makes the client (polling every
    // pollMs once signed in) and the shell for url. firstPage: a MainWindow::pageKey().
    static std::unique_ptr<ConsoleUnderTest> create(const QString &url, int pollMs, GuiTimeline &timeline,
                                                    const QString &firstPage = {});
    ~ConsoleUnderTest(); // signs out, closes the windows and makes the timeline forget them
    ConsoleUnderTest(const ConsoleUnderTest &) = delete;
    ConsoleUnderTest &operator=(const ConsoleUnderTest &) = delete;

    ClusterClient &client() { return m_client; }
    ConsoleShell &shell() { return *m_shell; }
    MainWindow *mainWindow() const { return m_shell ? m_shell->mainWindow() : nullptr; }

    // Shows the login dialog and lets it paint, the password typed in; fails when there
    // is none. Then LoginDialog::signIn() starts the clock a user starts.
    Result<LoginDialog *> showLogin();

private:
    ConsoleUnderTest(const QString &url, int pollMs, GuiTimeline &timeline, const QString &firstPage);

    GuiTimeline &m_timeline;
    ClusterClient m_client;
    ConsoleSettings m_settings;
    std::unique_ptr<ConsoleShell> m_shell;
    QObject m_context; // owns the timeline's connections
};

} // namespace Cohort::Bench
