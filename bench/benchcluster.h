// What the benchmark scenarios share: cohort-node's default flags, progress lines, and
// BenchCluster, a cluster database with real nodes and a second connection to watch it
// from (scenarios.h lists the scenarios; each group has its own file).
#pragma once

#include "benchsupport.h"
#include "database.h"
#include "jobpool.h"
#include "postgresserver.h"
#include "testcluster.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTextStream>
#include <QThread>

#include <csignal>
#include <latch>
#include <thread>

namespace Cohort::Bench {

using namespace Qt::StringLiterals;

// cohort-node's own defaults, spelled out: the harness passes a fast heartbeat and a
// short offline threshold for tests, and later flags win.
inline const QStringList NodeDefaults = {
    u"--workers"_s,       u"4"_s,   u"--batch"_s, u"64"_s, u"--heartbeat"_s, u"10"_s,
    u"--offline-after"_s, u"180"_s, u"--grace"_s, u"30"_s,
};

inline constexpr int JoinTimeoutMs = 60000;
inline constexpr int IdleTimeoutMs = 120000;
// Peers trust a missing session lock once their own session is 6 s old (HealthMonitor).
inline constexpr int PeerSessionGraceMs = 7000;

inline void progress(const QString &line)
{
    QTextStream out(stdout);
    out << line << Qt::endl;
}

inline JobSpec noopJob()
{
    JobSpec spec;
    spec.type = u"noop"_s;
    return spec;
}

inline Error benchError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

// A failed run: a note on each of its rows, never a number.
inline void addFailure(QList<Measurement *> rows, int run, const QString &message)
{
    progress(u"    run %1 failed: %2"_s.arg(run).arg(message));
    for (Measurement *row : rows)
        row->notes.append(u"run %1 failed: %2"_s.arg(run).arg(message));
}

// A cluster database with its nodes and a second connection to watch it from. Nodes
// are killed and the PostgreSQL database dropped when it goes, also after a failure.
class BenchCluster
{
public:
    static Result<std::unique_ptr<BenchCluster>> onPostgres(Test::PostgresServer &server,
                                                            const QString &label)
    {
        std::unique_ptr<BenchCluster> bench(new BenchCluster);
        auto name = server.createDatabase(label);
        if (!name)
            return name.error();
        bench->m_server = &server;
        bench->m_databaseName = *name;
        auto cluster = Test::TestCluster::createAt(server.url(*name), label);
        if (!cluster)
            return cluster.error();
        bench->m_cluster = std::move(cluster).value();
        if (auto opened = bench->openObserver(); !opened)
            return opened.error();
        return bench;
    }

    static Result<std::unique_ptr<BenchCluster>> onSqlite(const QString &label)
    {
        std::unique_ptr<BenchCluster> bench(new BenchCluster);
        auto cluster = Test::TestCluster::create(Backend::Sqlite, label);
        if (!cluster)
            return cluster.error();
        bench->m_cluster = std::move(cluster).value();
        if (auto opened = bench->openObserver(); !opened)
            return opened.error();
        return bench;
    }

    ~BenchCluster()
    {
        m_observer.reset();
        m_cluster.reset(); // kills the nodes that still run
        if (m_server && !m_databaseName.isEmpty())
            (void)m_server->dropDatabase(m_databaseName);
    }

    Test::TestCluster &cluster() { return *m_cluster; }
    // The connection jobs are submitted on.
    Database &submitter() { return m_cluster->database(); }
    const Dialect &dialect() { return m_observer->dialect(); }

    // Starts count nodes at once and waits until each says it joined and its job loop
    // has started (it opens its execution log first thing).
    Result<QList<Test::NodeProcess *>> startNodes(int count, const QStringList &arguments)
    {
        QList<Test::NodeProcess *> nodes;
        for (int i = 1; i <= count; ++i)
            nodes.append(m_cluster->startNode(u"node-%1"_s.arg(i), arguments));
        for (Test::NodeProcess *node : std::as_const(nodes)) {
            if (interrupted())
                return interruptedError();
            if (!node->waitForJoined(JoinTimeoutMs))
                return benchError(u"%1 did not join: %2"_s.arg(node->name(), node->output().right(2000)));
        }
        auto started = waitFor(u"the job loops to start"_s, JoinTimeoutMs, 5, [&]() -> Result<bool> {
            for (Test::NodeProcess *node : std::as_const(nodes)) {
                if (!node->running())
                    return benchError(u"%1 exited: %2"_s.arg(node->name(), node->output().right(2000)));
                if (!QFile::exists(node->executionLog()))
                    return false;
            }
            return true;
        });
        if (!started)
            return started.error();
        return nodes;
    }

    // Fails, with what the node said last, when a node ended unasked.
    Result<void> nodesAlive()
    {
        for (const auto &node : m_cluster->nodes()) {
            if (node->running() || node.get() == m_killed)
                continue;
            node->waitForExit(1000);
            return benchError(u"%1 ended (exit status %2, code %3); its last output: %4"_s.arg(node->name())
                                  .arg(node->process().exitStatus() == QProcess::NormalExit
                                           ? u"normal"_s
                                           : u"crashed or killed"_s)
                                  .arg(node->process().exitCode())
                                  .arg(node->output().right(1500)));
        }
        return {};
    }

    // Kills a node with SIGKILL on purpose: nodesAlive() does not count it.
    void kill(Test::NodeProcess *node)
    {
        m_killed = node;
        node->signal(SIGKILL);
    }

    // A single integer from the watching connection.
    Result<qint64> number(const QString &sql, const QVariantList &values = {})
    {
        auto query = m_observer->exec(sql, values);
        if (!query)
            return query.error();
        if (!query->next())
            return benchError(u"no row from: "_s + sql);
        return query->value(0).toLongLong();
    }

    Result<QString> text(const QString &sql, const QVariantList &values = {})
    {
        auto query = m_observer->exec(sql, values);
        if (!query)
            return query.error();
        return query->next() ? query->value(0).toString() : QString();
    }

    // No job due or running (the nodes' own housekeeping included).
    Result<void> waitIdle()
    {
        const QString sql =
            u"SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') AND run_after <= "_s
            + dialect().nowMillis();
        return waitFor(u"the pool to be idle"_s, IdleTimeoutMs, 20, [&]() -> Result<bool> {
            auto busy = number(sql);
            if (!busy)
                return busy.error();
            if (auto alive = nodesAlive(); !alive)
                return alive.error();
            return *busy == 0;
        });
    }

    // Succeeded noop jobs in job_stats, per node name, as "node-1 33%, ...".
    QString shares()
    {
        auto query =
            m_observer->exec(u"SELECT COALESCE(n.name, s.node_guid), SUM(s.succeeded) FROM job_stats s "
                             "LEFT JOIN nodes n ON n.guid = s.node_guid WHERE s.job_type = 'noop' "
                             "GROUP BY 1 ORDER BY 1"_s);
        if (!query)
            return query.message();
        QList<QPair<QString, qint64>> rows;
        qint64 total = 0;
        while (query->next()) {
            rows.append({query->value(0).toString(), query->value(1).toLongLong()});
            total += rows.last().second;
        }
        QStringList parts;
        for (const auto &row : std::as_const(rows))
            parts << u"%1 %2%"_s.arg(row.first).arg(total > 0 ? 100 * row.second / total : 0);
        return parts.join(u", "_s);
    }

private:
    BenchCluster() = default;

    Result<void> openObserver()
    {
        auto opened = Database::fromUrl(m_cluster->url());
        if (!opened)
            return opened.error();
        m_observer = std::move(opened).value();
        return {};
    }

    Test::PostgresServer *m_server = nullptr;
    QString m_databaseName;
    std::unique_ptr<Test::TestCluster> m_cluster;
    std::unique_ptr<Database> m_observer;
    const Test::NodeProcess *m_killed = nullptr;
};

} // namespace Cohort::Bench
