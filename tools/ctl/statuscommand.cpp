#include "statuscommand.h"

#include "alerts.h"
#include "cluster.h"
#include "ctloptions.h"
#include "schema.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Cohort {

QString StatusCommand::name() const
{
    return u"status"_s;
}

QString StatusCommand::summary() const
{
    return tr("Shows the cluster a database holds, and checks a local secret against it.");
}

void StatusCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::secretFile());
    parser.addOption(CtlOptions::json());
}

int StatusCommand::run(const QCommandLineParser &parser)
{
    QString url;
    if (!required(parser, u"db"_s, &url))
        return ExitUsage;
    auto database = CtlOptions::openDatabase(url);
    if (!database)
        return invalid(database.message());
    auto cluster = Cluster::load(**database);
    if (!cluster)
        return fail(cluster.message());
    if (!cluster->has_value())
        return fail(tr("%1 holds no cluster; create one with \"cohortctl init\".")
                        .arg((*database)->url().redacted()));
    const ClusterInfo &info = **cluster;

    QString keyState;
    int code = ExitSuccess;
    QString fingerprint;
    if (parser.isSet(u"secret-file"_s)) {
        auto secret = MasterKey::readSecretFile(parser.value(u"secret-file"_s));
        if (!secret)
            return fail(secret.message());
        auto key = MasterKey::unwrap(info.wrappedDataKey, *secret, info.keyContext());
        if (key) {
            fingerprint = QString::fromLatin1(key->fingerprint().toHex().left(16));
            keyState = tr("unlocked by %1 (fingerprint %2)").arg(parser.value(u"secret-file"_s), fingerprint);
        } else {
            keyState = key.message();
            code = ExitFailure;
        }
    } else {
        keyState = tr("not checked (pass --secret-file)");
    }

    // The open alerts (not cleared), newest first.
    auto recent = Alerts::recent(**database, 500);
    if (!recent)
        return fail(recent.message());
    QList<AlertRow> open;
    for (const AlertRow &alert : std::as_const(*recent)) {
        if (alert.clearedAt == 0)
            open.append(alert);
    }

    const QString created = QDateTime::fromMSecsSinceEpoch(info.createdAt, Qt::UTC).toString(Qt::ISODate);
    if (parser.isSet(u"json"_s)) {
        QJsonObject object{{u"cluster_id"_s, info.clusterId},
                           {u"name"_s, info.name},
                           {u"created_at"_s, created},
                           {u"created_by_version"_s, info.createdByVersion},
                           {u"software_version"_s, info.softwareVersion},
                           {u"schema_version"_s, info.schemaVersion},
                           {u"program_schema_version"_s, Schema::CurrentVersion},
                           {u"database"_s, (*database)->url().redacted()}};
        QJsonArray alerts;
        for (const AlertRow &alert : std::as_const(open)) {
            alerts.append(QJsonObject{{u"id"_s, alert.id},
                                      {u"kind"_s, alert.kind},
                                      {u"severity"_s, alert.severity},
                                      {u"node"_s, alert.nodeName},
                                      {u"message"_s, alert.message},
                                      {u"raised_at"_s, CtlOptions::utcTime(alert.raisedAt)},
                                      {u"acknowledged"_s, alert.acknowledgedAt > 0}});
        }
        object.insert(u"open_alerts"_s, alerts);
        if (parser.isSet(u"secret-file"_s)) {
            object.insert(u"data_key_unlocked"_s, code == ExitSuccess);
            object.insert(code == ExitSuccess ? u"data_key_fingerprint"_s : u"data_key_error"_s,
                          code == ExitSuccess ? fingerprint : keyState);
        }
        m_out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    } else {
        m_out << tr("Cluster:         %1 (%2)").arg(info.name, info.clusterId) << u'\n'
              << tr("Created:         %1 by version %2").arg(created, info.createdByVersion) << u'\n'
              << tr("Runs version:    %1")
                     .arg(info.softwareVersion.isEmpty() ? tr("(not recorded yet)") : info.softwareVersion)
              << u'\n'
              << tr("Schema version:  %1 (this program: %2)")
                     .arg(info.schemaVersion)
                     .arg(Schema::CurrentVersion)
              << u'\n' << tr("Database:        %1").arg((*database)->url().redacted()) << u'\n'
              << tr("Data key:        %1").arg(keyState) << u'\n'
              << tr("Open alerts:     %1").arg(open.size()) << Qt::endl;
        for (const AlertRow &alert : std::as_const(open))
            m_out << u"  "_s << CtlOptions::utcTime(alert.raisedAt) << u"  "_s << alert.severity << u"  "_s
                  << alert.message << Qt::endl;
    }
    if (code != ExitSuccess)
        m_err << tr("cohortctl %1: error: %2").arg(name(), keyState) << Qt::endl;
    return code;
}

} // namespace Cohort
