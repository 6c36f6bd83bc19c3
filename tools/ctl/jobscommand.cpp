#include "jobscommand.h"

#include "ctloptions.h"
#include "jobpool.h"
#include "jobstatistics.h"
#include "jobtypes.h"
#include "texttable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qint64 MaxCount = 1000000;
// Specs per JobPool::submit call: each is one write transaction, so a big submission
// never holds the database's write lock (SQLite) for long, and nodes start on the
// first jobs while the rest are still being added.
constexpr qint64 SubmitChunk = 10000;
constexpr qint64 MaxDelaySeconds = 30 * 24 * 3600;
constexpr qint64 MaxAttempts = 100;
constexpr qint64 MaxLimit = 100000;
constexpr qint64 MaxSinceDays = 3650;
constexpr qint64 SecondMs = 1000;

// The options each action takes besides --db and --json.
const QStringList SubmitOptions = {u"type"_s,     u"count"_s, u"payload"_s,     u"local"_s,
                                   u"priority"_s, u"delay"_s, u"max-attempts"_s};
const QStringList ListOptions = {u"state"_s, u"node"_s, u"limit"_s};
const QStringList StatsOptions = {u"since"_s};

const QStringList Actions = {u"submit"_s, u"list"_s, u"stats"_s};

QString orDash(const QString &text)
{
    return text.isEmpty() ? u"-"_s : text;
}

QString averageMs(qint64 totalMs, qint64 count)
{
    return count > 0 ? QString::number(qRound64(double(totalMs) / double(count))) : u"-"_s;
}

} // namespace

QString JobsCommand::name() const
{
    return u"jobs"_s;
}

QString JobsCommand::summary() const
{
    return tr("Submits jobs to the pool, lists them, and counts finished jobs.");
}

QString JobsCommand::description() const
{
    QStringList types;
    qsizetype width = 0;
    for (const JobType &type : JobTypes::all())
        width = qMax(width, type.name.size());
    for (const JobType &type : JobTypes::all()) {
        QString text = type.description;
        if (type.scope == JobScope::Local)
            text += u' ' + tr("Runs on every node.");
        types << u"  %1  %2"_s.arg(type.name.leftJustified(width), text);
    }
    return summary() + u"\n\n"_s + tr("Actions:") + u'\n'
           + tr("  submit  Adds jobs to the pool: --type (required), --count, --payload, --local,\n"
                "          --priority, --delay, --max-attempts.")
           + u'\n' + tr("  list    Lists jobs, newest first: --state, --node, --limit.") + u'\n'
           + tr("  stats   Counts finished jobs by node and type: --since.") + u"\n\n"_s + tr("Job types:")
           + u'\n' + types.join(u'\n');
}

void JobsCommand::configure(QCommandLineParser &parser) const
{
    parser.addPositionalArgument(u"ACTION"_s, tr("What to do: submit, list or stats."),
                                 u"submit|list|stats"_s);
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
    parser.addOption({u"type"_s, tr("submit: the job type (see \"Job types\" above)."), u"TYPE"_s});
    parser.addOption(
        {u"count"_s, tr("submit: how many jobs, from 1 to %1 (default: 1).").arg(MaxCount), u"N"_s});
    parser.addOption(
        {u"payload"_s, tr("submit: the jobs' payload, a JSON object (default: {})."), u"JSON"_s});
    parser.addOption({u"local"_s, tr("submit: runs each job once on every online node instead of on one node "
                                     "(always so for the types that run on every node).")});
    parser.addOption({u"priority"_s, tr("submit: higher runs first (default: 0)."), u"P"_s});
    parser.addOption({u"delay"_s,
                      tr("submit: not before this many seconds from now, from 0 to %1 (30 days; default: 0).")
                          .arg(MaxDelaySeconds),
                      u"SECONDS"_s});
    parser.addOption(
        {u"max-attempts"_s,
         tr("submit: how often a failing job is tried, from 1 to %1 (default: 5).").arg(MaxAttempts),
         u"N"_s});
    parser.addOption(
        {u"state"_s, tr("list: only jobs in this state: queued, running, succeeded or failed."), u"STATE"_s});
    parser.addOption({u"node"_s, tr("list: only jobs claimed by this node (GUID or name)."), u"NODE"_s});
    parser.addOption(
        {u"limit"_s, tr("list: at most this many jobs, from 1 to %1 (default: 100).").arg(MaxLimit), u"N"_s});
    parser.addOption({u"since"_s, tr("stats: the window, like 30s, 15m, 1h, 6h, 24h or 7d (default: 1h)."),
                      u"DURATION"_s});
}

int JobsCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        return usage(tr("give an action: submit, list or stats"));
    const QString action = arguments.constFirst();
    if (!Actions.contains(action))
        return usage(tr("unknown action \"%1\"; the actions are submit, list and stats").arg(action));
    if (arguments.size() > 1)
        return usage(tr("unexpected argument \"%1\"").arg(arguments.at(1)));

    const QStringList &allowed = action == u"submit"_s ? SubmitOptions
                                 : action == u"list"_s ? ListOptions
                                                       : StatsOptions;
    for (const QStringList *options : {&SubmitOptions, &ListOptions, &StatsOptions}) {
        for (const QString &option : *options) {
            if (parser.isSet(option) && !allowed.contains(option))
                return usage(tr("--%1 does not apply to \"jobs %2\"").arg(option, action));
        }
    }

    if (action == u"submit"_s)
        return submit(parser);
    if (action == u"list"_s)
        return list(parser);
    return stats(parser);
}

int JobsCommand::submit(const QCommandLineParser &parser)
{
    // Every value is checked before the database is opened: a bad one submits nothing.
    QString type;
    if (!required(parser, u"type"_s, &type))
        return ExitUsage;
    const QString payload = parser.isSet(u"payload"_s) ? parser.value(u"payload"_s) : u"{}"_s;
    if (auto checked = JobTypes::checkPayload(type, payload); !checked)
        return invalid(checked.message());

    qint64 count = 1;
    if (parser.isSet(u"count"_s)) {
        const auto value = CtlOptions::wholeNumber(parser.value(u"count"_s), 1, MaxCount);
        if (!value)
            return invalid(tr("--count must be a whole number from 1 to %1, not \"%2\"")
                               .arg(MaxCount)
                               .arg(parser.value(u"count"_s)));
        count = *value;
    }
    JobSpec spec;
    spec.type = type;
    spec.payload = payload;
    const JobType *registered = JobTypes::find(type);
    spec.scope = parser.isSet(u"local"_s) || (registered && registered->scope == JobScope::Local)
                     ? JobScope::Local
                     : JobScope::Pool;
    if (parser.isSet(u"priority"_s)) {
        constexpr qint64 lowest = std::numeric_limits<int>::min();
        constexpr qint64 highest = std::numeric_limits<int>::max();
        const auto value = CtlOptions::wholeNumber(parser.value(u"priority"_s), lowest, highest);
        if (!value)
            return invalid(tr("--priority must be a whole number from %1 to %2, not \"%3\"")
                               .arg(lowest)
                               .arg(highest)
                               .arg(parser.value(u"priority"_s)));
        spec.priority = int(*value);
    }
    if (parser.isSet(u"delay"_s)) {
        bool ok = false;
        const double seconds = parser.value(u"delay"_s).trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(seconds) || seconds < 0 || seconds > double(MaxDelaySeconds))
            return invalid(tr("--delay must be a number of seconds from 0 to %1 (30 days), not \"%2\"")
                               .arg(MaxDelaySeconds)
                               .arg(parser.value(u"delay"_s)));
        spec.delayMs = qRound64(seconds * double(SecondMs));
    }
    if (parser.isSet(u"max-attempts"_s)) {
        const auto value = CtlOptions::wholeNumber(parser.value(u"max-attempts"_s), 1, MaxAttempts);
        if (!value)
            return invalid(tr("--max-attempts must be a whole number from 1 to %1, not \"%2\"")
                               .arg(MaxAttempts)
                               .arg(parser.value(u"max-attempts"_s)));
        spec.maxAttempts = int(*value);
    }

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    qint64 submitted = 0;
    for (qint64 done = 0; done < count; done += SubmitChunk) {
        const QList<JobSpec> chunk(qMin(SubmitChunk, count - done), spec);
        auto inserted = JobPool::submit(*database, chunk);
        if (!inserted) {
            if (submitted == 0)
                return fail(inserted.message());
            return fail(tr("%1 (%2 of the %3 jobs had been submitted before)")
                            .arg(inserted.message())
                            .arg(submitted)
                            .arg(count));
        }
        submitted += *inserted;
    }

    if (parser.isSet(u"json"_s)) {
        const QJsonObject object{{u"submitted"_s, submitted},
                                 {u"type"_s, type},
                                 {u"scope"_s, jobScopeName(spec.scope)},
                                 {u"priority"_s, spec.priority},
                                 {u"delay_ms"_s, spec.delayMs},
                                 {u"max_attempts"_s, spec.maxAttempts}};
        m_out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
        m_out.flush();
    } else {
        m_out << tr("Submitted %n job(s) of type %1.", nullptr, int(submitted)).arg(type) << Qt::endl;
    }
    return ExitSuccess;
}

int JobsCommand::list(const QCommandLineParser &parser)
{
    JobFilter filter;
    filter.state = parser.value(u"state"_s).trimmed();
    filter.node = parser.value(u"node"_s).trimmed();
    if (parser.isSet(u"limit"_s)) {
        const auto value = CtlOptions::wholeNumber(parser.value(u"limit"_s), 1, MaxLimit);
        if (!value)
            return invalid(tr("--limit must be a whole number from 1 to %1, not \"%2\"")
                               .arg(MaxLimit)
                               .arg(parser.value(u"limit"_s)));
        filter.limit = int(*value);
    }

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto jobs = JobPool::list(*database, filter);
    if (!jobs)
        return jobs.code() == ErrorCode::InvalidArgument ? invalid(jobs.message()) : fail(jobs.message());

    if (parser.isSet(u"json"_s)) {
        QJsonArray array;
        for (const JobRow &job : std::as_const(*jobs)) {
            array.append(QJsonObject{
                {u"id"_s, job.id},
                {u"type"_s, job.type},
                {u"scope"_s, job.scope},
                {u"state"_s, job.state},
                {u"priority"_s, job.priority},
                {u"attempts"_s, job.attempts},
                {u"max_attempts"_s, job.maxAttempts},
                {u"node"_s, job.claimedByName},
                {u"node_guid"_s, job.claimedBy},
                {u"created_at"_s, CtlOptions::jsonTime(job.createdAt)},
                {u"created_at_ms"_s, CtlOptions::jsonMs(job.createdAt)},
                {u"run_after"_s, CtlOptions::jsonTime(job.runAfter)},
                {u"run_after_ms"_s, CtlOptions::jsonMs(job.runAfter)},
                {u"claimed_at"_s, CtlOptions::jsonTime(job.claimedAt)},
                {u"claimed_at_ms"_s, CtlOptions::jsonMs(job.claimedAt)},
                {u"finished_at"_s, CtlOptions::jsonTime(job.finishedAt)},
                {u"finished_at_ms"_s, CtlOptions::jsonMs(job.finishedAt)},
                {u"last_error"_s, job.lastError},
            });
        }
        m_out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }

    if (jobs->isEmpty()) {
        m_out << tr("No jobs match.") << Qt::endl;
        return ExitSuccess;
    }
    TextTable table({tr("ID", "table heading"), tr("TYPE", "table heading"), tr("SCOPE", "table heading"),
                     tr("STATE", "table heading"), tr("ATTEMPTS", "table heading"),
                     tr("NODE", "table heading"), tr("CREATED", "table heading"),
                     tr("FINISHED", "table heading"), tr("LAST ERROR")});
    table.alignRight(0);
    table.alignRight(4);
    for (const JobRow &job : std::as_const(*jobs)) {
        const QString node = job.claimedByName.isEmpty() ? job.claimedBy : job.claimedByName;
        table.addRow({QString::number(job.id), job.type, job.scope, job.state,
                      u"%1/%2"_s.arg(job.attempts).arg(job.maxAttempts), orDash(node),
                      orDash(CtlOptions::utcTime(job.createdAt)), orDash(CtlOptions::utcTime(job.finishedAt)),
                      job.lastError});
    }
    table.print(m_out);
    if (jobs->size() == filter.limit)
        m_out << tr("Showing the newest %n job(s); --limit shows more.", nullptr, filter.limit) << Qt::endl;
    return ExitSuccess;
}

int JobsCommand::stats(const QCommandLineParser &parser)
{
    const QString since = parser.isSet(u"since"_s) ? parser.value(u"since"_s) : u"1h"_s;
    const auto window = CtlOptions::duration(since, MaxSinceDays);
    if (!window)
        return invalid(
            tr("--since must be a duration like 30s, 15m, 1h, 6h, 24h or 7d (at most %1d), not \"%2\"")
                .arg(MaxSinceDays)
                .arg(since));

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto now = JobPool::now(*database);
    if (!now)
        return fail(now.message());
    const qint64 sinceMs = *now - *window;
    auto rows = JobStatistics::byNodeAndType(
        *database, StatisticsWindow{sinceMs - sinceMs % (60 * 1000), std::numeric_limits<qint64>::max()});
    if (!rows)
        return fail(rows.message());

    if (parser.isSet(u"json"_s)) {
        QJsonArray array;
        for (const JobCount &row : std::as_const(*rows)) {
            array.append(QJsonObject{{u"node"_s, row.nodeName},
                                     {u"node_guid"_s, row.nodeGuid},
                                     {u"type"_s, row.jobType},
                                     {u"succeeded"_s, row.succeeded},
                                     {u"failed"_s, row.failed},
                                     {u"total_ms"_s, row.totalMs}});
        }
        m_out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }

    if (rows->isEmpty()) {
        m_out << tr("No jobs finished since %1.").arg(CtlOptions::utcTime(sinceMs)) << Qt::endl;
        return ExitSuccess;
    }
    struct NodeTotal
    {
        QString node;
        qint64 succeeded = 0;
        qint64 failed = 0;
        qint64 totalMs = 0;
    };
    QList<NodeTotal> totals; // in the order the rows name the nodes
    QHash<QString, qsizetype> totalIndex;
    TextTable byType({tr("NODE", "table heading"), tr("TYPE", "table heading"),
                      tr("SUCCEEDED", "table heading"), tr("FAILED", "table heading"), tr("AVERAGE MS")});
    for (int column : {2, 3, 4})
        byType.alignRight(column);
    for (const JobCount &row : std::as_const(*rows)) {
        const QString node = row.nodeName.isEmpty() ? row.nodeGuid : row.nodeName;
        byType.addRow({node, row.jobType, QString::number(row.succeeded), QString::number(row.failed),
                       averageMs(row.totalMs, row.succeeded + row.failed)});
        auto found = totalIndex.constFind(row.nodeGuid);
        if (found == totalIndex.cend()) {
            found = totalIndex.insert(row.nodeGuid, totals.size());
            totals.append({node});
        }
        NodeTotal &total = totals[*found];
        total.succeeded += row.succeeded;
        total.failed += row.failed;
        total.totalMs += row.totalMs;
    }
    TextTable byNode({tr("NODE", "table heading"), tr("SUCCEEDED", "table heading"),
                      tr("FAILED", "table heading"), tr("AVERAGE MS")});
    for (int column : {1, 2, 3})
        byNode.alignRight(column);
    for (const NodeTotal &total : std::as_const(totals)) {
        byNode.addRow({total.node, QString::number(total.succeeded), QString::number(total.failed),
                       averageMs(total.totalMs, total.succeeded + total.failed)});
    }

    m_out << tr("Finished jobs by node and type since %1:").arg(CtlOptions::utcTime(sinceMs)) << u'\n';
    byType.print(m_out);
    m_out << u'\n' << tr("Totals by node:") << u'\n';
    byNode.print(m_out);
    return ExitSuccess;
}

} // namespace Cohort
