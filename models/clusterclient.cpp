#include "clusterclient.h"
#include "databaseurl.h"
#include "modelslogging.h"

#include <QMetaObject>

#include <utility>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// How long the GUI waits for the worker to end at exit before giving up on it (a
// worker blocked on a stalled server cannot be interrupted).
constexpr int ThreadExitWaitMs = 3000;

} // namespace

ClusterClient::ClusterClient(QObject *parent)
    : QObject(parent)
    , m_worker(new ClusterWorker)
{
    qRegisterMetaType<ClusterSnapshot>();
    qRegisterMetaType<UserSession>();
    qRegisterMetaType<AuditFilter>();
    qRegisterMetaType<SystemSettings>();
    qRegisterMetaType<FinishedJobsFilter>();
    qRegisterMetaType<QList<JobRow>>();
    qRegisterMetaType<QList<NodeEvent>>();
    qRegisterMetaType<Takeover>();
    qRegisterMetaType<DecommissionPlan>();

    m_thread.setObjectName(u"cluster-worker"_s);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    m_stallTimer.setSingleShot(true);
    connect(&m_stallTimer, &QTimer::timeout, this, [this] {
        setState(State::Stalled,
                 tr("The database has not answered for %n second(s).", nullptr, m_stallAfterMs / 1000));
    });

    connect(m_worker, &ClusterWorker::loginFinished, this,
            [this](bool ok, const UserSession &session, const QString &error) {
                m_loggingIn = false;
                if (ok) {
                    m_session = session;
                    setState(State::Connecting, {});
                    QMetaObject::invokeMethod(m_worker, &ClusterWorker::startPolling);
                }
                Q_EMIT loginFinished(ok, error);
            });
    connect(m_worker, &ClusterWorker::roundStarted, this, [this] {
        if (m_state != State::LoggedOut)
            m_stallTimer.start(m_stallAfterMs);
    });
    // Stalled means the database has not answered for a while, not that a round is long.
    connect(m_worker, &ClusterWorker::databaseAnswered, this, [this] {
        if (m_stallTimer.isActive())
            m_stallTimer.start(m_stallAfterMs);
    });
    connect(m_worker, &ClusterWorker::roundSucceeded, this, [this](const ClusterSnapshot &snapshot) {
        m_stallTimer.stop();
        if (m_state == State::LoggedOut)
            return;
        m_snapshot = snapshot;
        m_lastRefresh = QDateTime::currentDateTime();
        m_retryInMs = 0;
        m_retriesStopped = false;
        setState(State::Connected, {});
        Q_EMIT snapshotChanged();
    });
    connect(m_worker, &ClusterWorker::roundFailed, this, [this](const QString &error, int retryInMs) {
        m_stallTimer.stop();
        if (m_state == State::LoggedOut)
            return;
        m_retryInMs = retryInMs;
        m_nextRetry.setRemainingTime(m_retriesStopped ? -1 : retryInMs);
        setState(State::Unreachable, error);
    });
    connect(m_worker, &ClusterWorker::actionFinished, this, &ClusterClient::actionFinished);
    connect(m_worker, &ClusterWorker::finishedJobsListed, this, &ClusterClient::finishedJobsListed);
    connect(m_worker, &ClusterWorker::nodeEventsListed, this, &ClusterClient::nodeEventsListed);
    connect(m_worker, &ClusterWorker::takeoverRead, this, &ClusterClient::takeoverRead);
    connect(m_worker, &ClusterWorker::decommissionChecked, this, &ClusterClient::decommissionChecked);

    m_thread.start();
}

ClusterClient::~ClusterClient()
{
    m_thread.quit();
    if (!m_thread.wait(ThreadExitWaitMs)) {
        // Blocked inside a database call that will not return (a stopped server). The
        // process is ending: waiting longer would only hang the window.
        qCWarning(lcModels) << "the database worker did not stop in time; abandoning it";
        m_thread.terminate();
        m_thread.wait();
    }
}

void ClusterClient::setPollInterval(int ms)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, ms] { worker->setPollInterval(ms); });
}

void ClusterClient::login(const QString &url, const QString &user, const QString &password)
{
    if (m_loggingIn)
        return;
    m_loggingIn = true;
    auto parsed = DatabaseUrl::parse(url);
    m_url = parsed ? parsed->redacted() : url;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, url, user, password] { worker->login(url, user, password); });
}

void ClusterClient::logout()
{
    QMetaObject::invokeMethod(m_worker, &ClusterWorker::logout);
    m_stallTimer.stop();
    m_session = {};
    m_snapshot = {};
    m_lastRefresh = {};
    m_retriesStopped = false;
    setState(State::LoggedOut, {});
}

void ClusterClient::refreshNow()
{
    const bool wasStopped = std::exchange(m_retriesStopped, false);
    QMetaObject::invokeMethod(m_worker, &ClusterWorker::refreshNow);
    if (wasStopped)
        Q_EMIT stateChanged(m_state);
}

void ClusterClient::stopRetrying()
{
    if (m_state != State::Unreachable || m_retriesStopped)
        return;
    m_retriesStopped = true;
    m_nextRetry = QDeadlineTimer(QDeadlineTimer::Forever);
    QMetaObject::invokeMethod(m_worker, &ClusterWorker::stopRetrying);
    Q_EMIT stateChanged(m_state);
}

int ClusterClient::msToNextRetry() const
{
    if (m_state != State::Unreachable || m_retriesStopped)
        return -1;
    return int(m_nextRetry.remainingTime());
}

void ClusterClient::setAuditFilter(const AuditFilter &filter)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, filter] { worker->setAuditFilter(filter); });
}

void ClusterClient::watchActivity(const QString &guid, bool watch)
{
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, guid, watch] { worker->watchActivity(guid, watch); });
}

void ClusterClient::watchSystemInformation(int periodMinutes)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, periodMinutes] { worker->watchSystemInformation(periodMinutes); });
}

quint64 ClusterClient::listFinishedJobs(const FinishedJobsFilter &filter)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, id, filter] { worker->listFinishedJobs(id, filter); });
    return id;
}

quint64 ClusterClient::listNodeEvents(const QString &guid)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, id, guid] { worker->listNodeEvents(id, guid); });
    return id;
}

quint64 ClusterClient::readTakeover(qint64 takeoverId)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, id, takeoverId] { worker->readTakeover(id, takeoverId, {}, 0); });
    return id;
}

quint64 ClusterClient::readTakeoverNear(const QString &nodeGuid, qint64 atMs)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, id, nodeGuid, atMs] { worker->readTakeover(id, 0, nodeGuid, atMs); });
    return id;
}

quint64 ClusterClient::checkDecommission(const QString &guid)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, id, guid] { worker->checkDecommission(id, guid); });
    return id;
}

void ClusterClient::watchConsistency(bool watch)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, watch] { worker->watchConsistency(watch); });
}

quint64 ClusterClient::run(ClusterWorker::Action action, const QString &target, const QString &value)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, id, action, target, value] { worker->run(id, action, target, value); });
    return id;
}

quint64 ClusterClient::decommissionNode(const QString &guid)
{
    return run(ClusterWorker::Action::DecommissionNode, guid);
}

quint64 ClusterClient::setNodeDescription(const QString &guid, const QString &description)
{
    return run(ClusterWorker::Action::SetNodeDescription, guid, description);
}

quint64 ClusterClient::acknowledgeAlert(qint64 alertId)
{
    return run(ClusterWorker::Action::AcknowledgeAlert, QString::number(alertId));
}

quint64 ClusterClient::clearAlert(qint64 alertId)
{
    return run(ClusterWorker::Action::ClearAlert, QString::number(alertId));
}

quint64 ClusterClient::saveSettings(const SystemSettings &settings)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, id, settings] { worker->saveSettings(id, settings); });
    return id;
}

quint64 ClusterClient::setPersonalData(const QString &user, const QString &fullName, const QString &email)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, id, user, fullName, email] {
        worker->setPersonalData(id, user, fullName, email);
    });
    return id;
}

quint64 ClusterClient::regenerateSecretProperty(const QString &name)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, id, name] { worker->regenerateSecretProperty(id, name); });
    return id;
}

void ClusterClient::setState(State state, const QString &message)
{
    if (state == m_state && message == m_stateMessage)
        return;
    m_state = state;
    m_stateMessage = message;
    Q_EMIT stateChanged(state);
}

} // namespace Cohort
