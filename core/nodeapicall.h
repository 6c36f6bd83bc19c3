// NodeApiCall: one request to a node's HTTPS API from a program that may wait for it
// (cohortctl; never a GUI thread): a new connection, the certificate pinned to the SHA-256
// the node recorded (nothing, the token least of all, is sent to another), HTTP/1.1 with
// "Connection: close", a deadline for the whole exchange and a bounded answer.
#pragma once

#include "result.h"

#include <QCoreApplication>
#include <QJsonObject>

namespace Cohort {

struct NodeApiAnswer
{
    int status = 0;
    QByteArray body;
    QJsonObject json; // the body, when it is a JSON object
    // The node's own words for an error answer ({"error": ...}), or the status.
    QString errorText() const;
};

class NodeApiCall
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeApiCall)

public:
    static constexpr qsizetype MaxAnswerBytes = 1 << 20;

    // address: HOST:PORT; pin: the certificate's SHA-256 (hex); method: "GET" or "POST";
    // body: JSON (sent with POST, may be empty). Unavailable when the node cannot be
    // reached, AccessDenied when it presents another certificate.
    static Result<NodeApiAnswer> request(const QString &address, const QString &pin, const QByteArray &method,
                                         const QString &path, const QString &token,
                                         const QByteArray &body = {}, int timeoutMs = 10000);
};

} // namespace Cohort
