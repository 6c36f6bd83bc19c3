#include "eventloopprobe.h"

namespace Cohort::Bench {

EventLoopProbe::EventLoopProbe(int intervalMs)
    : m_intervalMs(intervalMs)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
        const qint64 now = m_clock.nsecsElapsed();
        if (m_lastTickNs > 0)
            lateMs.append(qMax(0.0, double(now - m_lastTickNs) / 1e6 - m_intervalMs));
        m_lastTickNs = now;
    });
}

void EventLoopProbe::start()
{
    m_clock.start();
    m_lastTickNs = 0;
    m_timer.start();
}

} // namespace Cohort::Bench
