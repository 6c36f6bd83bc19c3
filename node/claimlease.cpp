#include "claimlease.h"

#include <QtGlobal>

#include <chrono>

namespace Cohort {

namespace {

// Taken off the lease: the time between this node's heartbeat committing and a peer
// reading it, and the difference between their steady clocks' rates.
qint64 marginMs(qint64 allowMs)
{
    return qMin<qint64>(1000, allowMs / 4);
}

} // namespace

qint64 ClaimLease::nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void ClaimLease::setAllowance(qint64 allowMs)
{
    QMutexLocker locker(&m_mutex);
    m_allowMs = allowMs;
}

qint64 ClaimLease::allowanceMs() const
{
    QMutexLocker locker(&m_mutex);
    return m_allowMs;
}

void ClaimLease::renew(qint64 startedMs)
{
    QMutexLocker locker(&m_mutex);
    if (!m_lockHeld || startedMs <= m_revokedAt || m_allowMs <= 0)
        return;
    const qint64 until = startedMs + m_allowMs - marginMs(m_allowMs);
    if (until > m_validUntil.load())
        m_validUntil.store(until);
}

void ClaimLease::setSessionLock(bool held)
{
    QMutexLocker locker(&m_mutex);
    m_lockHeld = held;
    if (!held)
        revokeLocked();
}

void ClaimLease::revoke()
{
    QMutexLocker locker(&m_mutex);
    ++m_generation;
    revokeLocked();
}

void ClaimLease::revokeLocked()
{
    m_validUntil.store(0);
    m_revokedAt = nowMs();
}

} // namespace Cohort
