#include "tlsexchange.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTest>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

namespace {

// The body's length from the head, or -1.
qsizetype contentLength(const QByteArray &head)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length")
            return line.mid(colon + 1).trimmed().toLongLong();
    }
    return -1;
}

} // namespace

TlsAnswer tlsExchange(const QString &address, const QString &pin, const QList<QByteArray> &pieces,
                      int pauseMs, int deadlineMs, const QString &sourceAddress)
{
    TlsAnswer answer;
    const qsizetype colon = address.lastIndexOf(u':');
    QSslSocket socket;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // pinned below instead
    socket.setSslConfiguration(configuration);
    if (!sourceAddress.isEmpty() && !socket.bind(QHostAddress(sourceAddress))) {
        answer.failure = u"cannot bind to %1: %2"_s.arg(sourceAddress, socket.errorString());
        return answer;
    }
    socket.connectToHostEncrypted(address.left(colon), quint16(address.mid(colon + 1).toUInt()));
    if (!socket.waitForEncrypted(5000)) {
        answer.failure = socket.errorString();
        answer.closed = socket.state() != QAbstractSocket::ConnectedState;
        return answer;
    }
    const QString presented =
        QString::fromLatin1(socket.peerCertificate().digest(QCryptographicHash::Sha256).toHex());
    if (presented != pin) {
        answer.failure = u"the server presented certificate %1, not the pinned %2"_s.arg(presented, pin);
        socket.abort();
        return answer;
    }
    answer.connected = true;
    for (qsizetype i = 0; i < pieces.size(); ++i) {
        socket.write(pieces.at(i));
        socket.flush();
        if (pauseMs > 0 && i + 1 < pieces.size()) {
            QElapsedTimer pause;
            pause.start();
            while (pause.elapsed() < pauseMs && socket.state() == QAbstractSocket::ConnectedState)
                socket.waitForReadyRead(int(qMax<qint64>(1, pauseMs - pause.elapsed())));
        }
    }
    QByteArray received;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < deadlineMs && socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(50);
        received += socket.readAll();
        const qsizetype end = received.indexOf("\r\n\r\n");
        const qsizetype length = end >= 0 ? contentLength(received.left(end)) : -1;
        if (length >= 0 && received.size() >= end + 4 + length) {
            // Complete. An answer that says the connection ends is followed by its end.
            if (!received.left(end).toLower().contains("\r\nconnection: close"))
                break;
            QElapsedTimer closing;
            closing.start();
            while (closing.elapsed() < 3000 && socket.state() == QAbstractSocket::ConnectedState)
                socket.waitForDisconnected(100);
            break;
        }
    }
    received += socket.readAll();
    answer.closed = socket.state() != QAbstractSocket::ConnectedState;
    const qsizetype end = received.indexOf("\r\n\r\n");
    if (end < 0) {
        answer.failure = received.isEmpty() ? u"no answer"_s : u"an answer that is not HTTP"_s;
        return answer;
    }
    answer.head = received.left(end);
    answer.body = received.mid(end + 4);
    answer.status = answer.head.startsWith("HTTP/1.") ? answer.head.mid(9, 3).toInt() : 0;
    answer.json = QJsonDocument::fromJson(answer.body).object();
    return answer;
}

} // namespace Cohort::Test
