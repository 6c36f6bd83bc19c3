// JobTypes: every kind of job a node can run, registered in this one place: its name,
// where it runs (pool or local), whether the cluster schedules it, and what it does.
#pragma once

#include "database.h"
#include "jobpool.h"
#include "result.h"
#include "settingscache.h"

#include <QCoreApplication>
#include <QJsonObject>

#include <functional>

namespace Cohort {

// What a running job may use. The database is reached on the worker thread's own
// connection.
struct JobContext
{
    Database &database;
    const ClaimedJob &job;
    QJsonObject payload;
    QString nodeGuid;
    SettingsCache &settings;
    std::function<bool()> cancelled; // the node is stopping and the grace period is over
};

struct JobType
{
    QString name;
    JobScope scope = JobScope::Pool;
    QString description;
    // Recurring housekeeping: the cluster submits one job per period (across all nodes),
    // overridable in the cluster setting "housekeeping.NAME.period_seconds". 0: never.
    qint64 defaultPeriodSeconds = 0;
    // A summary of what was done, or why it failed.
    std::function<Result<QString>(JobContext &)> run;
    // Checks a payload before it is submitted; empty result: fine.
    std::function<QString(const QJsonObject &)> checkPayload;
};

class JobTypes
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::JobTypes)

public:
    static const QList<JobType> &all();
    static const JobType *find(const QString &name);
    // Parses and checks a payload for a type; the error says what is wrong.
    static Result<QJsonObject> checkPayload(const QString &type, const QString &payload);
};

} // namespace Cohort
