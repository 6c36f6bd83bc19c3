// TestCluster: a real cluster for integration tests: a fresh database (SQLite file or
// PostgreSQL database) holding a cluster made by the real core code, its local secret,
// and real cohort-node processes started from the built executable. Everything is
// killed and removed when the TestCluster is destroyed, also when a test fails.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "result.h"
#include "schema.h"
#include "testdatabase.h"

#include <QProcess>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace Cohort::Test {

// Submits count copies of spec; returns their ids in order (empty on failure).
QList<qint64> submitJobs(Database &database, const JobSpec &spec, int count);
JobSpec jobOf(const QString &type, const QString &payload = QStringLiteral("{}"));
// RFC 4180 records: fields separated by commas, quoted when they hold a comma, a quote or
// a line break, a quote doubled inside quotes, records ended by CRLF.
QList<QStringList> parseCsv(const QString &text);
// "1,2,3": ids for an SQL IN list.
QString idList(const QList<qint64> &ids);

class NodeProcess
{
public:
    NodeProcess(QString name, QString dataDir, QString executionLog);
    ~NodeProcess();

    QString name() const { return m_name; }
    QString dataDir() const { return m_dataDir; }
    QString executionLog() const { return m_executionLog; }
    QProcess &process() { return m_process; }
    qint64 pid() const { return m_process.processId(); }
    // Everything the node wrote so far (stdout and stderr).
    QString output();
    // The GUID the node made for itself (empty before it started).
    QString guid() const;

    // environment: added to this process's (QT_LOGGING_RULES is set for the node's info).
    void start(const QString &program, const QStringList &arguments,
               const QHash<QString, QString> &environment = {});
    // Waits (spinning the event loop) until the node says it joined, or it exits.
    bool waitForJoined(int timeoutMs = 30000);
    bool waitForExit(int timeoutMs = 30000);
    void signal(int signalNumber);
    // SIGSTOP at a moment the node holds no SQLite write lock: a process hung inside a write
    // transaction blocks every writer of the file, peers included, which SQLite (one
    // machine, no server) cannot help. On PostgreSQL any moment will do. False when no
    // such moment came; the node then runs on.
    bool stopOutsideWriteTransaction();
    // After SIGSTOP: waits until every thread of the process has stopped (kill() returns
    // before they do). False when they did not within timeoutMs.
    bool waitUntilStopped(int timeoutMs);
    bool running() const { return m_process.state() != QProcess::NotRunning; }

private:
    QString m_name;
    QString m_dataDir;
    QString m_executionLog;
    QProcess m_process;
    QString m_output;
};

class TestCluster
{
public:
    // schemaVersion below the current one: the cluster an older program made, for tests
    // of what happens when a node upgrades it.
    static Result<std::unique_ptr<TestCluster>> create(Backend backend, const QString &label,
                                                       int schemaVersion = Schema::CurrentVersion);
    // From a test's init(): a cluster on the current "backend" row (see addBackendRows),
    // labelled with the test function's name.
    static Result<std::unique_ptr<TestCluster>> forCurrentTest(int schemaVersion = Schema::CurrentVersion);
    // A cluster in an existing empty database (a private server's, say).
    static Result<std::unique_ptr<TestCluster>> createAt(const QString &url, const QString &label);
    ~TestCluster();

    QString url() const { return m_url; }
    // The database is reached at url from now on (several servers, a failover): the
    // test's own connection and the nodes started later use it.
    Result<void> useUrl(const QString &url);
    QString secretFile() const { return m_secretFile; }
    // Adds a user as cohortctl does, with the cluster's secret (see addUser()).
    Result<void> addUser(const NewUser &user);
    Database &database() { return *m_database; }
    QString scratchPath(const QString &name) const { return m_scratch.filePath(name); }

    // Where a started node's heartbeat interval and offline threshold come from.
    enum class Timing {
        Fast,            // --heartbeat 1 --offline-after 5, as failover tests need
        ClusterSettings, // neither flag: the node follows nodes.heartbeat_seconds and
                         // nodes.offline_after_seconds
    };

    // Starts a node with its own data folder and execution log; extra flags after the
    // defaults (any free API port on 127.0.0.1, fast heartbeat, short offline threshold)
    // override them.
    NodeProcess *startNode(const QString &name, const QStringList &extraArguments = {},
                           Timing timing = Timing::Fast);
    // Starts a node on an existing data folder (same GUID).
    // program: the executable to run; empty for nodeProgram().
    NodeProcess *startNodeIn(const QString &name, const QString &dataDir,
                             const QStringList &extraArguments = {}, Timing timing = Timing::Fast,
                             const QHash<QString, QString> &environment = {}, const QString &program = {});
    // The cohort-node the tests run: the one built beside them, or COHORT_TEST_NODE (to
    // show that a test fails on an older build).
    static QString nodeProgram();
    // The same node built as the next version (cohort-node-next), and that version.
    static QString nextNodeProgram();
    static QString nextVersion();
    // Environment that makes a node's wall clock run off by offset (libfaketime's FAKETIME
    // syntax: "+300s", "-1h", "+0 x2"), preloaded into the node itself so it keeps its pid.
    // The monotonic clock stays real, as it does when a real clock is stepped.
    static QHash<QString, QString> fakeClock(const QString &offset);
    const std::vector<std::unique_ptr<NodeProcess>> &nodes() const { return m_nodes; }

    // Prints the last lines each node wrote: what a failed test shows about its nodes.
    void printNodeOutput(int lines = 40);
    // Counts per job id across every node's execution log.
    QHash<qint64, int> executions() const;
    // Runs a single-value query on the test's own connection.
    QVariant scalar(const QString &sql, const QVariantList &values = {});
    QString nodeState(const QString &guid);
    // Every node_events row of the node (oldest first), each field as the timeline's CSV
    // export writes it (NodeEvents::toCsv), read straight from the table.
    QList<QStringList> nodeEventRows(const QString &guid);
    // The node's heartbeat counter (raised by every heartbeat it records).
    qint64 heartbeatCount(const QString &guid);
    // node-offline alerts raised for the node.
    int offlineAlerts(const QString &guid);
    // Where a node's API listens, as it recorded when it joined (nodes start with
    // --api 127.0.0.1:0, so each gets a free port and tests can run side by side).
    QString apiAddress(const QString &guid);
    // The SHA-256 of the certificate its API serves, as it recorded when it joined.
    QString apiPin(const QString &guid);
    // The cluster's node API token, opened with the local secret (empty if there is none).
    QString apiToken();

    static QStringList defaultArguments(Timing timing = Timing::Fast);

private:
    TestCluster() = default;
    Result<void> initialize(const QString &label, int schemaVersion = Schema::CurrentVersion);

    QTemporaryDir m_scratch;
    std::unique_ptr<TestDatabase> m_testDatabase; // when the cluster made its own database
    QString m_url;
    std::unique_ptr<Database> m_database;
    QString m_secretFile;
    std::vector<std::unique_ptr<NodeProcess>> m_nodes;
};

} // namespace Cohort::Test
