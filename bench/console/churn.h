// ClusterChurn: what the nodes of a busy cluster change between two console refreshes,
// done on its own thread and connection so the GUI thread only ever waits in its event
// loop: every Online node's heartbeat, job statistics of a third of them, jobs finished
// and claimed by a few (the real JobPool calls), and one node stopping or rejoining.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "seed.h"

#include <QObject>

#include <map>
#include <memory>

namespace Cohort::Bench {

class ClusterChurn : public QObject
{
    Q_OBJECT

public:
    ClusterChurn(QString url, QList<SeededNode> nodes);
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
    Result<void> jobs(int round);
    Result<void> flip(int round);
    JobPool &pool(const SeededNode &node);

    QString m_url;
    QList<SeededNode> m_nodes;
    QList<int> m_online;  // indexes of the nodes that stay Online
    QList<int> m_workers; // indexes of the nodes that run jobs
    int m_flipping = -1;  // the node that stops and rejoins
    std::unique_ptr<Database> m_database;
    std::map<QString, std::unique_ptr<JobPool>> m_pools; // by node GUID
};

} // namespace Cohort::Bench
