// TimedApplication: a QApplication that times every event the GUI thread dispatches, so
// the console benchmark can see how long each snapshot, repaint or timer blocked it.
#pragma once

#include <QApplication>
#include <QEvent>

#include <functional>

namespace Cohort::Bench {

class TimedApplication : public QApplication
{
    Q_OBJECT

public:
    TimedApplication(int &argc, char **argv);

    // Nanoseconds on the monotonic clock since the application started.
    qint64 nowNs() const;

    // Called on the GUI thread after each event it dispatched: the receiver and its class
    // name, the event type, when the dispatch started and ended (nowNs()), and how deeply
    // it was nested in another dispatch (0: straight from the event loop). The receiver
    // may be gone by then: compare it, never use it. None set: nothing is timed.
    struct Dispatch
    {
        QObject *receiver;
        const char *className;
        QEvent::Type type;
        qint64 startNs;
        qint64 endNs;
        int depth;
    };
    using Observer = std::function<void(const Dispatch &dispatch)>;
    void setObserver(Observer observer);

    bool notify(QObject *receiver, QEvent *event) override;

private:
    Observer m_observer;
    int m_depth = 0;
};

} // namespace Cohort::Bench
