#include "consoleundertest.h"

#include "guitimeline.h"

#include <QFile>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr int SettleMs = 300; // the login dialog shows and paints before the clock starts

} // namespace

std::unique_ptr<ConsoleUnderTest> ConsoleUnderTest::create(const QString &url, int pollMs,
                                                           GuiTimeline &timeline, const QString &firstPage)
{
    QFile::remove(
        QSettings(QSettings::IniFormat, QSettings::UserScope, u"Cohort"_s, u"cohort-console"_s).fileName());
    return std::unique_ptr<ConsoleUnderTest>(new ConsoleUnderTest(url, pollMs, timeline, firstPage));
}

ConsoleUnderTest::ConsoleUnderTest(const QString &url, int pollMs, GuiTimeline &timeline,
                                   const QString &firstPage)
    : m_timeline(timeline)
{
    // The first snapshotChanged handler: connected before the main window's.
    QObject::connect(&m_client, &ClusterClient::snapshotChanged, &m_context,
                     [this] { m_timeline.handlersStarted(m_client.snapshot().readMs); });
    m_client.setPollInterval(pollMs);
    ConsoleShell::Options options;
    options.databaseUrl = url;
    options.user = User;
    options.page = firstPage;
    m_shell = std::make_unique<ConsoleShell>(m_client, m_settings, options);
}

ConsoleUnderTest::~ConsoleUnderTest()
{
    m_timeline.viewport = nullptr;
    m_timeline.timedReceiver = nullptr;
    m_timeline.nodes = nullptr;
    m_client.logout();
    m_shell.reset();
}

Result<LoginDialog *> ConsoleUnderTest::showLogin()
{
    m_shell->start();
    // After the login dialog's handler, which opens the main window: the last
    // snapshotChanged handler, after the window's.
    QObject::connect(&m_client, &ClusterClient::loginFinished, &m_context, [this](bool ok) {
        if (ok)
            QObject::connect(&m_client, &ClusterClient::snapshotChanged, &m_context,
                             [this] { m_timeline.handlersEnded(); });
    });
    m_timeline.spin([] { return false; }, SettleMs);
    LoginDialog *login = m_shell->loginDialog();
    if (!login)
        return makeError(ErrorCode::Database, u"the console showed no login dialog"_s);
    login->setPassword(Password);
    return login;
}

} // namespace Cohort::Bench
