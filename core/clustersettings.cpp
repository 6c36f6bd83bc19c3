#include "clustersettings.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString Select = u"SELECT value FROM cluster_settings WHERE name = ?"_s;

Result<qint64> parse(const QString &name, const QVariant &stored, qint64 defaultValue, qint64 minimum,
                     qint64 maximum)
{
    if (!stored.isValid())
        return defaultValue;
    bool ok = false;
    const qint64 value = stored.toString().trimmed().toLongLong(&ok);
    if (!ok || value < minimum || value > maximum) {
        return makeError(
            ErrorCode::InvalidArgument,
            ClusterSettings::tr("The cluster setting %1 holds \"%2\", not a whole number from %3 to %4.")
                .arg(name, stored.toString())
                .arg(minimum)
                .arg(maximum));
    }
    return value;
}

Result<QVariant> stored(QSqlDatabase &db, const QString &name)
{
    auto query =
        execQuery(db, Select, {name}, ClusterSettings::tr("reading the cluster setting %1").arg(name));
    if (!query)
        return query.error();
    return query->next() ? query->value(0) : QVariant();
}

} // namespace

Result<qint64> ClusterSettings::integer(QSqlDatabase &db, const IntegerSetting &setting)
{
    const QString name = QString::fromUtf16(setting.name);
    auto value = stored(db, name);
    if (!value)
        return value.error();
    return parse(name, *value, setting.defaultValue, setting.minimum, setting.maximum);
}

Result<qint64> ClusterSettings::integer(Database &database, const IntegerSetting &setting)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    auto value = integer(*db, setting);
    if (!value)
        return database.noteFailure(db, value.error());
    return value;
}

Result<qint64> ClusterSettings::periodSeconds(Database &database, const QString &jobType,
                                              qint64 defaultSeconds)
{
    const QString name = u"housekeeping.%1.period_seconds"_s.arg(jobType);
    auto db = database.connection();
    if (!db)
        return db.error();
    auto value = stored(*db, name);
    if (!value)
        return database.noteFailure(db, value.error());
    return parse(name, *value, defaultSeconds, 1, 86400 * 30);
}

Result<void> ClusterSettings::set(QSqlDatabase &db, const Dialect &dialect, const QString &name,
                                  const QString &value, const QString &actor)
{
    const QString sql =
        dialect.upsert(u"cluster_settings"_s, {u"name"_s}, {u"value"_s, u"updated_at"_s, u"updated_by"_s},
                       Dialect::UpsertMode::Replace);
    auto now = execQuery(db, u"SELECT "_s + dialect.nowMillis(), {}, tr("reading the database clock"));
    if (!now)
        return now.error();
    const qint64 at = now->next() ? now->value(0).toLongLong() : 0;
    auto stored =
        execQuery(db, sql, {name, value, at, actor}, tr("storing the cluster setting %1").arg(name));
    if (!stored)
        return stored.error();
    return {};
}

} // namespace Cohort
