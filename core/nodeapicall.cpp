#include "nodeapicall.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QSslConfiguration>
#include <QSslSocket>

using namespace Qt::StringLiterals;

namespace Cohort {

QString NodeApiAnswer::errorText() const
{
    const QString error = json.value(u"error"_s).toString();
    return error.isEmpty() ? NodeApiCall::tr("HTTP status %1").arg(status) : error;
}

Result<NodeApiAnswer> NodeApiCall::request(const QString &address, const QString &pin,
                                           const QByteArray &method, const QString &path,
                                           const QString &token, const QByteArray &body, int timeoutMs)
{
    const qsizetype colon = address.lastIndexOf(u':');
    bool portOk = false;
    const uint port = colon > 0 ? address.mid(colon + 1).toUInt(&portOk) : 0;
    QString host = colon > 0 ? address.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty() || !portOk || port == 0 || port > 65535)
        return makeError(ErrorCode::InvalidArgument,
                         tr("The node's API address \"%1\" is not HOST:PORT.").arg(address));
    if (pin.isEmpty())
        return makeError(
            ErrorCode::AccessDenied,
            tr("The node recorded no certificate fingerprint to check it by; it was not asked."));

    const QDeadlineTimer deadline(timeoutMs);
    const auto left = [&deadline] { return int(qMax<qint64>(1, deadline.remainingTime())); };
    QSslSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // pinned below instead
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    socket.setSslConfiguration(tls);
    socket.connectToHostEncrypted(host, quint16(port));
    if (!socket.waitForEncrypted(left())) {
        return makeError(ErrorCode::Unavailable,
                         tr("The node at %1 cannot be reached: %2").arg(address, socket.errorString()));
    }
    const QString presented =
        QString::fromLatin1(socket.peerCertificate().digest(QCryptographicHash::Sha256).toHex());
    if (presented.compare(pin, Qt::CaseInsensitive) != 0) {
        return makeError(
            ErrorCode::AccessDenied,
            tr("Refused: the node at %1 presented a certificate with SHA-256 %2, but the database "
               "records %3 for it. Nothing was sent to it.")
                .arg(address, presented, pin));
    }
    QByteArray head = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: " + address.toUtf8()
                      + "\r\nUser-Agent: cohortctl\r\nAccept: application/json\r\nConnection: close\r\n";
    if (!token.isEmpty())
        head += "Authorization: Bearer " + token.toUtf8() + "\r\n";
    if (method == "POST") {
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        if (!body.isEmpty())
            head += "Content-Type: application/json\r\n";
    }
    socket.write(head + "\r\n" + body);

    QByteArray answer;
    while (socket.state() == QAbstractSocket::ConnectedState || socket.bytesAvailable() > 0) {
        if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(left())) {
            if (deadline.hasExpired())
                return makeError(
                    ErrorCode::Unavailable,
                    tr("The node at %1 did not answer within %2 s.").arg(address).arg(timeoutMs / 1000));
            break; // closed
        }
        answer += socket.readAll();
        if (answer.size() > MaxAnswerBytes)
            return makeError(ErrorCode::Unavailable,
                             tr("The node at %1 sent an answer over 1 MiB.").arg(address));
    }
    const qsizetype headEnd = answer.indexOf("\r\n\r\n");
    if (!answer.startsWith("HTTP/1.") || headEnd < 0)
        return makeError(ErrorCode::Unavailable, tr("The node at %1 did not answer in HTTP.").arg(address));
    NodeApiAnswer result;
    const QList<QByteArray> statusLine = answer.left(answer.indexOf("\r\n")).split(' ');
    result.status = statusLine.size() >= 2 ? statusLine.at(1).toInt() : 0;
    if (result.status < 100 || result.status > 599)
        return makeError(ErrorCode::Unavailable,
                         tr("The node at %1 answered with no valid status.").arg(address));
    result.body = answer.mid(headEnd + 4);
    const QJsonDocument document = QJsonDocument::fromJson(result.body);
    if (document.isObject())
        result.json = document.object();
    return result;
}

} // namespace Cohort
