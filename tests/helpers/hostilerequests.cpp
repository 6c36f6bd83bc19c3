#include "hostilerequests.h"

#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

namespace {

// The node's limits are ApiServer::Limits' defaults.
constexpr int MaxHeadBytes = 8 * 1024;
constexpr int MaxBodyBytes = 64 * 1024;

} // namespace

QByteArray request(const QByteArray &method, const QByteArray &target, const QByteArray &headers,
                   const QByteArray &body, bool withLength)
{
    QByteArray text = method + ' ' + target + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n" + headers;
    if (withLength && (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH"))
        text += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return text + "\r\n" + body;
}

QByteArray HostileRequests::guid()
{
    QByteArray hex;
    for (int i = 0; i < 32; ++i)
        hex += "0123456789abcdefABCDEF"[below(22)];
    return hex.left(8) + '-' + hex.mid(8, 4) + '-' + hex.mid(12, 4) + '-' + hex.mid(16, 4) + '-'
           + hex.mid(20);
}

QByteArray HostileRequests::goodBody()
{
    return R"({"host_name":"host-)" + QByteArray::number(below(100000)) + R"(","addresses":["10.0.)"
           + QByteArray::number(below(256)) + R"(.1"],"version":"1.4.2","list_version":""})";
}

QByteArray HostileRequests::jsonType()
{
    return pick({"application/json", "application/json; charset=utf-8", "Application/JSON",
                 "application/json;charset=UTF-8"});
}

QByteArray HostileRequests::checkin(const QByteArray &guid, const QByteArray &body,
                                    const QByteArray &contentType)
{
    QByteArray headers;
    if (!contentType.isNull())
        headers = "Content-Type: " + contentType + "\r\n";
    return request("POST", "/api/v1/agents/" + guid + "/heartbeat", headers, body);
}

// Every body here fails as a check-in: not JSON, not an object, or an object a check-in
// cannot be. 400 whatever the variant.
HostileCase HostileRequests::badJson()
{
    const QByteArray good = goodBody();
    QByteArray body;
    switch (below(16)) {
    case 0:
        body = good.left(1 + below(int(good.size()) - 1));
        break; // truncated
    case 1:
        body = good + pick({"}", "x", ",{}", "]", "\"", "{}"});
        break; // garbage after it
    case 2:
        body = R"({'host_name': 'h', 'version': '1'})";
        break; // single quotes
    case 3:
        body = R"({host_name: "h", version: "1"})";
        break; // bare names
    case 4:
        body = R"({"host_name": "h" /* note */, "version": "1"})";
        break; // a comment
    case 5:
        body = R"({"host_name": "h", "version": "1", "x": NaN})";
        break;
    case 6:
        body = "{\"host_name\": \"h\",\0 \"version\": \"1\"}"_ba;
        break; // a NUL byte
    case 7: {  // random bytes
        const int length = 1 + below(300);
        for (int i = 0; i < length; ++i)
            body += char(below(256));
        if (body.startsWith('{'))
            body[0] = '<';
        break;
    }
    case 8:
        body = pick({"[]", "null", "42", "\"a string\"", "true", "[1,2,3]", "{}"});
        break;
    case 9:
        body = R"({"host_name": 5, "version": "1"})";
        break;
    case 10:
        body = R"({"host_name": "h"})";
        break;
    case 11:
        body = R"({"host_name": "h", "version": "1", "addresses": [1, 2]})";
        break;
    case 12:
        body = R"({"host_name": "h", "version": "1", "addresses": "10.0.0.1"})";
        break;
    case 13:
        body = R"({"host_name": "h\u0007", "version": "1"})";
        break; // a control character
    case 14:
        body = R"({"host_name": ")" + QByteArray(300 + below(2000), 'h') + R"(", "version": "1"})";
        break;
    default:
        body = R"({"host_name": "h", "version": "1", "addresses": [)"
               + QByteArray("\"10.0.0.1\",").repeated(33) + R"("10.0.0.2"]})";
        break; // 34 addresses
    }
    return {"bad JSON", checkin(guid(), body, jsonType()), 400};
}

// 10,000 levels: Qt's parser stops at 1,024, and every such body is under the body limit.
HostileCase HostileRequests::deepJson()
{
    constexpr int Depth = 10000;
    QByteArray body;
    switch (below(5)) {
    case 0:
        body = QByteArray(Depth, '[') + QByteArray(Depth, ']');
        break;
    case 1:
        body = QByteArray("{\"a\":").repeated(Depth) + "1" + QByteArray(Depth, '}');
        break;
    case 2:
        body = QByteArray("[{\"a\":").repeated(Depth / 2) + "1" + QByteArray("}]").repeated(Depth / 2);
        break;
    case 3:
        body = R"({"host_name":"h","version":"1","addresses":)" + QByteArray(Depth, '[')
               + QByteArray(Depth, ']') + "}";
        break;
    default:
        body = QByteArray(Depth, '[');
        break; // never closed
    }
    return {"JSON nested 10,000 deep", checkin(guid(), body, jsonType()), 400};
}

// Refused by what the head declares (413) before any of the body is read, or, chunked, as
// soon as the chunks pass the limit.
HostileCase HostileRequests::hugeBody()
{
    const QByteArray target =
        pick({"/api/v1/agents/" + guid() + "/heartbeat", "/api/v1/health", "/api/v1/drain", "/nowhere"});
    const QByteArray type = "Content-Type: application/json\r\n";
    switch (below(5)) {
    case 0: // 200 MB declared, nothing sent
        return {"huge body",
                "POST " + target + " HTTP/1.1\r\nHost: node\r\n" + type + "Content-Length: 200000000\r\n\r\n",
                413};
    case 1: // 200 MB declared, the first 16 KB of it sent
        return {"huge body",
                "POST " + target + " HTTP/1.1\r\nHost: node\r\n" + type + "Content-Length: 200000000\r\n\r\n"
                    + QByteArray(16 * 1024, '['),
                413};
    case 2: // one byte over
        return {"huge body",
                "POST " + target + " HTTP/1.1\r\nHost: node\r\n" + type
                    + "Content-Length: " + QByteArray::number(MaxBodyBytes + 1) + "\r\n\r\n",
                413};
    case 3: { // chunked, 70 KB in chunks of 8 KB
        QByteArray text =
            "POST " + target + " HTTP/1.1\r\nHost: node\r\n" + type + "Transfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 9; ++i)
            text += "2000\r\n" + QByteArray(0x2000, 'x') + "\r\n";
        return {"huge chunked body", text + "0\r\n\r\n", 413};
    }
    default: // chunked, one chunk declaring 256 MB
        return {"huge chunked body",
                "POST " + target + " HTTP/1.1\r\nHost: node\r\n" + type
                    + "Transfer-Encoding: chunked\r\n\r\n10000000\r\n" + QByteArray(4096, 'x'),
                413};
    }
}

// Heads over 8 KiB: one long header, many headers, a long target, a long cookie.
HostileCase HostileRequests::oversizedHead()
{
    const int size = MaxHeadBytes + 1 + below(20000);
    switch (below(4)) {
    case 0:
        return {"oversized head",
                request("GET", "/api/v1/health", "X-Padding: " + QByteArray(size, 'a') + "\r\n"), 431};
    case 1: {
        QByteArray headers;
        for (int i = 0; headers.size() < size; ++i)
            headers += "X-Header-" + QByteArray::number(i) + ": " + QByteArray(40, 'v') + "\r\n";
        return {"oversized head", request("GET", "/api/v1/health", headers), 431};
    }
    case 2:
        return {"oversized head", request("GET", "/api/v1/health?" + QByteArray(size, 'q')), 431};
    default:
        return {"oversized head",
                checkin(guid(), goodBody(), "application/json\r\nCookie: " + QByteArray(size, 'c')), 431};
    }
}

HostileCase HostileRequests::wrongMethod()
{
    switch (below(5)) {
    case 0:
        return {"wrong method",
                checkin(guid(), {}, {}).replace(0, 4, pick({"GET", "PUT", "DELETE", "PATCH"})), 405};
    case 1:
        return {"wrong method", request(pick({"POST", "PUT", "DELETE", "OPTIONS", "BREW"}), "/api/v1/health"),
                405};
    case 2: // before the token is looked at
        return {
            "wrong method",
            request(pick({"POST", "PUT", "DELETE"}), pick({"/api/v1/node", "/api/v1/managers", "/metrics"})),
            405};
    case 3:
        return {"wrong method", request(pick({"GET", "PUT", "DELETE"}), "/api/v1/drain"), 405};
    default:
        return {"wrong method", request("get", "/api/v1/health"), 405}; // methods are case-sensitive
    }
}

HostileCase HostileRequests::wrongContentType()
{
    const QByteArray type = pick({"text/plain", "application/x-www-form-urlencoded",
                                  "multipart/form-data; boundary=x", "application/xml", "application/jsonp",
                                  "json", "text/json", "application/json-seq", "", QByteArray()});
    return {"wrong content type", checkin(guid(), goodBody(), type), 415};
}

HostileCase HostileRequests::badGuid()
{
    const QByteArray good = guid();
    const QByteArray bad = pick({
        "not-a-guid", good.left(35), good + "0", good.left(35) + "g", "{" + good + "}", "%7B" + good + "%7D",
        QByteArray(good).replace('-', ""), QByteArray(good).replace('-', '_'), good.left(35) + "%00", "..",
        "%2e%2e", "..%2f..%2fnode", "../../api/v1/node", QByteArray(200, 'a'),
        "\xef\xbd\x86" + good.mid(1), // a full-width letter: 36 characters, not hexadecimal
        good.left(8) + "-" + good.mid(9, 4) + "-" + good.mid(14, 4) + "-" + good.mid(19, 4)
            + good.mid(24), // the last dash missing
    });
    return {"bad GUID", checkin(bad, goodBody(), jsonType()), 400};
}

// Targets that look like a route and are none: no normalisation, no decoding, no case folding.
HostileCase HostileRequests::pathTrick()
{
    const QByteArray target = pick({
        "/api/v1/health/",
        "/api/v1/health/.",
        "/api/v1//health",
        "//api/v1/health",
        "/api/v1/./health",
        "/api/v1/node/../health",
        "/API/V1/HEALTH",
        "/api/v1/health%2f",
        "/api/v1/%68ealth",
        "/api/v1/health;x",
        "/api/v2/health",
        "/api/v1/health/../node",
        "/api/v1/node/../managers",
        "/metrics/../api/v1/node",
        "/api/v1/%6eode",
        "/api/v1/agents//heartbeat",
        "/api/v1/agents/heartbeat",
        "/api/v1/agents/" + guid(),
        "/api/v1/agents/" + guid() + "/heartbeat/",
        "http://127.0.0.1/api/v1/node",
        "*",
        "/",
        "/..",
        "/%2e%2e/metrics",
        "/metrics%00",
        "/api/v1/drain/",
        "/.well-known/../api/v1/drain",
    });
    return {"path trick", request(pick({"GET", "POST"}), target), 404};
}

HostileCase HostileRequests::ambiguousFraming()
{
    const QByteArray target = "/api/v1/agents/" + guid() + "/heartbeat";
    const QByteArray start =
        "POST " + target + " HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n";
    const QByteArray body = goodBody();
    const QByteArray chunked = QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n";
    const QByteArray length = "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    switch (below(8)) {
    case 0:
        return {"Content-Length with Transfer-Encoding",
                start + length + "Transfer-Encoding: chunked\r\n\r\n" + chunked, 400};
    case 1:
        return {"Content-Length with Transfer-Encoding",
                start + "Transfer-Encoding: chunked\r\n" + length + "\r\n" + chunked, 400};
    case 2:
        return {"Content-Length with Transfer-Encoding",
                start + "Content-Length: 0\r\ntransfer-encoding: chunked\r\n\r\n" + chunked, 400};
    case 3:
        return {"Content-Length with Transfer-Encoding",
                start + length + "Transfer-Encoding: identity\r\n\r\n" + body, 400};
    case 4:
        return {"Transfer-Encoding other than chunked", start + "Transfer-Encoding: gzip\r\n\r\n" + body,
                400};
    case 5:
        return {"two Content-Lengths", start + length + "Content-Length: 3\r\n\r\n" + body, 400};
    case 6:
        return {"bad Content-Length",
                start + "Content-Length: "
                    + pick({"-1", "abc", "0x10", "+5", "18446744073709551616", "5 5", ""}) + "\r\n\r\n"
                    + body,
                400};
    default:
        return {"chunked with a bad chunk size",
                start + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n", 400};
    }
}

HostileCase HostileRequests::malformedHead()
{
    const QByteArray text = pick({
        "HELLO\r\n\r\n", "GET /api/v1/health HTTP/2.0\r\nHost: node\r\n\r\n",
        "GET /api/v1/health HTTP/1.2\r\nHost: node\r\n\r\n",
        "GET /api/v1/health HTTP/0.9\r\nHost: node\r\n\r\n", "GET /api/v1/health\r\nHost: node\r\n\r\n",
        "GET  /api/v1/health HTTP/1.1\r\nHost: node\r\n\r\n",
        "GET /api/v1/health HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET /api/v1/health HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET /api/v1/health HTTP/1.1\r\nX-Nul: a\0b\r\n\r\n"_ba,
        "GET /api/v1/he\0alth HTTP/1.1\r\nHost: node\r\n\r\n"_ba,
        "G\xc3\x89T /api/v1/health HTTP/1.1\r\nHost: node\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"_ba, // a TLS hello inside TLS
    });
    return {"malformed head", text, 400};
}

HostileCase HostileRequests::withoutToken()
{
    const QByteArray target =
        pick({"/api/v1/node", "/api/v1/managers", "/metrics", "/metrics?/../api/v1/node"});
    const QByteArray authorization =
        pick({"", "Authorization: Bearer\r\n", "Authorization: Bearer wrong-token\r\n",
              "Authorization: bearer x\r\n", "Authorization: Basic YWRtaW46YWRtaW4=\r\n",
              "Authorization: Bearer " + QByteArray(500, 'A') + "\r\n"});
    if (below(4) == 0)
        return {"drain without the token", request("POST", "/api/v1/drain", authorization), 401};
    return {"no token", request("GET", target, authorization), 401};
}

QList<HostileCase> HostileRequests::cases(int count)
{
    using Make = HostileCase (HostileRequests::*)();
    const Make makers[] = {
        &HostileRequests::badJson,       &HostileRequests::deepJson,    &HostileRequests::hugeBody,
        &HostileRequests::oversizedHead, &HostileRequests::wrongMethod, &HostileRequests::wrongContentType,
        &HostileRequests::badGuid,       &HostileRequests::pathTrick,   &HostileRequests::ambiguousFraming,
        &HostileRequests::malformedHead, &HostileRequests::withoutToken};
    QList<HostileCase> out;
    for (int i = 0; i < count; ++i)
        out << (this->*makers[i % int(std::size(makers))])();
    // Shuffled, so that every window gets a mix.
    for (qsizetype i = out.size() - 1; i > 0; --i)
        std::swap(out[i], out[below(int(i + 1))]);
    return out;
}

} // namespace Cohort::Test
