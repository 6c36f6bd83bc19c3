#include "softwareversion.h"

#include "alerts.h"
#include "auditlog.h"
#include "logging.h"
#include "nodeevents.h"
#include "schema.h"

#include <QVersionNumber>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int FirstVersionWithColumn = 4;

const QString SelectClusterVersion = u"SELECT software_version FROM cluster WHERE id = 1"_s;
const QString RaiseClusterVersion = u"UPDATE cluster SET software_version = ? WHERE id = 1"_s;
const QString SelectOtherNodes =
    u"SELECT guid, name, version FROM nodes WHERE state <> 'decommissioned' AND guid <> ? ORDER BY name"_s;
// Also takes the row lock a claim shares: a claim in flight finishes first, and any later
// one sees the mark.
const QString MarkForUpgrade = u"UPDATE nodes SET upgrade_to = ? WHERE guid = ?"_s;

} // namespace

int SoftwareVersion::compare(const QString &a, const QString &b)
{
    return QVersionNumber::compare(QVersionNumber::fromString(a), QVersionNumber::fromString(b));
}

bool SoftwareVersion::isValid(const QString &text)
{
    qsizetype suffix = 0;
    const QVersionNumber number = QVersionNumber::fromString(text, &suffix);
    return !number.isNull() && suffix == text.size();
}

Result<QString> SoftwareVersion::ofCluster(QSqlDatabase &db, const Dialect &dialect)
{
    auto schema = Schema::version(db, dialect);
    if (!schema)
        return schema.error();
    if (*schema < FirstVersionWithColumn)
        return QString();
    auto query = execQuery(db, SelectClusterVersion, {}, tr("reading the cluster's software version"));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toString() : QString();
}

Result<QString> SoftwareVersion::ofCluster(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    return ofCluster(*db, database.dialect());
}

Result<VersionAdmission> SoftwareVersion::admit(QSqlDatabase &db, const Dialect &dialect, const QString &mine,
                                                const QString &nodeGuid, const QString &nodeName)
{
    if (!isValid(mine))
        return makeError(ErrorCode::InvalidArgument, tr("\"%1\" is not a version number.").arg(mine));
    auto current = ofCluster(db, dialect);
    if (!current)
        return current.error();
    VersionAdmission admission;
    admission.clusterVersion = *current;
    const int order = current->isEmpty() ? 1 : compare(mine, *current);
    if (order < 0) {
        return makeError(
            ErrorCode::UpgradeRequired,
            tr("The cluster runs version %1 and this node version %2: upgrade this node to %1. Until "
               "then it does no work.")
                .arg(*current, mine));
    }
    if (order == 0)
        return admission;

    auto raised = execQuery(db, RaiseClusterVersion, {mine}, tr("recording the cluster's software version"));
    if (!raised)
        return raised.error();
    auto others = execQuery(db, SelectOtherNodes, {nodeGuid}, tr("listing the nodes to upgrade"));
    if (!others)
        return others.error();
    struct Older
    {
        QString guid;
        QString name;
        QString version;
    };
    QList<Older> older;
    while (others->next()) {
        const QString version = others->value(2).toString();
        if (compare(version, mine) < 0)
            older.append({others->value(0).toString(), others->value(1).toString(), version});
    }
    others->finish();
    for (const Older &node : std::as_const(older)) {
        auto marked = execQuery(db, MarkForUpgrade, {mine, node.guid},
                                tr("marking node %1 for upgrade").arg(node.name));
        if (!marked)
            return marked.error();
        auto alerted =
            Alerts::raise(db, dialect, AlertKind::UpgradeRequired, Alerts::Severity::Warning, node.guid,
                          tr("Manager node %1 runs version %2; the cluster now runs %3. Upgrade it: until "
                             "then it does no work.")
                              .arg(node.name, node.version, mine));
        if (!alerted)
            return alerted.error();
        auto noted =
            NodeEvents::record(db, dialect,
                               {.nodeGuid = node.guid,
                                .kind = NodeEventKind::UpgradeRequired,
                                .actor = nodeGuid,
                                .actorName = nodeName,
                                .details = tr("%1 joined with version %2 and took over; this node runs %3.")
                                               .arg(nodeName, mine, node.version)});
        if (!noted)
            return noted.error();
        admission.superseded.append(node.name);
    }
    if (current->isEmpty() && older.isEmpty()) {
        // The first version recorded (by cohortctl init, or the first node after the schema
        // gained versions), and nobody to take over from: nothing to audit.
        admission.raised = true;
        return admission;
    }
    auto audited = AuditLog::record(
        db, dialect, nodeGuid, u"cluster.upgrade"_s, nodeGuid,
        u"name=%1 from=%2 to=%3 superseded=%4"_s.arg(nodeName, current->isEmpty() ? u"none"_s : *current,
                                                     mine, admission.superseded.join(u',')));
    if (!audited)
        return audited.error();
    admission.raised = true;
    return admission;
}

} // namespace Cohort
