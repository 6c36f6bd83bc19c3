// ClusterChurn: what the nodes of a busy cluster change between two console refreshes,
// done on its own thread and connection so the GUI thread only ever waits in its event
// loop: every Online node's heartbeat, job statistics of a third of them, jobs finished
// and claimed by a few (the real JobPool calls), and one node stopping or rejoining.
// For the System Information page, the job statistics grow at a cluster's rate instead,
// and one node records a round of probes in which one link flips.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "seed.h"

#include <QElapsedTimer>
#include <QObject>

#include <map>
#include <memory>
#include <optional>

namespace Cohort::Bench {

class ClusterChurn : public QObject
{
    Q_OBJECT

public:
    // What changes for the System Information page.
    struct SystemInformation
    {
        QStringList jobTypes;   // every Online node finishes jobs of each
        qint64 jobsPerHour = 0; // the cluster's rate, recorded in the current minute's rows
    };

    ClusterChurn(QString url, QList<SeededNode> nodes,
                 std::optional<SystemInformation> systemInformation = {});
    ~ClusterChurn() override;

    // Both on the churn's thread.
    void churn(int round);
    void close(); // drops the statements and the connection before the thread ends

Q_SIGNALS:
    // error is empty when the round's changes were committed.
    void churned(int round, const QString &error);

private:
    Result<void> apply(int round);
    Result<void> heartbeats();
    Result<void> statistics(int round, qint64 now);
    Result<void> statisticsAtRate(qint64 now);
    Result<void> probes(int round);
    Result<void> jobs(int round);
    Result<void> flip(int round);
    JobPool &pool(const SeededNode &node);

    QString m_url;
    QList<SeededNode> m_nodes;
    QList<int> m_online;  // indexes of the nodes that stay Online
    QList<int> m_workers; // indexes of the nodes that run jobs
    int m_flipping = -1;  // the node that stops and rejoins
    std::optional<SystemInformation> m_systemInformation;
    QElapsedTimer m_sinceLastRound; // for statisticsAtRate()
    double m_jobsDue = 0;           // jobs finished since then, not yet recorded
    qsizetype m_nextPair = 0;       // the (node, type) pair the next job goes to
    std::unique_ptr<Database> m_database;
    std::map<QString, std::unique_ptr<JobPool>> m_pools; // by node GUID
};

} // namespace Cohort::Bench
