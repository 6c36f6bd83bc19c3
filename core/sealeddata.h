// SealedData: where each sealed value lives, and the associated data that binds it there.
// A sealed value carries its table, row and column as AES-GCM associated data (with the
// cluster's id), so one copied into another row, column or cluster does not open.
#pragma once

#include "database.h"
#include "masterkey.h"
#include "result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

namespace Cohort {

class SealedData
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::SealedData)

public:
    // A user's personal data: column is "full_name_sealed" or "email_sealed".
    static QByteArray userField(const QByteArray &clusterContext, qint64 userId, QStringView column);
    // A user's private key (wrapped by the password) and copy of the data key.
    static QByteArray userPrivateKey(const QByteArray &clusterContext, const QString &userName);
    static QByteArray userDataKey(const QByteArray &clusterContext, qint64 userId);
    // What an agent says about its machine: column is "host_name_sealed" or
    // "addresses_sealed". Bound to the agent's GUID, which the agent chose and never changes.
    static QByteArray agentField(const QByteArray &clusterContext, QStringView agentGuid, QStringView column);
    // A secret configuration property.
    static QByteArray property(const QByteArray &clusterContext, QStringView name);

    // Inside a write transaction, before writing sealed values: locks the cluster row and
    // checks that key is the cluster's current data key. Conflict when it was rotated
    // since it was opened (the writer must open the new one), so no value is ever
    // sealed under a retired key. A cluster that predates key_check is stamped here.
    static Result<void> lockCurrentKey(QSqlDatabase &db, const Dialect &dialect, const MasterKey &key);

    // Text sealed as stored: an empty value stays empty (nothing to hide), anything else
    // is sealed.
    static Result<QString> sealText(const MasterKey &key, const QString &text, const QByteArray &context);
    // The text of a stored value; what says where it failed names the value (what).
    static Result<QString> openText(const MasterKey &key, const QString &stored, const QByteArray &context,
                                    const QString &what);
};

} // namespace Cohort
