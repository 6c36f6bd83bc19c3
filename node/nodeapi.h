// NodeApi: the node API's routes, behind ApiServer. It answers from state the node pushes
// into it (who the node is; later the manager list and counters), never from the database,
// so a request costs no query and a slow database never slows the API: it is called on
// the server's threads, and everything it reads is guarded here.
//
//   GET /api/v1/health   200 {"guid", "name", "version", "status": "online"}; 503 while
//                        the node starts. No token needed.
//   GET /api/v1/node     200: what the node says about itself (identity, address,
//                        certificate fingerprint, start time). Needs the token.
//
// Routes that need the token take it as "Authorization: Bearer TOKEN" (the cluster's
// node_api.token, sealed under the master key; NodeKeyring holds it): 401 without it or
// with another. Every error is a JSON body {"error", "status"}. API messages stay untranslated: programs
// read them, not people at this node.
#pragma once

#include "apimessage.h"

#include <QString>

#include <functional>
#include <mutex>
#include <optional>

namespace Cohort {

class NodeApi
{
public:
    struct Identity
    {
        QString guid;
        QString name;
        QString version;
        QString apiAddress;
        QString certSha256;
        qint64 startedAtMs = 0; // the node's own clock
    };

    // token() returns the API token in force (empty: none yet); called on the server's
    // threads, so it must be thread-safe (NodeKeyring::apiToken is).
    explicit NodeApi(std::function<QString()> token);

    // Until it is known, health requests get 503: the node is still starting.
    void setIdentity(const Identity &identity);

    ApiResponse handle(const ApiRequest &request) const;

private:
    ApiResponse health(const ApiRequest &request) const;
    ApiResponse node(const ApiRequest &request) const;
    // nullopt when the request carries the token in force; otherwise the 401 (or 503).
    std::optional<ApiResponse> refuseWithoutToken(const ApiRequest &request) const;
    std::optional<Identity> identity() const;

    const std::function<QString()> m_token;

    mutable std::mutex m_mutex;
    std::optional<Identity> m_identity;
};

} // namespace Cohort
