#include "tcpproxy.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <list>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

// Lives on the proxy's thread: the listening socket and every forwarded connection.
class TcpProxyWorker : public QObject
{
public:
    TcpProxyWorker(quint16 targetPort, const std::atomic<int> &latencyMs)
        : m_targetPort(targetPort)
        , m_latencyMs(latencyMs)
    {
        m_clock.start();
    }

    quint16 listen()
    {
        m_server = new QTcpServer(this);
        if (!m_server->listen(QHostAddress::LocalHost, 0))
            return 0;
        QObject::connect(m_server, &QTcpServer::newConnection, this, [this] { accept(); });
        m_timer = new QTimer(this);
        m_timer->setInterval(5);
        QObject::connect(m_timer, &QTimer::timeout, this, [this] { deliver(); });
        m_timer->start();
        return m_server->serverPort();
    }

    void cutAll()
    {
        for (Pipe &pipe : m_pipes) {
            if (pipe.client)
                pipe.client->abort();
            if (pipe.server)
                pipe.server->abort();
        }
    }

private:
    struct Chunk
    {
        qint64 due;
        QByteArray data;
    };
    struct Pipe
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> server;
        std::list<Chunk> toServer;
        std::list<Chunk> toClient;
    };

    void accept()
    {
        while (QTcpSocket *client = m_server->nextPendingConnection()) {
            auto *server = new QTcpSocket(this);
            m_pipes.push_back(Pipe{client, server, {}, {}});
            Pipe *pipe = &m_pipes.back();
            client->setParent(this);
            auto read = [this](QTcpSocket *from, std::list<Chunk> &into) {
                into.push_back({m_clock.elapsed() + m_latencyMs.load(), from->readAll()});
                deliver();
            };
            QObject::connect(client, &QTcpSocket::readyRead, this,
                             [pipe, read] { read(pipe->client, pipe->toServer); });
            QObject::connect(server, &QTcpSocket::readyRead, this,
                             [pipe, read] { read(pipe->server, pipe->toClient); });
            // Either side gone: the other goes too.
            auto close = [this, pipe] {
                if (pipe->client)
                    pipe->client->abort();
                if (pipe->server)
                    pipe->server->abort();
                m_closed = true;
            };
            QObject::connect(client, &QTcpSocket::disconnected, this, close);
            QObject::connect(server, &QTcpSocket::disconnected, this, close);
            QObject::connect(server, &QTcpSocket::errorOccurred, this, close);
            server->connectToHost(QHostAddress::LocalHost, m_targetPort);
        }
    }

    void deliver()
    {
        const qint64 now = m_clock.elapsed();
        for (Pipe &pipe : m_pipes) {
            flush(pipe.toServer, pipe.server, now);
            flush(pipe.toClient, pipe.client, now);
        }
        if (m_closed) {
            m_closed = false;
            for (auto it = m_pipes.begin(); it != m_pipes.end();) {
                const bool open = it->client && it->server
                                  && it->client->state() == QAbstractSocket::ConnectedState
                                  && it->server->state() != QAbstractSocket::UnconnectedState;
                if (open) {
                    ++it;
                    continue;
                }
                if (it->client)
                    it->client->deleteLater();
                if (it->server)
                    it->server->deleteLater();
                it = m_pipes.erase(it);
            }
        }
    }

    static void flush(std::list<Chunk> &queue, QTcpSocket *to, qint64 now)
    {
        while (!queue.empty() && queue.front().due <= now && to) {
            to->write(queue.front().data);
            queue.pop_front();
        }
    }

    const quint16 m_targetPort;
    const std::atomic<int> &m_latencyMs;
    QElapsedTimer m_clock;
    QTcpServer *m_server = nullptr;
    QTimer *m_timer = nullptr;
    std::list<Pipe> m_pipes; // stable addresses: the sockets' handlers point into it
    bool m_closed = false;
};

Result<std::unique_ptr<TcpProxy>> TcpProxy::start(quint16 targetPort)
{
    std::unique_ptr<TcpProxy> proxy(new TcpProxy);
    proxy->m_worker = new TcpProxyWorker(targetPort, proxy->m_latencyMs);
    proxy->m_worker->moveToThread(&proxy->m_thread);
    proxy->m_thread.setObjectName(u"tcp-proxy"_s);
    proxy->m_thread.start();
    quint16 port = 0;
    QMetaObject::invokeMethod(
        proxy->m_worker, [&] { port = proxy->m_worker->listen(); }, Qt::BlockingQueuedConnection);
    if (port == 0)
        return makeError(ErrorCode::Unavailable, u"the test proxy cannot listen on a loopback port"_s);
    proxy->m_port = port;
    return proxy;
}

TcpProxy::~TcpProxy()
{
    if (m_worker)
        QMetaObject::invokeMethod(
            m_worker, [this] { delete m_worker; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void TcpProxy::cutAll()
{
    QMetaObject::invokeMethod(
        m_worker, [this] { m_worker->cutAll(); }, Qt::BlockingQueuedConnection);
}

} // namespace Cohort::Test
