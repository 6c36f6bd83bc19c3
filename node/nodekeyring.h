// NodeKeyring: what a node holds of the master key, in memory only: the cluster's data key
// and the secret properties it opens (the node API token). Opened at start, before the
// node writes anything; refreshed every few heartbeats on the membership thread:
// - a new data key (cohortctl masterkey rotate-key: cluster.key_check changed) is opened
//   with the secret file again, and the properties re-read;
// - a re-wrapped one (rotate-secret) is tried with the secret file: when the file no
//   longer unlocks it, the node keeps running on the key it holds but raises an alert
//   (local-secret-outdated), because it would be refused at its next start. The alert
//   clears once the file is replaced;
// - a cluster made before the node API token existed (upgraded to schema 5) gets one.
#pragma once

#include "cluster.h"
#include "database.h"
#include "masterkey.h"
#include "result.h"

#include <QCoreApplication>
#include <QMutex>

#include <optional>

namespace Cohort {

class NodeKeyring
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeKeyring)

public:
    NodeKeyring(QString secretFile, QString nodeName);
    // The node's GUID, for the alerts it raises; before the first refresh().
    void setNodeGuid(const QString &guid) { m_nodeGuid = guid; }

    // Unlocks the data key with secret and reads the secret properties. AccessDenied when
    // the secret is not the cluster's.
    Result<void> open(Database &database, const QByteArray &secret);

    // Checks the stored key against the one held; see above.
    void refresh(Database &database);

    // The node API token, or empty when the cluster has none. Any thread.
    QString apiToken() const;
    // The held data key's check value (MasterKey::checkValue). Any thread.
    QString keyCheck() const;
    // The held data key and the cluster context values are sealed under; nullopt before
    // open(). Any thread.
    struct HeldKey
    {
        MasterKey key;
        QByteArray context;
    };
    std::optional<HeldKey> dataKey() const;

private:
    Result<void> load(Database &database, const MasterKey &key, const QByteArray &context);
    // A cluster made before the node API token existed gets one from the first node.
    void createMissingToken(Database &database, const ClusterInfo &cluster);
    void noteSecret(Database &database, bool unlocks);

    QString m_secretFile;
    QString m_nodeGuid;
    QString m_nodeName;
    mutable QMutex m_mutex;
    std::optional<MasterKey> m_key;
    QByteArray m_context;
    QString m_wrappedKey; // as last seen in the cluster record
    QString m_apiToken;
    std::optional<bool> m_secretUnlocks; // what the last check of the secret file found
};

} // namespace Cohort
