// ConfigProperties: the cluster's secret settings (the node API token, stored credentials),
// kept in config_properties only sealed with the data key and bound to their name
// (SealedData::property). Ordinary settings live in cluster_settings, in clear.
#pragma once

#include "database.h"
#include "masterkey.h"
#include "result.h"

#include <QCoreApplication>

#include <optional>

namespace Cohort {

struct ConfigPropertyDefinition
{
    QString name;
    QString description;
    // Made at random when the cluster is created; the console can make a new one.
    int generatedBytes = 0;
};

struct ConfigPropertyValue
{
    QString name;
    QString value;       // in clear when read with the data key, else empty
    bool sealed = false; // read without the data key
    qint64 updatedAt = 0;
    QString updatedBy;
};

namespace Property {
// What nodes and agents present to a node's API.
inline constexpr QStringView NodeApiToken = u"node_api.token";
} // namespace Property

class ConfigProperties
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ConfigProperties)

public:
    static QList<ConfigPropertyDefinition> definitions();
    static std::optional<ConfigPropertyDefinition> definition(QStringView name);

    // A new random value for a generated property (URL-safe base64).
    static Result<QString> generate(QStringView name);

    // Seals and stores a value (the caller audits it, naming the property only).
    // InvalidArgument for a name that is not defined or an empty value.
    static Result<void> store(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                              const QByteArray &clusterContext, QStringView name, const QString &value,
                              const QString &actor);

    // Like store(), but only when the property is not set yet; returns whether it stored.
    // How a node gives a cluster made before the property existed its value, without
    // overwriting one another node stored meanwhile.
    static Result<bool> storeIfAbsent(QSqlDatabase &db, const Dialect &dialect, const MasterKey &dataKey,
                                      const QByteArray &clusterContext, QStringView name,
                                      const QString &value, const QString &actor);

    // The value in clear, or nullopt when it was never set.
    static Result<std::optional<QString>> read(QSqlDatabase &db, const MasterKey &dataKey,
                                               const QByteArray &clusterContext, QStringView name);

    // Every stored property, opened when dataKey is given.
    static Result<QList<ConfigPropertyValue>> list(QSqlDatabase &db, const MasterKey *dataKey,
                                                   const QByteArray &clusterContext);
};

} // namespace Cohort
