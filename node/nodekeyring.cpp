#include "nodekeyring.h"

#include "alerts.h"
#include "cluster.h"
#include "configproperties.h"
#include "nodelogging.h"
#include "noderegistry.h"

#include <QMutexLocker>

using namespace Qt::StringLiterals;

namespace Cohort {

NodeKeyring::NodeKeyring(QString secretFile, QString nodeName)
    : m_secretFile(std::move(secretFile))
    , m_nodeName(std::move(nodeName))
{}

Result<void> NodeKeyring::open(Database &database, const QByteArray &secret)
{
    auto cluster = Cluster::load(database);
    if (!cluster)
        return cluster.error();
    if (!cluster->has_value())
        return makeError(ErrorCode::NotFound, tr("%1 holds no cluster.").arg(database.url().redacted()));
    auto key = MasterKey::unwrap((*cluster)->wrappedDataKey, secret, (*cluster)->keyContext());
    if (!key)
        return key.error();
    if (auto loaded = load(database, *key, (*cluster)->keyContext()); !loaded)
        return loaded;
    QMutexLocker locker(&m_mutex);
    m_key = *key;
    m_context = (*cluster)->keyContext();
    m_wrappedKey = (*cluster)->wrappedDataKey;
    // Unknown to the alerts yet: the first refresh clears one a previous run left open.
    m_secretUnlocks.reset();
    return {};
}

Result<void> NodeKeyring::load(Database &database, const MasterKey &key, const QByteArray &context)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    auto token = ConfigProperties::read(*db, key, context, Property::NodeApiToken);
    if (!token)
        return token.error();
    QMutexLocker locker(&m_mutex);
    m_apiToken = token->value_or(QString());
    return {};
}

void NodeKeyring::refresh(Database &database)
{
    auto cluster = Cluster::load(database);
    if (!cluster || !cluster->has_value())
        return; // the heartbeat reports an unreachable database
    const ClusterInfo &info = **cluster;
    if (info.schemaVersion >= 5 && apiToken().isEmpty())
        createMissingToken(database, info);
    {
        QMutexLocker locker(&m_mutex);
        if (info.wrappedDataKey == m_wrappedKey) {
            locker.unlock();
            if (!m_secretUnlocks)
                noteSecret(database, true);
            return;
        }
    }
    // The stored key changed: rotated, or re-wrapped for a new secret. Either way the
    // secret file must open it, now or at the next start.
    auto secret = MasterKey::readSecretFile(m_secretFile);
    Result<MasterKey> key = secret ? MasterKey::unwrap(info.wrappedDataKey, *secret, info.keyContext())
                                   : Result<MasterKey>(secret.error());
    if (!key) {
        qCWarning(lcNode).noquote()
            << u"the cluster's data key was changed and the secret file %1 does not unlock "
               "it: %2 This node keeps running, but would be refused at its next start."_s.arg(m_secretFile,
                                                                                               key.message());
        noteSecret(database, false);
        return;
    }
    const bool rotated = !info.keyCheck.isEmpty() && info.keyCheck != keyCheck();
    if (rotated) {
        if (auto loaded = load(database, *key, info.keyContext()); !loaded) {
            qCWarning(lcNode).noquote()
                << "cannot read the secret properties with the new data key:" << loaded.message();
            return; // tried again at the next refresh
        }
        qCInfo(lcNode) << "the cluster's data key was rotated; holding the new one";
        if (!m_nodeGuid.isEmpty()) {
            if (auto recorded = NodeRegistry::recordKeyCheck(database, m_nodeGuid, info.keyCheck); !recorded)
                qCWarning(lcNode).noquote()
                    << "cannot record the new key's check value:" << recorded.message();
        }
    } else {
        qCInfo(lcNode).noquote()
            << u"the data key was re-wrapped for a new local secret, and %1 unlocks it"_s.arg(m_secretFile);
    }
    {
        QMutexLocker locker(&m_mutex);
        m_key = *key;
        m_context = info.keyContext();
        m_wrappedKey = info.wrappedDataKey;
    }
    noteSecret(database, true);
}

void NodeKeyring::createMissingToken(Database &database, const ClusterInfo &cluster)
{
    std::optional<MasterKey> key;
    {
        QMutexLocker locker(&m_mutex);
        key = m_key;
    }
    auto token = ConfigProperties::generate(Property::NodeApiToken);
    if (!key || !token)
        return;
    auto stored = database.write([&](QSqlDatabase &db) -> Result<bool> {
        return ConfigProperties::storeIfAbsent(db, database.dialect(), *key, cluster.keyContext(),
                                               Property::NodeApiToken, *token, m_nodeGuid);
    });
    if (!stored) {
        qCWarning(lcNode).noquote() << "cannot give the cluster a node API token:" << stored.message();
        return;
    }
    if (*stored)
        qCInfo(lcNode) << "made the cluster's node API token (the cluster predates it)";
    if (auto loaded = load(database, *key, cluster.keyContext()); !loaded)
        qCWarning(lcNode).noquote() << "cannot read the node API token:" << loaded.message();
}

void NodeKeyring::noteSecret(Database &database, bool unlocks)
{
    if (m_secretUnlocks == unlocks)
        return;
    auto noted = database.write([&](QSqlDatabase &db) -> Result<void> {
        if (unlocks) {
            auto cleared =
                Alerts::resolve(db, database.dialect(), AlertKind::SecretOutdated, m_nodeGuid, m_nodeGuid);
            if (!cleared)
                return cleared.error();
            return {};
        }
        auto raised = Alerts::raise(
            db, database.dialect(), AlertKind::SecretOutdated, Alerts::Severity::Critical, m_nodeGuid,
            tr("Node %1's local secret (%2) no longer unlocks the cluster's data key: it keeps "
               "running, but will be refused when it restarts. Copy the new secret file to it.")
                .arg(m_nodeName, m_secretFile));
        if (!raised)
            return raised.error();
        return {};
    });
    if (noted)
        m_secretUnlocks = unlocks;
}

QString NodeKeyring::apiToken() const
{
    QMutexLocker locker(&m_mutex);
    return m_apiToken;
}

QString NodeKeyring::keyCheck() const
{
    QMutexLocker locker(&m_mutex);
    return m_key ? m_key->checkValue() : QString();
}

} // namespace Cohort

namespace Cohort {

std::optional<NodeKeyring::HeldKey> NodeKeyring::dataKey() const
{
    QMutexLocker locker(&m_mutex);
    if (!m_key)
        return std::nullopt;
    return HeldKey{*m_key, m_context};
}

} // namespace Cohort
