#include "nodemetrics.h"

#include <QStringList>

#include <algorithm>
#include <cstdio>

namespace Cohort {

namespace {

// A label value as the text format wants it: backslash, double quote and line feed escaped.
std::string labelValue(const QString &value)
{
    std::string out;
    const QByteArray utf8 = value.toUtf8();
    out.reserve(std::size_t(utf8.size()));
    for (const char c : utf8) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

void header(std::string &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

constexpr const char *OutcomeNames[] = {"succeeded", "failed", "retried", "handed_back"};
constexpr const char *CheckinNames[] = {"accepted", "refused", "busy"};

} // namespace

void NodeMetrics::setIdentity(const QString &guid, const QString &name, const QString &version)
{
    std::lock_guard locker(m_mutex);
    m_guid = guid;
    m_name = name;
    m_version = version;
}

void NodeMetrics::jobFinished(const QString &type, JobOutcome outcome, qint64 count)
{
    std::lock_guard locker(m_mutex);
    m_jobs[int(outcome)][type] += count;
}

void NodeMetrics::setRunning(qint64 running)
{
    std::lock_guard locker(m_mutex);
    m_running = running;
}

void NodeMetrics::claimAnswered(double seconds)
{
    std::lock_guard locker(m_mutex);
    for (std::size_t i = 0; i < std::size(ClaimBuckets); ++i) {
        if (seconds <= ClaimBuckets[i])
            ++m_claimBuckets[i];
    }
    ++m_claimCount;
    m_claimSum += seconds;
}

void NodeMetrics::setPeerAges(const QList<PeerAge> &peers)
{
    std::lock_guard locker(m_mutex);
    m_peers = peers;
}

void NodeMetrics::checkin(CheckinResult result)
{
    std::lock_guard locker(m_mutex);
    ++m_checkins[int(result)];
}

void NodeMetrics::checkinsRecorded(qint64 count)
{
    std::lock_guard locker(m_mutex);
    m_recorded += count;
}

void NodeMetrics::setCheckinsPending(qint64 pending)
{
    std::lock_guard locker(m_mutex);
    m_pending = pending;
}

std::string NodeMetrics::render() const
{
    std::lock_guard locker(m_mutex);
    std::string out;
    out.reserve(4096);

    header(out, "cohort_node_info", "gauge", "This node: its GUID, name and software version.");
    out += "cohort_node_info{guid=\"" + labelValue(m_guid) + "\",name=\"" + labelValue(m_name)
           + "\",version=\"" + labelValue(m_version) + "\"} 1\n";

    header(out, "cohort_jobs_total", "counter",
           "Jobs this node finished since it started, by type and outcome (retried: failed and queued again; "
           "handed_back: returned to the pool unrun).");
    for (int outcome = 0; outcome < 4; ++outcome) {
        QStringList types = m_jobs[outcome].keys();
        types.sort();
        for (const QString &type : std::as_const(types)) {
            out += "cohort_jobs_total{type=\"" + labelValue(type) + "\",outcome=\"" + OutcomeNames[outcome]
                   + "\"} " + std::to_string(m_jobs[outcome].value(type)) + '\n';
        }
    }

    header(out, "cohort_jobs_running", "gauge", "Jobs this node has claimed and not yet recorded.");
    out += "cohort_jobs_running " + std::to_string(m_running) + '\n';

    header(out, "cohort_claim_latency_seconds", "histogram",
           "How long one claim of pool jobs took, from issuing it to its answer.");
    for (std::size_t i = 0; i < std::size(ClaimBuckets); ++i) {
        out += "cohort_claim_latency_seconds_bucket{le=\"" + number(ClaimBuckets[i]) + "\"} "
               + std::to_string(m_claimBuckets[i]) + '\n';
    }
    out += "cohort_claim_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(m_claimCount) + '\n';
    out += "cohort_claim_latency_seconds_sum " + number(m_claimSum) + '\n';
    out += "cohort_claim_latency_seconds_count " + std::to_string(m_claimCount) + '\n';

    header(out, "cohort_peer_heartbeat_age_seconds", "gauge",
           "How long ago this node saw each online peer's heartbeat advance, by this node's own clock.");
    QList<PeerAge> peers = m_peers;
    std::sort(peers.begin(), peers.end(), [](const PeerAge &a, const PeerAge &b) { return a.guid < b.guid; });
    for (const PeerAge &peer : std::as_const(peers)) {
        out += "cohort_peer_heartbeat_age_seconds{peer_guid=\"" + labelValue(peer.guid) + "\",peer_name=\""
               + labelValue(peer.name) + "\"} " + number(double(peer.ageMs) / 1000.0) + '\n';
    }

    header(out, "cohort_agent_checkins_total", "counter",
           "Agent check-ins this node answered: accepted, refused (a bad request) or busy (not taken).");
    for (int result = 0; result < 3; ++result) {
        out += "cohort_agent_checkins_total{result=\"" + std::string(CheckinNames[result]) + "\"} "
               + std::to_string(m_checkins[result]) + '\n';
    }
    header(out, "cohort_agent_checkins_recorded_total", "counter",
           "Accepted agent check-ins this node has written to the database.");
    out += "cohort_agent_checkins_recorded_total " + std::to_string(m_recorded) + '\n';
    header(out, "cohort_agent_checkins_pending", "gauge",
           "Agents whose accepted check-ins wait for this node's next database write.");
    out += "cohort_agent_checkins_pending " + std::to_string(m_pending) + '\n';
    return out;
}

} // namespace Cohort
