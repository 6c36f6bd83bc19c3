#include "decommissionpreflight.h"

#include "managerlist.h"
#include "noderegistry.h"

#include <QDateTime>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString SelectAgents = uR"(
    SELECT guid, last_checkin, state, list_version FROM agents WHERE manager_guid = ? ORDER BY guid)"_s;
const QString SelectLocalRuns = uR"(
    SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0)
      FROM local_job_runs WHERE node_guid = ?)"_s;
const QString SelectOpenAlerts = uR"(
    SELECT id, kind, message FROM alerts WHERE node_guid = ? AND cleared_at IS NULL ORDER BY id)"_s;

QJsonValue isoTime(qint64 ms)
{
    return ms > 0 ? QJsonValue(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs))
                  : QJsonValue();
}

} // namespace

QStringList DecommissionPlan::describe() const
{
    QStringList lines;
    if (!blocker.isEmpty())
        lines << blocker;
    lines << DecommissionPreflight::tr(
                 "%n agent(s) last checked in through %1; at their next check-in they get "
                 "manager list %2 (now %3), without it.",
                 nullptr, int(agents.size()))
                 .arg(nodeName, nextListVersion, currentListVersion);
    lines << DecommissionPreflight::tr("%n local job run(s) are recorded for it; %1 still running will end.",
                                       nullptr, localRuns)
                 .arg(runningLocalRuns);
    lines << DecommissionPreflight::tr("%n open alert(s) about it will be cleared.", nullptr,
                                       int(alerts.size()));
    return lines;
}

QJsonObject DecommissionPlan::toJson() const
{
    QJsonArray agentArray;
    for (const PreflightAgent &agent : agents) {
        agentArray.append(QJsonObject{{u"guid"_s, agent.guid},
                                      {u"last_checkin"_s, isoTime(agent.lastCheckin)},
                                      {u"state"_s, agent.state},
                                      {u"list_version"_s, agent.listVersion}});
    }
    QJsonArray alertArray;
    for (const PreflightAlert &alert : alerts)
        alertArray.append(
            QJsonObject{{u"id"_s, alert.id}, {u"kind"_s, alert.kind}, {u"message"_s, alert.message}});
    return {{u"node_guid"_s, nodeGuid},
            {u"node_name"_s, nodeName},
            {u"state"_s, nodeState},
            {u"allowed"_s, allowed()},
            {u"blocker"_s, blocker.isEmpty() ? QJsonValue() : QJsonValue(blocker)},
            {u"agents"_s, agentArray},
            {u"current_list_version"_s, currentListVersion},
            {u"next_list_version"_s, nextListVersion},
            {u"local_runs"_s, localRuns},
            {u"running_local_runs"_s, runningLocalRuns},
            {u"alerts"_s, alertArray}};
}

Result<DecommissionPlan> DecommissionPreflight::check(Database &database, const QString &ref)
{
    auto node = NodeRegistry::find(database, ref);
    if (!node)
        return node.error();
    auto db = database.connection();
    if (!db)
        return db.error();
    auto plan = gather(*db, node->guid, node->name, node->state);
    if (!plan && plan.code() == ErrorCode::Unavailable)
        return database.noteFailure(db, plan.error());
    return plan;
}

Result<DecommissionPlan> DecommissionPreflight::gather(QSqlDatabase &db, const QString &guid,
                                                       const QString &name, const QString &state)
{
    DecommissionPlan plan;
    plan.nodeGuid = guid;
    plan.nodeName = name;
    plan.nodeState = state;
    if (state == u"decommissioned"_s)
        plan.blocker = tr("Node %1 (%2) is already decommissioned.").arg(name, guid);
    else if (state != u"offline"_s)
        plan.blocker =
            tr("Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, or wait "
               "until its peers mark it Offline.")
                .arg(name, guid);

    auto agents = execQuery(db, SelectAgents, {guid}, tr("reading the agents of node %1").arg(name));
    if (!agents)
        return agents.error();
    while (agents->next()) {
        plan.agents.append({agents->value(0).toString(), agents->value(1).toLongLong(),
                            agents->value(2).toString(), agents->value(3).toString()});
    }
    agents->finish();

    auto runs = execQuery(db, SelectLocalRuns, {guid}, tr("reading the local job runs of node %1").arg(name));
    if (!runs)
        return runs.error();
    if (runs->next()) {
        plan.localRuns = runs->value(0).toInt();
        plan.runningLocalRuns = runs->value(1).toInt();
    }
    runs->finish();

    auto alerts = execQuery(db, SelectOpenAlerts, {guid}, tr("reading the open alerts of node %1").arg(name));
    if (!alerts)
        return alerts.error();
    while (alerts->next())
        plan.alerts.append(
            {alerts->value(0).toLongLong(), alerts->value(1).toString(), alerts->value(2).toString()});
    alerts->finish();

    auto now = ManagerList::read(db);
    if (!now)
        return now.error();
    plan.currentListVersion = now->version;
    auto next = ManagerList::read(db, guid);
    if (!next)
        return next.error();
    plan.nextListVersion = next->version;
    return plan;
}

} // namespace Cohort
