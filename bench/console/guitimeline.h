// GuiTimeline: what the GUI thread did during a console benchmark, as TimedApplication
// reports it: each snapshot handed over by the worker (the queued call into ClusterClient
// that emits snapshotChanged), each paint of one watched viewport, the dispatches to one
// watched receiver (a deferred update's timer, say), and the longest event since the
// caller last reset it. Also runs the event loop until a condition holds.
#pragma once

#include "timedapplication.h"

#include <QList>
#include <QString>

#include <functional>

class QAbstractItemModel;
class QEventLoop;
class QObject;
class QWidget;

namespace Cohort::Bench {

// Nanoseconds as milliseconds.
inline double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

// The largest value; NaN when there is none, as median() and percentile() give.
double maximum(const QList<double> &values);

class GuiTimeline
{
public:
    explicit GuiTimeline(TimedApplication &app);
    ~GuiTimeline();
    GuiTimeline(const GuiTimeline &) = delete;
    GuiTimeline &operator=(const GuiTimeline &) = delete;

    // Set by the first and the last snapshotChanged handler.
    void handlersStarted(qint64 readMs);
    void handlersEnded();

    // Runs the event loop until done() holds (checked after each event), the timeout
    // passes or the benchmark is interrupted. Returns done().
    bool spin(const std::function<bool()> &done, int timeoutMs);

    // The longest dispatch's event type and receiver class, as "UpdateRequest to QWidgetWindow".
    QString longestWhat() const;

    QWidget *viewport = nullptr;               // whose paint events are timed
    const QObject *timedReceiver = nullptr;    // whose dispatches are timed too
    const QAbstractItemModel *nodes = nullptr; // with expectedRows: see firstFullPaintEndNs
    int expectedRows = 0;

    // One entry per snapshot handed over.
    QList<double> readMsList;
    QList<qint64> deliveryStartNs;
    QList<qint64> deliveryEndNs;
    QList<qint64> handlersNs;

    qint64 lastPaintEndNs = 0;      // the viewport's latest paint event
    qint64 lastPaintNs = 0;         // how long that paint event itself took
    qint64 lastRepaintNs = 0;       // the event loop's dispatch that contained it
    qint64 firstFullPaintEndNs = 0; // the first paint with expectedRows rows in nodes
    qint64 lastTimedEndNs = 0;      // the latest dispatch to timedReceiver
    qint64 lastTimedNs = 0;         // how long it took
    qint64 longestNs = 0;           // the longest dispatch since the caller reset it

private:
    void observe(const TimedApplication::Dispatch &dispatch);

    TimedApplication &m_app;
    QEvent::Type m_longestType = QEvent::None;
    const char *m_longestClass = nullptr; // a class name: static, outlives the object
    bool m_snapshotPending = false;
    bool m_paintedInDispatch = false;
    qint64 m_handlersStartNs = 0;
    qint64 m_handlersEndNs = 0;
    QEventLoop *m_loop = nullptr;
    std::function<bool()> m_until;
};

} // namespace Cohort::Bench
