// ChurnThread: a ClusterChurn on a thread of its own, so the GUI thread only waits in its
// event loop while the cluster changes; its connection is closed on the way out.
#pragma once

#include "churn.h"

#include <QThread>

#include <memory>

namespace Cohort::Bench {

class GuiTimeline;

class ChurnThread
{
public:
    ChurnThread(const QString &url, const QList<SeededNode> &nodes,
                std::optional<ClusterChurn::SystemInformation> systemInformation = {});
    ~ChurnThread();
    ChurnThread(const ChurnThread &) = delete;
    ChurnThread &operator=(const ChurnThread &) = delete;

    // Makes round's changes on the churn's thread, the GUI thread running its event loop
    // meanwhile, and returns when they are committed.
    Result<void> change(int round, GuiTimeline &timeline);

private:
    QThread m_thread;
    std::unique_ptr<ClusterChurn> m_churn; // deleted after the thread ended
};

} // namespace Cohort::Bench
