// NodeApi: the node API's routes, behind ApiServer. It answers from state the node pushes
// into it (who the node is, the manager list, the counters), never from the database, so
// a request costs no query and a slow database never slows the API: it is called on the
// server's threads, and everything it reads is guarded here.
//
//   GET  /api/v1/health       200 {"guid", "name", "version", "status": "online"}; 503 while
//                             the node starts, and {"status": "draining"} while it drains
//                             (so a load balancer's check takes it out). No token.
//   GET  /api/v1/node         what the node says about itself (identity, address, certificate
//                             fingerprint, start time, status). Token.
//   GET  /api/v1/managers     the manager list agents are given, with its version and the
//                             nodes behind it. Token.
//   POST /api/v1/agents/{guid}/heartbeat
//                             an agent's check-in (application/json: host_name, addresses,
//                             version, list_version). 200 with the manager list:
//                             {"node", "version", "managers": [host:port...], "pins":
//                             [sha256...], "checkin_interval_s"}; recorded in the database
//                             within a second (AgentRecorder). 503 while the node starts or
//                             drains, or when too many check-ins wait to be written. No token.
//   POST /api/v1/drain        starts a graceful stop (as SIGTERM): 202. Token.
//   POST /api/v1/node/drain   an administrator's drain: no new claims, running jobs finish or
//                             go back within the grace, the node stays up (health says
//                             "draining", check-ins go elsewhere) until resumed. Optional
//                             body {"actor": NAME} (who asked, for the timeline and the audit
//                             log; at most 200 printable characters). 200. Token.
//   POST /api/v1/node/resume  ends it: 200; 409 while the node stops. Token.
//   GET  /metrics             Prometheus text format (NodeMetrics). Token.
//
// Routes that need the token take it as "Authorization: Bearer TOKEN" (the cluster's
// node_api.token, sealed under the master key; NodeKeyring holds it): 401 without it or
// with another. Every error is a JSON body {"error", "status"}. API messages stay
// untranslated: programs read them, not people at this node.
#pragma once

#include "apimessage.h"
#include "managerlist.h"

#include <QString>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

namespace Cohort {

class AgentInbox;
class NodeMetrics;

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

    // What the routes reach beyond their own state. token() returns the API token in force
    // (empty: none yet); drain() asks the node to stop gracefully. All are called on the
    // server's threads: they must be thread-safe.
    struct Hooks
    {
        std::function<QString()> token;
        std::function<void()> drain;
        // An administrator's drain (true) or resume (false), by actor.
        std::function<void(bool hold, const QString &actor)> hold;
        AgentInbox *inbox = nullptr;
        NodeMetrics *metrics = nullptr;
    };

    // How often agents are asked to check in.
    static constexpr int CheckinIntervalSeconds = 30;

    explicit NodeApi(Hooks hooks);

    // Until it is known, health requests get 503: the node is still starting.
    void setIdentity(const Identity &identity);
    // Until the first list, check-ins get 503.
    void setManagers(const ManagerList &list);
    // From now on health says "draining" and check-ins are sent elsewhere.
    void setDraining();
    bool draining() const { return m_draining.load() || m_held.load(); }

    ApiResponse handle(const ApiRequest &request);

private:
    ApiResponse health(const ApiRequest &request) const;
    ApiResponse node(const ApiRequest &request) const;
    ApiResponse managers(const ApiRequest &request) const;
    ApiResponse heartbeat(const ApiRequest &request, std::string_view guid);
    ApiResponse drain(const ApiRequest &request);
    ApiResponse hold(const ApiRequest &request, bool hold);
    ApiResponse metrics(const ApiRequest &request) const;
    // nullopt when the request carries the token in force; otherwise the 401 (or 503).
    std::optional<ApiResponse> refuseWithoutToken(const ApiRequest &request) const;
    // For GET routes with the token: nullopt, or the 405, 401 or 413.
    std::optional<ApiResponse> refuseTokenGet(const ApiRequest &request) const;
    std::optional<Identity> identity() const;
    ApiResponse refusedCheckin(int status, std::string_view message);

    const Hooks m_hooks;
    std::atomic_bool m_draining{false}; // stopping
    std::atomic_bool m_held{false};     // an administrator's drain

    mutable std::mutex m_mutex;
    std::optional<Identity> m_identity;
    std::optional<ManagerList> m_list;
    std::string m_checkinAnswer;  // the heartbeat's 200 body for the list in force
    std::string m_managersAnswer; // GET /api/v1/managers's
};

} // namespace Cohort
