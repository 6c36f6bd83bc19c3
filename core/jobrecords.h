// The job pool's values: what is submitted (JobSpec), what a node holds (ClaimedJob) and
// what it reports (JobOutcome, CompletionReport), and the rows and filters of a listing
// (JobRow, JobFilter). Plain data, shared by JobPool, the node's runner, cohortctl and the
// console; JobPool (jobpool.h) is the class that moves them in and out of the jobs table.
#pragma once

#include <QList>
#include <QString>

namespace Cohort {

enum class JobScope {
    Pool,  // runs once, on whichever online node claims it
    Local, // runs once on every node online when it was submitted
};
QString jobScopeName(JobScope scope);

// The NOTIFY channel nodes listen on; the payload is "pool" or "local".
inline constexpr char16_t JobsChannel[] = u"cohort_jobs";

struct JobSpec
{
    QString type;
    QString payload = QStringLiteral("{}"); // a JSON object
    JobScope scope = JobScope::Pool;
    int priority = 0;   // higher first
    qint64 delayMs = 0; // not before now + delay
    int maxAttempts = 5;
    QString scheduleKey; // non-empty: at most one job with this key ever exists
};

struct ClaimedJob
{
    qint64 id = 0;
    QString type;
    QString payload;
    int attempts = 0; // including this one
    int maxAttempts = 0;
    qint64 epoch = 0; // the claim; 0 for local jobs
    JobScope scope = JobScope::Pool;
};

struct JobOutcome
{
    ClaimedJob job;
    bool succeeded = false;
    QString error;
    qint64 durationMs = 0;
};

struct CompletionReport
{
    int succeeded = 0;
    int failed = 0;                 // failed for good: out of attempts
    int retried = 0;                // queued again after a backoff
    QList<qint64> rejected;         // the claim had been revoked: the outcome was dropped
    bool heartbeatRecorded = false; // Heartbeat::Record, and the node was still Online in its run
};

struct JobRow
{
    qint64 id = 0;
    QString type;
    QString scope;
    QString state;
    int priority = 0;
    int attempts = 0;
    int maxAttempts = 0;
    QString claimedBy;     // node GUID
    QString claimedByName; // node name, when the node is known
    qint64 createdAt = 0;
    qint64 runAfter = 0;
    qint64 claimedAt = 0;
    qint64 finishedAt = 0;
    QString lastError;
};

struct JobFilter
{
    QString state; // empty: any
    QString node;  // GUID or name; empty: any
    int limit = 100;
};

} // namespace Cohort
