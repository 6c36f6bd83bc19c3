// Cluster: the one cluster a database holds: creating it (schema, data key, first
// administrator, all in one transaction) and unlocking its data key.
#pragma once

#include "database.h"
#include "masterkey.h"
#include "result.h"
#include "schema.h"

#include <QCoreApplication>

#include <optional>

namespace Cohort {

struct ClusterInfo
{
    QString clusterId;
    QString name;
    qint64 createdAt = 0;
    QString createdByVersion;
    QString wrappedDataKey;
    int schemaVersion = 0;
    QString softwareVersion; // the version its nodes run (see SoftwareVersion)
    QString keyCheck;        // identifies the current data key (MasterKey::checkValue); schema 5

    // Binds the wrapped key and sealed values to this cluster.
    QByteArray keyContext() const;
};

struct ClusterInitRequest
{
    QString name;
    QByteArray secret;
    QString adminName;
    QString adminPassword;
    QString adminFullName; // sealed, like every user's personal data
    QString adminEmail;
    QString actor; // who runs it, for schema_migrations and the audit log
    // The schema version to create: the current one, or lower in tests that need the
    // cluster an older program made (to upgrade it).
    int schemaVersion = Schema::CurrentVersion;
};

class Cluster
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Cluster)

public:
    // Creates the cluster in an empty database (or one with only the schema). Refuses,
    // changing nothing, when the database already holds a cluster.
    static Result<ClusterInfo> initialize(Database &database, const ClusterInitRequest &request);

    // Like initialize(), and where the URL names a SQLite file that does not exist yet,
    // builds the database beside it and moves it into place only once complete: a
    // failed creation leaves no file, and a concurrent one is never overwritten.
    static Result<ClusterInfo> create(const DatabaseUrl &url, const ClusterInitRequest &request);

    // The cluster, or nullopt when the database holds none (or has no schema yet).
    static Result<std::optional<ClusterInfo>> load(Database &database);

    // Loads the cluster and unwraps its data key with the local secret.
    static Result<MasterKey> unlock(Database &database, const QByteArray &secret);
};

} // namespace Cohort
