// The words and keys for a node's status (noderegistry.h): what every view and the CLI
// show, and what JSON carries.
#include "noderegistry.h"

using namespace Qt::StringLiterals;

namespace Cohort {

QString nodeStatusText(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Online:
        return NodeRegistry::tr("Online", "node status");
    case NodeStatus::Offline:
        return NodeRegistry::tr("Offline", "node status");
    case NodeStatus::UpgradeRequired:
        return NodeRegistry::tr("Offline (Upgrade Required)");
    case NodeStatus::Decommissioned:
        return NodeRegistry::tr("Decommissioned", "node status");
    }
    Q_UNREACHABLE();
}

QString nodeStatusKey(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Online:
        return u"online"_s;
    case NodeStatus::Offline:
        return u"offline"_s;
    case NodeStatus::UpgradeRequired:
        return u"upgrade-required"_s;
    case NodeStatus::Decommissioned:
        return u"decommissioned"_s;
    }
    Q_UNREACHABLE();
}

QString nodeDisplayStatus(const NodeInfo &node)
{
    if (node.status == NodeStatus::Online && node.drainingSince > 0)
        return NodeRegistry::tr("Draining", "node status");
    return nodeStatusText(node.status);
}

QString nodeDisplayStatusKey(const NodeInfo &node)
{
    if (node.status == NodeStatus::Online && node.drainingSince > 0)
        return u"draining"_s;
    return nodeStatusKey(node.status);
}

} // namespace Cohort
