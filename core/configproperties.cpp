#include "configproperties.h"

#include "sealeddata.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock (twice).
const QString UpsertProperty =
    u"INSERT INTO config_properties (name, sealed_value, updated_at, updated_by) VALUES (?, ?, %1, ?) "
    "ON CONFLICT (name) DO UPDATE SET sealed_value = excluded.sealed_value, updated_at = "
    "excluded.updated_at, "
    "updated_by = excluded.updated_by"_s;
// %1: the database clock.
const QString InsertPropertyIfAbsent =
    u"INSERT INTO config_properties (name, sealed_value, updated_at, updated_by) VALUES (?, ?, %1, ?) "
    "ON CONFLICT (name) DO NOTHING"_s;
const QString SelectProperty = u"SELECT sealed_value FROM config_properties WHERE name = ?"_s;
const QString SelectProperties =
    u"SELECT name, sealed_value, updated_at, updated_by FROM config_properties ORDER BY name"_s;

} // namespace

QList<ConfigPropertyDefinition> ConfigProperties::definitions()
{
    return {
        {Property::NodeApiToken.toString(), tr("The token nodes and agents present to a node's API."), 32},
    };
}

std::optional<ConfigPropertyDefinition> ConfigProperties::definition(QStringView name)
{
    for (const ConfigPropertyDefinition &definition : definitions()) {
        if (definition.name == name)
            return definition;
    }
    return std::nullopt;
}

Result<QString> ConfigProperties::generate(QStringView name)
{
    const auto found = definition(name);
    if (!found || found->generatedBytes <= 0)
        return makeError(ErrorCode::InvalidArgument, tr("\"%1\" is not a generated property.").arg(name));
    auto bytes = randomBytes(found->generatedBytes);
    if (!bytes)
        return bytes.error();
    return QString::fromLatin1(
        bytes->toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

namespace {

// Checks a value for a property and seals it, under the current data key (which this
// locks for the rest of the transaction).
Result<QString> sealForStoring(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                               const QByteArray &clusterContext, QStringView name, const QString &value)
{
    if (!ConfigProperties::definition(name))
        return makeError(ErrorCode::InvalidArgument,
                         ConfigProperties::tr("There is no property \"%1\".").arg(name));
    if (value.isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         ConfigProperties::tr("The property \"%1\" cannot be empty.").arg(name));
    if (auto locked = SealedData::lockCurrentKey(db, dialect, dataKey); !locked)
        return locked.error();
    return dataKey.seal(value.toUtf8(), SealedData::property(clusterContext, name));
}

} // namespace

Result<void> ConfigProperties::store(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                                     const QByteArray &clusterContext, QStringView name, const QString &value,
                                     const QString &actor)
{
    auto sealed = sealForStoring(db, dialect, dataKey, clusterContext, name, value);
    if (!sealed)
        return sealed.error();
    auto stored = execQuery(db, UpsertProperty.arg(dialect.nowMillis()), {name.toString(), *sealed, actor},
                            tr("storing the property %1").arg(name));
    if (!stored)
        return stored.error();
    return {};
}

Result<bool> ConfigProperties::storeIfAbsent(QSqlDatabase &db, const Dialect &dialect,
                                             const MasterKey &dataKey, const QByteArray &clusterContext,
                                             QStringView name, const QString &value, const QString &actor)
{
    auto sealed = sealForStoring(db, dialect, dataKey, clusterContext, name, value);
    if (!sealed)
        return sealed.error();
    auto stored = execQuery(db, InsertPropertyIfAbsent.arg(dialect.nowMillis()),
                            {name.toString(), *sealed, actor}, tr("storing the property %1").arg(name));
    if (!stored)
        return stored.error();
    return stored->numRowsAffected() == 1;
}

Result<std::optional<QString>> ConfigProperties::read(QSqlDatabase &db, const MasterKey &dataKey,
                                                      const QByteArray &clusterContext, QStringView name)
{
    auto query = execQuery(db, SelectProperty, {name.toString()}, tr("reading the property %1").arg(name));
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<QString>();
    const QString stored = query->value(0).toString();
    query->finish();
    auto opened = SealedData::openText(dataKey, stored, SealedData::property(clusterContext, name),
                                       tr("the property %1").arg(name));
    if (!opened)
        return opened.error();
    return std::optional<QString>(*opened);
}

Result<QList<ConfigPropertyValue>> ConfigProperties::list(QSqlDatabase &db, const MasterKey *dataKey,
                                                          const QByteArray &clusterContext)
{
    auto query = execQuery(db, SelectProperties, {}, tr("reading the properties"));
    if (!query)
        return query.error();
    QList<ConfigPropertyValue> values;
    while (query->next()) {
        ConfigPropertyValue value;
        value.name = query->value(0).toString();
        value.updatedAt = query->value(2).toLongLong();
        value.updatedBy = query->value(3).toString();
        if (dataKey) {
            auto opened = SealedData::openText(*dataKey, query->value(1).toString(),
                                               SealedData::property(clusterContext, value.name),
                                               tr("the property %1").arg(value.name));
            if (!opened)
                return opened.error();
            value.value = *opened;
        } else {
            value.sealed = true;
        }
        values.append(value);
    }
    return values;
}

} // namespace Cohort
