// ClaimLease: how long this node may still start the jobs it has claimed. A claim stands
// only while no peer can have declared the node Offline, so the lease runs from the start
// of each heartbeat that found the node Online in its run, for the shortest silence any
// peer allows it, less a margin; on PostgreSQL it is revoked while the node's session lock
// is not held (a peer may then declare it dead). A job whose lease has run out is handed
// back, fenced, instead of started: a node that was stopped, hung or cut off never starts
// a job that a peer may already be running. Thread-safe; times are steady-clock ms.
#pragma once

#include <QMutex>

#include <atomic>

namespace Cohort {

class ClaimLease
{
public:
    explicit ClaimLease(bool needsSessionLock)
        : m_lockHeld(!needsSessionLock)
    {}

    static qint64 nowMs();

    // The silence peers allow this node, from its last heartbeat's answer.
    void setAllowance(qint64 allowMs);
    // A heartbeat (or a completion batch that recorded one) that began at startedMs found
    // this node Online in its run. Ignored when it began before the last revocation.
    void renew(qint64 startedMs);
    // The session lock was lost (false) or taken again (true).
    void setSessionLock(bool held);
    // Claims made so far are void: this node was declared Offline. Raises generation().
    void revoke();
    // Changes whenever claims became void: a job claimed under one generation starts only
    // while it is still the current one.
    quint64 generation() const { return m_generation.load(); }

    bool valid() const { return nowMs() < m_validUntil.load(); }
    qint64 remainingMs() const { return m_validUntil.load() - nowMs(); }
    qint64 allowanceMs() const;

private:
    void revokeLocked();

    mutable QMutex m_mutex;
    std::atomic<qint64> m_validUntil{0};
    std::atomic<quint64> m_generation{0};
    qint64 m_revokedAt = 0;
    qint64 m_allowMs = 0;
    bool m_lockHeld;
};

} // namespace Cohort
