#include "nodescommand.h"

#include "cluster.h"
#include "configproperties.h"
#include "ctloptions.h"
#include "jobpool.h"
#include "masterkey.h"
#include "nodeapicall.h"
#include "nodeevents.h"
#include "noderegistry.h"
#include "takeovers.h"
#include "texttable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Cohort {

QString NodesCommand::name() const
{
    return u"nodes"_s;
}

QString NodesCommand::summary() const
{
    return tr("Lists the manager nodes: status, last contact and jobs.");
}

QString NodesCommand::description() const
{
    return summary() + u"\n\n"_s
           + tr(
               "list                  Every node that is not decommissioned (the default): status, last\n"
               "                      contact, the time left before its peers mark it Offline, jobs.\n"
               "events NODE           The node's timeline: joined, online, offline (and which peer marked\n"
               "                      it, why), jobs handed back, refusals, drains, decommissioning.\n"
               "                      --csv prints it as CSV, --json as JSON.\n"
               "takeover NODE|ID      What happened to the jobs of a node its peers marked Offline: its\n"
               "                      latest takeover (or the one with that number), every job it held,\n"
               "                      the node that ran each afterwards and the gaps in between.\n"
               "drain NODE            Through the node's API (needs --secret-file for its token): it claims\n"
               "                      no new jobs, finishes or hands back its running ones within its\n"
               "                      grace, and shows as Draining; then it can be stopped and\n"
               "                      decommissioned. Recorded in its timeline and the audit log.\n"
               "resume NODE           Ends a drain: the node claims jobs again.\n"
               "NODE is a GUID or a name only one node has.");
}

void NodesCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
    parser.addOption({u"csv"_s, tr("events: prints the timeline as CSV.")});
    parser.addOption(CtlOptions::secretFile());
    parser.addOption(
        {u"actor"_s, tr("drain, resume: who asks, for the audit log (default: %1).").arg(CtlOptions::actor()),
         u"NAME"_s});
    parser.addPositionalArgument(u"action"_s, tr("list (default), events or takeover."), u"[action]"_s);
    parser.addPositionalArgument(
        u"node"_s, tr("events, takeover: the node (GUID or name); takeover: or its number."), u"[node]"_s);
}

int NodesCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    const QString action = arguments.value(0, u"list"_s);
    static const QStringList actions = {u"list"_s, u"events"_s, u"takeover"_s, u"drain"_s, u"resume"_s};
    if (!actions.contains(action))
        return usage(tr("unknown action \"%1\"; use one of %2").arg(action, actions.join(u", "_s)));
    const int expected = action == u"list"_s ? 1 : 2;
    if (action != u"list"_s && arguments.size() < 2)
        return usage(tr("%1 needs a node: its GUID or name").arg(action));
    if (arguments.size() > expected)
        return usage(tr("unexpected argument \"%1\"").arg(arguments.at(expected)));
    if (parser.isSet(u"csv"_s) && action != u"events"_s)
        return usage(tr("--csv is only for events"));
    if (parser.isSet(u"csv"_s) && parser.isSet(u"json"_s))
        return usage(tr("--csv and --json cannot be combined"));
    const bool holds = action == u"drain"_s || action == u"resume"_s;
    if (holds && !parser.isSet(u"secret-file"_s))
        return usage(tr("%1 needs --secret-file: the node's API token is sealed with the cluster's data key")
                         .arg(action));
    if (!holds && (parser.isSet(u"secret-file"_s) || parser.isSet(u"actor"_s)))
        return usage(tr("--secret-file and --actor are only for drain and resume"));
    if (parser.isSet(u"actor"_s)) {
        const QString actor = parser.value(u"actor"_s).trimmed();
        if (actor.isEmpty() || actor.size() > 200)
            return usage(tr("--actor must have 1 to 200 characters"));
        for (const QChar c : actor) {
            if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
                return usage(tr("--actor must be one line of printable text"));
        }
    }
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    if (action == u"events"_s)
        return events(*database, arguments.at(1), parser);
    if (action == u"takeover"_s)
        return takeover(*database, arguments.at(1), parser);
    if (holds)
        return hold(*database, arguments.at(1), action == u"drain"_s, parser);
    return list(*database, parser);
}

int NodesCommand::list(Database &database, const QCommandLineParser &parser)
{
    auto nodes = NodeRegistry::list(database);
    if (!nodes)
        return fail(nodes.message());
    // "Ago" by the database's clock, which is what the heartbeats were written with.
    auto now = JobPool::now(database);
    if (!now)
        return fail(now.message());

    if (parser.isSet(u"json"_s)) {
        QJsonArray array;
        for (const NodeInfo &node : std::as_const(*nodes)) {
            array.append(QJsonObject{
                {u"name"_s, node.name},
                {u"guid"_s, node.guid},
                {u"address"_s, node.apiAddress},
                {u"version"_s, node.version},
                {u"required_version"_s, node.requiredVersion.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                                       : QJsonValue(node.requiredVersion)},
                {u"status"_s, nodeDisplayStatusKey(node)},
                {u"status_text"_s, nodeDisplayStatus(node)},
                {u"last_contact"_s, node.lastHeartbeat > 0
                                        ? QJsonValue(CtlOptions::utcTime(node.lastHeartbeat))
                                        : QJsonValue(QJsonValue::Null)},
                {u"last_contact_ms"_s,
                 node.lastHeartbeat > 0 ? QJsonValue(node.lastHeartbeat) : QJsonValue(QJsonValue::Null)},
                {u"jobs_last_hour"_s, node.jobsLastHour},
                {u"running_jobs"_s, node.runningJobs},
                {u"hostname"_s, node.hostname},
                {u"pid"_s, node.pid},
                {u"time_zone"_s, node.tzName},
                {u"utc_offset_seconds"_s, node.tzOffsetSeconds},
                {u"clock_offset_ms"_s, node.clockSkewMs},
                {u"draining"_s, node.drainingSince > 0},
                {u"heartbeat_age_ms"_s,
                 node.heartbeatAgeMs >= 0 ? QJsonValue(node.heartbeatAgeMs) : QJsonValue(QJsonValue::Null)},
                {u"allowed_silence_ms"_s, node.allowedSilenceMs > 0 ? QJsonValue(node.allowedSilenceMs)
                                                                    : QJsonValue(QJsonValue::Null)},
                {u"offline_in_ms"_s,
                 node.offlineInMs >= 0 ? QJsonValue(node.offlineInMs) : QJsonValue(QJsonValue::Null)},
                {u"countdown_note"_s, node.countdownNote},
            });
        }
        m_out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }

    if (nodes->isEmpty()) {
        m_out << tr("No manager node has joined the cluster yet.") << Qt::endl;
        return ExitSuccess;
    }
    TextTable table({tr("NAME", "table heading"), tr("GUID", "table heading"), tr("ADDRESS", "table heading"),
                     tr("VERSION", "table heading"), tr("STATUS", "table heading"), tr("LAST CONTACT"),
                     tr("OFFLINE IN"), tr("TIME ZONE"), tr("CLOCK", "table heading"), tr("JOBS (1 H)"),
                     tr("RUNNING", "table heading")});
    table.alignRight(6);
    table.alignRight(8);
    table.alignRight(9);
    table.alignRight(10);
    for (const NodeInfo &node : std::as_const(*nodes)) {
        const QString contact = node.lastHeartbeat > 0
                                    ? tr("%1 (%2 s ago)")
                                          .arg(CtlOptions::utcTime(node.lastHeartbeat))
                                          .arg(qMax<qint64>(0, (*now - node.lastHeartbeat) / 1000))
                                    : tr("never", "offline countdown without a peer");
        const QString version = node.requiredVersion.isEmpty()
                                    ? node.version
                                    : tr("%1 (needs %2)").arg(node.version, node.requiredVersion);
        // As the console's Offline In column: only an Online node counts down.
        QString countdown = tr("-");
        if (node.status == NodeStatus::Online) {
            if (node.offlineInMs > 0)
                countdown = tr("%1 s").arg(node.offlineInMs / 1000.0, 0, 'f', 1);
            else if (node.offlineInMs == 0)
                countdown = tr("due", "offline countdown at zero");
            else
                countdown = tr("never (no peer)");
        }
        table.addRow({node.name, node.guid, node.apiAddress, version, nodeDisplayStatus(node), contact,
                      countdown, node.tzName.isEmpty() ? tr("?") : node.tzName,
                      tr("%1 s").arg(node.clockSkewMs / 1000.0, 0, 'f', 1),
                      QString::number(node.jobsLastHour), QString::number(node.runningJobs)});
    }
    table.print(m_out);
    return ExitSuccess;
}

int NodesCommand::events(Database &database, const QString &ref, const QCommandLineParser &parser)
{
    auto node = NodeRegistry::find(database, ref);
    if (!node)
        return fail(node.message());
    auto events = NodeEvents::list(database, node->guid);
    if (!events)
        return fail(events.message());
    if (parser.isSet(u"csv"_s) || parser.isSet(u"json"_s)) {
        const QByteArray bytes =
            parser.isSet(u"csv"_s) ? NodeEvents::toCsv(*events) : NodeEvents::toJson(*events);
        m_out << QString::fromUtf8(bytes);
        m_out.flush();
        return ExitSuccess;
    }
    if (events->isEmpty()) {
        m_out << tr("Node %1 (%2) has no events within the retention.").arg(node->name, node->guid)
              << Qt::endl;
        return ExitSuccess;
    }
    m_out << tr("Timeline of node %1 (%2):").arg(node->name, node->guid) << Qt::endl;
    TextTable table({tr("TIME (UTC)"), tr("EVENT", "table heading"), tr("BY", "table heading"),
                     tr("DETAILS", "table heading"), tr("TAKEOVER", "table heading")});
    for (const NodeEvent &event : std::as_const(*events)) {
        const QString by =
            event.actorName.isEmpty() ? event.actor : tr("%1 (%2)").arg(event.actorName, event.actor);
        table.addRow({CtlOptions::utcTime(event.at), NodeEvents::describeKind(event.kind), by, event.details,
                      event.takeoverId > 0 ? QString::number(event.takeoverId) : QString()});
    }
    table.print(m_out);
    return ExitSuccess;
}

int NodesCommand::takeover(Database &database, const QString &ref, const QCommandLineParser &parser)
{
    bool isNumber = false;
    qint64 id = ref.toLongLong(&isNumber);
    if (!isNumber || id <= 0) {
        auto node = NodeRegistry::find(database, ref);
        if (!node)
            return fail(node.message());
        auto takeovers = Takeovers::list(database, node->guid);
        if (!takeovers)
            return fail(takeovers.message());
        if (takeovers->isEmpty())
            return fail(tr("No peer has taken over the work of node %1 (%2) within the retention.")
                            .arg(node->name, node->guid));
        id = takeovers->constFirst().id;
    }
    auto report = Takeovers::report(database, id);
    if (!report)
        return fail(report.message());
    if (parser.isSet(u"json"_s)) {
        m_out << QString::fromUtf8(Takeovers::toJson(*report));
        m_out.flush();
        return ExitSuccess;
    }
    const auto seconds = [](qint64 from, qint64 to) {
        return from > 0 && to > 0 ? tr("%1 s").arg((to - from) / 1000.0, 0, 'f', 3) : tr("-");
    };
    const qint64 reclaimed = report->firstReclaimAt();
    const qint64 finished = report->lastFinishedAt();
    m_out << tr("Takeover %1: node %2 (%3), marked Offline by %4 (%5)")
                 .arg(report->id)
                 .arg(report->nodeName, report->nodeGuid, report->markedByName, report->markedBy)
          << Qt::endl
          << tr("Reason: %1").arg(report->reason) << Qt::endl
          << tr("Last heartbeat %1, marked Offline %2 (%3 later)")
                 .arg(CtlOptions::utcTime(report->lastHeartbeat), CtlOptions::utcTime(report->markedAt),
                      seconds(report->lastHeartbeat, report->markedAt))
          << Qt::endl
          << tr("First reclaim %1 (%2 after the mark), last completion %3 (%4 after the first reclaim)")
                 .arg(reclaimed > 0 ? CtlOptions::utcTime(reclaimed) : tr("none yet"),
                      seconds(report->markedAt, reclaimed),
                      finished > 0 ? CtlOptions::utcTime(finished) : tr("none yet"),
                      seconds(reclaimed, finished))
          << Qt::endl
          << tr("%1 of %n job(s) finished since.", nullptr, report->jobCount).arg(report->finishedCount())
          << Qt::endl;
    if (report->jobs.isEmpty())
        return ExitSuccess;
    TextTable table({tr("JOB", "table heading"), tr("TYPE", "table heading"), tr("RETURNED AS"),
                     tr("STATE NOW"), tr("RAN BY"), tr("RECLAIMED", "table heading"),
                     tr("FINISHED", "table heading")});
    table.alignRight(0);
    for (const TakeoverJob &job : std::as_const(report->jobs)) {
        table.addRow({QString::number(job.jobId), job.type, job.returnedAs,
                      job.inPool ? job.state : tr("purged"),
                      job.ranBy.isEmpty() ? tr("-") : tr("%1 (%2)").arg(job.ranByName, job.ranBy),
                      job.reclaimedAt > 0 ? CtlOptions::utcTime(job.reclaimedAt) : tr("-"),
                      job.finishedAt > 0 ? CtlOptions::utcTime(job.finishedAt) : tr("-")});
    }
    table.print(m_out);
    return ExitSuccess;
}

int NodesCommand::hold(Database &database, const QString &ref, bool drain, const QCommandLineParser &parser)
{
    auto node = NodeRegistry::find(database, ref);
    if (!node)
        return fail(node.message());
    if (node->state != u"online"_s)
        return fail(tr("Node %1 (%2) is %3; only an Online node can be %4.")
                        .arg(node->name, node->guid, nodeDisplayStatus(*node),
                             drain ? tr("drained", "action done") : tr("resumed", "action done")));
    auto secret = MasterKey::readSecretFile(parser.value(u"secret-file"_s));
    if (!secret)
        return fail(secret.message());
    auto cluster = Cluster::load(database);
    if (!cluster)
        return fail(cluster.message());
    if (!cluster->has_value())
        return fail(tr("The database holds no cluster."));
    const ClusterInfo &info = **cluster;
    auto key = MasterKey::unwrap(info.wrappedDataKey, *secret, info.keyContext());
    if (!key)
        return fail(key.message());
    auto db = database.connection();
    if (!db)
        return fail(db.message());
    auto token = ConfigProperties::read(*db, *key, info.keyContext(), Property::NodeApiToken);
    if (!token)
        return fail(token.message());
    if (!token->has_value())
        return fail(tr("The cluster has no node API token yet; start a node once to make one."));
    const QString actor = parser.isSet(u"actor"_s) ? parser.value(u"actor"_s).trimmed() : CtlOptions::actor();
    const QByteArray body = QJsonDocument(QJsonObject{{u"actor"_s, actor}}).toJson(QJsonDocument::Compact);
    auto answer =
        NodeApiCall::request(node->apiAddress, node->certSha256, "POST",
                             drain ? u"/api/v1/node/drain"_s : u"/api/v1/node/resume"_s, **token, body);
    if (!answer)
        return fail(answer.message());
    if (answer->status != 200)
        return fail(tr("Node %1 refused: %2").arg(node->name, answer->errorText()));
    const bool already = answer->json.value(u"already"_s).toBool();
    if (parser.isSet(u"json"_s)) {
        m_out << QString::fromUtf8(QJsonDocument(answer->json).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }
    if (drain)
        m_out
            << (already
                    ? tr("Node %1 (%2) was already draining.")
                    : tr("Node %1 (%2) is draining: it claims no new jobs, and its running ones finish or go "
                         "back within its grace. See \"cohortctl nodes events %1\" for when it is drained."))
                   .arg(node->name, node->guid)
            << Qt::endl;
    else
        m_out << (already ? tr("Node %1 (%2) was not draining.") : tr("Node %1 (%2) claims jobs again."))
                     .arg(node->name, node->guid)
              << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
