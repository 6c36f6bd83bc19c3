// NodeApiClient: asks a node's HTTPS API (GET /api/v1/health, GET /api/v1/node, POST
// /api/v1/node/drain and /resume) from the GUI thread without ever waiting: one fresh QSslSocket per request,
// the certificate pinned to the SHA-256 the node recorded in the database (not verified against an
// authority), the bearer token sent only after the pin matched, an answer read with a
// bound and a deadline. Each request ends in exactly one finished() signal.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QMetaType>
#include <QObject>

class QSslSocket;
class QTimer;

namespace Cohort {

struct NodeApiReply
{
    enum class Outcome {
        Answered,      // HTTP 200 with a JSON object
        PinMismatch,   // the node presented another certificate: nothing was sent
        Unreachable,   // no connection (refused, no such host, TLS failed, closed early)
        TimedOut,      // no whole answer within the deadline
        HttpError,     // another status; json holds the API's error, if any
        InvalidAnswer, // not HTTP, not JSON, or too long
    };

    Outcome outcome = Outcome::Unreachable;
    int status = 0;          // the HTTP status, 0 when there was no answer
    QJsonObject json;        // the body, when it is a JSON object
    QString message;         // for anything but Answered: what went wrong, for the user
    QString presentedSha256; // the certificate the node presented, when the TLS handshake got that far
    qint64 elapsedMs = 0;

    bool ok() const { return outcome == Outcome::Answered; }
};

class NodeApiClient : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultTimeoutMs = 5000;
    // An answer of the node API is a few hundred bytes; more is not one.
    static constexpr qsizetype MaximumAnswerBytes = 64 * 1024;

    explicit NodeApiClient(QObject *parent = nullptr);
    ~NodeApiClient() override;

    void setTimeout(int ms) { m_timeoutMs = ms; }

    // GET path from address (HOST:PORT, as in nodes.api_address) pinned to pinSha256
    // (lower-case hex). token: sent as "Authorization: Bearer" when not empty. Returns the
    // request's id, which finished() reports.
    quint64 get(const QString &address, const QString &pinSha256, const QString &path,
                const QString &token = {});
    // POST body (as application/json) to path, on the same terms as get().
    quint64 post(const QString &address, const QString &pinSha256, const QString &path, const QString &token,
                 const QJsonObject &body);
    // Abandons every request in flight (no finished() for them).
    void abortAll();

Q_SIGNALS:
    void finished(quint64 requestId, const Cohort::NodeApiReply &reply);

private:
    struct Request;

    quint64 send(const QByteArray &method, const QString &address, const QString &pinSha256,
                 const QString &path, const QString &token, const QByteArray &body);

    void readAnswer(Request *request, bool atEnd);
    void finish(Request *request, NodeApiReply reply);
    void fail(Request *request, NodeApiReply::Outcome outcome, const QString &message);

    int m_timeoutMs = DefaultTimeoutMs;
    quint64 m_nextId = 1;
    QHash<quint64, Request *> m_requests;
};

} // namespace Cohort

Q_DECLARE_METATYPE(Cohort::NodeApiReply)
