#include "cohortsystem.h"

#include "benchsupport.h"
#include "database.h"
#include "jobpool.h"
#include "postgresserver.h"
#include "testcluster.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSqlQuery>
#include <QThread>

#include <csignal>
#include <map>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr int JoinTimeoutMs = 60000;
constexpr int ProbeTimeoutMs = 10000;

Error runError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

// The benchmark's jobs, apart from the nodes' own housekeeping.
const QString BenchTypes = u"('noop', 'sleep')"_s;

class CohortRun : public SystemRun
{
public:
    static Result<std::unique_ptr<SystemRun>> create(const Place &place)
    {
        std::unique_ptr<CohortRun> run(new CohortRun);
        Result<std::unique_ptr<Test::TestCluster>> cluster = runError(u"no place"_s);
        if (place.server) {
            auto name = place.server->createDatabase(u"peers_cohort"_s);
            if (!name)
                return name.error();
            run->m_server = place.server;
            run->m_databaseName = *name;
            cluster = Test::TestCluster::createAt(place.server->url(*name), u"peers_cohort"_s);
        } else {
            cluster = Test::TestCluster::create(Backend::Sqlite, u"peers_cohort"_s);
        }
        if (!cluster)
            return cluster.error();
        run->m_cluster = std::move(cluster).value();
        auto observer = Database::fromUrl(run->m_cluster->url());
        if (!observer)
            return observer.error();
        run->m_observer = std::move(observer).value();
        return std::unique_ptr<SystemRun>(std::move(run));
    }

    ~CohortRun() override
    {
        m_tails.clear();
        m_observer.reset();
        m_cluster.reset(); // kills the nodes that still run
        if (m_server && !m_databaseName.isEmpty())
            (void)m_server->dropDatabase(m_databaseName);
    }

    Result<void> enqueue(int count, int /*first*/, int jobMs) override
    {
        // Keys are the jobs' ids: JobPool::submit gives them in one transaction.
        JobSpec spec;
        if (jobMs > 0) {
            spec.type = u"sleep"_s;
            spec.payload = QString::fromUtf8(
                QJsonDocument(QJsonObject{{u"ms"_s, jobMs}}).toJson(QJsonDocument::Compact));
        } else {
            spec.type = u"noop"_s;
        }
        auto submitted = JobPool::submit(m_cluster->database(), QList<JobSpec>(count, spec));
        if (!submitted)
            return submitted.error();
        if (*submitted != count)
            return runError(u"submitted %1 jobs, not %2"_s.arg(*submitted).arg(count));
        m_enqueued += count;
        return {};
    }

    Result<void> startWorkers(int count, int concurrency) override
    {
        // cohort-node's own defaults, spelled out: the harness passes test values otherwise.
        const QStringList arguments = {
            u"--workers"_s, QString::number(concurrency), u"--batch"_s, u"64"_s,      u"--heartbeat"_s,
            u"10"_s,        u"--offline-after"_s,         u"180"_s,     u"--grace"_s, u"30"_s};
        QList<Test::NodeProcess *> started;
        for (int i = 0; i < count; ++i) {
            const QString name = u"node-%1"_s.arg(m_nodes.size() + 1);
            Test::NodeProcess *node = m_cluster->startNode(name, arguments);
            m_nodes.insert(name, node);
            m_tails.emplace(name, std::make_unique<LogTail>(node->executionLog()));
            started.append(node);
        }
        for (Test::NodeProcess *node : std::as_const(started)) {
            if (!node->waitForJoined(JoinTimeoutMs))
                return runError(u"%1 did not join: %2"_s.arg(node->name(), node->output().right(2000)));
        }
        // Its job loop has started once it opened its execution log.
        return waitFor(u"the job loops to start"_s, JoinTimeoutMs, 5, [&]() -> Result<bool> {
            for (Test::NodeProcess *node : std::as_const(started)) {
                if (!node->running())
                    return runError(u"%1 exited: %2"_s.arg(node->name(), node->output().right(2000)));
                if (!QFile::exists(node->executionLog()))
                    return false;
            }
            return true;
        });
    }

    Result<qint64> remaining() override
    {
        // Nodes add to job_stats in the transaction that records the outcome, so the sum
        // moves with the jobs table without scanning it.
        auto done = number(u"SELECT COALESCE(SUM(succeeded + failed), 0) FROM job_stats WHERE job_type IN "_s
                           + BenchTypes);
        if (!done)
            return done.error();
        return m_enqueued - *done;
    }

    Result<void> probe(int count, int gapMs, int first, int budgetMs) override
    {
        QDeadlineTimer budget(budgetMs);
        const QList<JobSpec> one{Test::jobOf(u"noop"_s)};
        for (int i = 0; i < count && !budget.hasExpired(); ++i) {
            pause(gapMs); // the deliberate idle gap
            if (interrupted())
                return interruptedError();
            const qint64 before = systemMicros();
            auto submitted = JobPool::submit(m_cluster->database(), one);
            if (!submitted)
                return submitted.error();
            ++m_enqueued;
            // Its key is its id, known once it starts: the only new execution.
            QDeadlineTimer deadline(ProbeTimeoutMs);
            for (;;) {
                if (auto read = readLogs(); !read)
                    return read.error();
                if (m_newStarts > 1)
                    return runError(
                        u"probe %1: %2 jobs started for one submitted"_s.arg(first + i).arg(m_newStarts));
                if (m_newStarts == 1)
                    break;
                if (deadline.hasExpired())
                    return runError(
                        u"probe %1 did not start within %2 s"_s.arg(first + i).arg(ProbeTimeoutMs / 1000));
                if (auto alive = workersAlive(); !alive)
                    return alive.error();
                // Every 0.2 ms, as the peers' probes poll (bench/peers/README.md): a loop
                // that never sleeps takes one of the machine's CPUs from the nodes and
                // the server it is timing.
                QThread::usleep(200);
            }
            m_newStarts = 0;
            // The probe's key names it, as for every system.
            m_events.last().key = first + i;
            m_events.append(JobEvent{'Q', first + i, before, u"probe"_s});
        }
        return {};
    }

    Result<QList<JobEvent>> newEvents() override
    {
        if (auto read = readLogs(); !read)
            return read.error();
        m_newStarts = 0;
        return std::exchange(m_events, {});
    }

    Result<void> workersAlive() override
    {
        for (auto it = m_nodes.cbegin(); it != m_nodes.cend(); ++it) {
            Test::NodeProcess *node = it.value();
            if (node->running() || m_killed.contains(it.key()) || m_stopped)
                continue;
            node->waitForExit(1000);
            return runError(u"%1 ended (exit code %2); its last output: %3"_s.arg(node->name())
                                .arg(node->process().exitCode())
                                .arg(node->output().right(1500)));
        }
        return {};
    }

    QStringList workerNames() const override { return m_nodes.keys(); }

    void killWorker(const QString &name) override
    {
        if (Test::NodeProcess *node = m_nodes.value(name)) {
            m_killed.insert(name);
            node->signal(SIGKILL);
            node->waitForExit(10000);
        }
    }

    Result<void> stopWorkers() override
    {
        m_stopped = true;
        for (Test::NodeProcess *node : std::as_const(m_nodes)) {
            if (node->running())
                node->signal(SIGTERM);
        }
        for (Test::NodeProcess *node : std::as_const(m_nodes)) {
            if (!node->waitForExit(60000))
                return runError(u"%1 did not stop within 60 s of SIGTERM"_s.arg(node->name()));
        }
        return {};
    }

    bool recordsHoldings() const override { return true; }

    Result<QList<qint64>> heldBy(const QString &worker) override
    {
        Test::NodeProcess *node = m_nodes.value(worker);
        if (!node)
            return runError(u"no node "_s + worker);
        auto query = m_observer->exec(
            u"SELECT id FROM jobs WHERE state = 'running' AND claimed_by = ? AND type IN "_s + BenchTypes,
            {node->guid()});
        ++m_ownQueries;
        if (!query)
            return query.error();
        QList<qint64> ids;
        while (query->next())
            ids.append(query->value(0).toLongLong());
        return ids;
    }

    Result<qint64> extraCompletions() override
    {
        // Every outcome is counted once in job_stats, in the transaction that records it:
        // more counted than rows succeeded means a job completed twice.
        return number(
            u"SELECT (SELECT COALESCE(SUM(succeeded), 0) FROM job_stats WHERE job_type IN %1) - "
            "(SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND type IN %1)"_s.arg(BenchTypes));
    }

    Result<qint64> noticedOfflineMs(const QString &worker, qint64 killedAtMicros) override
    {
        Test::NodeProcess *node = m_nodes.value(worker);
        if (!node)
            return runError(u"no node "_s + worker);
        qint64 noticed = -1;
        auto waited = waitFor(u"%1 to be marked offline"_s.arg(worker), 60000, 10, [&]() -> Result<bool> {
            auto query = m_observer->exec(u"SELECT state FROM nodes WHERE guid = ?"_s, {node->guid()});
            ++m_ownQueries;
            if (!query)
                return query.error();
            if (query->next() && query->value(0).toString() == u"offline"_s) {
                noticed = (systemMicros() - killedAtMicros) / 1000;
                return true;
            }
            return false;
        });
        if (!waited)
            return waited.error();
        return noticed;
    }

    Result<qint64> completedCount() override
    {
        return number(u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND type IN "_s + BenchTypes);
    }

    void closeConnection() override { m_observer.reset(); }
    qint64 ownQueries() const override { return m_ownQueries; }
    QString databaseName() const override { return m_databaseName; }

private:
    CohortRun() = default;

    Result<qint64> number(const QString &sql)
    {
        auto query = m_observer->exec(sql);
        ++m_ownQueries;
        if (!query)
            return query.error();
        if (!query->next())
            return runError(u"no row from: "_s + sql);
        return query->value(0).toLongLong();
    }

    // Reads the new lines of every node's execution log into m_events.
    Result<void> readLogs()
    {
        for (auto &[name, tail] : m_tails) {
            for (const QByteArray &line : tail->newLines()) {
                auto execution = parseExecution(line);
                if (!execution)
                    return runError(u"unreadable execution log line: "_s + QString::fromUtf8(line));
                if (execution->type != "noop" && execution->type != "sleep")
                    continue;
                m_events.append(JobEvent{'S', execution->id, execution->startMicros, name});
                ++m_newStarts;
            }
        }
        return {};
    }

    Test::PostgresServer *m_server = nullptr;
    QString m_databaseName;
    std::unique_ptr<Test::TestCluster> m_cluster;
    std::unique_ptr<Database> m_observer;
    QMap<QString, Test::NodeProcess *> m_nodes;
    std::map<QString, std::unique_ptr<LogTail>> m_tails;
    QSet<QString> m_killed;
    bool m_stopped = false;
    QList<JobEvent> m_events;
    int m_newStarts = 0;
    qint64 m_enqueued = 0;
    qint64 m_ownQueries = 0;
};

} // namespace

QString CohortSystem::name() const
{
    return u"Cohort "_s + QStringLiteral(COHORT_VERSION_STRING);
}

Result<std::unique_ptr<SystemRun>> CohortSystem::open(const Place &place)
{
    return CohortRun::create(place);
}

} // namespace Cohort::Bench
