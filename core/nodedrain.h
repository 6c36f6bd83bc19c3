// NodeDrain: an administrator's drain of a node, as the node records it. A drained node
// claims nothing (its claims require draining_since to be unset), finishes or hands back
// what it runs within its grace, stays a live peer, and shows as Draining everywhere until
// it is resumed. Each change is one transaction with its timeline event and audit entry,
// written by the node itself (the request reached it through its API; actor: who asked).
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

class NodeDrain
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeDrain)

public:
    // Sets or clears draining_since for this run of the node; event "draining" or
    // "resumed", audit "node.drain" or "node.resume". Returns whether it changed anything.
    static Result<bool> set(Database &database, const QString &guid, const QString &incarnation,
                            bool draining, const QString &actor);
    // Nothing runs any more: event "drained" (once per drain).
    static Result<void> noteDrained(Database &database, const QString &guid, int handedBack);
};

} // namespace Cohort
