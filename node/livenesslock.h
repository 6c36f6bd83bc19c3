// LivenessLock: holds this node's PostgreSQL session lock on a connection of its own, on a
// thread of its own, which nothing else uses or resets: an error elsewhere cannot drop it.
// Peers read the lock to learn within a second that a killed node's session ended. The
// connection is checked every second; once it is lost the lock is taken again at once (and
// retried every 200 ms), and while it is not held the claim lease is revoked.
#pragma once

#include "claimlease.h"
#include "database.h"

#include <QObject>
#include <QTimer>

#include <atomic>

namespace Cohort {

class LivenessLock : public QObject
{
    Q_OBJECT

public:
    LivenessLock(Database &database, QString guid, ClaimLease &lease, QObject *parent = nullptr);

    // On the lock's thread: the first attempt. False when another live session holds it
    // (a second process with this GUID: a cloned machine).
    Result<bool> acquire();
    // On the lock's thread: watches the connection from now on.
    void start();
    // On the lock's thread: lets the lock go (a graceful stop, after leaving).
    void release();

    // How long the lock has been held without a break, -1 while it is not. Any thread.
    qint64 heldForMs() const;

private:
    void check();
    bool take();
    void lost(const QString &why);

    Database &m_database;
    const QString m_guid;
    ClaimLease &m_lease;
    QTimer m_timer;
    std::atomic<qint64> m_heldSince{-1};
    bool m_otherHolderLogged = false;
};

} // namespace Cohort
