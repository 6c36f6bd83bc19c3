// PeerProber: every heartbeat, asks each Online peer's GET /api/v1/health at once and
// records what it found (reachable, round-trip time, the error) in node_links, one
// transaction per round: what the console's network map draws. The network never blocks
// the event loop; the database reads and the write run on the node's membership thread,
// as the HealthMonitor's do (never on the thread that answers HTTP).
#pragma once

#include "database.h"
#include "nodeconfig.h"
#include "nodelinks.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace Cohort {

class PeerProber : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString selfGuid;
        QString version; // sent as the User-Agent
        // The heartbeat interval in force (the HealthMonitor's): one round each.
        std::function<int()> heartbeatSeconds;
    };

    PeerProber(Database &database, Options options, QObject *parent = nullptr);
    ~PeerProber() override;

    // The first round at once, then one every heartbeat.
    void start();
    // No further rounds; probes under way are abandoned, unrecorded.
    void stop();

    struct Endpoint
    {
        QString host; // without brackets
        quint16 port = 0;
        bool valid = false;
    };
    // A peer's api_address: HOST:PORT as its node recorded it, perhaps with a scheme.
    static Endpoint parseAddress(QString address);

    // How long a probe may take: a heartbeat, within [500 ms, 5 s]. Long enough for a
    // loaded peer on a slow network, short enough that a round ends before the next.
    static int timeoutMs(int heartbeatSeconds);

private:
    struct Probe;

    void startRound();
    void connectProbe(Probe *probe);
    void readAnswer(Probe *probe, bool atEnd);
    void fail(Probe *probe, const QString &error);
    void finishProbe(Probe *probe);
    bool roundDone() const;
    void roundDeadline();
    void finishRound();
    void scheduleNext();
    void logChange(const Probe &probe);

    Database &m_database;
    Options m_options;
    QTimer m_next{this};     // single shot, re-armed after each round: rounds never pile up
    QTimer m_deadline{this}; // the round's probes that have not finished by then time out
    QElapsedTimer m_roundClock;
    int m_roundTimeoutMs = 0;
    std::vector<std::unique_ptr<Probe>> m_probes;
    QHash<QString, bool> m_reachable; // by peer GUID, to log changes only
    bool m_stopped = false;
    bool m_starting = false; // connecting the round's probes
    bool m_databaseOk = true;
    bool m_recordOk = true;
};

} // namespace Cohort
