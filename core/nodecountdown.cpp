// NodeRegistry::applyCountdowns(): the takeover countdown every view shows, from the
// node list and the database's clock (noderegistry.h says what each field means).
#include "noderegistry.h"

using namespace Qt::StringLiterals;

namespace Cohort {

void NodeRegistry::applyCountdowns(QList<NodeInfo> &nodes, qint64 nowMs)
{
    const auto silentFor = [nowMs](const NodeInfo &node) {
        return node.lastHeartbeat > 0 ? qMax<qint64>(0, nowMs - node.lastHeartbeat) : qint64(-1);
    };
    // A peer that is itself past what its own peers allow cannot be counted on to mark
    // anyone: it is probably stopped or cut off too.
    const auto live = [&](const NodeInfo &peer) {
        if (peer.state != u"online"_s || peer.offlineAfterMs <= 0)
            return false;
        const qint64 age = silentFor(peer);
        return age >= 0 && age <= qMax(peer.offlineAfterMs, 2 * peer.heartbeatMs);
    };
    for (NodeInfo &node : nodes) {
        node.heartbeatAgeMs = silentFor(node);
        node.allowedSilenceMs = 0;
        node.offlineInMs = -1;
        node.countdownNote.clear();
        if (node.state != u"online"_s) {
            node.offlineInMs = node.state == u"offline"_s ? 0 : -1; // its peers did it, or it left
            continue;
        }
        int onlinePeers = 0;
        for (const NodeInfo &peer : std::as_const(nodes)) {
            if (peer.guid == node.guid || peer.state != u"online"_s)
                continue;
            ++onlinePeers;
            if (!live(peer))
                continue;
            const qint64 allows = qMax(peer.offlineAfterMs, 2 * node.heartbeatMs);
            node.allowedSilenceMs = node.allowedSilenceMs == 0 ? allows : qMin(node.allowedSilenceMs, allows);
        }
        if (node.allowedSilenceMs == 0) {
            node.countdownNote = onlinePeers == 0
                                     ? tr("No other node is Online to mark it Offline.")
                                     : tr("Every other Online node is silent too: none can mark it Offline.");
            continue;
        }
        node.offlineInMs = qMax<qint64>(0, node.allowedSilenceMs - qMax<qint64>(0, node.heartbeatAgeMs));
        if (node.offlineInMs == 0)
            node.countdownNote =
                tr("Past the threshold: a peer marks it Offline at its next check (every second), "
                   "once its own clock has seen the heartbeat stand still that long.");
    }
}

} // namespace Cohort
