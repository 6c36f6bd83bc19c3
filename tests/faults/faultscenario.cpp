#include "faultscenario.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QTest>

#include <chrono>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

QList<qint64> FaultScenario::submit(const QString &type, const QString &payload, int count)
{
    const QList<qint64> ids = submitJobs(m_cluster.database(), jobOf(type, payload), count);
    m_submitted += ids;
    if (!m_types.contains(type))
        m_types << type;
    return ids;
}

qint64 FaultScenario::nowUs()
{
    return qint64(std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

QSet<qint64> FaultScenario::startedBy(const NodeProcess &node, qint64 beforeUs) const
{
    // Lines: id attempts type pid start-microseconds
    QSet<qint64> started;
    QFile log(node.executionLog());
    if (!log.open(QIODevice::ReadOnly))
        return started;
    while (!log.atEnd()) {
        const QList<QByteArray> fields = log.readLine().trimmed().split(' ');
        bool ok = false;
        const qint64 id = fields.value(0).toLongLong(&ok);
        if (!ok)
            continue;
        bool timed = false;
        const qint64 at = fields.value(4).toLongLong(&timed);
        if (!timed || at < beforeUs)
            started.insert(id);
    }
    return started;
}

int FaultScenario::noteFault(const NodeProcess &node, qint64 beforeUs)
{
    // Of what it started, what it has not finished itself may run again: a job whose
    // outcome it committed cannot be taken over (finished jobs keep their claimed_by).
    QList<qint64> candidates;
    for (qint64 id : startedBy(node, beforeUs)) {
        if (!m_mayRunAgain.contains(id))
            candidates << id;
    }
    int open = 0;
    for (qsizetype at = 0; at < candidates.size(); at += 500) {
        const QList<qint64> chunk = candidates.mid(at, 500);
        auto unfinished = m_cluster.database().exec(
            u"SELECT id FROM jobs WHERE NOT (state IN ('succeeded', 'failed') AND claimed_by = ?) AND id IN (%1)"_s
                .arg(idList(chunk)),
            {node.guid()});
        if (!unfinished) {
            // Cannot tell: count them all, which only weakens the check.
            for (qint64 id : chunk)
                m_mayRunAgain.insert(id);
            open += int(chunk.size());
            continue;
        }
        while (unfinished->next()) {
            m_mayRunAgain.insert(unfinished->value(0).toLongLong());
            ++open;
        }
    }
    return open;
}

int FaultScenario::heldBy(const QString &guid)
{
    return m_cluster.scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid})
        .toInt();
}

QString FaultScenario::typePlaceholders() const
{
    QStringList marks;
    for (qsizetype i = 0; i < m_types.size(); ++i)
        marks << u"?"_s;
    return marks.join(u", "_s);
}

QVariantList FaultScenario::typeValues() const
{
    QVariantList values;
    for (const QString &type : m_types)
        values << type;
    return values;
}

bool FaultScenario::waitAllFinished(int timeoutMs)
{
    // Housekeeping jobs get ids among the scenario's: they are told apart by type.
    const QString sql =
        u"SELECT COUNT(*) FROM jobs WHERE state IN ('succeeded', 'failed') AND id >= ? AND id <= ? AND type IN (%1)"_s
            .arg(typePlaceholders());
    if (m_submitted.isEmpty())
        return true;
    const qint64 first = *std::min_element(m_submitted.cbegin(), m_submitted.cend());
    const qint64 last = *std::max_element(m_submitted.cbegin(), m_submitted.cend());
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_cluster.scalar(sql, QVariantList{first, last} + typeValues()).toInt() == m_submitted.size())
            return true;
        QTest::qWait(100);
    }
    return false;
}

bool FaultScenario::waitAllOnline(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        bool all = true;
        for (const auto &node : m_cluster.nodes()) {
            if (node->running() && m_cluster.nodeState(node->guid()) != u"online"_s)
                all = false;
        }
        if (all)
            return true;
        QTest::qWait(100);
    }
    return false;
}

QStringList FaultScenario::brokenInvariants()
{
    QStringList broken;
    if (m_submitted.isEmpty())
        return {u"no job was submitted"_s};
    QSet<qint64> ids(m_submitted.cbegin(), m_submitted.cend());
    const qint64 first = *std::min_element(m_submitted.cbegin(), m_submitted.cend());
    const qint64 last = *std::max_element(m_submitted.cbegin(), m_submitted.cend());

    // None lost: every job finished, and succeeded (the scenarios' jobs do not fail).
    const int succeeded =
        m_cluster
            .scalar(
                u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND id >= ? AND id <= ? AND type IN (%1)"_s
                    .arg(typePlaceholders()),
                QVariantList{first, last} + typeValues())
            .toInt();
    if (succeeded != m_submitted.size())
        broken << u"%1 of %2 jobs succeeded"_s.arg(succeeded).arg(m_submitted.size());

    // None completed twice: a fenced completion is counted in job_stats when it is
    // accepted, so the statistics hold exactly one success per job.
    const QStringList &types = m_types;
    qint64 counted = 0;
    for (const QString &type : std::as_const(types))
        counted +=
            m_cluster
                .scalar(u"SELECT COALESCE(SUM(succeeded), 0) FROM job_stats WHERE job_type = ?"_s, {type})
                .toLongLong();
    if (counted != m_submitted.size())
        broken << u"%1 completions counted for %2 jobs"_s.arg(counted).arg(m_submitted.size());

    // Every job ran; a job ran twice only if a fault hit a node while it ran it.
    const QHash<qint64, int> executions = m_cluster.executions();
    QList<qint64> never;
    QList<qint64> unexpected;
    m_reExecuted = 0;
    for (qint64 id : std::as_const(m_submitted)) {
        const int count = executions.value(id);
        if (count == 0)
            never << id;
        if (count > 1) {
            m_reExecuted += count - 1;
            if (!m_mayRunAgain.contains(id))
                unexpected << id;
        }
    }
    if (!never.isEmpty())
        broken << u"%1 jobs never ran (first: %2)"_s.arg(never.size()).arg(never.first());
    if (!unexpected.isEmpty()) {
        // Where and when the first of them ran, from the nodes' execution logs.
        QStringList runs;
        const QByteArray prefix = QByteArray::number(unexpected.first()) + ' ';
        for (const auto &node : m_cluster.nodes()) {
            QFile log(node->executionLog());
            if (!log.open(QIODevice::ReadOnly))
                continue;
            while (!log.atEnd()) {
                const QByteArray line = log.readLine().trimmed();
                if (line.startsWith(prefix))
                    runs << node->name() + u": "_s + QString::fromLatin1(line);
            }
        }
        broken << u"%1 jobs ran twice that no fault interrupted (first: %2, runs: %3; claim epoch %4)"_s
                      .arg(unexpected.size())
                      .arg(unexpected.first())
                      .arg(runs.join(u" | "_s))
                      .arg(m_cluster
                               .scalar(u"SELECT claim_epoch FROM jobs WHERE id = ?"_s, {unexpected.first()})
                               .toLongLong());
    }

    // Never two live owners: a job still running belongs to an Online node.
    const int orphaned =
        m_cluster
            .scalar(u"SELECT COUNT(*) FROM jobs j WHERE j.state = 'running' AND NOT EXISTS "
                    "(SELECT 1 FROM nodes n WHERE n.guid = j.claimed_by AND n.state = 'online')"_s)
            .toInt();
    if (orphaned > 0)
        broken << u"%1 running jobs belong to no Online node"_s.arg(orphaned);

    // The cluster is back: every node whose process runs is Online.
    for (const auto &node : m_cluster.nodes()) {
        if (node->running() && m_cluster.nodeState(node->guid()) != u"online"_s)
            broken << u"node %1 runs but is %2"_s.arg(node->name(), m_cluster.nodeState(node->guid()));
    }
    return broken;
}

void FaultScenario::figure(const QString &name, qint64 value)
{
    qInfo().noquote() << u"FIGURE %1 %2 %3=%4"_s
                             .arg(QString::fromLatin1(QTest::currentTestFunction()), m_backend, name)
                             .arg(value);
}

} // namespace Cohort::Test
