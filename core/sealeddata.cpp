#include "sealeddata.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QByteArray join(const QByteArray &clusterContext, std::initializer_list<QByteArray> parts)
{
    // NUL separates the parts: none of them can contain one (names are validated, ids
    // are numbers), so no two different places share associated data.
    QByteArray out = clusterContext;
    for (const QByteArray &part : parts)
        out += '\0' + part;
    return out;
}

} // namespace

QByteArray SealedData::userField(const QByteArray &clusterContext, qint64 userId, QStringView column)
{
    return join(clusterContext, {"users", QByteArray::number(userId), column.toUtf8()});
}

QByteArray SealedData::userPrivateKey(const QByteArray &clusterContext, const QString &userName)
{
    // By name: the key is wrapped (slowly) before the row, and its id, exists. Names are
    // unique and never change.
    return join(clusterContext, {"users", userName.toUtf8(), "key_private"});
}

QByteArray SealedData::userDataKey(const QByteArray &clusterContext, qint64 userId)
{
    return join(clusterContext, {"users", QByteArray::number(userId), "key_data"});
}

QByteArray SealedData::agentField(const QByteArray &clusterContext, QStringView agentGuid, QStringView column)
{
    return join(clusterContext, {"agents", agentGuid.toUtf8(), column.toUtf8()});
}

QByteArray SealedData::property(const QByteArray &clusterContext, QStringView name)
{
    return join(clusterContext, {"config_properties", name.toUtf8()});
}

Result<void> SealedData::lockCurrentKey(QSqlDatabase &db, const Dialect &dialect, const MasterKey &key)
{
    auto query = execQuery(db, u"SELECT key_check FROM cluster WHERE id = 1"_s + dialect.forUpdate(), {},
                           tr("locking the cluster's data key"));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(ErrorCode::NotFound, tr("The database holds no cluster."));
    const QString current = query->value(0).toString();
    query->finish();
    if (current.isEmpty()) {
        auto stamped = execQuery(db, u"UPDATE cluster SET key_check = ? WHERE id = 1"_s, {key.checkValue()},
                                 tr("recording the data key's check value"));
        if (!stamped)
            return stamped.error();
        return {};
    }
    if (current != key.checkValue())
        return makeError(
            ErrorCode::Conflict,
            tr("The cluster's data key was replaced (cohortctl masterkey rotate-key) after this one was "
               "opened; nothing was written. Open the new key (sign in again) and retry."));
    return {};
}

Result<QString> SealedData::sealText(const MasterKey &key, const QString &text, const QByteArray &context)
{
    if (text.isEmpty())
        return u""_s; // not a null QString: that would bind as NULL
    return key.seal(text.toUtf8(), context);
}

Result<QString> SealedData::openText(const MasterKey &key, const QString &stored, const QByteArray &context,
                                     const QString &what)
{
    if (stored.isEmpty())
        return QString();
    auto plain = key.open(stored, context);
    if (!plain)
        return makeError(plain.code(), tr("Cannot open %1: %2").arg(what, plain.message()));
    return QString::fromUtf8(*plain);
}

} // namespace Cohort
