// PeerJudge: which Online peers have gone silent, judged by how long each one's heartbeat
// counter has stood still on this process's monotonic clock. No wall clock has to agree
// with another: not a node's, and not SQLite's "database time", which is each process's
// own clock. A node stepped an hour ahead or back marks nobody Offline for it.
#pragma once

#include "noderegistry.h"

#include <QHash>
#include <QList>
#include <QString>

namespace Cohort {

class PeerJudge
{
public:
    enum class Seed {
        // A peer seen for the first time has been silent as long as the database says
        // (PostgreSQL: every heartbeat is stamped by the one server clock).
        DatabaseAge,
        // ... from the moment it was first seen (SQLite: stamps come from many clocks).
        FirstSight,
    };

    explicit PeerJudge(Seed seed)
        : m_seed(seed)
    {}

    // Records one read of the Online peers, made at monotonic time nowMs.
    void observe(const QList<PeerBeat> &peers, qint64 nowMs);
    // How long a peer's counter has stood still at nowMs; -1 for a peer never observed.
    qint64 silentMs(const QString &guid, qint64 nowMs) const;
    // Restarts every peer's silence at nowMs: this node itself could not reach the
    // database for a while (or was stopped), so the silence it measured says nothing of
    // its peers, which were probably cut off too. A peer first seen later is not judged
    // silent from before nowMs either (its database age covers the same gap).
    void forgive(qint64 nowMs);
    // The observed peers silent for longer than they are allowed, with the counter each
    // stood at (the condition of the update that marks it Offline).
    QList<NodeDeath> expired(const QList<PeerBeat> &peers, qint64 thresholdMs, qint64 nowMs) const;

    // A peer is allowed the threshold, or two of its own heartbeats if that is longer.
    static qint64 allowanceMs(qint64 thresholdMs, qint64 peerHeartbeatMs);

private:
    struct Seen
    {
        QString incarnation;
        qint64 count = 0;
        qint64 changedAtMs = 0;
    };

    Seed m_seed;
    QHash<QString, Seen> m_seen;
    qint64 m_forgivenAtMs = 0;
};

} // namespace Cohort
