// ApiRequest and ApiResponse: one request to the node API as its handler sees it, once the
// server has parsed it within its limits, and the answer the handler gives. Plain values,
// so the handler can be tested and fuzzed without a socket.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace Cohort {

struct ApiRequest
{
    std::string method;        // as sent, e.g. "GET"
    std::string target;        // the request target, e.g. "/api/v1/health"
    std::string contentType;   // the Content-Type header, or empty
    std::string authorization; // the Authorization header, or empty
    std::string body;
    std::string clientAddress; // the peer's IP address, as text
};

struct ApiResponse
{
    int status = 200;
    std::string contentType = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // more headers, e.g. Retry-After
    bool close = false;                                       // close the connection after this answer

    // An error: status with {"error": message, "status": status} as its body.
    static ApiResponse error(int status, std::string_view message);
    static ApiResponse json(int status, std::string body);
};

} // namespace Cohort
