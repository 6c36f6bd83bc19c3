// Takeovers: what happened to the work of a node its peers declared Offline. The peer
// that wins markOffline() records, in the same transaction and before handing them back,
// the jobs the node held (with the claim epoch each had then). The report reads them
// against the jobs table: which node claimed each one afterwards (a later epoch), when,
// and when it finished; so the gaps from the last heartbeat to the mark, to the reclaim
// and to the completion are all the database's own times.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

struct TakeoverJob
{
    qint64 jobId = 0;
    QString type;
    qint64 claimEpoch = 0; // the dead node's claim
    qint64 claimedAt = 0;  // when the dead node claimed it
    QString returnedAs;    // "queued" (back in the pool) or "failed" (out of attempts)
    bool inPool = false;   // false: purged since (past the retention)
    QString state;         // now: queued, running, succeeded, failed
    QString ranBy;         // the node that claimed it after the takeover (GUID); empty: nobody yet
    QString ranByName;
    qint64 reclaimedAt = 0; // that claim
    qint64 finishedAt = 0;

    friend bool operator==(const TakeoverJob &, const TakeoverJob &) = default;
};

struct Takeover
{
    qint64 id = 0;
    QString nodeGuid;
    QString nodeName;
    QString markedBy; // the peer that declared it Offline
    QString markedByName;
    QString reason;
    qint64 lastHeartbeat = 0;
    qint64 markedAt = 0;
    int jobCount = 0;
    QList<TakeoverJob> jobs; // report() only

    // From jobs: the first reclaim and the last completion (0: none yet).
    qint64 firstReclaimAt() const;
    qint64 lastFinishedAt() const;
    int finishedCount() const;

    friend bool operator==(const Takeover &, const Takeover &) = default;
};

class Takeovers
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Takeovers)

public:
    // Inside markOffline()'s transaction, after the node's row changed and before its
    // jobs go back: the takeover and every pool job the node held. Returns it (without
    // its jobs).
    static Result<Takeover> record(QSqlDatabase &db, const Dialect &dialect, const QString &nodeGuid,
                                   const QString &markedBy, const QString &reason);
    // A node's takeovers, newest first, without their jobs.
    static Result<QList<Takeover>> list(Database &database, const QString &nodeGuid);
    // One takeover with its jobs as they stand now.
    static Result<Takeover> report(Database &database, qint64 takeoverId);

    static QByteArray toJson(const Takeover &takeover);
};

} // namespace Cohort
