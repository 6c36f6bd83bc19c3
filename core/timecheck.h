// TimeCheck: Manager Time Out of Sync. A node compares its wall clock and its time zone
// with the database's: on PostgreSQL the server's clock and its TimeZone setting; on
// SQLite, whose file has no server, the machine's own clock (read from the kernel, past
// whatever the process was given) and its zone (/etc/localtime). A difference beyond the
// cluster's tolerance, or another zone, raises the alert naming the node and the
// difference; once they agree again the alert is cleared. Liveness never uses these
// clocks, so a wrong one only raises the alert.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>
#include <QStringList>

namespace Cohort {

struct TimeCheckOutcome
{
    qint64 skewMs = 0; // this node's clock minus the database's
    QString nodeZone;  // IANA id, e.g. "Europe/Berlin"
    int nodeOffsetSeconds = 0;
    QString databaseZone;
    QStringList problems; // empty: in sync
    bool raised = false;  // a new alert was raised
    int cleared = 0;      // open alerts this check cleared
};

class TimeCheck
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::TimeCheck)

public:
    // Measures, records the node's skew and zone in its row, and raises or clears its alert.
    static Result<TimeCheckOutcome> run(Database &database, const QString &nodeGuid, const QString &nodeName,
                                        qint64 toleranceMs);

    // The zone the nodes are compared with: PostgreSQL's TimeZone setting (as the server
    // starts sessions with it); on SQLite the machine's.
    static Result<QString> databaseZone(Database &database);
    // The zone this process keeps its local time in (TZ, else the machine's).
    static QString processZone();
    // The machine's zone, from /etc/localtime (UTC when it has none).
    static QString machineZone();
    // Whether two zones keep the same local time now and half a year from now (so that
    // "UTC" and "Etc/UTC" agree, and zones with other summer times do not).
    static bool zonesAgree(const QString &a, const QString &b, qint64 atMs);
    // The kernel's real-time clock, read by system call: what libc's clock functions
    // report unless something between (libfaketime, say) shifted them for this process.
    static qint64 machineClockMs();
};

} // namespace Cohort
