#include "peerjudge.h"

#include <QSet>

namespace Cohort {

qint64 PeerJudge::allowanceMs(qint64 thresholdMs, qint64 peerHeartbeatMs)
{
    return qMax(thresholdMs, 2 * peerHeartbeatMs);
}

void PeerJudge::observe(const QList<PeerBeat> &peers, qint64 nowMs)
{
    QSet<QString> present;
    for (const PeerBeat &peer : peers) {
        present.insert(peer.guid);
        auto found = m_seen.find(peer.guid);
        if (found == m_seen.end()) {
            const qint64 age = m_seed == Seed::DatabaseAge ? qMax<qint64>(0, peer.ageMs) : 0;
            m_seen.insert(peer.guid,
                          {peer.incarnation, peer.heartbeatCount, qMax(nowMs - age, m_forgivenAtMs)});
            continue;
        }
        if (found->incarnation != peer.incarnation || found->count != peer.heartbeatCount) {
            found->incarnation = peer.incarnation;
            found->count = peer.heartbeatCount;
            found->changedAtMs = nowMs;
        }
    }
    // Gone Offline or decommissioned: seen afresh if it comes back.
    for (auto it = m_seen.begin(); it != m_seen.end();) {
        if (present.contains(it.key()))
            ++it;
        else
            it = m_seen.erase(it);
    }
}

qint64 PeerJudge::silentMs(const QString &guid, qint64 nowMs) const
{
    const auto found = m_seen.constFind(guid);
    return found == m_seen.constEnd() ? -1 : nowMs - found->changedAtMs;
}

void PeerJudge::forgive(qint64 nowMs)
{
    m_forgivenAtMs = qMax(m_forgivenAtMs, nowMs);
    for (Seen &seen : m_seen)
        seen.changedAtMs = qMax(seen.changedAtMs, nowMs);
}

QList<NodeDeath> PeerJudge::expired(const QList<PeerBeat> &peers, qint64 thresholdMs, qint64 nowMs) const
{
    QList<NodeDeath> dead;
    for (const PeerBeat &peer : peers) {
        const auto found = m_seen.constFind(peer.guid);
        if (found == m_seen.constEnd() || found->incarnation != peer.incarnation
            || found->count != peer.heartbeatCount)
            continue; // not observed as it is now
        const qint64 silent = nowMs - found->changedAtMs;
        if (silent <= allowanceMs(thresholdMs, peer.heartbeatMs))
            continue;
        NodeDeath death;
        death.guid = peer.guid;
        death.name = peer.name;
        death.incarnation = peer.incarnation;
        death.heartbeatExpired = true;
        death.heartbeatCount = peer.heartbeatCount;
        death.reason = NodeRegistry::tr("no heartbeat for %1 s").arg(silent / 1000);
        dead.append(death);
    }
    return dead;
}

} // namespace Cohort
