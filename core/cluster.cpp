#include "cluster.h"

#include "auditlog.h"
#include "configproperties.h"
#include "logging.h"
#include "passwordhash.h"
#include "schema.h"
#include "softwareversion.h"
#include "users.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QUuid>

#include <unistd.h>

#include <cerrno>
#include <cstring>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString InsertCluster =
    u"INSERT INTO cluster (id, cluster_id, name, created_at, created_by_version, data_key) "
    "VALUES (1, ?, ?, %1, ?, ?)"_s;
const QString InsertLegacyUser =
    u"INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, %1)"_s;
const QString SelectCluster = u"SELECT cluster_id, name, created_at, created_by_version, data_key "
                              "FROM cluster WHERE id = 1"_s;

Result<std::optional<ClusterInfo>> readCluster(QSqlDatabase &db, const Dialect &dialect)
{
    auto version = Schema::version(db, dialect);
    if (!version)
        return version.error();
    if (*version == 0)
        return std::optional<ClusterInfo>();
    auto query = execQuery(db, SelectCluster, {}, Cluster::tr("reading the cluster record"));
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<ClusterInfo>();
    ClusterInfo info;
    info.clusterId = query->value(0).toString();
    info.name = query->value(1).toString();
    info.createdAt = query->value(2).toLongLong();
    info.createdByVersion = query->value(3).toString();
    info.wrappedDataKey = query->value(4).toString();
    info.schemaVersion = *version;
    query->finish();
    auto software = SoftwareVersion::ofCluster(db, dialect);
    if (!software)
        return software.error();
    info.softwareVersion = *software;
    if (*version >= 5) {
        auto check = execQuery(db, u"SELECT key_check FROM cluster WHERE id = 1"_s, {},
                               Cluster::tr("reading the cluster record"));
        if (!check)
            return check.error();
        if (check->next())
            info.keyCheck = check->value(0).toString();
    }
    return std::optional<ClusterInfo>(info);
}

Error alreadyHolds(const ClusterInfo &info)
{
    return makeError(
        ErrorCode::AlreadyExists,
        Cluster::tr("This database already holds cluster \"%1\" (%2), created %3; nothing was changed.")
            .arg(info.name, info.clusterId,
                 QDateTime::fromMSecsSinceEpoch(info.createdAt, Qt::UTC).toString(Qt::ISODate)));
}

} // namespace

QByteArray ClusterInfo::keyContext() const
{
    return "cohort-cluster:" + clusterId.toUtf8();
}

Result<ClusterInfo> Cluster::initialize(Database &database, const ClusterInitRequest &request)
{
    for (const QString &problem :
         {Users::nameProblem(request.adminName), PasswordHash::weakness(request.adminPassword),
          Users::fullNameProblem(request.adminFullName), Users::emailProblem(request.adminEmail)}) {
        if (!problem.isEmpty())
            return makeError(ErrorCode::InvalidArgument, problem);
    }
    if (request.name.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, tr("The cluster name is empty."));

    // Fail early, before the slow key derivation, when the answer is already known.
    if (auto existing = load(database); !existing)
        return existing.error();
    else if (existing->has_value())
        return alreadyHolds(**existing);

    ClusterInfo info;
    info.clusterId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    info.name = request.name.trimmed();
    info.createdByVersion = QStringLiteral(COHORT_VERSION_STRING);

    auto key = MasterKey::generate();
    if (!key)
        return key.error();
    auto wrapped = key->wrap(request.secret, info.keyContext());
    if (!wrapped)
        return wrapped.error();
    info.wrappedDataKey = *wrapped;
    // The slow parts (password hash, the administrator's key pair) before the transaction.
    NewUser admin;
    admin.name = request.adminName;
    admin.password = request.adminPassword;
    admin.role = Role::Administrator;
    admin.fullName = request.adminFullName;
    admin.email = request.adminEmail;
    auto prepared = Users::prepare(admin, info.keyContext());
    if (!prepared)
        return prepared.error();
    auto token = ConfigProperties::generate(Property::NodeApiToken);
    if (!token)
        return token.error();

    const Dialect &dialect = database.dialect();
    auto migrated = Schema::migrate(
        database, request.actor,
        [&](QSqlDatabase &db, const MigrationOutcome &outcome) -> Result<void> {
            // Checked again under the migration lock: another init may have won the race.
            auto existing = readCluster(db, dialect);
            if (!existing)
                return existing.error();
            if (existing->has_value())
                return alreadyHolds(**existing);
            auto inserted = execQuery(db, InsertCluster.arg(dialect.nowMillis()),
                                      {info.clusterId, info.name, info.createdByVersion, info.wrappedDataKey},
                                      tr("creating the cluster record"));
            if (!inserted)
                return inserted.error();
            inserted->finish();
            // The program that creates the cluster sets the version it runs.
            if (outcome.toVersion >= 4) {
                auto recorded =
                    SoftwareVersion::admit(db, dialect, info.createdByVersion, request.actor, request.actor);
                if (!recorded)
                    return recorded.error();
            }
            if (outcome.toVersion >= 5) {
                if (auto user = Users::insert(db, dialect, *prepared, *key, info.keyContext()); !user)
                    return user.error();
                if (auto stored = ConfigProperties::store(db, dialect, *key, info.keyContext(),
                                                          Property::NodeApiToken, *token, request.actor);
                    !stored)
                    return stored;
            } else {
                // The users table an older program made: no personal data, no keys.
                auto user =
                    execQuery(db, InsertLegacyUser.arg(dialect.nowMillis()),
                              {request.adminName, prepared->passwordHash, roleName(Role::Administrator)},
                              tr("creating user %1").arg(request.adminName));
                if (!user)
                    return user.error();
            }
            info.schemaVersion = outcome.toVersion;
            return AuditLog::record(db, dialect, request.actor, u"cluster.init"_s, info.clusterId,
                                    u"name=%1 admin=%2"_s.arg(info.name, request.adminName));
        },
        request.schemaVersion);
    if (!migrated)
        return migrated.error();

    auto created = load(database);
    if (!created)
        return created.error();
    if (!created->has_value())
        return makeError(ErrorCode::Database, tr("The cluster record vanished right after it was created."));
    qCInfo(lcCore) << "created cluster" << info.clusterId << "in" << database.url().redacted();
    return **created;
}

Result<ClusterInfo> Cluster::create(const DatabaseUrl &url, const ClusterInitRequest &request)
{
    if (url.backend() != Backend::Sqlite || QFileInfo::exists(url.path())) {
        Database database(url, Database::SqliteFile::CreateIfMissing);
        return initialize(database, request);
    }

    const QString target = url.path();
    auto suffix = randomBytes(6);
    if (!suffix)
        return suffix.error();
    const QString staging = target + u".init-"_s + QString::fromLatin1(suffix->toHex());
    auto stagingUrl = DatabaseUrl::parse(u"sqlite:"_s + staging);
    if (!stagingUrl)
        return stagingUrl.error();
    const auto removeStaging = [&staging] {
        for (const QString &extension : {u""_s, u"-wal"_s, u"-shm"_s, u"-journal"_s})
            QFile::remove(staging + extension);
    };

    Result<ClusterInfo> created = makeError(ErrorCode::Database, QString());
    {
        Database database(*stagingUrl, Database::SqliteFile::CreateIfMissing);
        created = initialize(database, request);
    } // Closing the last connection checkpoints the WAL into the file and removes it.
    if (!created) {
        removeStaging();
        return created;
    }

    // link(2) refuses to replace an existing file, unlike rename(2).
    const QByteArray from = QFile::encodeName(staging);
    const QByteArray to = QFile::encodeName(target);
    if (::link(from.constData(), to.constData()) != 0) {
        const int error = errno;
        removeStaging();
        if (error == EEXIST)
            return makeError(
                ErrorCode::AlreadyExists,
                tr("Another process created %1 meanwhile; this init changed nothing.").arg(target));
        return makeError(ErrorCode::Io, tr("Cannot move the new database into place at %1: %2.")
                                            .arg(target, QString::fromLocal8Bit(std::strerror(error))));
    }
    removeStaging();
    return created;
}

Result<std::optional<ClusterInfo>> Cluster::load(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    return readCluster(*db, database.dialect());
}

Result<MasterKey> Cluster::unlock(Database &database, const QByteArray &secret)
{
    auto info = load(database);
    if (!info)
        return info.error();
    if (!info->has_value())
        return makeError(ErrorCode::NotFound,
                         tr("The database %1 holds no cluster; create one with \"cohortctl init\".")
                             .arg(database.url().redacted()));
    return MasterKey::unwrap((*info)->wrappedDataKey, secret, (*info)->keyContext());
}

} // namespace Cohort
