#include "nodedrain.h"

#include "auditlog.h"
#include "nodeevents.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString StartDrain = uR"(
    UPDATE nodes SET draining_since = %1
     WHERE guid = ? AND incarnation = ? AND state = 'online' AND draining_since IS NULL)"_s;
const QString EndDrain = uR"(
    UPDATE nodes SET draining_since = NULL
     WHERE guid = ? AND incarnation = ? AND draining_since IS NOT NULL)"_s;
const QString SelectName = u"SELECT name FROM nodes WHERE guid = ?"_s;

} // namespace

Result<bool> NodeDrain::set(Database &database, const QString &guid, const QString &incarnation,
                            bool draining, const QString &actor)
{
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<bool> {
        auto changed =
            execQuery(db, draining ? StartDrain.arg(dialect.nowMillis()) : EndDrain, {guid, incarnation},
                      draining ? tr("recording the drain") : tr("recording the resume"));
        if (!changed)
            return changed.error();
        if (changed->numRowsAffected() != 1)
            return false;
        changed->finish();
        auto name = execQuery(db, SelectName, {guid}, tr("reading the node's name"));
        if (!name)
            return name.error();
        const QString nodeName = name->next() ? name->value(0).toString() : guid;
        name->finish();
        const QString who = actor.isEmpty() ? tr("an administrator") : actor;
        if (auto noted = NodeEvents::record(
                db, dialect,
                {.nodeGuid = guid,
                 .kind = draining ? NodeEventKind::Draining : NodeEventKind::Resumed,
                 .actor = actor,
                 .actorName = {},
                 .details = draining
                                ? tr("Drained by %1: it claims no new jobs; running ones finish or go back "
                                     "within the grace.")
                                      .arg(who)
                                : tr("Resumed by %1: it claims jobs again.").arg(who)});
            !noted)
            return noted.error();
        if (auto audited = AuditLog::record(db, dialect, actor.isEmpty() ? u"node-api"_s : actor,
                                            draining ? u"node.drain"_s : u"node.resume"_s, guid,
                                            u"name=%1"_s.arg(nodeName));
            !audited)
            return audited.error();
        return true;
    });
}

Result<void> NodeDrain::noteDrained(Database &database, const QString &guid, int handedBack)
{
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        return NodeEvents::record(
            db, dialect,
            {.nodeGuid = guid,
             .kind = NodeEventKind::Drained,
             .actor = guid,
             .actorName = {},
             .details = handedBack > 0 ? tr("Drained: nothing runs any more; %n job(s) not finished "
                                            "within the grace went back to the pool.",
                                            nullptr, handedBack)
                                       : tr("Drained: nothing runs any more. It can be stopped and "
                                            "decommissioned.")});
    });
}

} // namespace Cohort
