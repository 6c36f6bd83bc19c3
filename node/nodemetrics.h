// NodeMetrics: what a node counts about itself for GET /metrics, in the Prometheus text
// format (version 0.0.4). Written by the job loop, the membership thread and the API's
// threads, read by the API's: every member is guarded by one mutex, held only to add to
// a counter or to copy them out, never across a database call or I/O.
//
//   cohort_jobs_total{type, outcome}          counter: jobs this run finished (succeeded,
//                                             failed, retried) or handed back
//   cohort_jobs_running                       gauge: claimed by this node and not recorded
//   cohort_claim_latency_seconds              histogram: one claim statement, issued to answered
//   cohort_peer_heartbeat_age_seconds{peer_guid, peer_name}
//                                             gauge: how long since this node saw each online
//                                             peer's heartbeat counter move (its own clock)
//   cohort_agent_checkins_total{result}       counter: check-ins answered (accepted, refused, busy)
//   cohort_agent_checkins_recorded_total      counter: check-ins written to the database
//   cohort_agent_checkins_pending             gauge: answered, not yet written
//   cohort_node_info{guid, name, version}     gauge, always 1
#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <mutex>
#include <string>

namespace Cohort {

class NodeMetrics
{
public:
    enum class JobOutcome { Succeeded, Failed, Retried, HandedBack };
    enum class CheckinResult { Accepted, Refused, Busy };

    struct PeerAge
    {
        QString guid;
        QString name;
        qint64 ageMs = 0;
    };

    void setIdentity(const QString &guid, const QString &name, const QString &version);

    void jobFinished(const QString &type, JobOutcome outcome, qint64 count = 1);
    void setRunning(qint64 running);
    void claimAnswered(double seconds);
    // Replaces the peers' ages: a peer no longer online disappears from the output.
    void setPeerAges(const QList<PeerAge> &peers);
    void checkin(CheckinResult result);
    void checkinsRecorded(qint64 count);
    void setCheckinsPending(qint64 pending);

    // The exposition, as GET /metrics serves it.
    std::string render() const;

    // The histogram's upper bounds, in seconds.
    static constexpr double ClaimBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,   0.25,   0.5,   1,    2.5,   5};

private:
    mutable std::mutex m_mutex;
    QString m_guid;
    QString m_name;
    QString m_version;
    QHash<QString, qint64> m_jobs[4]; // by JobOutcome, then type
    qint64 m_running = 0;
    qint64 m_claimBuckets[std::size(ClaimBuckets)] = {};
    qint64 m_claimCount = 0;
    double m_claimSum = 0;
    QList<PeerAge> m_peers;
    qint64 m_checkins[3] = {};
    qint64 m_recorded = 0;
    qint64 m_pending = 0;
};

} // namespace Cohort
