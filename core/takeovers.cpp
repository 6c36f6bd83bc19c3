#include "takeovers.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock. The node's own row gives its name and last heartbeat; the
// peer's its name (empty if it is gone already).
const QString InsertTakeover = uR"(
    INSERT INTO takeovers (node_guid, node_name, marked_by, marked_by_name, reason, last_heartbeat, marked_at)
    SELECT n.guid, n.name, ?, COALESCE((SELECT p.name FROM nodes p WHERE p.guid = ?), ''), ?,
           COALESCE(n.last_heartbeat, 0), %1
      FROM nodes n WHERE n.guid = ?
    RETURNING id, node_guid, node_name, marked_by, marked_by_name, reason, last_heartbeat, marked_at, 0)"_s;
// What ReleasePoolClaims is about to do with each job, recorded first.
const QString InsertTakeoverJobs = uR"(
    INSERT INTO takeover_jobs (takeover_id, job_id, job_type, claim_epoch, claimed_at, returned_as)
    SELECT ?, id, type, claim_epoch, claimed_at,
           CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END
      FROM jobs WHERE state = 'running' AND claimed_by = ?)"_s;

const QString TakeoverColumns = uR"(
    t.id, t.node_guid, t.node_name, t.marked_by, t.marked_by_name, t.reason, t.last_heartbeat, t.marked_at,
    (SELECT COUNT(*) FROM takeover_jobs j WHERE j.takeover_id = t.id))"_s;
const QString SelectTakeovers =
    u"SELECT %1 FROM takeovers t WHERE t.node_guid = ? ORDER BY t.marked_at DESC, t.id DESC"_s;
const QString SelectTakeover = u"SELECT %1 FROM takeovers t WHERE t.id = ?"_s;
// A later claim (a higher epoch) is the node that ran the job afterwards.
const QString SelectTakeoverJobs = uR"(
    SELECT t.job_id, t.job_type, t.claim_epoch, COALESCE(t.claimed_at, 0), t.returned_as,
           CASE WHEN j.id IS NULL THEN 0 ELSE 1 END, COALESCE(j.state, ''),
           CASE WHEN j.claim_epoch > t.claim_epoch THEN COALESCE(j.claimed_by, '') ELSE '' END,
           CASE WHEN j.claim_epoch > t.claim_epoch THEN COALESCE(n.name, '') ELSE '' END,
           CASE WHEN j.claim_epoch > t.claim_epoch THEN COALESCE(j.claimed_at, 0) ELSE 0 END,
           COALESCE(j.finished_at, 0)
      FROM takeover_jobs t
      LEFT JOIN jobs j ON j.id = t.job_id
      LEFT JOIN nodes n ON n.guid = j.claimed_by
     WHERE t.takeover_id = ? ORDER BY t.job_id)"_s;

Takeover readTakeover(const QSqlQuery &query)
{
    Takeover takeover;
    takeover.id = query.value(0).toLongLong();
    takeover.nodeGuid = query.value(1).toString();
    takeover.nodeName = query.value(2).toString();
    takeover.markedBy = query.value(3).toString();
    takeover.markedByName = query.value(4).toString();
    takeover.reason = query.value(5).toString();
    takeover.lastHeartbeat = query.value(6).toLongLong();
    takeover.markedAt = query.value(7).toLongLong();
    takeover.jobCount = query.value(8).toInt();
    return takeover;
}

QJsonValue isoTime(qint64 ms)
{
    if (ms <= 0)
        return QJsonValue();
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonValue msOrNull(qint64 ms)
{
    return ms > 0 ? QJsonValue(ms) : QJsonValue();
}

} // namespace

qint64 Takeover::firstReclaimAt() const
{
    qint64 first = 0;
    for (const TakeoverJob &job : jobs) {
        if (job.reclaimedAt > 0 && (first == 0 || job.reclaimedAt < first))
            first = job.reclaimedAt;
    }
    return first;
}

qint64 Takeover::lastFinishedAt() const
{
    qint64 last = 0;
    for (const TakeoverJob &job : jobs)
        last = std::max(last, job.finishedAt);
    return last;
}

int Takeover::finishedCount() const
{
    return int(std::count_if(jobs.cbegin(), jobs.cend(), [](const TakeoverJob &job) {
        return job.state == u"succeeded"_s || job.state == u"failed"_s;
    }));
}

Result<Takeover> Takeovers::record(QSqlDatabase &db, const Dialect &dialect, const QString &nodeGuid,
                                   const QString &markedBy, const QString &reason)
{
    auto inserted =
        execQuery(db, InsertTakeover.arg(dialect.nowMillis()), {markedBy, markedBy, reason, nodeGuid},
                  tr("recording the takeover of node %1").arg(nodeGuid));
    if (!inserted)
        return inserted.error();
    if (!inserted->next())
        return makeError(ErrorCode::NotFound, tr("Node %1 is not in the cluster.").arg(nodeGuid));
    Takeover takeover = readTakeover(*inserted);
    inserted->finish();
    auto jobs = execQuery(db, InsertTakeoverJobs, {takeover.id, nodeGuid},
                          tr("recording the jobs node %1 held").arg(nodeGuid));
    if (!jobs)
        return jobs.error();
    takeover.jobCount = jobs->numRowsAffected();
    return takeover;
}

Result<QList<Takeover>> Takeovers::list(Database &database, const QString &nodeGuid)
{
    auto query = database.exec(SelectTakeovers.arg(TakeoverColumns), {nodeGuid},
                               tr("reading the takeovers of node %1").arg(nodeGuid));
    if (!query)
        return query.error();
    QList<Takeover> takeovers;
    while (query->next())
        takeovers.append(readTakeover(*query));
    return takeovers;
}

Result<Takeover> Takeovers::report(Database &database, qint64 takeoverId)
{
    auto head = database.exec(SelectTakeover.arg(TakeoverColumns), {takeoverId},
                              tr("reading takeover %1").arg(takeoverId));
    if (!head)
        return head.error();
    if (!head->next())
        return makeError(ErrorCode::NotFound, tr("There is no takeover %1.").arg(takeoverId));
    Takeover takeover = readTakeover(*head);
    head->finish();
    auto query = database.exec(SelectTakeoverJobs, {takeoverId},
                               tr("reading the jobs of takeover %1").arg(takeoverId));
    if (!query)
        return query.error();
    while (query->next()) {
        TakeoverJob job;
        job.jobId = query->value(0).toLongLong();
        job.type = query->value(1).toString();
        job.claimEpoch = query->value(2).toLongLong();
        job.claimedAt = query->value(3).toLongLong();
        job.returnedAs = query->value(4).toString();
        job.inPool = query->value(5).toInt() != 0;
        job.state = query->value(6).toString();
        job.ranBy = query->value(7).toString();
        job.ranByName = query->value(8).toString();
        job.reclaimedAt = query->value(9).toLongLong();
        job.finishedAt = query->value(10).toLongLong();
        takeover.jobs.append(job);
    }
    return takeover;
}

QByteArray Takeovers::toJson(const Takeover &takeover)
{
    QJsonArray jobs;
    for (const TakeoverJob &job : takeover.jobs) {
        jobs.append(QJsonObject{
            {u"id"_s, job.jobId},
            {u"type"_s, job.type},
            {u"claim_epoch"_s, job.claimEpoch},
            {u"claimed_at"_s, isoTime(job.claimedAt)},
            {u"returned_as"_s, job.returnedAs},
            {u"in_pool"_s, job.inPool},
            {u"state"_s, job.inPool ? QJsonValue(job.state) : QJsonValue()},
            {u"ran_by"_s, job.ranBy.isEmpty() ? QJsonValue() : QJsonValue(job.ranBy)},
            {u"ran_by_name"_s, job.ranByName.isEmpty() ? QJsonValue() : QJsonValue(job.ranByName)},
            {u"reclaimed_at"_s, isoTime(job.reclaimedAt)},
            {u"reclaimed_at_ms"_s, msOrNull(job.reclaimedAt)},
            {u"finished_at"_s, isoTime(job.finishedAt)},
            {u"finished_at_ms"_s, msOrNull(job.finishedAt)}});
    }
    const qint64 reclaim = takeover.firstReclaimAt();
    const qint64 finished = takeover.lastFinishedAt();
    const auto gap = [](qint64 from, qint64 to) {
        return from > 0 && to > 0 ? QJsonValue(to - from) : QJsonValue();
    };
    const QJsonObject object{{u"id"_s, takeover.id},
                             {u"node_guid"_s, takeover.nodeGuid},
                             {u"node_name"_s, takeover.nodeName},
                             {u"marked_by"_s, takeover.markedBy},
                             {u"marked_by_name"_s, takeover.markedByName},
                             {u"reason"_s, takeover.reason},
                             {u"last_heartbeat"_s, isoTime(takeover.lastHeartbeat)},
                             {u"marked_at"_s, isoTime(takeover.markedAt)},
                             {u"first_reclaim_at"_s, isoTime(reclaim)},
                             {u"last_finished_at"_s, isoTime(finished)},
                             {u"heartbeat_to_marked_ms"_s, gap(takeover.lastHeartbeat, takeover.markedAt)},
                             {u"marked_to_reclaimed_ms"_s, gap(takeover.markedAt, reclaim)},
                             {u"reclaimed_to_finished_ms"_s, gap(reclaim, finished)},
                             {u"job_count"_s, takeover.jobCount},
                             {u"finished_count"_s, takeover.finishedCount()},
                             {u"jobs"_s, jobs}};
    return QJsonDocument(object).toJson(QJsonDocument::Indented);
}

} // namespace Cohort
