// Agents: the machines that check in with a manager node (POST /api/v1/agents/{guid}/heartbeat).
// A node gathers the check-ins it answers and records them in batches (record()); the
// console and cohortctl read them back (list()). What an agent says about its machine,
// its host name and addresses, is personal data: stored only sealed with the data key,
// bound to the agent's row (SealedData::agentField). last_checkin is the database's clock
// at the write, so a node's clock never makes an agent look silent.
#pragma once

#include "database.h"
#include "masterkey.h"
#include "result.h"

#include <QCoreApplication>
#include <QStringList>

#include <optional>

namespace Cohort {

// One agent's check-ins since the last batch: the latest of what it said, and how often.
struct AgentCheckin
{
    QString guid; // canonical: lower-case 8-4-4-4-12 hex (Agents::canonicalGuid)
    QString hostName;
    QStringList addresses;
    QString version;     // the agent's software
    QString listVersion; // the manager list it was answered with
    qint64 count = 1;    // check-ins this one stands for
};

struct AgentRecord
{
    QString guid;
    QString hostName; // empty when sealed (not opened) or never given
    QStringList addresses;
    bool personalDataSealed = false; // there is some, not opened (no data key)
    QString version;
    QString listVersion;
    QString managerGuid;      // the node it last checked in with
    QString state;            // online, offline (the agent-offline-check job flags silent ones)
    qint64 lastCheckinMs = 0; // database clock
    qint64 firstCheckinMs = 0;
    qint64 checkins = 0;

    friend bool operator==(const AgentRecord &, const AgentRecord &) = default;
};

class Agents
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Agents)

public:
    // Limits of what an agent may say; check-ins beyond them are refused (400).
    static constexpr int MaxHostNameLength = 253; // a DNS name
    static constexpr int MaxAddresses = 32;
    static constexpr int MaxAddressLength = 64; // an IPv6 address with a zone
    static constexpr int MaxVersionLength = 32;
    static constexpr int MaxListVersionLength = 64;

    // The canonical form of an agent GUID (lower case, 8-4-4-4-12 hex digits, no braces),
    // or nullopt when text is not one.
    static std::optional<QString> canonicalGuid(QStringView text);

    // Why what an agent said is not acceptable (naming the field), or an empty string.
    static QString checkinProblem(const AgentCheckin &checkin);

    // In the caller's write transaction: records a batch of check-ins answered by the
    // node managerGuid; each agent comes back online. dataKey must be the cluster's
    // current one (SealedData::lockCurrentKey is taken here).
    static Result<void> record(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                               const QByteArray &clusterContext, const QString &managerGuid,
                               const QList<AgentCheckin> &checkins);

    // Every agent, by GUID. Host names and addresses are opened when dataKey is given.
    static Result<QList<AgentRecord>> list(QSqlDatabase &db, const MasterKey *dataKey,
                                           const QByteArray &clusterContext);
};

} // namespace Cohort
