// EventLoopProbe: a precise timer on the GUI thread that records how late each tick
// comes. Unlike the event timings it also sees the GUI thread waiting for a CPU.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QTimer>

namespace Cohort::Bench {

class EventLoopProbe
{
public:
    explicit EventLoopProbe(int intervalMs);

    int intervalMs() const { return m_intervalMs; }
    void start();
    void stop() { m_timer.stop(); }
    bool isActive() const { return m_timer.isActive(); }

    QList<double> lateMs; // one entry per tick after the first

private:
    int m_intervalMs;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastTickNs = 0;
};

} // namespace Cohort::Bench
