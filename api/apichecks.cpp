#include "apichecks.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/version.hpp>

#include <exception>
#include <limits>

namespace Cohort::ApiChecks {

namespace {

std::string_view view(boost::beast::string_view text)
{
    return {text.data(), text.size()};
}

const char *reason(int status)
{
    return http::obsolete_reason(http::int_to_status(unsigned(status))).data();
}

} // namespace

void prepare(RequestParser &parser, const ApiServer::Limits &limits)
{
    parser.header_limit(std::uint32_t(limits.maxHeadBytes));
    // No body limit yet: headProblem refuses a declared length over it with the length in
    // its message, and prepareBody sets it for a chunked body. (Not boost::none: Beast 1.74
    // compares a Content-Length with an empty limit as "over it".)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.eager(false); // stop after the head, so that it is checked before any body is read
}

void prepareBody(RequestParser &parser, const ApiServer::Limits &limits)
{
    parser.body_limit(limits.maxBodyBytes);
    parser.eager(true);
}

std::optional<ApiResponse> headProblem(const RequestParser &parser, const ApiServer::Limits &limits)
{
    const auto &message = parser.get();
    const bool hasLength = message.find(http::field::content_length) != message.end();
    const bool hasEncoding = message.find(http::field::transfer_encoding) != message.end();
    if (hasLength && hasEncoding) {
        // A request smuggling classic: which one frames the body is ambiguous.
        return ApiResponse::error(400, "a request may not carry both Content-Length and Transfer-Encoding");
    }
    if (hasEncoding && !parser.chunked())
        return ApiResponse::error(400, "the only Transfer-Encoding accepted is chunked");
    if (const auto length = parser.content_length(); length && *length > limits.maxBodyBytes) {
        return ApiResponse::error(413, "the body is " + std::to_string(*length) + " bytes; at most "
                                           + std::to_string(limits.maxBodyBytes) + " are accepted");
    }
    return std::nullopt;
}

ApiResponse parseProblem(const boost::system::error_code &error)
{
    if (error == http::error::header_limit) {
        ApiResponse response = ApiResponse::error(431, "the request head is larger than the server accepts");
        response.close = true;
        return response;
    }
    if (error == http::error::body_limit) {
        ApiResponse response = ApiResponse::error(413, "the body is larger than the server accepts");
        response.close = true;
        return response;
    }
    ApiResponse response = ApiResponse::error(400, "malformed request: " + error.message());
    response.close = true;
    return response;
}

ApiRequest toRequest(const http::request<http::string_body> &message, std::string clientAddress)
{
    ApiRequest request;
    request.method = std::string(view(message.method_string()));
    request.target = std::string(view(message.target()));
    if (const auto it = message.find(http::field::content_type); it != message.end())
        request.contentType = std::string(view(it->value()));
    if (const auto it = message.find(http::field::authorization); it != message.end())
        request.authorization = std::string(view(it->value()));
    request.body = message.body();
    request.clientAddress = std::move(clientAddress);
    return request;
}

ApiResponse call(const ApiServer::Handler &handler, const ApiRequest &request)
{
    try {
        return handler(request);
    } catch (const std::exception &exception) {
        return ApiResponse::error(500, std::string("the request could not be handled: ") + exception.what());
    } catch (...) {
        return ApiResponse::error(500, "the request could not be handled");
    }
}

http::response<http::string_body> toMessage(const ApiResponse &response, unsigned version, bool keepAlive)
{
    http::response<http::string_body> message;
    message.version(version);
    message.result(unsigned(response.status));
    message.reason(reason(response.status));
    message.set(http::field::server, "cohort-node");
    message.set(http::field::content_type, response.contentType);
    message.set(http::field::cache_control, "no-store");
    for (const auto &[name, value] : response.headers)
        message.set(name, value);
    message.body() = response.body;
    message.keep_alive(keepAlive && !response.close);
    if (!message.keep_alive())
        message.set(http::field::connection, "close"); // said outright, for HTTP/1.0 too
    message.prepare_payload();
    return message;
}

} // namespace Cohort::ApiChecks
