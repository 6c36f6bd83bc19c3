#include "simulatedagent.h"

#include "agentslogging.h"

#include <boost/asio/post.hpp>

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace net = boost::asio;

namespace {

// A load balancer is the whole list: a new connection may land on another node behind it.
constexpr int LoadBalancerTries = 3;

std::string makeGuid(std::mt19937_64 &random)
{
    std::uint8_t bytes[16];
    for (int i = 0; i < 16; i += 8) {
        const std::uint64_t word = random();
        for (int j = 0; j < 8; ++j)
            bytes[i + j] = std::uint8_t(word >> (8 * j));
    }
    bytes[6] = std::uint8_t((bytes[6] & 0x0f) | 0x40); // version 4: random
    bytes[8] = std::uint8_t((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                  bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
    return text;
}

std::int64_t millisecondsBetween(SimulatedAgent::Clock::time_point from, SimulatedAgent::Clock::time_point to)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

std::int64_t wallClockMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool isPin(const QString &text)
{
    if (text.size() != 64)
        return false;
    return std::all_of(text.begin(), text.end(),
                       [](QChar c) { return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'); });
}

} // namespace

SimulatedAgent::SimulatedAgent(int index, const AgentsSettings &settings, std::uint64_t randomSeed,
                               net::io_context &io, net::ssl::context &tls, AgentStatistics &statistics)
    : m_settings(settings)
    , m_statistics(statistics)
    , m_tls(tls)
    , m_strand(net::make_strand(io))
    , m_heartbeat(m_strand)
    , m_random(randomSeed)
{
    m_guid = makeGuid(m_random);
    char name[32];
    std::snprintf(name, sizeof name, "sim-agent-%04d", index + 1);
    m_hostName = name;
    m_path = "/api/v1/agents/" + m_guid + "/heartbeat";
    if (settings.firstSource != 0)
        m_source = net::ip::address_v4(settings.firstSource + std::uint32_t(index));
    m_list.managers = settings.managers;
    m_list.pins = settings.pins;
}

void SimulatedAgent::start(Clock::time_point firstRound)
{
    net::post(m_strand, [this, firstRound] {
        {
            const std::lock_guard guard(m_reportLock);
            m_started = firstRound;
        }
        m_heartbeat.expires_at(firstRound);
        m_heartbeat.async_wait([this](const boost::system::error_code &error) {
            if (!error && !m_stopped)
                startRound();
        });
    });
}

void SimulatedAgent::stop()
{
    net::post(m_strand, [this] {
        m_stopped = true;
        m_heartbeat.cancel();
        if (m_attempt)
            m_attempt->abort();
        m_attempt.reset();
    });
}

void SimulatedAgent::startRound()
{
    m_roundStart = Clock::now();
    m_tried.assign(m_list.managers.size(), false);
    m_tries = 0;
    tryNext();
}

void SimulatedAgent::tryNext()
{
    std::size_t choice = 0;
    if (m_list.managers.size() == 1) {
        if (m_tries >= LoadBalancerTries) {
            endRound();
            return;
        }
    } else {
        std::vector<std::size_t> untried;
        for (std::size_t i = 0; i < m_tried.size(); ++i) {
            if (!m_tried[i])
                untried.push_back(i);
        }
        if (untried.empty()) {
            endRound();
            return;
        }
        choice = untried[std::uniform_int_distribution<std::size_t>(0, untried.size() - 1)(m_random)];
    }
    if (m_tries > 0)
        m_statistics.recordFailover();
    ++m_tries;
    m_tried[choice] = true;

    const ManagerEndpoint &manager = m_list.managers[choice];
    m_statistics.recordAttempt(manager.text());
    CheckinAttempt::Request request;
    request.target = manager.endpoint();
    request.host = manager.text();
    request.path = m_path;
    request.source = m_source;
    request.pins = m_list.pins;
    request.timeout = std::chrono::milliseconds(m_settings.timeoutMs);
    if (const auto kept = m_sessions.find(manager.text()); kept != m_sessions.end()) {
        request.session = std::move(kept->second);
        m_sessions.erase(kept);
    }
    m_attempt = std::make_shared<CheckinAttempt>(m_strand, m_tls);
    m_attempt->start(
        std::move(request), [this](const std::string &localAddress) { return checkinBody(localAddress); },
        [this, choice](AttemptOutcome outcome) { onOutcome(choice, std::move(outcome)); });
}

std::string SimulatedAgent::checkinBody(const std::string &localAddress) const
{
    const QJsonObject body{
        {u"host_name"_s, QString::fromStdString(m_hostName)},
        {u"addresses"_s, QJsonArray{QString::fromStdString(localAddress)}},
        {u"version"_s, QStringLiteral(COHORT_VERSION_STRING)},
        {u"list_version"_s, QString::fromStdString(m_list.version)},
    };
    return QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString();
}

void SimulatedAgent::onOutcome(std::size_t manager, AttemptOutcome outcome)
{
    m_attempt.reset();
    if (m_stopped)
        return;
    // Taken before the answer's list replaces the one the index points into.
    const std::string managerText =
        manager < m_list.managers.size() ? m_list.managers[manager].text() : std::string();
    std::string node;
    if (!outcome.failure && (outcome.status != 200 || !adopt(outcome.body, &node))) {
        outcome.failure = AttemptFailure::Other;
        outcome.detail = "an answer that is not a manager list (HTTP " + std::to_string(outcome.status) + ")";
    }
    if (outcome.failure) {
        m_statistics.recordFailure(*outcome.failure);
        if (lcAgents().isDebugEnabled()) {
            qCDebug(lcAgents).noquote()
                << QString::fromStdString(m_hostName) << "to" << QString::fromStdString(managerText)
                << QLatin1StringView(AgentStatistics::failureName(*outcome.failure))
                << QString::fromStdString(outcome.detail);
        }
        tryNext();
        return;
    }
    if (m_settings.resumeSessions && outcome.session && !managerText.empty())
        m_sessions[managerText] = std::move(outcome.session);
    if (outcome.resumed)
        m_statistics.recordResumed();
    const Clock::time_point now = Clock::now();
    m_statistics.recordCheckin(node, outcome.latencyUs);
    {
        const std::lock_guard guard(m_reportLock);
        const std::int64_t gap = millisecondsBetween(m_lastCheckin.value_or(m_started.value_or(now)), now);
        m_maxGapMs = std::max(m_maxGapMs, gap);
        m_statistics.recordGap(gap);
        m_lastCheckin = now;
        ++m_checkins;
        m_lastNode = node;
    }
    endRound();
}

bool SimulatedAgent::adopt(const std::string &body, std::string *node)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(body), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return false;
    const QJsonObject answer = document.object();
    const QString answeringNode = answer.value(u"node"_s).toString();
    const QJsonValue version = answer.value(u"version"_s);
    const QJsonArray managers = answer.value(u"managers"_s).toArray();
    const QJsonArray pins = answer.value(u"pins"_s).toArray();
    if (answeringNode.isEmpty() || !version.isString() || managers.isEmpty() || pins.isEmpty())
        return false;
    ManagerList list;
    list.version = version.toString().toStdString();
    for (const QJsonValue &entry : managers) {
        QString why;
        const auto endpoint = ManagerEndpoint::parse(entry.toString().toStdString(), &why);
        if (!endpoint)
            return false;
        list.managers.push_back(*endpoint);
    }
    for (const QJsonValue &entry : pins) {
        const QString pin = entry.toString().toLower();
        if (!isPin(pin))
            return false;
        list.pins.push_back(pin.toStdString());
    }
    *node = answeringNode.toStdString();
    const bool newVersion = list.version != m_list.version;
    m_list = std::move(list);
    if (newVersion) {
        m_statistics.recordListVersion(m_list.version);
        const std::lock_guard guard(m_reportLock);
        m_heldVersion = m_list.version;
        const bool seen = std::any_of(m_versionTimes.begin(), m_versionTimes.end(),
                                      [this](const auto &entry) { return entry.first == m_list.version; });
        if (!seen)
            m_versionTimes.emplace_back(m_list.version, wallClockMs());
    }
    return true;
}

void SimulatedAgent::endRound()
{
    const Clock::time_point now = Clock::now();
    bool succeeded = false;
    {
        const std::lock_guard guard(m_reportLock);
        succeeded = m_lastCheckin && *m_lastCheckin >= m_roundStart;
        if (!succeeded)
            ++m_failedRounds;
    }
    if (!succeeded)
        m_statistics.recordFailedRound();
    const double jitter = std::uniform_real_distribution<double>(-1.0, 1.0)(m_random) * m_settings.jitter;
    const auto wait = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(m_settings.intervalS * (1.0 + jitter)));
    // Heartbeats keep their pace from round start to round start; a round that took longer
    // than the wait is followed at once.
    m_heartbeat.expires_at(std::max(now, m_roundStart + wait));
    m_heartbeat.async_wait([this](const boost::system::error_code &error) {
        if (!error && !m_stopped)
            startRound();
    });
}

QJsonObject SimulatedAgent::report() const
{
    const std::lock_guard guard(m_reportLock);
    QJsonObject versionTimes;
    for (const auto &[version, ms] : m_versionTimes)
        versionTimes.insert(QString::fromStdString(version), qint64(ms));
    return {
        {u"guid"_s, QString::fromStdString(m_guid)},
        {u"checkins"_s, qint64(m_checkins)},
        {u"failed_rounds"_s, qint64(m_failedRounds)},
        {u"max_gap_ms"_s, qint64(m_maxGapMs)},
        {u"list_version"_s, QString::fromStdString(m_heldVersion)},
        {u"version_times"_s, versionTimes},
        {u"last_node"_s, QString::fromStdString(m_lastNode)},
    };
}

} // namespace Cohort
