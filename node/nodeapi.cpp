#include "nodeapi.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr std::string_view HealthPath = "/api/v1/health";
constexpr std::string_view NodePath = "/api/v1/node";
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

} // namespace

NodeApi::NodeApi(std::function<QString()> token)
    : m_token(std::move(token))
{
}

void NodeApi::setIdentity(const Identity &identity)
{
    std::lock_guard locker(m_mutex);
    m_identity = identity;
}

ApiResponse NodeApi::handle(const ApiRequest &request) const
{
    const std::string_view path = pathOf(request.target);
    if (path == HealthPath)
        return health(request);
    if (path == NodePath)
        return node(request);
    return ApiResponse::error(404, "no such resource");
}

std::optional<NodeApi::Identity> NodeApi::identity() const
{
    std::lock_guard locker(m_mutex);
    return m_identity;
}

std::optional<ApiResponse> NodeApi::refuseWithoutToken(const ApiRequest &request) const
{
    const std::string token = m_token ? m_token().toStdString() : std::string();
    if (token.empty())
        return ApiResponse::error(503, "this node holds no API token yet");
    const std::string_view given = request.authorization;
    if (!given.starts_with(BearerPrefix) || !sameSecret(given.substr(BearerPrefix.size()), token)) {
        ApiResponse refused = ApiResponse::error(
            401, given.empty() ? "this resource needs the node API token" : "the token is not the node API token");
        refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"cohort\"");
        return refused;
    }
    return std::nullopt;
}

ApiResponse NodeApi::node(const ApiRequest &request) const
{
    if (request.method != "GET")
        return methodNotAllowed("GET");
    if (auto refused = refuseWithoutToken(request))
        return *refused;
    if (!request.body.empty())
        return ApiResponse::error(413, "request bodies are not accepted here");
    const std::optional<Identity> self = identity();
    if (!self)
        return ApiResponse::error(503, "the node is starting");
    return ApiResponse::json(200, compact({{u"guid"_s, self->guid},
                                           {u"name"_s, self->name},
                                           {u"version"_s, self->version},
                                           {u"status"_s, u"online"_s},
                                           {u"api_address"_s, self->apiAddress},
                                           {u"cert_sha256"_s, self->certSha256},
                                           {u"started_at_ms"_s, self->startedAtMs}}));
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
    return ApiResponse::json(200, compact({{u"guid"_s, identity->guid},
                                           {u"name"_s, identity->name},
                                           {u"version"_s, identity->version},
                                           {u"status"_s, u"online"_s}}));
}

} // namespace Cohort
