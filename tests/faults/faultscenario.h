// FaultScenario: the bookkeeping every fault-injection scenario shares, on top of a
// TestCluster of real node processes: the jobs it submitted, what each fault may
// legitimately cause to run twice (the jobs a faulted node had started by then), and the
// invariants checked at the end: every job finished, none lost, none completed twice,
// re-executions only of jobs that were running at a fault, and every node still running
// back Online. It also gathers the figures a scenario measures, printed as one line
// each for docs/RELIABILITY.md.
#pragma once

#include "jobpool.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QStringList>

#include <limits>

namespace Cohort::Test {

class FaultScenario
{
public:
    // backend: "sqlite" or "postgresql", for the figures' lines.
    FaultScenario(TestCluster &cluster, QString backend)
        : m_cluster(cluster)
        , m_backend(std::move(backend))
    {}

    // Submits count jobs of type with payload; returns their ids (empty on failure).
    QList<qint64> submit(const QString &type, const QString &payload, int count);
    const QList<qint64> &submitted() const { return m_submitted; }

    // What a node started (by its execution log); with a cutoff, only what it started
    // before then (system clock, microseconds since the epoch, as the log has it).
    QSet<qint64> startedBy(const NodeProcess &node, qint64 beforeUs = NoCutoff) const;
    // A fault hit node: what it started and has not finished itself may run again
    // elsewhere. Call it after the fault, with the database reachable; beforeUs leaves out
    // what it started after the fault was over. Returns how many.
    int noteFault(const NodeProcess &node, qint64 beforeUs = NoCutoff);
    static constexpr qint64 NoCutoff = std::numeric_limits<qint64>::max();
    static qint64 nowUs();
    // Jobs a node holds now (running and claimed by it), by the database.
    int heldBy(const QString &guid);

    // Waits until every submitted job finished, or timeoutMs passed.
    bool waitAllFinished(int timeoutMs);
    // Waits until every node whose process runs is Online, or timeoutMs passed.
    bool waitAllOnline(int timeoutMs);
    // Empty when every invariant holds; else what broke, one line each.
    QStringList brokenInvariants();

    int reExecutions() const { return m_reExecuted; }
    // Records a figure of this scenario ("noticed_ms", 850) and prints it.
    void figure(const QString &name, qint64 value);

private:
    // "?, ?" and the values: the types of the jobs submitted, for an SQL IN list.
    QString typePlaceholders() const;
    QVariantList typeValues() const;

    TestCluster &m_cluster;
    QString m_backend;
    QList<qint64> m_submitted;
    QStringList m_types;
    QSet<qint64> m_mayRunAgain;
    int m_reExecuted = 0;
};

} // namespace Cohort::Test
