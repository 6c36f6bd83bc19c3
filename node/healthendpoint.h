// HealthEndpoint: the node's GET /api/v1/health, which its peers probe every heartbeat
// (PeerProber). A small HTTP/1.1 server of its own on QTcpServer, because Qt HttpServer
// 6.4 sets no limits: here nothing a client sends is buffered beyond a bounded request
// head, a slow client is cut off at a deadline, and connections are capped.
// Plain HTTP for now; HTTPS with certificates pinned from the nodes table comes with the node API.
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <optional>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace Cohort {

class HealthEndpoint : public QObject
{
    Q_OBJECT

public:
    struct Limits
    {
        qsizetype maxHeadBytes = 8 * 1024; // request line and headers; beyond: 431
        int headDeadlineMs = 5000;         // to receive the whole head; then 408 and close
        int lingerMs = 2000;               // after answering, for the client to read and close
        int maxConnections = 64;           // beyond: closed at once, unanswered
    };

    // What the endpoint says about this node.
    struct Identity
    {
        QString guid;
        QString name;
        QString version;
    };

    explicit HealthEndpoint(QObject *parent = nullptr);
    HealthEndpoint(Limits limits, QObject *parent = nullptr);
    ~HealthEndpoint() override;

    // Listens on address and port (0: any free port). Returns false, with the system's
    // reason in *error, when it cannot.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // The port listened on (the one picked, for port 0).
    quint16 port() const;
    // Until it is known, health requests get 503: the node is still starting.
    void setIdentity(const Identity &identity);

private:
    // One client, from accept to close. The timer is the socket's child: first the head's
    // deadline, then the linger after answering.
    struct Connection
    {
        QByteArray head;
        QTimer *timer = nullptr;
        bool answered = false;
    };

    void acceptPending();
    void readHead(QTcpSocket *socket);
    void answer(QTcpSocket *socket, int status, const QByteArray &body, const QByteArray &extraHeaders = {});
    void answerError(QTcpSocket *socket, int status, const QString &message, const QByteArray &extraHeaders = {});
    QString headTooLarge() const;
    void answerRequest(QTcpSocket *socket, const QByteArray &head);
    void finishWriting(QTcpSocket *socket);
    void drop(QTcpSocket *socket);

    Limits m_limits;
    QTcpServer *m_server = nullptr;
    std::optional<Identity> m_identity;
    QHash<QTcpSocket *, Connection> m_connections;
    bool m_capWarned = false;
};

} // namespace Cohort
