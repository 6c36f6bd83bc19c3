// HealthMonitor: this node's side of membership, on the node's main thread with its own
// connection. Heartbeats, holds the node's session lock (PostgreSQL), checks every peer
// each second and declares the dead ones Offline, notices when it was itself declared
// Offline or is older than the cluster, and submits the cluster's recurring housekeeping.
#pragma once

#include "database.h"
#include "noderegistry.h"
#include "settingscache.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

namespace Cohort {

class HealthMonitor : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        NodeJoin join; // the GUID at least, before setJoin()
        int heartbeatSeconds = 10;
        int offlineAfterSeconds = 180;
    };

    HealthMonitor(Database &database, Options options, SettingsCache &settings, QObject *parent = nullptr);

    // The session lock proves this process is the live one for its GUID (PostgreSQL);
    // false when another live process holds it.
    Result<bool> takeSessionLock();
    // How this node joined: for heartbeats, and to join again after being declared Offline.
    void setJoin(const NodeJoin &join) { m_options.join = join; }
    void start();
    // Keeps heartbeating (so peers do not take the jobs still finishing) but stops
    // judging peers and scheduling.
    void beginStop();

Q_SIGNALS:
    void rejoined(qint64 joinedAt);
    void mustStop(int exitCode, const QString &reason);

private:
    void tick();
    void beat();
    void checkPeers();
    void scheduleHousekeeping(qint64 now);
    bool ensureSession();

    Database &m_database;
    Options m_options;
    SettingsCache &m_settings;
    QTimer m_timer;
    QElapsedTimer m_sinceBeat;
    QElapsedTimer m_sessionAge; // since the session lock was (re)taken
    QElapsedTimer m_backSince;  // since the heartbeat worked again after failing
    bool m_sessionLocked = false;
    quint64 m_sessionSerial = 0;
    bool m_stopping = false;
    bool m_databaseOk = true;
    QHash<QString, qint64> m_scheduledBucket; // job type -> last period this node submitted
};

} // namespace Cohort
