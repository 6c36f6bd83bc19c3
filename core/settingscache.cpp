#include "settingscache.h"

using namespace Qt::StringLiterals;

namespace Cohort {

qint64 SettingsCache::lookup(const QString &key, qint64 defaultValue,
                             const std::function<Result<qint64>()> &load, QString *problem)
{
    {
        QMutexLocker locker(&m_mutex);
        auto found = m_entries.constFind(key);
        if (found != m_entries.constEnd() && !found->expiry.hasExpired())
            return found->value;
    }
    auto loaded = load();
    if (!loaded) {
        if (problem)
            *problem = loaded.message();
        // A database that cannot be read now is no reason to forget a known value.
        QMutexLocker locker(&m_mutex);
        auto found = m_entries.constFind(key);
        return found != m_entries.constEnd() ? found->value : defaultValue;
    }
    QMutexLocker locker(&m_mutex);
    m_entries.insert(key, {*loaded, QDeadlineTimer(m_lifetimeMs)});
    return *loaded;
}

qint64 SettingsCache::integer(Database &database, const IntegerSetting &setting, QString *problem)
{
    return lookup(
        QString::fromUtf16(setting.name), setting.defaultValue,
        [&] { return ClusterSettings::integer(database, setting); }, problem);
}

qint64 SettingsCache::periodSeconds(Database &database, const QString &jobType, qint64 defaultSeconds,
                                    QString *problem)
{
    return lookup(
        u"period:"_s + jobType, defaultSeconds,
        [&] { return ClusterSettings::periodSeconds(database, jobType, defaultSeconds); }, problem);
}

int SettingsCache::clear()
{
    QMutexLocker locker(&m_mutex);
    const int count = int(m_entries.size());
    m_entries.clear();
    return count;
}

} // namespace Cohort
