#include "timedapplication.h"

#include <QElapsedTimer>
#include <QThread>

namespace Cohort::Bench {

namespace {

const QElapsedTimer &monotonic()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer started;
        started.start();
        return started;
    }();
    return clock;
}

} // namespace

TimedApplication::TimedApplication(int &argc, char **argv)
    : QApplication(argc, argv)
{
    (void)monotonic();
}

qint64 TimedApplication::nowNs() const
{
    return monotonic().nsecsElapsed();
}

void TimedApplication::setObserver(Observer observer)
{
    m_observer = std::move(observer);
}

bool TimedApplication::notify(QObject *receiver, QEvent *event)
{
    // notify() runs for events on every thread; only the GUI thread's are timed.
    if (!m_observer || QThread::currentThread() != thread())
        return QApplication::notify(receiver, event);
    // Read before: the event and the receiver may be gone afterwards.
    Dispatch dispatch{receiver, receiver->metaObject()->className(), event->type(), nowNs(), 0, m_depth++};
    const bool handled = QApplication::notify(receiver, event);
    --m_depth;
    dispatch.endNs = nowNs();
    if (m_observer)
        m_observer(dispatch);
    return handled;
}

} // namespace Cohort::Bench
