// JobTypes: every kind of job a node can run, registered in this one place: its name,
// where it runs (pool or local), whether the cluster schedules it, and what it does.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "result.h"
#include "settingscache.h"

#include <QCoreApplication>
#include <QJsonObject>

#include <functional>

namespace Cohort {

// What a running job may use. The database is reached on the worker thread's own
// connection.
struct JobContext
{
    Database &database;
    const ClaimedJob &job;
    QJsonObject payload;
    QString nodeGuid;
    SettingsCache &settings;
    std::function<bool()> cancelled; // the node is stopping and the grace period is over
};

struct JobType
{
    QString name;
    JobScope scope = JobScope::Pool;
    QString description;
    // Recurring housekeeping: the cluster submits one job per period (across all nodes),
    // overridable in the cluster setting "housekeeping.NAME.period_seconds". 0: never.
    qint64 defaultPeriodSeconds = 0;
    // A summary of what was done, or why it failed.
    std::function<Result<QString>(JobContext &)> run;
    // Checks a payload before it is submitted; empty result: fine.
    std::function<QString(const QJsonObject &)> checkPayload;
};

// What one run of purge-old-records removed.
struct PurgeReport
{
    qint64 cutoff = 0; // rows older than this (database time, ms) went
    qint64 jobs = 0;
    qint64 alerts = 0;
    qint64 auditEntries = 0;
    qint64 statistics = 0;
    qint64 events = 0;      // node_events
    qint64 takeovers = 0;   // takeovers (with their jobs)
    int batches = 0;        // write transactions, one per batch
    bool limited = false;   // a table reached the per-run limit: older rows may wait for the next run
    bool cancelled = false; // stopped between batches: the node is stopping
};

class JobTypes
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::JobTypes)

public:
    // purge-old-records deletes at most this many rows per write transaction, so other
    // nodes' claims and heartbeats get the write lock (SQLite has only one) between batches,
    static constexpr int PurgeBatchRows = 5000;
    // and at most this many batches of each table per run (five million rows: five hours
    // of jobs at a million an hour); the rest goes in the next run.
    static constexpr int PurgeMaxBatchesPerTable = 1000;

    static const QList<JobType> &all();
    static const JobType *find(const QString &name);
    // Parses and checks a payload for a type; the error says what is wrong.
    static Result<QJsonObject> checkPayload(const QString &type, const QString &payload);

    // The work of purge-old-records for a given cutoff (database time): deletes finished
    // jobs, cleared alerts, audit entries and statistics older than it, table by table in
    // batches of batchRows, each its own write transaction, pausing between them. Asks
    // cancelled before each batch and while it pauses, and stops there when told to.
    // Batches already done stay done when a later one fails.
    static Result<PurgeReport> purgeOldRecords(Database &database, qint64 cutoff,
                                               const std::function<bool()> &cancelled,
                                               int batchRows = PurgeBatchRows,
                                               int maxBatchesPerTable = PurgeMaxBatchesPerTable);
};

} // namespace Cohort
