#include "clusterconsistency.h"

#include "cluster.h"
#include "clustersettings.h"
#include "jobpool.h"
#include "schema.h"
#include "softwareversion.h"
#include "systemsettings.h"
#include "timecheck.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr ConsistencyField AllFields[] = {ConsistencyField::Version,     ConsistencyField::SchemaVersion,
                                          ConsistencyField::DataKey,     ConsistencyField::TimeZone,
                                          ConsistencyField::ClockOffset, ConsistencyField::ConfigHash,
                                          ConsistencyField::Certificate};
static_assert(std::size(AllFields) == ConsistencyFieldCount);

ConsistencyValue &valueOf(NodeConsistency &node, ConsistencyField field)
{
    return node.values.at(size_t(field));
}

void differs(ConsistencyValue &value, const QString &reason)
{
    value.mismatch = true;
    value.reason = reason;
}

QString offsetText(qint64 ms)
{
    return ClusterConsistency::tr("%1 s").arg(ms / 1000.0, 0, 'f', 1);
}

} // namespace

int NodeConsistency::mismatches() const
{
    return int(
        std::count_if(values.cbegin(), values.cend(), [](const ConsistencyValue &v) { return v.mismatch; }));
}

int ConsistencyReport::mismatches() const
{
    int count = 0;
    for (const NodeConsistency &node : nodes)
        count += node.mismatches();
    return count;
}

QString ConsistencyReport::summary() const
{
    if (nodes.isEmpty())
        return ClusterConsistency::tr("No manager node has joined the cluster yet.");
    const int differing = mismatches();
    if (differing == 0) {
        return ClusterConsistency::tr(
                   "All %n node(s) agree: version %1, schema %2, one data key, time zone %3, "
                   "clocks within %4 s, one configuration.",
                   nullptr, int(nodes.size()))
            .arg(reference.softwareVersion.isEmpty() ? ClusterConsistency::tr("(none recorded)")
                                                     : reference.softwareVersion)
            .arg(reference.schemaVersion)
            .arg(reference.databaseZone)
            .arg(reference.toleranceMs / 1000);
    }
    const auto affected = std::count_if(nodes.cbegin(), nodes.cend(),
                                        [](const NodeConsistency &node) { return node.mismatches() > 0; });
    return ClusterConsistency::tr("%n value(s) differ from the cluster's on %1 of %2 nodes.", nullptr,
                                  differing)
        .arg(affected)
        .arg(nodes.size());
}

QJsonObject ConsistencyReport::toJson() const
{
    QJsonArray array;
    for (const NodeConsistency &node : nodes) {
        QJsonObject values;
        for (ConsistencyField field : AllFields) {
            const ConsistencyValue &value = node.value(field);
            values.insert(
                ClusterConsistency::fieldKey(field),
                QJsonObject{{u"value"_s, value.value},
                            {u"mismatch"_s, value.mismatch},
                            {u"reason"_s, value.mismatch ? QJsonValue(value.reason) : QJsonValue()}});
        }
        array.append(QJsonObject{{u"guid"_s, node.guid},
                                 {u"name"_s, node.name},
                                 {u"status"_s, nodeStatusKey(node.status)},
                                 {u"mismatches"_s, node.mismatches()},
                                 {u"values"_s, values}});
    }
    return {{u"consistent"_s, consistent()},
            {u"summary"_s, summary()},
            {u"mismatches"_s, mismatches()},
            {u"cluster"_s,
             QJsonObject{{u"version"_s, reference.softwareVersion},
                         {u"schema_version"_s, reference.schemaVersion},
                         {u"data_key"_s, ClusterConsistency::shortened(reference.keyCheck)},
                         {u"time_zone"_s, reference.databaseZone},
                         {u"clock_tolerance_ms"_s, reference.toleranceMs},
                         {u"config_hash"_s, configHash.isEmpty() ? QJsonValue() : QJsonValue(configHash)}}},
            {u"nodes"_s, array}};
}

QString ClusterConsistency::shortened(const QString &hex)
{
    return hex.left(12);
}

QString ClusterConsistency::fieldTitle(ConsistencyField field)
{
    switch (field) {
    case ConsistencyField::Version:
        return tr("Version", "column heading");
    case ConsistencyField::SchemaVersion:
        return tr("Schema", "column heading");
    case ConsistencyField::DataKey:
        return tr("Data key");
    case ConsistencyField::TimeZone:
        return tr("Time zone");
    case ConsistencyField::ClockOffset:
        return tr("Clock offset");
    case ConsistencyField::ConfigHash:
        return tr("Configuration", "column heading");
    case ConsistencyField::Certificate:
        return tr("Certificate", "column heading");
    }
    Q_UNREACHABLE();
}

QString ClusterConsistency::fieldKey(ConsistencyField field)
{
    switch (field) {
    case ConsistencyField::Version:
        return u"version"_s;
    case ConsistencyField::SchemaVersion:
        return u"schema_version"_s;
    case ConsistencyField::DataKey:
        return u"data_key"_s;
    case ConsistencyField::TimeZone:
        return u"time_zone"_s;
    case ConsistencyField::ClockOffset:
        return u"clock_offset"_s;
    case ConsistencyField::ConfigHash:
        return u"config_hash"_s;
    case ConsistencyField::Certificate:
        return u"certificate"_s;
    }
    Q_UNREACHABLE();
}

Result<ConsistencyReport> ClusterConsistency::check(Database &database)
{
    auto nodes = NodeRegistry::list(database);
    if (!nodes)
        return nodes.error();
    auto cluster = Cluster::load(database);
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value())
        return makeError(ErrorCode::NotFound, tr("The database holds no cluster."));
    auto schema = Schema::version(database);
    if (!schema)
        return schema.error();
    auto zone = TimeCheck::databaseZone(database);
    if (!zone)
        return zone.error();
    auto tolerance = ClusterSettings::integer(database, Setting::TimeToleranceSeconds);
    if (!tolerance)
        return tolerance.error();
    auto now = JobPool::now(database);
    if (!now)
        return now.error();
    ClusterReference reference;
    reference.softwareVersion = (*cluster)->softwareVersion;
    reference.schemaVersion = *schema;
    reference.keyCheck = (*cluster)->keyCheck;
    reference.databaseZone = *zone;
    reference.toleranceMs = *tolerance * 1000;
    reference.nowMs = *now;
    return evaluate(*nodes, reference);
}

ConsistencyReport ClusterConsistency::evaluate(const QList<NodeInfo> &nodes,
                                               const ClusterReference &reference)
{
    ConsistencyReport report;
    report.reference = reference;

    // The configuration most nodes share: the cluster's, when it is a strict majority of
    // the sets there are (two nodes that disagree leave nobody to call right).
    QHash<QString, int> configs;
    QHash<QString, QStringList> certificates;
    for (const NodeInfo &node : nodes) {
        if (!node.configHash.isEmpty())
            ++configs[node.configHash];
        if (!node.certSha256.isEmpty())
            certificates[node.certSha256] << node.name;
    }
    int best = 0;
    bool tie = false;
    for (auto it = configs.cbegin(); it != configs.cend(); ++it) {
        if (it.value() > best) {
            best = it.value();
            report.configHash = it.key();
            tie = false;
        } else if (it.value() == best) {
            tie = true;
        }
    }
    if (tie)
        report.configHash.clear();

    for (const NodeInfo &node : nodes) {
        NodeConsistency row;
        row.guid = node.guid;
        row.name = node.name;
        row.status = node.status;

        ConsistencyValue &version = valueOf(row, ConsistencyField::Version);
        version.value = node.version;
        if (!reference.softwareVersion.isEmpty() && node.version != reference.softwareVersion) {
            const int order = SoftwareVersion::compare(node.version, reference.softwareVersion);
            differs(version,
                    order < 0 ? tr("Runs version %1; the cluster runs %2. Upgrade it: until then it does no "
                                   "work.")
                                    .arg(node.version, reference.softwareVersion)
                              : tr("Runs version %1, newer than the cluster's %2.")
                                    .arg(node.version, reference.softwareVersion));
        }

        ConsistencyValue &schema = valueOf(row, ConsistencyField::SchemaVersion);
        schema.value = QString::number(node.schemaVersion);
        if (node.schemaVersion != reference.schemaVersion)
            differs(schema, tr("Built for schema version %1; the database is at %2.")
                                .arg(node.schemaVersion)
                                .arg(reference.schemaVersion));

        ConsistencyValue &key = valueOf(row, ConsistencyField::DataKey);
        key.value = node.keyCheck.isEmpty() ? tr("unknown") : shortened(node.keyCheck);
        if (node.keyCheck.isEmpty())
            differs(key,
                    tr("It has not said which data key it holds: it has not run since the cluster's schema "
                       "version 8."));
        else if (!reference.keyCheck.isEmpty() && node.keyCheck != reference.keyCheck)
            differs(
                key,
                tr("Holds data key %1; the cluster's key is %2. It opens the new key at its next time check, "
                   "if its local secret unlocks it.")
                    .arg(shortened(node.keyCheck), shortened(reference.keyCheck)));

        ConsistencyValue &zone = valueOf(row, ConsistencyField::TimeZone);
        zone.value = node.tzName.isEmpty() ? tr("unknown") : node.tzName;
        if (node.tzName.isEmpty())
            differs(zone, tr("It has not reported its time zone."));
        else if (!reference.databaseZone.isEmpty()
                 && !TimeCheck::zonesAgree(node.tzName, reference.databaseZone, reference.nowMs))
            differs(zone,
                    tr("Keeps local time in %1; the database in %2. Every node must keep the database's zone "
                       "(Manager Time Out of Sync).")
                        .arg(node.tzName, reference.databaseZone));

        ConsistencyValue &clock = valueOf(row, ConsistencyField::ClockOffset);
        clock.value = offsetText(node.clockSkewMs);
        if (qAbs(node.clockSkewMs) > reference.toleranceMs)
            differs(clock, tr("Its clock was %1 %2 the database's at its last check; the tolerance is %3 s.")
                               .arg(offsetText(qAbs(node.clockSkewMs)),
                                    node.clockSkewMs > 0 ? tr("ahead of") : tr("behind"))
                               .arg(reference.toleranceMs / 1000));

        ConsistencyValue &config = valueOf(row, ConsistencyField::ConfigHash);
        config.value = node.configHash.isEmpty() ? tr("unknown") : node.configHash;
        if (node.configHash.isEmpty())
            differs(config,
                    tr("It has not reported its configuration: it has not run since the cluster's schema "
                       "version 8."));
        else if (configs.size() > 1 && report.configHash.isEmpty())
            differs(config, tr("The nodes run %n different sets of shared settings (timing overrides, grace, "
                               "migration wait, trusted proxies) and no set is the majority; compare their "
                               "configuration files.",
                               nullptr, int(configs.size())));
        else if (!report.configHash.isEmpty() && node.configHash != report.configHash)
            differs(
                config,
                tr("Its shared settings (timing overrides, grace, migration wait, trusted proxies) differ "
                   "from those of the %n other node(s) that agree; compare its configuration file with "
                   "theirs.",
                   nullptr, configs.value(report.configHash)));

        ConsistencyValue &certificate = valueOf(row, ConsistencyField::Certificate);
        certificate.value = node.certSha256.isEmpty() ? tr("none") : shortened(node.certSha256);
        if (node.certSha256.isEmpty()) {
            differs(certificate,
                    tr("No API certificate recorded: peers, agents and the console cannot pin it."));
        } else if (const QStringList sharing = certificates.value(node.certSha256); sharing.size() > 1) {
            QStringList others = sharing;
            others.removeOne(node.name);
            differs(certificate,
                    tr("Presents the same certificate as %1: a data folder copied from another node? "
                       "Delete its key and certificate to have a new pair made.")
                        .arg(others.join(u", "_s)));
        }
        report.nodes.append(row);
    }
    return report;
}

} // namespace Cohort
