#include "guitimeline.h"

#include "benchsupport.h"

#include <QAbstractItemModel>
#include <QEventLoop>
#include <QMetaEnum>
#include <QTimer>
#include <QWidget>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

double maximum(const QList<double> &values)
{
    return values.isEmpty() ? std::nan("") : *std::max_element(values.cbegin(), values.cend());
}

GuiTimeline::GuiTimeline(TimedApplication &app)
    : m_app(app)
{
    m_app.setObserver([this](const TimedApplication::Dispatch &dispatch) { observe(dispatch); });
}

GuiTimeline::~GuiTimeline()
{
    m_app.setObserver({});
}

void GuiTimeline::handlersStarted(qint64 readMs)
{
    m_snapshotPending = true;
    m_handlersStartNs = m_app.nowNs();
    readMsList.append(double(readMs));
}

void GuiTimeline::handlersEnded()
{
    m_handlersEndNs = m_app.nowNs();
}

bool GuiTimeline::spin(const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    QTimer watchdog;
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&loop] {
        if (interrupted())
            loop.quit();
    });
    timeout.start(timeoutMs);
    watchdog.start(100);
    m_loop = &loop;
    m_until = done;
    loop.exec();
    m_loop = nullptr;
    m_until = nullptr;
    return done();
}

QString GuiTimeline::longestWhat() const
{
    if (!m_longestClass)
        return {};
    const QMetaEnum types =
        QEvent::staticMetaObject.enumerator(QEvent::staticMetaObject.indexOfEnumerator("Type"));
    const char *type = types.valueToKey(m_longestType);
    return u"%1 to %2"_s.arg(type ? QString::fromLatin1(type) : QString::number(int(m_longestType)),
                             QString::fromLatin1(m_longestClass));
}

void GuiTimeline::observe(const TimedApplication::Dispatch &dispatch)
{
    if (viewport && dispatch.receiver == viewport && dispatch.type == QEvent::Paint) {
        lastPaintEndNs = dispatch.endNs;
        lastPaintNs = dispatch.endNs - dispatch.startNs;
        m_paintedInDispatch = true;
        if (firstFullPaintEndNs == 0 && nodes && nodes->rowCount() >= expectedRows)
            firstFullPaintEndNs = dispatch.endNs;
    }
    if (timedReceiver && dispatch.receiver == timedReceiver) {
        lastTimedEndNs = dispatch.endNs;
        lastTimedNs = dispatch.endNs - dispatch.startNs;
    }
    if (dispatch.depth > 0)
        return;
    const qint64 tookNs = dispatch.endNs - dispatch.startNs;
    if (tookNs > longestNs) {
        longestNs = tookNs;
        m_longestType = dispatch.type;
        m_longestClass = dispatch.className;
    }
    if (m_paintedInDispatch) {
        m_paintedInDispatch = false;
        lastRepaintNs = tookNs;
    }
    if (m_snapshotPending) {
        // The dispatch that ran the snapshotChanged handlers: ClusterClient's queued
        // call from the worker, with the copy of the snapshot and every handler.
        m_snapshotPending = false;
        deliveryStartNs.append(dispatch.startNs);
        deliveryEndNs.append(dispatch.endNs);
        handlersNs.append(m_handlersEndNs > m_handlersStartNs ? m_handlersEndNs - m_handlersStartNs : 0);
    }
    if (m_loop && m_until && m_until())
        m_loop->quit();
}

} // namespace Cohort::Bench
