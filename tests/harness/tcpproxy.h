// TcpProxy: a TCP forwarder between nodes and the database for fault tests, on a thread
// of its own (the test thread blocks in its own queries): listens on a free loopback port
// and forwards every connection to the target. It can hold back every chunk of data for
// a while in each direction (added latency) and cut every connection. It cannot
// black-hole a link: the kernel under it still acknowledges what the sender writes.
#pragma once

#include "result.h"

#include <QThread>

#include <atomic>
#include <memory>

namespace Cohort::Test {

class TcpProxyWorker;

class TcpProxy
{
public:
    static Result<std::unique_ptr<TcpProxy>> start(quint16 targetPort);
    ~TcpProxy();

    quint16 port() const { return m_port; }
    // Each chunk is delivered this long after it arrived, in order, both ways.
    void setLatencyMs(int ms) { m_latencyMs.store(ms); }
    // Closes every open connection at once (as a restarted router would).
    void cutAll();

private:
    TcpProxy() = default;

    QThread m_thread;
    TcpProxyWorker *m_worker = nullptr;
    quint16 m_port = 0;
    std::atomic<int> m_latencyMs{0};
};

} // namespace Cohort::Test
