#include "nodeapi.h"

#include "agentinbox.h"
#include "nodemetrics.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr std::string_view HealthPath = "/api/v1/health";
constexpr std::string_view NodePath = "/api/v1/node";
constexpr std::string_view ManagersPath = "/api/v1/managers";
constexpr std::string_view DrainPath = "/api/v1/drain";
constexpr std::string_view NodeDrainPath = "/api/v1/node/drain";
constexpr std::string_view NodeResumePath = "/api/v1/node/resume";
constexpr qsizetype MaxActorLength = 200;
constexpr std::string_view MetricsPath = "/metrics";
constexpr std::string_view AgentsPrefix = "/api/v1/agents/";
constexpr std::string_view HeartbeatSuffix = "/heartbeat";
constexpr std::string_view BearerPrefix = "Bearer ";

// Compares without an early exit, so the time taken says nothing about the token.
bool sameSecret(std::string_view a, std::string_view b)
{
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    const std::size_t length = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < length; ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

std::string_view pathOf(std::string_view target)
{
    return target.substr(0, target.find('?'));
}

ApiResponse methodNotAllowed(std::string_view allowed)
{
    ApiResponse response = ApiResponse::error(405, "only " + std::string(allowed) + " is allowed here");
    response.headers.emplace_back("Allow", std::string(allowed));
    return response;
}

std::string compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

// The media type of a Content-Type header, lower case, without parameters.
std::string mediaType(std::string_view contentType)
{
    std::string type(contentType.substr(0, contentType.find(';')));
    type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' ' || c == '\t'; }),
               type.end());
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return type;
}

// A string member: nullopt (with *problem) when present with another type.
std::optional<QString> stringField(const QJsonObject &object, const QString &name, bool required,
                                   std::string *problem)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined() || value.isNull()) {
        if (required) {
            *problem = name.toStdString() + " is missing";
            return std::nullopt;
        }
        return u""_s;
    }
    if (!value.isString()) {
        *problem = name.toStdString() + " must be a string";
        return std::nullopt;
    }
    return value.toString();
}

} // namespace

NodeApi::NodeApi(Hooks hooks)
    : m_hooks(std::move(hooks))
{}

void NodeApi::setIdentity(const Identity &identity)
{
    std::lock_guard locker(m_mutex);
    m_identity = identity;
}

void NodeApi::setManagers(const ManagerList &list)
{
    QJsonArray managers;
    for (const QString &address : list.managers())
        managers.append(address);
    QJsonArray pins;
    for (const QString &pin : list.pins())
        pins.append(pin);
    QJsonArray nodes;
    for (const ManagerEntry &entry : list.online) {
        nodes.append(QJsonObject{{u"guid"_s, entry.guid},
                                 {u"name"_s, entry.name},
                                 {u"address"_s, entry.address},
                                 {u"cert_sha256"_s, entry.certSha256}});
    }
    std::lock_guard locker(m_mutex);
    m_list = list;
    m_checkinAnswer = compact({{u"node"_s, m_identity ? m_identity->guid : QString()},
                               {u"version"_s, list.version},
                               {u"managers"_s, managers},
                               {u"pins"_s, pins},
                               {u"checkin_interval_s"_s, CheckinIntervalSeconds}});
    m_managersAnswer = compact({{u"version"_s, list.version},
                                {u"load_balancer"_s, list.loadBalancer},
                                {u"managers"_s, managers},
                                {u"pins"_s, pins},
                                {u"nodes"_s, nodes},
                                {u"registered"_s, int(list.registered.size())}});
}

void NodeApi::setDraining()
{
    m_draining = true;
}

ApiResponse NodeApi::handle(const ApiRequest &request)
{
    const std::string_view path = pathOf(request.target);
    if (path == HealthPath)
        return health(request);
    if (path.starts_with(AgentsPrefix) && path.ends_with(HeartbeatSuffix)
        && path.size() > AgentsPrefix.size() + HeartbeatSuffix.size()) {
        return heartbeat(request, path.substr(AgentsPrefix.size(),
                                              path.size() - AgentsPrefix.size() - HeartbeatSuffix.size()));
    }
    if (path == NodePath)
        return node(request);
    if (path == ManagersPath)
        return managers(request);
    if (path == DrainPath)
        return drain(request);
    if (path == NodeDrainPath)
        return hold(request, true);
    if (path == NodeResumePath)
        return hold(request, false);
    if (path == MetricsPath)
        return metrics(request);
    return ApiResponse::error(404, "no such resource");
}

std::optional<NodeApi::Identity> NodeApi::identity() const
{
    std::lock_guard locker(m_mutex);
    return m_identity;
}

std::optional<ApiResponse> NodeApi::refuseWithoutToken(const ApiRequest &request) const
{
    const std::string token = m_hooks.token ? m_hooks.token().toStdString() : std::string();
    if (token.empty())
        return ApiResponse::error(503, "this node holds no API token yet");
    const std::string_view given = request.authorization;
    if (!given.starts_with(BearerPrefix) || !sameSecret(given.substr(BearerPrefix.size()), token)) {
        ApiResponse refused = ApiResponse::error(401, given.empty() ? "this resource needs the node API token"
                                                                    : "the token is not the node API token");
        refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"cohort\"");
        return refused;
    }
    return std::nullopt;
}

std::optional<ApiResponse> NodeApi::refuseTokenGet(const ApiRequest &request) const
{
    if (request.method != "GET")
        return methodNotAllowed("GET");
    if (auto refused = refuseWithoutToken(request))
        return refused;
    if (!request.body.empty())
        return ApiResponse::error(413, "request bodies are not accepted here");
    return std::nullopt;
}

ApiResponse NodeApi::health(const ApiRequest &request) const
{
    if (request.method != "GET")
        return methodNotAllowed("GET");
    if (!request.body.empty())
        return ApiResponse::error(413, "request bodies are not accepted here");
    const std::optional<Identity> identity = this->identity();
    if (!identity)
        return ApiResponse::error(503, "the node is starting");
    QJsonObject answer{{u"guid"_s, identity->guid},
                       {u"name"_s, identity->name},
                       {u"version"_s, identity->version},
                       {u"status"_s, draining() ? u"draining"_s : u"online"_s}};
    if (m_draining) {
        answer.insert(u"error"_s, u"the node is draining: it takes no new work and stops soon"_s);
        return ApiResponse::json(503, compact(answer));
    }
    if (m_held) {
        answer.insert(u"error"_s, u"the node is drained by an administrator: it takes no new work"_s);
        return ApiResponse::json(503, compact(answer));
    }
    return ApiResponse::json(200, compact(answer));
}

ApiResponse NodeApi::node(const ApiRequest &request) const
{
    if (auto refused = refuseTokenGet(request))
        return *refused;
    const std::optional<Identity> self = identity();
    if (!self)
        return ApiResponse::error(503, "the node is starting");
    return ApiResponse::json(200, compact({{u"guid"_s, self->guid},
                                           {u"name"_s, self->name},
                                           {u"version"_s, self->version},
                                           {u"status"_s, draining() ? u"draining"_s : u"online"_s},
                                           {u"api_address"_s, self->apiAddress},
                                           {u"cert_sha256"_s, self->certSha256},
                                           {u"started_at_ms"_s, self->startedAtMs}}));
}

ApiResponse NodeApi::managers(const ApiRequest &request) const
{
    if (auto refused = refuseTokenGet(request))
        return *refused;
    std::lock_guard locker(m_mutex);
    if (!m_list)
        return ApiResponse::error(503, "the node is starting");
    return ApiResponse::json(200, m_managersAnswer);
}

ApiResponse NodeApi::refusedCheckin(int status, std::string_view message)
{
    if (m_hooks.metrics)
        m_hooks.metrics->checkin(status == 503 ? NodeMetrics::CheckinResult::Busy
                                               : NodeMetrics::CheckinResult::Refused);
    ApiResponse response = ApiResponse::error(status, message);
    if (status == 503)
        response.headers.emplace_back("Retry-After", "1");
    return response;
}

ApiResponse NodeApi::heartbeat(const ApiRequest &request, std::string_view guidText)
{
    if (request.method != "POST")
        return methodNotAllowed("POST");
    const std::optional<QString> guid = Agents::canonicalGuid(
        QString::fromUtf8(guidText.data(), qsizetype(std::min<std::size_t>(guidText.size(), 64))));
    if (!guid || guidText.size() > 64)
        return refusedCheckin(400,
                              "the path does not name an agent by its GUID (8-4-4-4-12 hexadecimal digits)");
    if (draining())
        return refusedCheckin(503, "the node is draining: check in with another manager");
    if (mediaType(request.contentType) != "application/json")
        return refusedCheckin(415, "a check-in is sent as application/json");
    if (request.body.empty())
        return refusedCheckin(400, "a check-in needs a JSON object as its body");

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(
        QByteArray::fromRawData(request.body.data(), qsizetype(request.body.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return refusedCheckin(400, "the body is not valid JSON: " + parseError.errorString().toStdString()
                                       + " at offset " + std::to_string(parseError.offset));
    }
    if (!document.isObject())
        return refusedCheckin(400, "the body must be a JSON object");
    const QJsonObject body = document.object();

    std::string problem;
    AgentCheckin checkin;
    checkin.guid = *guid;
    const auto hostName = stringField(body, u"host_name"_s, true, &problem);
    const auto version = stringField(body, u"version"_s, true, &problem);
    const auto listVersion = stringField(body, u"list_version"_s, false, &problem);
    if (!hostName || !version || !listVersion)
        return refusedCheckin(400, problem);
    checkin.hostName = *hostName;
    checkin.version = *version;
    checkin.listVersion = *listVersion;
    const QJsonValue addresses = body.value(u"addresses"_s);
    if (!addresses.isUndefined() && !addresses.isNull()) {
        if (!addresses.isArray())
            return refusedCheckin(400, "addresses must be an array of strings");
        const QJsonArray array = addresses.toArray();
        if (array.size() > Agents::MaxAddresses)
            return refusedCheckin(400, "addresses lists more than " + std::to_string(Agents::MaxAddresses)
                                           + " addresses");
        for (const QJsonValue &address : array) {
            if (!address.isString())
                return refusedCheckin(400, "addresses must be an array of strings");
            checkin.addresses << address.toString();
        }
    }
    if (const QString refused = Agents::checkinProblem(checkin); !refused.isEmpty())
        return refusedCheckin(400, refused.toStdString());

    std::string answer;
    {
        std::lock_guard locker(m_mutex);
        if (!m_list)
            return refusedCheckin(503, "the node is starting: check in with another manager");
        answer = m_checkinAnswer;
        // The agent holds the list it is answered with, which is what gets recorded.
        checkin.listVersion = m_list->version;
    }
    if (m_hooks.inbox && !m_hooks.inbox->add(checkin))
        return refusedCheckin(503,
                              "the node has too many check-ins waiting to be recorded: try another manager");
    if (m_hooks.metrics)
        m_hooks.metrics->checkin(NodeMetrics::CheckinResult::Accepted);
    return ApiResponse::json(200, std::move(answer));
}

ApiResponse NodeApi::drain(const ApiRequest &request)
{
    if (request.method != "POST")
        return methodNotAllowed("POST");
    if (auto refused = refuseWithoutToken(request))
        return *refused;
    if (!request.body.empty() && request.body != "{}")
        return ApiResponse::error(400, "a drain takes no parameters: send no body, or {}");
    const std::optional<Identity> self = identity();
    if (!self)
        return ApiResponse::error(503, "the node is starting");
    const bool already = m_draining.exchange(true);
    if (!already && m_hooks.drain)
        m_hooks.drain();
    return ApiResponse::json(202, compact({{u"guid"_s, self->guid},
                                           {u"name"_s, self->name},
                                           {u"status"_s, u"draining"_s},
                                           {u"already"_s, already}}));
}

ApiResponse NodeApi::hold(const ApiRequest &request, bool hold)
{
    if (request.method != "POST")
        return methodNotAllowed("POST");
    if (auto refused = refuseWithoutToken(request))
        return *refused;
    QString actor;
    if (!request.body.empty()) {
        if (mediaType(request.contentType) != "application/json")
            return ApiResponse::error(415, "the body is sent as application/json");
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(
            QByteArray::fromRawData(request.body.data(), qsizetype(request.body.size())), &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject())
            return ApiResponse::error(400, "the body must be a JSON object: {} or {\"actor\": NAME}");
        const QJsonObject body = document.object();
        for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
            if (it.key() != u"actor"_s)
                return ApiResponse::error(400, "unknown field \"" + it.key().left(64).toStdString()
                                                   + "\": the body takes only \"actor\"");
        }
        if (body.contains(u"actor"_s)) {
            if (!body.value(u"actor"_s).isString())
                return ApiResponse::error(400, "\"actor\" must be a string");
            actor = body.value(u"actor"_s).toString().trimmed();
            if (actor.isEmpty() || actor.size() > MaxActorLength)
                return ApiResponse::error(400, "\"actor\" must have 1 to 200 characters");
            for (const QChar c : std::as_const(actor)) {
                if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
                    return ApiResponse::error(400, "\"actor\" must be one line of printable text");
            }
        }
    }
    const std::optional<Identity> self = identity();
    if (!self)
        return ApiResponse::error(503, "the node is starting");
    if (m_draining)
        return ApiResponse::error(409, "the node is stopping");
    const bool already = m_held.exchange(hold) == hold;
    if (!already && m_hooks.hold)
        m_hooks.hold(hold, actor);
    return ApiResponse::json(200, compact({{u"guid"_s, self->guid},
                                           {u"name"_s, self->name},
                                           {u"status"_s, hold ? u"draining"_s : u"online"_s},
                                           {u"already"_s, already}}));
}

ApiResponse NodeApi::metrics(const ApiRequest &request) const
{
    if (auto refused = refuseTokenGet(request))
        return *refused;
    if (!m_hooks.metrics)
        return ApiResponse::error(503, "the node is starting");
    if (m_hooks.inbox)
        m_hooks.metrics->setCheckinsPending(m_hooks.inbox->pending());
    ApiResponse response;
    response.status = 200;
    response.contentType = "text/plain; version=0.0.4; charset=utf-8";
    response.body = m_hooks.metrics->render();
    return response;
}

} // namespace Cohort
