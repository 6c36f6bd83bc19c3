#include "nodeapiclient.h"
#include "modelslogging.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include <optional>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Text a node sent that goes into a message is cut to this, and made printable.
constexpr qsizetype MaximumQuotedChars = 200;

QString quoted(const QString &text)
{
    QString cut = text.left(MaximumQuotedChars);
    for (QChar &c : cut) {
        if (!c.isPrint())
            c = u'?';
    }
    return cut;
}

} // namespace

struct NodeApiClient::Request
{
    quint64 id = 0;
    QString address;
    QString pin;
    QByteArray head; // the request, sent once the pin matched
    QSslSocket *socket = nullptr;
    QTimer *deadline = nullptr;
    QElapsedTimer clock;
    QByteArray answer;
    QString presented;
};

NodeApiClient::NodeApiClient(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<NodeApiReply>();
}

NodeApiClient::~NodeApiClient()
{
    abortAll();
}

void NodeApiClient::abortAll()
{
    const auto requests = m_requests;
    m_requests.clear();
    for (Request *request : requests) {
        request->socket->disconnect(this);
        request->socket->abort();
        request->socket->deleteLater();
        request->deadline->deleteLater();
        delete request;
    }
}

quint64 NodeApiClient::get(const QString &address, const QString &pinSha256, const QString &path,
                           const QString &token)
{
    return send("GET", address, pinSha256, path, token, {});
}

quint64 NodeApiClient::post(const QString &address, const QString &pinSha256, const QString &path,
                            const QString &token, const QJsonObject &body)
{
    return send("POST", address, pinSha256, path, token, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

quint64 NodeApiClient::send(const QByteArray &method, const QString &address, const QString &pinSha256,
                            const QString &path, const QString &token, const QByteArray &body)
{
    auto *created = new Request;
    created->id = m_nextId++;
    created->address = address;
    created->pin = pinSha256.trimmed().toLower();
    created->socket = new QSslSocket(this);
    created->deadline = new QTimer(this);
    m_requests.insert(created->id, created);
    created->clock.start();

    // HOST:PORT or [v6]:PORT, as the node recorded it.
    const qsizetype colon = address.lastIndexOf(u':');
    bool portOk = false;
    const uint port = colon > 0 ? address.mid(colon + 1).toUInt(&portOk) : 0;
    QString host = colon > 0 ? address.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    const quint64 id = created->id;
    // Failures found before anything started are reported from the event loop, like the
    // others, so a caller always gets its id back before the answer.
    const auto failLater = [this, id](NodeApiReply::Outcome outcome, const QString &message) {
        QTimer::singleShot(0, this, [this, id, outcome, message] {
            if (Request *pending = m_requests.value(id))
                fail(pending, outcome, message);
        });
        return id;
    };
    if (host.isEmpty() || !portOk || port == 0 || port > 65535)
        return failLater(NodeApiReply::Outcome::Unreachable,
                         tr("The node's API address \"%1\" is not HOST:PORT.").arg(quoted(address)));
    if (created->pin.isEmpty())
        return failLater(
            NodeApiReply::Outcome::PinMismatch,
            tr("The node recorded no certificate fingerprint to check it by; it was not asked."));

    QByteArray head = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: " + address.toUtf8()
                      + "\r\nUser-Agent: cohort-console\r\nAccept: application/json\r\nConnection: close\r\n";
    if (!token.isEmpty())
        head += "Authorization: Bearer " + token.toUtf8() + "\r\n";
    if (method != "GET")
        head +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    created->head = head + "\r\n" + body;

    QSslSocket *socket = created->socket;
    socket->setReadBufferSize(MaximumAnswerBytes);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // pinned below instead
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    socket->setSslConfiguration(tls);
    socket->setProxy(QNetworkProxy::NoProxy);

    connect(socket, &QSslSocket::encrypted, this, [this, id] {
        Request *request = m_requests.value(id);
        if (!request)
            return;
        request->presented = QString::fromLatin1(
            request->socket->peerCertificate().digest(QCryptographicHash::Sha256).toHex());
        if (request->presented != request->pin) {
            // Nothing, the token least of all, goes to a certificate other than the pinned one.
            fail(request, NodeApiReply::Outcome::PinMismatch,
                 tr("Refused: the node presented a certificate with SHA-256 %1, but the database records %2 "
                    "for this node. Nothing was sent to it.")
                     .arg(request->presented, request->pin));
            return;
        }
        request->socket->write(request->head);
    });
    connect(socket, &QSslSocket::readyRead, this, [this, id] {
        if (Request *request = m_requests.value(id))
            readAnswer(request, false);
    });
    connect(socket, &QSslSocket::disconnected, this, [this, id] {
        if (Request *request = m_requests.value(id))
            readAnswer(request, true);
    });
    connect(socket, &QSslSocket::errorOccurred, this, [this, id](QAbstractSocket::SocketError error) {
        Request *request = m_requests.value(id);
        if (!request)
            return;
        switch (error) {
        case QAbstractSocket::RemoteHostClosedError:
            readAnswer(request, true);
            return;
        case QAbstractSocket::ConnectionRefusedError:
            fail(request, NodeApiReply::Outcome::Unreachable,
                 tr("The node is unreachable: %1 refused the connection.").arg(quoted(request->address)));
            return;
        case QAbstractSocket::HostNotFoundError:
            fail(request, NodeApiReply::Outcome::Unreachable,
                 tr("The node is unreachable: host %1 not found.").arg(quoted(request->socket->peerName())));
            return;
        case QAbstractSocket::SslHandshakeFailedError:
            fail(request, NodeApiReply::Outcome::Unreachable,
                 tr("The TLS handshake with the node failed: %1").arg(request->socket->errorString()));
            return;
        default:
            fail(request, NodeApiReply::Outcome::Unreachable,
                 tr("The node is unreachable: %1").arg(request->socket->errorString()));
            return;
        }
    });
    created->deadline->setSingleShot(true);
    connect(created->deadline, &QTimer::timeout, this, [this, id] {
        Request *request = m_requests.value(id);
        if (!request)
            return;
        const int seconds = qMax(1, m_timeoutMs / 1000);
        QString message;
        if (request->socket->isEncrypted())
            message = tr("The node did not answer within %n second(s).", nullptr, seconds);
        else if (request->socket->state() == QAbstractSocket::ConnectedState)
            message = tr("The node accepted the connection but did not complete the TLS handshake within %n "
                         "second(s).",
                         nullptr, seconds);
        else
            message = tr("The node could not be reached within %n second(s).", nullptr, seconds);
        fail(request, NodeApiReply::Outcome::TimedOut, message);
    });
    created->deadline->start(m_timeoutMs);
    socket->connectToHostEncrypted(host, quint16(port));
    return id;
}

void NodeApiClient::readAnswer(Request *request, bool atEnd)
{
    request->answer += request->socket->read(MaximumAnswerBytes + 1 - request->answer.size());
    if (request->answer.size() > MaximumAnswerBytes) {
        fail(request, NodeApiReply::Outcome::InvalidAnswer,
             tr("The node answered more than %1 bytes.").arg(MaximumAnswerBytes));
        return;
    }
    const qsizetype headEnd = request->answer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        if (atEnd) {
            if (request->answer.isEmpty())
                fail(request, NodeApiReply::Outcome::Unreachable,
                     tr("The node closed the connection without answering."));
            else
                fail(request, NodeApiReply::Outcome::InvalidAnswer,
                     tr("The node answered something that is not HTTP."));
        }
        return;
    }
    const QList<QByteArray> lines = request->answer.left(headEnd).split('\n');
    const QList<QByteArray> statusLine = lines.constFirst().trimmed().split(' ');
    bool statusOk = false;
    const int status = statusLine.size() >= 2 && statusLine.at(0).startsWith("HTTP/1.")
                           ? statusLine.at(1).toInt(&statusOk)
                           : 0;
    if (!statusOk) {
        fail(request, NodeApiReply::Outcome::InvalidAnswer,
             tr("The node answered something that is not HTTP."));
        return;
    }
    std::optional<qsizetype> contentLength;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length") {
            bool ok = false;
            const qsizetype length = line.mid(colon + 1).trimmed().toLongLong(&ok);
            if (ok && length >= 0)
                contentLength = length;
        }
    }
    QByteArray body = request->answer.mid(headEnd + 4);
    if (contentLength && body.size() >= *contentLength) {
        body.truncate(*contentLength);
    } else if (!atEnd) {
        return; // more to come
    } else if (contentLength) {
        fail(request, NodeApiReply::Outcome::Unreachable,
             tr("The node closed the connection in the middle of its answer."));
        return;
    }

    NodeApiReply reply;
    reply.status = status;
    reply.json = QJsonDocument::fromJson(body).object();
    if (status != 200) {
        const QString said = reply.json.value(u"error"_s).toString();
        reply.outcome = NodeApiReply::Outcome::HttpError;
        reply.message = said.isEmpty() ? tr("The node answered HTTP %1.").arg(status)
                                       : tr("The node answered HTTP %1: %2").arg(status).arg(quoted(said));
    } else if (reply.json.isEmpty()) {
        reply.outcome = NodeApiReply::Outcome::InvalidAnswer;
        reply.message = tr("The node's answer is not a JSON object.");
    } else {
        reply.outcome = NodeApiReply::Outcome::Answered;
    }
    finish(request, std::move(reply));
}

void NodeApiClient::fail(Request *request, NodeApiReply::Outcome outcome, const QString &message)
{
    NodeApiReply reply;
    reply.outcome = outcome;
    reply.message = message;
    finish(request, std::move(reply));
}

void NodeApiClient::finish(Request *request, NodeApiReply reply)
{
    const quint64 id = request->id;
    m_requests.remove(id);
    reply.presentedSha256 = request->presented;
    reply.elapsedMs = request->clock.elapsed();
    request->socket->disconnect(this);
    request->socket->abort();
    request->socket->deleteLater();
    request->deadline->stop();
    request->deadline->deleteLater();
    delete request;
    if (reply.outcome != NodeApiReply::Outcome::Answered)
        qCInfo(lcModels).noquote() << "node API request" << id << "failed:" << reply.message;
    Q_EMIT finished(id, reply);
}

} // namespace Cohort
