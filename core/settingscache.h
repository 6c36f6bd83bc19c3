// SettingsCache: a node's in-memory copy of the cluster settings it reads often, so
// the job loop does not ask the database on every batch. Entries expire after a minute;
// the clear-cache job drops them at once on every node.
#pragma once

#include "clustersettings.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QMutex>

namespace Cohort {

class SettingsCache
{
public:
    explicit SettingsCache(qint64 lifetimeMs = 60 * 1000)
        : m_lifetimeMs(lifetimeMs)
    {}

    // The setting, from the cache or else from the database (on the calling thread's
    // connection). An unreadable or invalid stored value falls back to the default, and
    // the error is returned alongside for the caller to log.
    qint64 integer(Database &database, const IntegerSetting &setting, QString *problem = nullptr);
    qint64 periodSeconds(Database &database, const QString &jobType, qint64 defaultSeconds,
                         QString *problem = nullptr);

    // Forgets everything; returns how many values were cached.
    int clear();

private:
    qint64 lookup(const QString &key, qint64 defaultValue, const std::function<Result<qint64>()> &load,
                  QString *problem);

    struct Entry
    {
        qint64 value;
        QDeadlineTimer expiry;
    };
    const qint64 m_lifetimeMs;
    QMutex m_mutex;
    QHash<QString, Entry> m_entries;
};

} // namespace Cohort
