#include "decommissioncommand.h"

#include "ctloptions.h"
#include "decommissionpreflight.h"
#include "noderegistry.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qsizetype MaxActorLength = 200;

} // namespace

QString DecommissionCommand::name() const
{
    return u"decommission"_s;
}

QString DecommissionCommand::summary() const
{
    return tr("Removes an Offline manager node from the cluster for good.");
}

QString DecommissionCommand::description() const
{
    return summary() + u"\n\n"_s
           + tr("Only an Offline node can be decommissioned: stop it first, or wait until its peers\n"
                "mark it Offline. Its GUID can never rejoin the cluster. The change is recorded in\n"
                "the audit log. Before it, --dry-run lists what it will change: the agents whose last\n"
                "check-in went to the node and the manager list version they then get, the local job\n"
                "runs recorded for it and the open alerts about it, which are cleared.");
}

void DecommissionCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(
        {u"actor"_s,
         tr("Who decommissions the node, for the audit log (default: %1).").arg(CtlOptions::actor()),
         u"NAME"_s});
    parser.addOption(
        {u"dry-run"_s, tr("Lists what decommissioning the node would change, and changes nothing.")});
    parser.addOption(CtlOptions::json());
    parser.addPositionalArgument(u"NODE"_s,
                                 tr("The node to decommission: its GUID, or a name only one node has."));
}

int DecommissionCommand::run(const QCommandLineParser &parser)
{
    const QStringList nodes = parser.positionalArguments();
    if (nodes.size() != 1)
        return usage(tr("give exactly one NODE to decommission"));
    const QString node = nodes.constFirst();
    if (node.trimmed().isEmpty())
        return invalid(tr("the NODE to decommission cannot be empty"));

    QString actor = CtlOptions::actor();
    if (parser.isSet(u"actor"_s)) {
        actor = parser.value(u"actor"_s).trimmed();
        if (actor.isEmpty())
            return invalid(tr("--actor cannot be empty"));
        if (actor.size() > MaxActorLength)
            return invalid(tr("--actor is longer than %1 characters").arg(MaxActorLength));
        for (const QChar c : std::as_const(actor)) {
            if (c.category() == QChar::Other_Control)
                return invalid(tr("--actor must be one line of printable text"));
        }
    }

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    const bool json = parser.isSet(u"json"_s);
    const auto print = [&](const DecommissionPlan &plan) {
        if (json) {
            m_out << QString::fromUtf8(QJsonDocument(plan.toJson()).toJson(QJsonDocument::Indented));
            m_out.flush();
            return;
        }
        for (const QString &line : plan.describe())
            m_out << u"  "_s << line << Qt::endl;
        for (const PreflightAgent &agent : plan.agents)
            m_out << u"    "_s
                  << tr("agent %1, last check-in %2, %3")
                         .arg(agent.guid, CtlOptions::utcTime(agent.lastCheckin), agent.state)
                  << Qt::endl;
        for (const PreflightAlert &alert : plan.alerts)
            m_out << u"    "_s << tr("alert %1 (%2): %3").arg(alert.id).arg(alert.kind, alert.message)
                  << Qt::endl;
    };
    if (parser.isSet(u"dry-run"_s)) {
        auto plan = DecommissionPreflight::check(*database, node);
        if (!plan)
            return plan.code() == ErrorCode::InvalidArgument ? invalid(plan.message()) : fail(plan.message());
        if (!json)
            m_out << tr("Decommissioning node %1 (%2) would change:").arg(plan->nodeName, plan->nodeGuid)
                  << Qt::endl;
        print(*plan);
        return plan->allowed() ? ExitSuccess : ExitFailure;
    }
    DecommissionPlan done;
    auto decommissioned = NodeRegistry::decommission(*database, node, actor, &done);
    if (!decommissioned) {
        // An ambiguous name is a bad value; a missing or Online node, a failed operation.
        return decommissioned.code() == ErrorCode::InvalidArgument ? invalid(decommissioned.message())
                                                                   : fail(decommissioned.message());
    }
    if (!json)
        m_out << tr("Decommissioned node %1 (%2).").arg(decommissioned->name, decommissioned->guid)
              << Qt::endl;
    print(done);
    return ExitSuccess;
}

} // namespace Cohort
