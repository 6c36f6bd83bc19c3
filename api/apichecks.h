// ApiChecks: what every request to the node API goes through between the bytes and the
// handler, shared by a connection (ApiServer::Session) and ApiServer::handleBytes, so that
// both parse and refuse exactly alike.
#pragma once

#include "apiserver.h"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>

namespace Cohort {

namespace http = boost::beast::http;
using RequestParser = http::request_parser<http::string_body>;

namespace ApiChecks {

// Sets the parser's limits for a new request.
void prepare(RequestParser &parser, const ApiServer::Limits &limits);
// Sets the body limit, once the head has passed headProblem, and reads on to the end.
void prepareBody(RequestParser &parser, const ApiServer::Limits &limits);
// A refusal for a request whose head has been parsed, before its body is read: framing the
// server will not accept (both Content-Length and Transfer-Encoding, an encoding other than
// chunked), a declared body over the limit (413). (Beast itself refuses versions other than 1.0 and 1.1.)
std::optional<ApiResponse> headProblem(const RequestParser &parser, const ApiServer::Limits &limits);
// The answer to a request the parser refused: 431 for a head over the limit, 413 for a
// body over it, 400 for anything malformed.
ApiResponse parseProblem(const boost::system::error_code &error);
// The handler's view of a parsed request.
ApiRequest toRequest(const http::request<http::string_body> &message, std::string clientAddress);
// Calls the handler; an exception it throws becomes a 500.
ApiResponse call(const ApiServer::Handler &handler, const ApiRequest &request);
// The HTTP message for an answer.
http::response<http::string_body> toMessage(const ApiResponse &response, unsigned version, bool keepAlive);

} // namespace ApiChecks

} // namespace Cohort
