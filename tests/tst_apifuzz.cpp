// A deterministic fuzzing run of the node API's request handling: ApiServer::handleBytes
// (Beast's parser, the server's limits and checks) with the real NodeApi routes behind it,
// fed a fixed number of inputs made by mutating a corpus of valid and near-valid requests
// for every route. Built with the asan preset, AddressSanitizer and UBSan end the process
// on any memory error or undefined behaviour; every answer must also be well formed: a
// status in 200..599 and, for an error, a JSON body with "error" and "status".
#include "agentinbox.h"
#include "apiserver.h"
#include "managerlist.h"
#include "nodeapi.h"
#include "nodemetrics.h"
#include "proxyheader.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace Qt::StringLiterals;
using namespace Cohort;

Q_LOGGING_CATEGORY(lcFuzz, "cohort.test.apifuzz")

namespace {

constexpr int FuzzInputs = 500000; // fixed: the run is the same every time
constexpr quint32 Seed = 0x13f022;
const std::string Token = "fuzz-token-0123456789abcdef";
const std::string AgentGuid = "0f8fad5b-d9cb-469f-a165-70867728950e";

struct Message
{
    std::string method;
    std::string target;
    std::string version = "1.1";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    enum class Framing { Length, Chunked, None } framing = Framing::Length;
};

class Fuzzer
{
public:
    explicit Fuzzer(quint32 seed)
        : m_random(seed)
    {}

    std::string next();

private:
    int below(int n) { return n <= 0 ? 0 : int(m_random.bounded(n)); }
    bool chance(int percent) { return below(100) < percent; }
    template<typename T>
    const T &pick(const std::vector<T> &from)
    {
        return from.at(size_t(below(int(from.size()))));
    }

    Message seed();
    std::string randomBytes(int length);
    std::string edgeUtf8();
    std::string json(int depth);
    std::string deepJson();
    std::string checkinBody();
    std::string guid();
    std::string percentEncode(const std::string &text);
    void mutateMessage(Message &message);
    std::string render(const Message &message);
    void mutateBytes(std::string &bytes);

    QRandomGenerator m_random;
    std::vector<std::string> m_rendered; // earlier inputs, for splices
};

std::string Fuzzer::guid()
{
    static const char hex[] = "0123456789abcdefABCDEF";
    std::string text;
    for (int i = 0; i < 36; ++i)
        text += (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : hex[below(22)];
    return text;
}

std::string Fuzzer::randomBytes(int length)
{
    std::string bytes;
    for (int i = 0; i < length; ++i)
        bytes += char(below(256));
    return bytes;
}

// UTF-8 at its edges: overlong forms, surrogates, beyond U+10FFFF, truncated sequences,
// a BOM, non-characters, the largest valid code point.
std::string Fuzzer::edgeUtf8()
{
    static const std::vector<std::string> edges = {
        "\xc0\x80",
        "\xc0\xaf",
        "\xe0\x80\xaf",
        "\xed\xa0\x80",
        "\xed\xbf\xbf",
        "\xf4\x90\x80\x80",
        "\xf8\x88\x80\x80\x80",
        "\xe2\x82",
        "\xf0\x9f",
        "\xef\xbb\xbf",
        "\xef\xbf\xbe",
        "\xef\xbf\xbf",
        "\xf4\x8f\xbf\xbf",
        "\xff",
        "\xfe",
        "\x80",
        "\xc2\x85",
        "\xe2\x80\xa8",
        "\xe2\x80\xae",
        "\xf0\x9f\x92\xa9",
        std::string("\0", 1),
        "\x7f",
        "\\u0000",
        "\\ud800",
        "\\udfff\\ud800",
        "\\uDBFF\\uDFFF",
        "\\u00",
        "\\x41",
        "\\",
    };
    return pick(edges);
}

std::string Fuzzer::json(int depth)
{
    switch (depth <= 0 ? below(5) : below(8)) {
    case 0:
        return pick(std::vector<std::string>{"null", "true", "false", "0", "-0", "1e308", "1e999", "-1e-999",
                                             "123456789012345678901234567890", "0.1", "01", "-", "1.", ".5",
                                             "NaN"});
    case 1: {
        std::string text = "\"";
        const int parts = below(6);
        for (int i = 0; i < parts; ++i)
            text += chance(30)
                        ? edgeUtf8()
                        : pick(std::vector<std::string>{"h", "host", "10.0.0.1", "\\n", "\\\"", " ", "é"});
        return text + (chance(95) ? "\"" : "");
    }
    case 2:
        return "\"" + std::string(size_t(below(400)), 'x') + "\"";
    case 3:
        return "\"" + randomBytes(below(20)) + "\"";
    case 4:
        return std::to_string(qint64(m_random.generate64()));
    case 5: {
        std::string text = "[";
        const int items = below(5);
        for (int i = 0; i < items; ++i)
            text += (i ? "," : "") + json(depth - 1);
        return text + (chance(95) ? "]" : "");
    }
    default: {
        static const std::vector<std::string> names = {"host_name", "version", "addresses", "list_version",
                                                       "x",         "",        "host_name", "addresses"};
        std::string text = "{";
        const int members = below(6);
        for (int i = 0; i < members; ++i)
            text += std::string(i ? "," : "") + "\"" + pick(names) + "\":" + json(depth - 1);
        return text + (chance(95) ? "}" : "");
    }
    }
}

std::string Fuzzer::deepJson()
{
    const int depth = pick(std::vector<int>{100, 1023, 1024, 1025, 5000, 10000});
    switch (below(3)) {
    case 0:
        return std::string(size_t(depth), '[') + std::string(size_t(depth), ']');
    case 1: {
        std::string text;
        for (int i = 0; i < depth; ++i)
            text += "{\"a\":";
        return text + "1" + std::string(size_t(depth), '}');
    }
    default:
        return R"({"host_name":"h","version":"1","addresses":)" + std::string(size_t(depth), '[') + "}";
    }
}

std::string Fuzzer::checkinBody()
{
    std::string host = chance(80) ? "host-" + std::to_string(below(1000)) : json(0);
    if (chance(20))
        host += edgeUtf8();
    std::string addresses = "[";
    const int count = chance(90) ? below(4) : below(40);
    for (int i = 0; i < count; ++i)
        addresses +=
            std::string(i ? "," : "") + (chance(90) ? "\"10.0.0." + std::to_string(i) + "\"" : json(1));
    addresses += "]";
    std::string body =
        "{\"host_name\":\"" + host + "\",\"addresses\":" + addresses + ",\"version\":\"1.4.2\"";
    if (chance(50))
        body += ",\"list_version\":\"" + std::string(size_t(below(70)), 'a') + "\"";
    if (chance(20))
        body += ",\"extra\":" + json(3);
    return body + "}";
}

std::string Fuzzer::percentEncode(const std::string &text)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (chance(30)) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += char(c);
        }
    }
    if (chance(20))
        out += pick(std::vector<std::string>{"%", "%0", "%zz", "%00", "%2e%2e%2f", "%C0%AE", "%u002e"});
    return out;
}

Message Fuzzer::seed()
{
    Message message;
    const std::string bearer = "Bearer " + Token;
    switch (below(8)) {
    case 0:
        message = {"GET", "/api/v1/health", "1.1", {{"Host", "node"}}, {}, Message::Framing::None};
        break;
    case 1:
        message = {"GET", "/api/v1/node",        "1.1", {{"Host", "node"}, {"Authorization", bearer}},
                   {},    Message::Framing::None};
        break;
    case 2:
        message = {"GET", "/api/v1/managers",    "1.1", {{"Host", "node"}, {"Authorization", bearer}},
                   {},    Message::Framing::None};
        break;
    case 3:
        message = {"GET", "/metrics",
                   "1.1", {{"Host", "node"}, {"Authorization", bearer}},
                   {},    Message::Framing::None};
        break;
    case 4:
        message = {"POST",
                   "/api/v1/drain",
                   "1.1",
                   {{"Host", "node"}, {"Authorization", bearer}},
                   chance(50) ? "{}" : "",
                   Message::Framing::Length};
        break;
    case 5:
        message = {"GET", "/api/v1/health",      "1.0", {{"Connection", "keep-alive"}},
                   {},    Message::Framing::None};
        break;
    default:
        message = {"POST",        "/api/v1/agents/" + (chance(80) ? AgentGuid : guid()) + "/heartbeat",
                   "1.1",         {{"Host", "node"}, {"Content-Type", "application/json"}},
                   checkinBody(), chance(25) ? Message::Framing::Chunked : Message::Framing::Length};
        break;
    }
    return message;
}

void Fuzzer::mutateMessage(Message &message)
{
    static const std::vector<std::string> methods = {"GET",     "POST",  "PUT",     "DELETE", "HEAD",
                                                     "OPTIONS", "PATCH", "CONNECT", "TRACE",  "get",
                                                     "BREW",    "",      "G ET",    "POST\t"};
    static const std::vector<std::string> targets = {"/api/v1/health",
                                                     "/api/v1/node",
                                                     "/api/v1/managers",
                                                     "/metrics",
                                                     "/api/v1/drain",
                                                     "/api/v1/agents/",
                                                     "/api/v1/agents//heartbeat",
                                                     "/api/v1/agents/heartbeat",
                                                     "*",
                                                     "/",
                                                     "",
                                                     "http://node/api/v1/health",
                                                     "/api/v1/health?x=1",
                                                     "/api/v1/health#f",
                                                     "/api/v1/../v1/health",
                                                     "//api/v1/health",
                                                     "/api/v1/health/",
                                                     "/api/v1/agents/" + AgentGuid + "/heartbeat?x",
                                                     "/api/v1/agents/" + AgentGuid + "/heartbeat/",
                                                     "/api/v1/agents/../../metrics/heartbeat"};
    static const std::vector<std::string> lengths = {"0",
                                                     "1",
                                                     "-1",
                                                     "+1",
                                                     "65536",
                                                     "65537",
                                                     "200000000",
                                                     "99999999999999999999",
                                                     "18446744073709551615",
                                                     "18446744073709551616",
                                                     "9223372036854775807",
                                                     "9223372036854775808",
                                                     "0x10",
                                                     "1e3",
                                                     " 5",
                                                     "5 ",
                                                     "5, 5",
                                                     "",
                                                     "00000000000000000000000000001"};
    const int mutations = 1 + below(3);
    for (int m = 0; m < mutations; ++m) {
        switch (below(16)) {
        case 0:
            message.method = pick(methods);
            break;
        case 1:
            message.target = pick(targets);
            break;
        case 2:
            message.target = percentEncode(message.target);
            break;
        case 3:
            message.target.insert(size_t(below(int(message.target.size()) + 1)), edgeUtf8());
            break;
        case 4:
            message.target += std::string(size_t(100 + below(12000)), 'a');
            break;
        case 5:
            message.version = pick(
                std::vector<std::string>{"1.0", "1.1", "2.0", "0.9", "1.", "11", "1.1 ", "1.10", "9.9", ""});
            break;
        case 6: // a header line duplicated
            if (!message.headers.empty())
                message.headers.push_back(pick(message.headers));
            break;
        case 7:
            message.headers.emplace_back("Content-Length", pick(lengths));
            break;
        case 8:
            message.headers.emplace_back(
                "Transfer-Encoding",
                pick(std::vector<std::string>{"chunked", "gzip", "chunked, chunked", "identity",
                                              "gzip, chunked", "chunked, gzip", "CHUNKED", ""}));
            break;
        case 9:
            message.headers.emplace_back(
                "Content-Type", pick(std::vector<std::string>{
                                    "application/json", "text/plain", "", "application/json; charset=utf-8",
                                    "APPLICATION/JSON", " application/json ;", "application/json\t;x", ";",
                                    "application/" + edgeUtf8()}));
            break;
        case 10:
            message.headers.emplace_back(
                "Authorization",
                pick(std::vector<std::string>{"Bearer " + Token, "Bearer", "Bearer " + Token + "x",
                                              "Bearer " + Token.substr(0, 10), "bearer " + Token, "",
                                              "Bearer " + Token + std::string(1, '\0'), "Basic eDp5"}));
            break;
        case 11:
            message.headers.emplace_back(
                pick(std::vector<std::string>{"X-Long", "Cookie", "Bad Name", "", "X\x01", "Host"}),
                std::string(size_t(below(12000)), 'v'));
            break;
        case 12:
            message.headers.emplace_back(
                pick(std::vector<std::string>{"Connection", "Expect", "Upgrade", "Trailer"}),
                pick(std::vector<std::string>{"close", "keep-alive", "100-continue", "h2c", "upgrade",
                                              "Content-Length"}));
            break;
        case 13:
            message.body = pick(std::vector<std::function<std::string()>>{
                [this] { return json(1 + below(6)); }, [this] { return deepJson(); },
                [this] { return checkinBody(); }, [this] { return randomBytes(below(500)); },
                [] { return std::string(); },
                [this] { return std::string(size_t(60000 + below(10000)), ' ') + checkinBody(); }})();
            break;
        case 14:
            message.framing = pick(std::vector<Message::Framing>{
                Message::Framing::Length, Message::Framing::Chunked, Message::Framing::None});
            break;
        default:
            if (!message.headers.empty())
                message.headers.erase(message.headers.begin() + below(int(message.headers.size())));
            break;
        }
    }
}

std::string Fuzzer::render(const Message &message)
{
    std::string text = message.method + " " + message.target + " HTTP/" + message.version + "\r\n";
    for (const auto &[name, value] : message.headers)
        text += name + ": " + value + "\r\n";
    std::string body = message.body;
    switch (message.framing) {
    case Message::Framing::Length:
        text +=
            "Content-Length: " + std::to_string(body.size() + (chance(5) ? size_t(below(3)) : 0)) + "\r\n";
        break;
    case Message::Framing::Chunked: {
        text += "Transfer-Encoding: chunked\r\n";
        std::string chunked;
        for (size_t at = 0; at < body.size();) {
            const size_t size = std::min(body.size() - at, size_t(1 + below(chance(10) ? 70000 : 300)));
            char hex[32];
            const size_t declared = size + (chance(3) ? size_t(below(5)) : 0);
            if (chance(10))
                std::snprintf(hex, sizeof hex, "%zX", declared);
            else
                std::snprintf(hex, sizeof hex, "%zx", declared);
            chunked += hex;
            if (chance(5))
                chunked += ";ext=" + std::string(size_t(below(50)), 'e');
            chunked += "\r\n" + body.substr(at, size) + "\r\n";
            at += size;
        }
        chunked += "0\r\n";
        if (chance(10))
            chunked += "X-Trailer: t\r\n";
        body = chunked + "\r\n";
        break;
    }
    case Message::Framing::None:
        break;
    }
    return text + "\r\n" + body;
}

void Fuzzer::mutateBytes(std::string &bytes)
{
    const int mutations = 1 + below(4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
        const size_t at = size_t(below(int(bytes.size())));
        switch (below(9)) {
        case 0:
            bytes[at] = char(bytes[at] ^ (1 << below(8)));
            break;
        case 1:
            bytes[at] = char(below(256));
            break;
        case 2:
            bytes.insert(at, randomBytes(1 + below(8)));
            break;
        case 3:
            bytes.erase(at, size_t(1 + below(16)));
            break;
        case 4:
            bytes.insert(at, bytes.substr(at, size_t(below(64))));
            break; // a repeated stretch
        case 5:
            bytes.insert(at, pick(std::vector<std::string>{std::string(1, '\0'), "\r", "\n", "\r\n",
                                                           "\r\n\r\n", " ", "\t", ":"}));
            break;
        case 6:
            bytes.resize(at);
            break; // truncated
        case 7:
            if (!m_rendered.empty()) { // spliced with an earlier input
                const std::string &other = pick(m_rendered);
                const size_t from = size_t(below(int(other.size())));
                bytes = bytes.substr(0, at) + other.substr(from);
            }
            break;
        default:
            bytes.insert(at, edgeUtf8());
            break;
        }
    }
}

std::string Fuzzer::next()
{
    Message message = seed();
    if (chance(85))
        mutateMessage(message);
    std::string bytes = render(message);
    if (chance(35))
        mutateBytes(bytes);
    if (m_rendered.size() < 64)
        m_rendered.push_back(bytes);
    else if (chance(5))
        m_rendered[size_t(below(64))] = bytes;
    return bytes;
}

// Why an answer is malformed, or empty when it is well formed.
QString problemWith(const ApiResponse &answer)
{
    if (answer.status < 200 || answer.status > 599)
        return u"status %1"_s.arg(answer.status);
    if (answer.status < 400)
        return {};
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(answer.body), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return u"an error whose body is not a JSON object: %1"_s.arg(
            QString::fromStdString(answer.body.substr(0, 200)));
    const QJsonObject object = document.object();
    if (!object.value(u"error"_s).isString() || object.value(u"error"_s).toString().isEmpty())
        return u"an error without a message"_s;
    const QJsonValue status = object.value(u"status"_s);
    // Health while draining says the node's state (as a load balancer reads it) in "status".
    const bool drainingHealth = answer.status == 503 && status.toString() == u"draining"_s;
    if (status.toInt() != answer.status && !drainingHealth)
        return u"an error whose status says %1"_s.arg(
            QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)));
    return {};
}

} // namespace

class TestApiFuzz : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestHandlingSurvivesFuzzing();
    void proxyHeaderSurvivesFuzzing();
};

void TestApiFuzz::requestHandlingSurvivesFuzzing()
{
    AgentInbox inbox(1000);
    NodeMetrics metrics;
    int drains = 0;
    NodeApi::Hooks hooks;
    hooks.token = [] { return QString::fromStdString(Token); };
    hooks.drain = [&drains] { ++drains; };
    hooks.inbox = &inbox;
    hooks.metrics = &metrics;
    NodeApi::Identity identity;
    identity.guid = u"5c0e0e4a-1b7d-4f4e-9d3c-2a3b4c5d6e7f"_s;
    identity.name = u"fuzzed"_s;
    identity.version = u"1.0.0"_s;
    identity.apiAddress = u"127.0.0.1:8443"_s;
    identity.certSha256 = QString(64, u'a');
    const ManagerList list = ManagerList::make(
        {{identity.guid, identity.name, identity.apiAddress, identity.certSha256, u"run-1"_s},
         {u"7d444840-9dc0-11d1-b245-5ffdce74fad2"_s, u"peer"_s, u"10.0.0.2:8443"_s, QString(64, u'b'),
          u"run-2"_s}},
        {identity.guid, u"7d444840-9dc0-11d1-b245-5ffdce74fad2"_s},
        {u"0b5a2f9e-3c1d-4e8f-a7b6-c5d4e3f2a1b0"_s}, {});
    // A running node's API, and a draining one: a drain through the fuzzed input turns the
    // first into the second, so it is made anew then.
    const auto make = [&](bool draining) {
        auto api = std::make_unique<NodeApi>(hooks);
        api->setIdentity(identity);
        api->setManagers(list);
        if (draining)
            api->setDraining();
        return api;
    };
    std::unique_ptr<NodeApi> running = make(false);
    const std::unique_ptr<NodeApi> draining = make(true);
    const ApiServer::Handler toRunning = [&running](const ApiRequest &request) {
        return running->handle(request);
    };
    const ApiServer::Handler toDraining = [&draining](const ApiRequest &request) {
        return draining->handle(request);
    };

    const ApiServer::Limits defaults;
    ApiServer::Limits small;
    small.maxHeadBytes = 300;
    small.maxBodyBytes = 200;

    Fuzzer fuzzer(Seed);
    std::map<int, int> statuses;
    int incomplete = 0;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < FuzzInputs; ++i) {
        const std::string input = fuzzer.next();
        const bool toTheDrainingNode = i % 8 == 5;
        const std::optional<ApiResponse> answer = ApiServer::handleBytes(
            input, i % 4 == 3 ? small : defaults, toTheDrainingNode ? toDraining : toRunning, "127.0.0.1");
        if (!answer) {
            ++incomplete;
            continue;
        }
        ++statuses[answer->status];
        const QString problem = problemWith(*answer);
        if (!problem.isEmpty()) {
            QFAIL(qPrintable(u"input %1 (%2 bytes, starting %3): %4"_s.arg(i)
                                 .arg(input.size())
                                 .arg(QString::fromLatin1(QByteArray::fromStdString(input.substr(0, 200))
                                                              .toPercentEncoding(" /:-_.?=;{}\",[]")),
                                      problem)));
        }
        if (running->draining())
            running = make(false);
        if (inbox.pending() > 500)
            inbox.take();
    }
    const qint64 elapsed = timer.elapsed();
    QString histogram;
    for (const auto &[status, count] : statuses)
        histogram += u" %1: %2"_s.arg(status).arg(count);
    qCInfo(lcFuzz, "%d inputs in %lld ms (%d incomplete, %d drains);%s", FuzzInputs, elapsed, incomplete,
           drains, qPrintable(histogram));
    // The corpus reaches the routes, not only the parser's refusals.
    QVERIFY(statuses[200] > 1000);
    QVERIFY(statuses[202] > 0);
    QVERIFY(statuses[400] > 1000);
    QVERIFY(statuses[401] > 0);
    QVERIFY(statuses[404] > 0);
    QVERIFY(statuses[405] > 0);
    QVERIFY(statuses[413] > 0);
    QVERIFY(statuses[415] > 0);
    QVERIFY(statuses[431] > 0);
    QVERIFY(statuses[503] > 0);
}

// The PROXY header a trusted balancer sends, mutated from valid ones. Each input sits in a
// heap block exactly as long as the header says (what the session reads), so a read past
// it is an AddressSanitizer error; whatever address comes out must be one.
void TestApiFuzz::proxyHeaderSurvivesFuzzing()
{
    const auto valid = [](unsigned char command, unsigned char family, std::size_t rest) {
        std::vector<unsigned char> bytes = {0x0d,
                                            0x0a,
                                            0x0d,
                                            0x0a,
                                            0x00,
                                            0x0d,
                                            0x0a,
                                            0x51,
                                            0x55,
                                            0x49,
                                            0x54,
                                            0x0a,
                                            static_cast<unsigned char>(0x20 | command),
                                            family,
                                            static_cast<unsigned char>(rest >> 8),
                                            static_cast<unsigned char>(rest & 0xff)};
        for (std::size_t i = 0; i < rest; ++i)
            bytes.push_back(static_cast<unsigned char>(i * 37 + 10));
        return bytes;
    };
    const std::vector<std::vector<unsigned char>> seeds = {valid(1, 0x11, 12), valid(1, 0x21, 36),
                                                           valid(0, 0x00, 0), valid(1, 0x11, 12 + 7),
                                                           valid(1, 0x31, 216)};
    QRandomGenerator random(Seed);
    int accepted = 0, named = 0;
    for (int i = 0; i < FuzzInputs / 5; ++i) {
        std::vector<unsigned char> bytes = seeds[std::size_t(i) % seeds.size()];
        const int mutations = 1 + int(random.bounded(4));
        for (int m = 0; m < mutations; ++m) {
            const quint32 at = random.bounded(quint32(bytes.size()));
            switch (random.bounded(4)) {
            case 0: // one byte, anywhere (the version, command and family among them)
                bytes[at] = static_cast<unsigned char>(random.bounded(256));
                break;
            case 1: // the length field
                bytes[14 + random.bounded(2)] = static_cast<unsigned char>(random.bounded(256));
                break;
            case 2: // the family: every value the byte can hold
                bytes[13] = static_cast<unsigned char>(random.bounded(256));
                break;
            default: // fewer bytes after the fixed start than before
                if (bytes.size() > ProxyHeader::FixedBytes)
                    bytes.resize(ProxyHeader::FixedBytes
                                 + random.bounded(quint32(bytes.size() - ProxyHeader::FixedBytes)));
                break;
            }
        }
        std::string error;
        const std::optional<std::size_t> rest = ProxyHeader::restLength(bytes.data(), &error);
        if (!rest) {
            QVERIFY(!error.empty());
            continue;
        }
        QVERIFY(*rest <= ProxyHeader::MaxRestBytes);
        ++accepted;
        // What the session reads: the fixed start, then exactly *rest bytes (zero-filled
        // where the mutation cut them: the session would wait for them).
        const auto fixed = std::make_unique<unsigned char[]>(ProxyHeader::FixedBytes);
        std::copy_n(bytes.data(), ProxyHeader::FixedBytes, fixed.get());
        const auto restBytes = std::make_unique<unsigned char[]>(std::max<std::size_t>(*rest, 1));
        for (std::size_t b = 0; b < *rest; ++b)
            restBytes[b] =
                ProxyHeader::FixedBytes + b < bytes.size() ? bytes[ProxyHeader::FixedBytes + b] : 0;
        const std::optional<std::string> client =
            ProxyHeader::clientAddress(fixed.get(), restBytes.get(), &error);
        if (client && !client->empty()) {
            ++named;
            QVERIFY2(!QHostAddress(QString::fromStdString(*client)).isNull(), client->c_str());
        }
    }
    qCInfo(lcFuzz, "%d PROXY headers: %d taken, %d naming a client", FuzzInputs / 5, accepted, named);
    QVERIFY(accepted > 1000);
    QVERIFY(named > 1000);
}

QTEST_GUILESS_MAIN(TestApiFuzz)
#include "tst_apifuzz.moc"
