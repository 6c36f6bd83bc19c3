// The statements JobPool's parts share (jobpool.cpp, jobcompletion.cpp). Not an API.
#pragma once

#include <QString>

namespace Cohort::JobPoolSql {

using namespace Qt::StringLiterals;

// The one lock order of the cluster's transactions: the node's row first, then its jobs,
// then the local jobs. A peer's markOffline() updates the node row and then releases its
// jobs; a claim reads the node row FOR SHARE before it locks jobs. Completions and hand-backs
// take the node row first too, or a node completing while a peer declares it dead would
// deadlock with it (and PostgreSQL would abort one of them).
inline const QString LockNodeRow = u"SELECT state FROM nodes WHERE guid = ? FOR SHARE"_s;

// A local job is over once every online node that was there when it was submitted has
// finished its run; it failed if any run failed. %1: the database clock.
inline const QString FinalizeLocalJobs = uR"(
    UPDATE jobs
       SET state = CASE WHEN EXISTS (SELECT 1 FROM local_job_runs r
                                      WHERE r.job_id = jobs.id AND r.state = 'failed')
                        THEN 'failed' ELSE 'succeeded' END,
           finished_at = %1
     WHERE scope = 'local' AND state = 'queued'
       AND NOT EXISTS (SELECT 1 FROM nodes n
                        WHERE n.state = 'online' AND n.started_at <= jobs.created_at
                          AND NOT EXISTS (SELECT 1 FROM local_job_runs r
                                           WHERE r.job_id = jobs.id AND r.node_guid = n.guid
                                             AND r.state <> 'running')))"_s;

// Local jobs are finished by whichever node records the last run; two nodes recording
// theirs at once would each miss the other's, so they take the job's row in turn.
// %1: the dialect's row lock clause.
inline const QString LockQueuedLocalJobs =
    u"SELECT id FROM jobs WHERE scope = 'local' AND state = 'queued' ORDER BY id%1"_s;

} // namespace Cohort::JobPoolSql
