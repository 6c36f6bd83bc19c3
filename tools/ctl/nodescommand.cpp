#include "nodescommand.h"

#include "ctloptions.h"
#include "jobpool.h"
#include "noderegistry.h"
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

void NodesCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
}

int NodesCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return usage(tr("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto nodes = NodeRegistry::list(*database);
    if (!nodes)
        return fail(nodes.message());
    // "Ago" by the database's clock, which is what the heartbeats were written with.
    auto now = JobPool::now(*database);
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
                {u"required_version"_s,
                 node.requiredVersion.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(node.requiredVersion)},
                {u"status"_s, nodeStatusKey(node.status)},
                {u"status_text"_s, nodeStatusText(node.status)},
                {u"last_contact"_s, node.lastHeartbeat > 0 ? QJsonValue(CtlOptions::utcTime(node.lastHeartbeat))
                                                           : QJsonValue(QJsonValue::Null)},
                {u"last_contact_ms"_s, node.lastHeartbeat > 0 ? QJsonValue(node.lastHeartbeat)
                                                              : QJsonValue(QJsonValue::Null)},
                {u"jobs_last_hour"_s, node.jobsLastHour},
                {u"running_jobs"_s, node.runningJobs},
                {u"hostname"_s, node.hostname},
                {u"pid"_s, node.pid},
                {u"time_zone"_s, node.tzName},
                {u"utc_offset_seconds"_s, node.tzOffsetSeconds},
                {u"clock_offset_ms"_s, node.clockSkewMs},
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
    TextTable table({tr("NAME"), tr("GUID"), tr("ADDRESS"), tr("VERSION"), tr("STATUS"), tr("LAST CONTACT"),
                     tr("TIME ZONE"), tr("CLOCK"), tr("JOBS (1 H)"), tr("RUNNING")});
    table.alignRight(7);
    table.alignRight(8);
    table.alignRight(9);
    for (const NodeInfo &node : std::as_const(*nodes)) {
        const QString contact = node.lastHeartbeat > 0
                                    ? tr("%1 (%2 s ago)")
                                          .arg(CtlOptions::utcTime(node.lastHeartbeat))
                                          .arg(qMax<qint64>(0, (*now - node.lastHeartbeat) / 1000))
                                    : tr("never");
        const QString version = node.requiredVersion.isEmpty()
                                    ? node.version
                                    : tr("%1 (needs %2)").arg(node.version, node.requiredVersion);
        table.addRow({node.name, node.guid, node.apiAddress, version, nodeStatusText(node.status), contact,
                      node.tzName.isEmpty() ? tr("?") : node.tzName,
                      tr("%1 s").arg(node.clockSkewMs / 1000.0, 0, 'f', 1), QString::number(node.jobsLastHour),
                      QString::number(node.runningJobs)});
    }
    table.print(m_out);
    return ExitSuccess;
}

} // namespace Cohort
