#include "churnthread.h"

#include "benchsupport.h"
#include "guitimeline.h"

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

ChurnThread::ChurnThread(const QString &url, const QList<SeededNode> &nodes,
                         std::optional<ClusterChurn::SystemInformation> systemInformation)
    : m_churn(new ClusterChurn(url, nodes, std::move(systemInformation)))
{
    m_thread.setObjectName(u"bench-churn"_s);
    m_churn->moveToThread(&m_thread);
    m_thread.start();
}

ChurnThread::~ChurnThread()
{
    QMetaObject::invokeMethod(
        m_churn.get(), [churn = m_churn.get()] { churn->close(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

Result<void> ChurnThread::change(int round, GuiTimeline &timeline)
{
    constexpr int TimeoutMs = 30000;
    bool done = false;
    QString error;
    QObject context;
    QObject::connect(m_churn.get(), &ClusterChurn::churned, &context,
                     [&](int finished, const QString &message) {
                         done = finished == round;
                         error = message;
                     });
    QMetaObject::invokeMethod(m_churn.get(), [churn = m_churn.get(), round] { churn->churn(round); });
    if (!timeline.spin([&] { return done; }, TimeoutMs))
        return interrupted() ? interruptedError()
                             : makeError(ErrorCode::Unavailable, u"the cluster did not change in time"_s);
    if (!error.isEmpty())
        return makeError(ErrorCode::Database, u"changing the cluster: "_s + error);
    return {};
}

} // namespace Cohort::Bench
