#include "healthendpoint.h"

#include "nodelogging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <cstring>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr char HealthPath[] = "/api/v1/health";

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    }
    return "Error";
}

// RFC 9110 token characters (method and header names).
bool isTokenChar(char c)
{
    return c != 0 && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool isToken(const QByteArray &text)
{
    return !text.isEmpty() && std::all_of(text.cbegin(), text.cend(), isTokenChar);
}

// Visible ASCII only: no spaces, controls or bytes above 0x7e in a request target.
bool isVisibleAscii(const QByteArray &text)
{
    return std::all_of(text.cbegin(), text.cend(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Where the head ends (just past its blank line), searching from `from`, or -1. A bare LF
// ends a line too (RFC 9112 allows recipients to accept it).
qsizetype headEnd(const QByteArray &data, qsizetype from)
{
    for (qsizetype i = qMax<qsizetype>(0, from); i < data.size(); ++i) {
        if (data.at(i) != '\n')
            continue;
        if (i + 1 < data.size() && data.at(i + 1) == '\n')
            return i + 2;
        if (i + 2 < data.size() && data.at(i + 1) == '\r' && data.at(i + 2) == '\n')
            return i + 3;
    }
    return -1;
}

} // namespace

HealthEndpoint::HealthEndpoint(QObject *parent)
    : HealthEndpoint(Limits{}, parent)
{
}

HealthEndpoint::HealthEndpoint(Limits limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HealthEndpoint::acceptPending);
}

HealthEndpoint::~HealthEndpoint() = default;

bool HealthEndpoint::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_server->listen(address, port))
        return true;
    *error = m_server->errorString();
    return false;
}

quint16 HealthEndpoint::port() const
{
    return m_server->serverPort();
}

void HealthEndpoint::setIdentity(const Identity &identity)
{
    m_identity = identity;
}

void HealthEndpoint::acceptPending()
{
    while (m_server->hasPendingConnections()) {
        QTcpSocket *socket = m_server->nextPendingConnection();
        if (m_connections.size() >= m_limits.maxConnections) {
            // Answering would cost what the cap is there to save; peers see a closed connection.
            if (!m_capWarned)
                qCWarning(lcNode) << "health endpoint:" << m_limits.maxConnections
                                  << "connections open; closing new ones until some end";
            m_capWarned = true;
            socket->abort();
            socket->deleteLater();
            continue;
        }
        // Qt would otherwise read whatever arrives into memory, without bound.
        socket->setReadBufferSize(m_limits.maxHeadBytes);
        Connection connection;
        connection.timer = new QTimer(socket);
        connection.timer->setSingleShot(true);
        connect(connection.timer, &QTimer::timeout, this, [this, socket] {
            const auto it = m_connections.constFind(socket);
            if (it == m_connections.cend())
                return;
            if (it->answered)
                drop(socket); // the linger is over
            else
                answerError(socket, 408, u"the request head did not arrive in time"_s);
        });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readHead(socket); });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] { finishWriting(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
        connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] { drop(socket); });
        connection.timer->start(m_limits.headDeadlineMs);
        m_connections.insert(socket, connection);
        if (socket->bytesAvailable() > 0)
            readHead(socket);
    }
}

QString HealthEndpoint::headTooLarge() const
{
    return u"the request head is larger than %1 bytes"_s.arg(m_limits.maxHeadBytes);
}

void HealthEndpoint::readHead(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    if (it->answered) {
        // Anything more (a body, a pipelined request) is discarded, never kept.
        socket->skip(socket->bytesAvailable());
        return;
    }
    const qsizetype before = it->head.size();
    it->head += socket->read(m_limits.maxHeadBytes + 1 - before);
    const qsizetype end = headEnd(it->head, before - 2);
    if (end < 0) {
        if (it->head.size() > m_limits.maxHeadBytes)
            answerError(socket, 431, headTooLarge());
        return;
    }
    if (end > m_limits.maxHeadBytes) {
        answerError(socket, 431, headTooLarge());
        return;
    }
    const QByteArray head = it->head.left(end);
    answerRequest(socket, head);
}

void HealthEndpoint::answerRequest(QTcpSocket *socket, const QByteArray &head)
{
    QList<QByteArray> lines = head.split('\n');
    for (QByteArray &line : lines) {
        if (line.endsWith('\r'))
            line.chop(1);
    }
    while (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast();
    if (lines.isEmpty()) {
        answerError(socket, 400, u"malformed request line"_s);
        return;
    }

    const QList<QByteArray> parts = lines.constFirst().split(' ');
    if (parts.size() != 3 || !isToken(parts.at(0)) || !parts.at(1).startsWith('/') || !isVisibleAscii(parts.at(1))
        || (parts.at(2) != "HTTP/1.1" && parts.at(2) != "HTTP/1.0")) {
        answerError(socket, 400, u"malformed request line"_s);
        return;
    }
    bool hasBody = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        // A name that is not a token also refuses obsolete line folding (leading space).
        if (colon <= 0 || !isToken(line.left(colon))) {
            answerError(socket, 400, u"malformed header line"_s);
            return;
        }
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            const qulonglong length = value.toULongLong(&ok);
            if (!ok) {
                answerError(socket, 400, u"malformed Content-Length"_s);
                return;
            }
            hasBody = hasBody || length > 0;
        } else if (name == "transfer-encoding") {
            hasBody = true;
        }
    }

    const QByteArray &target = parts.at(1);
    const qsizetype query = target.indexOf('?');
    const QByteArray path = query < 0 ? target : target.left(query);
    if (path != HealthPath) {
        answerError(socket, 404, u"no such resource"_s);
        return;
    }
    if (parts.at(0) != "GET") {
        answerError(socket, 405, u"only GET is allowed here"_s, "Allow: GET\r\n");
        return;
    }
    if (hasBody) {
        answerError(socket, 413, u"request bodies are not accepted"_s);
        return;
    }
    if (!m_identity) {
        answerError(socket, 503, u"the node is starting"_s);
        return;
    }
    const QJsonObject health{{u"guid"_s, m_identity->guid},
                             {u"name"_s, m_identity->name},
                             {u"version"_s, m_identity->version},
                             {u"status"_s, u"online"_s}};
    answer(socket, 200, QJsonDocument(health).toJson(QJsonDocument::Compact));
}

void HealthEndpoint::answerError(QTcpSocket *socket, int status, const QString &message,
                                 const QByteArray &extraHeaders)
{
    // API messages stay untranslated: clients read them, not people at this node.
    const QJsonObject error{{u"error"_s, message}};
    answer(socket, status, QJsonDocument(error).toJson(QJsonDocument::Compact), extraHeaders);
}

void HealthEndpoint::answer(QTcpSocket *socket, int status, const QByteArray &body, const QByteArray &extraHeaders)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end() || it->answered)
        return;
    it->answered = true;
    it->head = QByteArray();
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    response += "Content-Type: application/json\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    response += "Cache-Control: no-store\r\n";
    response += "Connection: close\r\n";
    response += extraHeaders;
    response += "\r\n";
    response += body;
    // The linger bounds the rest: a client that never reads or closes is cut off.
    it->timer->start(m_limits.lingerMs);
    socket->write(response);
    socket->flush();
    finishWriting(socket);
}

void HealthEndpoint::finishWriting(QTcpSocket *socket)
{
    const auto it = m_connections.constFind(socket);
    if (it == m_connections.cend() || !it->answered || socket->bytesToWrite() > 0)
        return;
    // Half-close rather than close: closing with unread input (a body, the rest of an
    // oversized head) would send a reset that can destroy the answer before the client
    // reads it. The client sees the end of the answer; its input is discarded until it
    // closes or the linger ends.
    if (socket->socketDescriptor() >= 0)
        ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    socket->skip(socket->bytesAvailable());
}

void HealthEndpoint::drop(QTcpSocket *socket)
{
    const auto it = m_connections.constFind(socket);
    if (it == m_connections.cend())
        return;
    it->timer->stop();
    m_connections.erase(it);
    if (m_connections.size() < m_limits.maxConnections)
        m_capWarned = false;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

} // namespace Cohort
