// tlsExchange: what a test sends to a node API over TLS, pinning the server's certificate,
// and what comes back, read until the answer is complete or the server closes.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Cohort::Test {

struct TlsAnswer
{
    bool connected = false; // TCP and TLS up, and the pin matched
    bool closed = false;    // the server ended the connection
    QString failure;        // why not connected, or why no answer
    int status = 0;         // 0: no answer
    QByteArray head;
    QByteArray body;
    QJsonObject json; // the body, when it is a JSON object
};

// Sends pieces to address (HOST:PORT), pausing pauseMs between them (a slow client), and
// reads until the answer is complete (by its Content-Length), the server closes, or
// deadlineMs passes. pin: the certificate's SHA-256, lowercase hex. sourceAddress: the
// local address to connect from (on loopback any 127/8 address, so one test process can be
// many clients to a per-address limit); empty for the system's choice.
TlsAnswer tlsExchange(const QString &address, const QString &pin, const QList<QByteArray> &pieces,
                      int pauseMs = 0, int deadlineMs = 10000, const QString &sourceAddress = {});
inline TlsAnswer tlsExchange(const QString &address, const QString &pin, const QByteArray &request)
{
    return tlsExchange(address, pin, QList<QByteArray>{request});
}

} // namespace Cohort::Test
