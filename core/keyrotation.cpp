#include "keyrotation.h"

#include "auditlog.h"
#include "cluster.h"
#include "crypto_p.h"
#include "keypair.h"
#include "logging.h"
#include "masterkey.h"
#include "sealeddata.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString SwapKey = u"UPDATE cluster SET data_key = ?, key_check = ? WHERE id = 1 AND data_key = ?"_s;
const QString SelectProperties = u"SELECT name, sealed_value FROM config_properties"_s;
const QString UpdateProperty = u"UPDATE config_properties SET sealed_value = ? WHERE name = ?"_s;
const QString SelectUsers =
    u"SELECT id, name, full_name_sealed, email_sealed, key_public, key_data FROM users"_s;
const QString UpdateUser =
    u"UPDATE users SET full_name_sealed = ?, email_sealed = ?, key_data = ? WHERE id = ?"_s;

Error changedMeanwhile()
{
    return makeError(ErrorCode::Conflict,
                     KeyRotation::tr("The data key was changed by someone else meanwhile; "
                                     "nothing was changed. Run the command again."));
}

// The cluster, checked to be one whose sealed values can be rotated.
Result<ClusterInfo> loadCluster(Database &database)
{
    auto cluster = Cluster::load(database);
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value())
        return makeError(ErrorCode::NotFound,
                         KeyRotation::tr("The database %1 holds no cluster.").arg(database.url().redacted()));
    if ((*cluster)->schemaVersion < 5)
        return makeError(
            ErrorCode::UpgradeRequired,
            KeyRotation::tr("The database's schema is at version %1; rotating keys needs version 5. "
                            "Start a node of this version (or run \"cohortctl migrate\") first.")
                .arg((*cluster)->schemaVersion));
    return **cluster;
}

Result<MasterKey> unlock(const ClusterInfo &cluster, const QByteArray &secret)
{
    auto key = MasterKey::unwrap(cluster.wrappedDataKey, secret, cluster.keyContext());
    if (!key && key.code() == ErrorCode::AccessDenied)
        return makeError(
            ErrorCode::AccessDenied,
            KeyRotation::tr("The current secret does not unlock the data key; nothing was changed."));
    return key;
}

} // namespace

Result<void> KeyRotation::rotateSecret(Database &database, const QByteArray &currentSecret,
                                       const QByteArray &newSecret, const QString &actor)
{
    if (Crypto::constantTimeEquals(currentSecret, newSecret))
        return makeError(ErrorCode::InvalidArgument, tr("The new secret is the current one; nothing to do."));
    auto cluster = loadCluster(database);
    if (!cluster)
        return cluster.error();
    auto key = unlock(*cluster, currentSecret);
    if (!key)
        return key.error();
    auto wrapped = key->wrap(newSecret, cluster->keyContext());
    if (!wrapped)
        return wrapped.error();
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        auto swapped = execQuery(db, SwapKey, {*wrapped, key->checkValue(), cluster->wrappedDataKey},
                                 tr("storing the re-wrapped data key"));
        if (!swapped)
            return swapped.error();
        if (swapped->numRowsAffected() != 1)
            return changedMeanwhile();
        return AuditLog::record(db, database.dialect(), actor, u"masterkey.rotate-secret"_s,
                                cluster->clusterId, QString());
    });
}

Result<KeyRotationOutcome> KeyRotation::rotateKey(Database &database, const QByteArray &secret,
                                                  const QString &actor)
{
    auto cluster = loadCluster(database);
    if (!cluster)
        return cluster.error();
    auto oldKey = unlock(*cluster, secret);
    if (!oldKey)
        return oldKey.error();
    auto newKey = MasterKey::generate();
    if (!newKey)
        return newKey.error();
    auto wrapped = newKey->wrap(secret, cluster->keyContext());
    if (!wrapped)
        return wrapped.error();
    const QByteArray context = cluster->keyContext();

    const auto reseal = [&](const QString &stored, const QByteArray &where,
                            const QString &what) -> Result<QString> {
        auto opened = SealedData::openText(*oldKey, stored, where, what);
        if (!opened)
            return opened.error();
        return SealedData::sealText(*newKey, *opened, where);
    };

    return database.write([&](QSqlDatabase &db) -> Result<KeyRotationOutcome> {
        // The swap first: it locks the cluster row, so every writer of sealed values
        // (SealedData::lockCurrentKey) waits for this transaction and then sees the new key.
        auto swapped = execQuery(db, SwapKey, {*wrapped, newKey->checkValue(), cluster->wrappedDataKey},
                                 tr("storing the new data key"));
        if (!swapped)
            return swapped.error();
        if (swapped->numRowsAffected() != 1)
            return changedMeanwhile();
        swapped->finish();

        KeyRotationOutcome outcome;
        struct Sealed
        {
            QString name;
            QString value;
        };
        QList<Sealed> properties;
        {
            auto query = execQuery(db, SelectProperties, {}, tr("reading the secret properties"));
            if (!query)
                return query.error();
            while (query->next())
                properties.append({query->value(0).toString(), query->value(1).toString()});
        }
        for (const Sealed &property : properties) {
            auto resealed = reseal(property.value, SealedData::property(context, property.name),
                                   tr("the property %1").arg(property.name));
            if (!resealed)
                return resealed.error();
            if (auto updated = execQuery(db, UpdateProperty, {*resealed, property.name}); !updated)
                return updated.error();
            ++outcome.properties;
        }

        struct User
        {
            qint64 id;
            QString name, fullName, email, publicKey, keyCopy;
        };
        QList<User> users;
        {
            auto query = execQuery(db, SelectUsers, {}, tr("reading the users"));
            if (!query)
                return query.error();
            while (query->next())
                users.append({query->value(0).toLongLong(), query->value(1).toString(),
                              query->value(2).toString(), query->value(3).toString(),
                              query->value(4).toString(), query->value(5).toString()});
        }
        for (const User &user : users) {
            auto fullName =
                reseal(user.fullName, SealedData::userField(context, user.id, u"full_name_sealed"),
                       tr("user %1's full name").arg(user.name));
            if (!fullName)
                return fullName.error();
            auto email = reseal(user.email, SealedData::userField(context, user.id, u"email_sealed"),
                                tr("user %1's e-mail address").arg(user.name));
            if (!email)
                return email.error();
            outcome.personalValues += int(!user.fullName.isEmpty()) + int(!user.email.isEmpty());
            // Only administrators who held a copy get one of the new key.
            QString keyCopy = u""_s;
            if (!user.keyCopy.isEmpty()) {
                auto publicKey = KeyPair::parsePublicKey(user.publicKey);
                if (!publicKey)
                    return makeError(publicKey.code(), tr("User %1: %2").arg(user.name, publicKey.message()));
                auto sealedCopy = newKey->sealTo(*publicKey, SealedData::userDataKey(context, user.id));
                if (!sealedCopy)
                    return sealedCopy.error();
                keyCopy = *sealedCopy;
                ++outcome.keyCopies;
            }
            if (auto updated = execQuery(db, UpdateUser, {*fullName, *email, keyCopy, user.id}); !updated)
                return updated.error();
        }

        auto audited =
            AuditLog::record(db, database.dialect(), actor, u"masterkey.rotate-key"_s, cluster->clusterId,
                             u"properties=%1 personal=%2 key_copies=%3"_s.arg(outcome.properties)
                                 .arg(outcome.personalValues)
                                 .arg(outcome.keyCopies));
        if (!audited)
            return audited.error();
        qCInfo(lcCore) << "rotated the data key of cluster" << cluster->clusterId;
        return outcome;
    });
}

} // namespace Cohort
