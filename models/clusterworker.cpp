#include "clusterworker.h"
#include "authentication.h"
#include "cluster.h"
#include "clustersettings.h"
#include "configproperties.h"
#include "jobpool.h"
#include "jobstatistics.h"
#include "modelslogging.h"
#include "nodelinks.h"
#include "softwareversion.h"

#include <QElapsedTimer>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int AlertsShown = 500;
constexpr int MaxBackoffMs = 15000;
constexpr qint64 MinuteMs = 60 * 1000;
constexpr qint64 HourMs = 60 * MinuteMs;
// job_stats changes by the minute: the System Information charts need not read it each round.
constexpr qint64 StatisticsRefreshMs = 5000;
// Every period is drawn in this many buckets (1 h: one a minute).
constexpr int ActivityBuckets = 60;

} // namespace

ClusterWorker::ClusterWorker(QObject *parent)
    : QObject(parent)
    , m_timer(this)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ClusterWorker::poll);
}

ClusterWorker::~ClusterWorker() = default;

void ClusterWorker::login(const QString &url, const QString &user, const QString &password)
{
    logout();
    auto database = Database::fromUrl(url);
    if (!database) {
        Q_EMIT loginFinished(false, {}, database.message());
        return;
    }
    auto session = Authentication::login(**database, user, password);
    if (!session) {
        Q_EMIT loginFinished(false, {}, session.message());
        return;
    }
    m_database = std::move(database).value();
    m_administration.emplace(*m_database, *session);
    // An administrator's password also opens the user's key pair, and with it the data
    // key: personal data and secret properties are shown in clear for this session.
    if (auto cluster = Cluster::load(*m_database); cluster && cluster->has_value()) {
        m_clusterContext = (*cluster)->keyContext();
        if (!session->isAdministrator()) {
            m_dataKeyNote =
                tr("Personal data and secret properties are sealed: only administrators open them.");
        } else if ((*cluster)->schemaVersion < 5) {
            m_dataKeyNote = tr("The cluster's schema predates sealed personal data.");
        } else if (auto db = m_database->connection(); db) {
            auto keys = Users::openKeyPair(*db, m_clusterContext, session->user, password);
            auto key = keys ? Users::openDataKey(*db, m_clusterContext, session->user, *keys)
                            : Result<MasterKey>(keys.error());
            if (key) {
                m_userKeys = *keys;
                m_dataKey = *key;
            } else {
                m_dataKeyNote = key.message();
                qCWarning(lcModels).noquote() << "cannot open the data key:" << key.message();
            }
        }
    }
    qCInfo(lcModels) << "logged in as" << session->user << "to" << m_database->url().redacted();
    Q_EMIT loginFinished(true, *session, {});
}

void ClusterWorker::logout()
{
    m_timer.stop();
    m_polling = false;
    m_administration.reset();
    m_userKeys.reset();
    m_dataKey.reset();
    m_clusterContext.clear();
    m_dataKeyNote.clear();
    if (m_database) {
        m_database->resetConnection();
        m_database.reset();
    }
    m_failures = 0;
    m_retriesStopped = false;
}

void ClusterWorker::setPollInterval(int ms)
{
    m_pollIntervalMs = qMax(50, ms);
}

void ClusterWorker::startPolling()
{
    if (!m_database)
        return;
    m_polling = true;
    poll();
}

void ClusterWorker::refreshNow()
{
    if (!m_polling)
        return;
    m_retriesStopped = false;
    m_timer.stop();
    poll();
}

void ClusterWorker::stopRetrying()
{
    if (m_failures == 0)
        return;
    m_retriesStopped = true;
    m_timer.stop();
    qCInfo(lcModels) << "retrying stopped after" << m_failures << "failed rounds";
}

void ClusterWorker::setAuditFilter(const AuditFilter &filter)
{
    m_auditFilter = filter;
    refreshNow();
}

void ClusterWorker::watchActivity(const QString &guid, bool watch)
{
    if (watch) {
        m_watched.insert(guid);
        refreshNow();
    } else {
        m_watched.remove(guid);
    }
}

void ClusterWorker::watchSystemInformation(int periodMinutes)
{
    const int period = qMax(0, periodMinutes);
    if (period == m_statisticsPeriod)
        return;
    m_statisticsPeriod = period;
    m_statistics.reset();
    if (period > 0)
        refreshNow();
}

void ClusterWorker::listFinishedJobs(quint64 requestId, const FinishedJobsFilter &filter)
{
    if (!m_database) {
        Q_EMIT finishedJobsListed(requestId, false, {}, tr("Not logged in."));
        return;
    }
    auto jobs = JobStatistics::finishedJobs(*m_database, filter);
    Q_EMIT finishedJobsListed(requestId, jobs.ok(), jobs ? *jobs : QList<JobRow>(),
                              jobs ? QString() : jobs.message());
}

void ClusterWorker::listNodeEvents(quint64 requestId, const QString &guid)
{
    if (!m_database) {
        Q_EMIT nodeEventsListed(requestId, false, {}, tr("Not logged in."));
        return;
    }
    auto events = NodeEvents::list(*m_database, guid);
    Q_EMIT nodeEventsListed(requestId, events.ok(), events ? *events : QList<NodeEvent>(),
                            events ? QString() : events.message());
}

void ClusterWorker::readTakeover(quint64 requestId, qint64 takeoverId, const QString &nodeGuid, qint64 nearMs)
{
    if (!m_database) {
        Q_EMIT takeoverRead(requestId, false, {}, tr("Not logged in."));
        return;
    }
    if (takeoverId <= 0) {
        auto takeovers = Takeovers::list(*m_database, nodeGuid);
        if (!takeovers) {
            Q_EMIT takeoverRead(requestId, false, {}, takeovers.message());
            return;
        }
        qint64 closest = -1;
        for (const Takeover &takeover : std::as_const(*takeovers)) {
            const qint64 distance = qAbs(takeover.markedAt - nearMs);
            if (closest < 0 || distance < closest) {
                closest = distance;
                takeoverId = takeover.id;
            }
        }
        if (takeoverId <= 0) {
            Q_EMIT takeoverRead(requestId, false, {}, tr("No takeover of this node is recorded."));
            return;
        }
    }
    auto report = Takeovers::report(*m_database, takeoverId);
    Q_EMIT takeoverRead(requestId, report.ok(), report ? *report : Takeover(),
                        report ? QString() : report.message());
}

void ClusterWorker::checkDecommission(quint64 requestId, const QString &guid)
{
    if (!m_database) {
        Q_EMIT decommissionChecked(requestId, false, {}, tr("Not logged in."));
        return;
    }
    auto plan = DecommissionPreflight::check(*m_database, guid);
    Q_EMIT decommissionChecked(requestId, plan.ok(), plan ? *plan : DecommissionPlan(),
                               plan ? QString() : plan.message());
}

void ClusterWorker::watchConsistency(bool watch)
{
    if (watch == m_consistencyWatched)
        return;
    m_consistencyWatched = watch;
    if (watch)
        refreshNow();
}

Result<void> ClusterWorker::readSystemInformation(ClusterSnapshot &snapshot)
{
    auto links = answered(NodeLinks::list(*m_database));
    if (!links)
        return links.error();
    snapshot.links = std::move(links).value();

    if (!m_statistics || m_statisticsAge.elapsed() >= StatisticsRefreshMs) {
        QElapsedTimer timer;
        timer.start();
        StatisticsSnapshot statistics;
        statistics.periodMinutes = m_statisticsPeriod;
        statistics.window = StatisticsWindow::lastMinutes(snapshot.databaseTime, m_statisticsPeriod);
        auto counts = answered(JobStatistics::byNodeAndType(*m_database, statistics.window));
        if (!counts)
            return counts.error();
        statistics.counts = std::move(counts).value();
        const qint64 bucketMs = qMax<qint64>(1, m_statisticsPeriod / ActivityBuckets) * MinuteMs;
        auto activity = answered(JobStatistics::activity(*m_database, statistics.window, bucketMs));
        if (!activity)
            return activity.error();
        statistics.activity = std::move(activity).value();
        statistics.readMs = timer.elapsed();
        m_statistics = std::move(statistics);
        m_statisticsAge.start();
    }
    snapshot.statistics = m_statistics;
    return {};
}

Result<ClusterSnapshot> ClusterWorker::readSnapshot()
{
    ClusterSnapshot snapshot;
    auto now = answered(JobPool::now(*m_database));
    if (!now)
        return now.error();
    snapshot.databaseTime = *now;

    auto nodes = answered(NodeRegistry::list(*m_database));
    if (!nodes)
        return nodes.error();
    snapshot.nodes = std::move(nodes).value();
    auto version = answered(SoftwareVersion::ofCluster(*m_database));
    if (!version)
        return version.error();
    snapshot.clusterVersion = *version;

    auto alerts = answered(Alerts::recent(*m_database, AlertsShown));
    if (!alerts)
        return alerts.error();
    snapshot.alerts = std::move(alerts).value();

    auto audit = answered(AuditLog::query(*m_database, m_auditFilter));
    if (!audit)
        return audit.error();
    snapshot.audit = std::move(audit).value();

    // A stored value out of range (edited by hand) is shown on the settings page, where it
    // can be corrected; it does not stop the rest of the console from refreshing.
    auto settings = answered(SystemSettings::load(*m_database));
    if (settings)
        snapshot.settings = std::move(settings).value();
    else if (settings.code() == ErrorCode::InvalidArgument)
        snapshot.settingsError = settings.message();
    else
        return settings.error();

    // The last hour in whole minutes, the current minute included.
    const qint64 to = (snapshot.databaseTime / MinuteMs + 1) * MinuteMs;
    const qint64 from = to - HourMs;
    for (const QString &guid : std::as_const(m_watched)) {
        auto perMinute = answered(JobStatistics::perMinute(*m_database, guid, from, to));
        if (!perMinute)
            return perMinute.error();
        snapshot.activity.insert(guid, NodeActivity{from, std::move(perMinute).value()});
    }
    if (m_statisticsPeriod > 0) {
        if (auto read = readSystemInformation(snapshot); !read)
            return read.error();
    }
    if (m_consistencyWatched) {
        // A check that fails (a value edited by hand) is shown on the page; the rest of the
        // round still refreshes the console.
        auto consistency = answered(ClusterConsistency::check(*m_database));
        if (consistency)
            snapshot.consistency = std::move(consistency).value();
        else
            snapshot.consistencyError = consistency.message();
    }
    if (auto read = readSealedData(snapshot); !read)
        return read.error();
    return snapshot;
}

Result<void> ClusterWorker::readSealedData(ClusterSnapshot &snapshot)
{
    auto cluster = answered(Cluster::load(*m_database));
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value() || (*cluster)->schemaVersion < 5) {
        snapshot.dataKeyNote = tr("The cluster's schema predates sealed personal data.");
        return {};
    }
    // Rotated (cohortctl masterkey rotate-key): this administrator's copy was re-sealed
    // to the same key pair, so the new key opens without the password.
    if (m_userKeys && (!m_dataKey || (*cluster)->keyCheck != m_dataKey->checkValue())) {
        auto db = m_database->connection();
        if (!db)
            return db.error();
        auto key = Users::openDataKey(*db, m_clusterContext, m_administration->session().user, *m_userKeys);
        if (key) {
            m_dataKey = *key;
            m_dataKeyNote.clear();
            qCInfo(lcModels) << "opened the cluster's new data key";
        } else {
            m_dataKey.reset();
            m_dataKeyNote = key.message();
        }
    }
    snapshot.dataKeyOpen = m_dataKey.has_value();
    snapshot.dataKeyNote = m_dataKeyNote;

    auto db = m_database->connection();
    if (!db)
        return db.error();
    const MasterKey *key = m_dataKey ? &*m_dataKey : nullptr;
    auto users = Users::list(*db, key, m_clusterContext);
    auto properties = users ? ConfigProperties::list(*db, key, m_clusterContext)
                            : Result<QList<ConfigPropertyValue>>(users.error());
    Q_EMIT databaseAnswered();
    if (key && (!users || !properties)) {
        // A value that does not open (tampered, or moved from another row) is reported;
        // the rest is shown sealed rather than not at all.
        snapshot.sealedDataError = !users ? users.message() : properties.message();
        users = Users::list(*db, nullptr, m_clusterContext);
        properties = ConfigProperties::list(*db, nullptr, m_clusterContext);
    }
    if (!users)
        return users.error();
    if (!properties)
        return properties.error();
    snapshot.users = std::move(users).value();
    snapshot.secretProperties = std::move(properties).value();
    return readAgents(snapshot, (*cluster)->schemaVersion);
}

Result<void> ClusterWorker::readAgents(ClusterSnapshot &snapshot, int schemaVersion)
{
    if (schemaVersion < 6)
        return {};
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto offlineAfter = ClusterSettings::integer(*m_database, Setting::AgentOfflineAfterSeconds);
    if (!offlineAfter && offlineAfter.code() != ErrorCode::InvalidArgument)
        return offlineAfter.error();
    // A stored value out of range (edited by hand): the default stands in, as on the nodes.
    if (!offlineAfter && m_failures == 0)
        qCWarning(lcModels).noquote() << offlineAfter.message();
    const qint64 offlineAfterSeconds =
        offlineAfter ? *offlineAfter : Setting::AgentOfflineAfterSeconds.defaultValue;
    const MasterKey *key = m_dataKey ? &*m_dataKey : nullptr;
    auto agents = Agents::list(*db, key, m_clusterContext);
    if (key && !agents) {
        // As for users: a value that does not open is reported, the agents shown sealed.
        if (snapshot.sealedDataError.isEmpty())
            snapshot.sealedDataError = agents.message();
        agents = Agents::list(*db, nullptr, m_clusterContext);
    }
    Q_EMIT databaseAnswered();
    if (!agents)
        return agents.error();
    AgentsSnapshot &out = snapshot.agents;
    out.available = true;
    out.offlineAfterMs = offlineAfterSeconds * 1000;
    out.agents = std::move(agents).value();
    for (const AgentRecord &agent : std::as_const(out.agents)) {
        if (AgentsSnapshot::isQuiet(agent, snapshot.databaseTime, out.offlineAfterMs))
            ++out.goneQuiet;
        else
            ++out.onlineByNode[agent.managerGuid];
    }
    return {};
}

Result<const MasterKey *> ClusterWorker::dataKey() const
{
    if (!m_administration)
        return makeError(ErrorCode::AccessDenied, tr("Not logged in."));
    if (!m_dataKey)
        return makeError(ErrorCode::AccessDenied,
                         m_dataKeyNote.isEmpty() ? tr("This session holds no data key.") : m_dataKeyNote);
    return &*m_dataKey;
}

void ClusterWorker::poll()
{
    if (!m_polling || !m_database)
        return;
    Q_EMIT roundStarted();
    QElapsedTimer timer;
    timer.start();
    auto snapshot = readSnapshot();
    if (!snapshot) {
        ++m_failures;
        const int retryIn = qMin(MaxBackoffMs, 1000 << qMin(m_failures - 1, 4));
        if (m_failures == 1)
            qCWarning(lcModels) << "refresh failed:" << snapshot.message();
        Q_EMIT roundFailed(snapshot.message(), retryIn);
        armNext(retryIn);
        return;
    }
    if (m_failures > 0)
        qCInfo(lcModels) << "refresh works again after" << m_failures << "failed rounds";
    m_failures = 0;
    snapshot->readMs = timer.elapsed();
    Q_EMIT roundSucceeded(*snapshot);
    armNext(m_pollIntervalMs);
}

void ClusterWorker::armNext(int ms)
{
    if (m_polling && !m_retriesStopped)
        m_timer.start(ms);
}

void ClusterWorker::finishAction(quint64 requestId, const Result<void> &result, const QString &success)
{
    Q_EMIT actionFinished(requestId, result.ok(), result ? success : result.message());
    refreshNow();
}

void ClusterWorker::run(quint64 requestId, Action action, const QString &target, const QString &value)
{
    if (!m_administration) {
        Q_EMIT actionFinished(requestId, false, tr("Not logged in."));
        return;
    }
    Administration &admin = *m_administration;
    switch (action) {
    case Action::DecommissionNode: {
        auto node = admin.decommissionNode(target);
        finishAction(requestId, node ? Result<void>() : Result<void>(node.error()),
                     node ? tr("Node %1 was decommissioned.").arg(node->name) : QString());
        return;
    }
    case Action::SetNodeDescription:
        finishAction(requestId, admin.setNodeDescription(target, value), tr("The description was saved."));
        return;
    case Action::AcknowledgeAlert:
        finishAction(requestId, admin.acknowledgeAlert(target.toLongLong()),
                     tr("The alert was acknowledged."));
        return;
    case Action::ClearAlert:
        finishAction(requestId, admin.clearAlert(target.toLongLong()), tr("The alert was cleared."));
        return;
    case Action::SaveSettings:
        break;
    }
    Q_EMIT actionFinished(requestId, false, tr("Unknown action."));
}

void ClusterWorker::saveSettings(quint64 requestId, const SystemSettings &settings)
{
    if (!m_administration) {
        Q_EMIT actionFinished(requestId, false, tr("Not logged in."));
        return;
    }
    finishAction(requestId, m_administration->saveSystemSettings(settings), tr("The settings were saved."));
}

void ClusterWorker::setPersonalData(quint64 requestId, const QString &user, const QString &fullName,
                                    const QString &email)
{
    auto key = dataKey();
    if (!key) {
        Q_EMIT actionFinished(requestId, false, key.message());
        return;
    }
    finishAction(requestId, m_administration->setPersonalData(**key, m_clusterContext, user, fullName, email),
                 tr("User %1 was updated.").arg(user));
}

void ClusterWorker::regenerateSecretProperty(quint64 requestId, const QString &name)
{
    auto key = dataKey();
    if (!key) {
        Q_EMIT actionFinished(requestId, false, key.message());
        return;
    }
    auto value = ConfigProperties::generate(name);
    if (!value) {
        Q_EMIT actionFinished(requestId, false, value.message());
        return;
    }
    finishAction(requestId, m_administration->setSecretProperty(**key, m_clusterContext, name, *value),
                 tr("A new value for %1 was made and stored sealed.").arg(name));
}

} // namespace Cohort
