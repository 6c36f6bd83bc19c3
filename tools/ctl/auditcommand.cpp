#include "auditcommand.h"

#include "auditlog.h"
#include "ctloptions.h"
#include "jobpool.h"
#include "texttable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qint64 MaxLimit = 100000;
constexpr qint64 MaxLastDays = 3650;

} // namespace

QString AuditCommand::name() const
{
    return u"audit"_s;
}

QString AuditCommand::summary() const
{
    return tr("Shows the audit log, newest first, filtered as on the console.");
}

QString AuditCommand::description() const
{
    return summary() + u"\n\n"_s
           + tr("Who did what to the cluster, and when (database time, shown in UTC). Filters\n"
                "combine: --actor and --target match exactly, --action matches a prefix (\"node.\"\n"
                "matches \"node.decommission\"). A time without an offset is UTC.");
}

void AuditCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
    parser.addOption(
        {u"since"_s, tr("Entries at or after this time (ISO 8601, e.g. 2024-05-01T12:00:00Z)."), u"TIME"_s});
    parser.addOption({u"last"_s,
                      tr("Entries of the last while, like 30m, 1h, 24h or 7d (instead of --since)."),
                      u"DURATION"_s});
    parser.addOption({u"until"_s, tr("Entries before this time (ISO 8601)."), u"TIME"_s});
    parser.addOption({u"actor"_s, tr("Only this actor: a user, or cohortctl:<os user>."), u"NAME"_s});
    parser.addOption(
        {u"action"_s, tr("Only actions starting with this, like node. or user.login."), u"ACTION"_s});
    parser.addOption(
        {u"target"_s, tr("Only this target: a node's GUID, an alert's id, a user, ..."), u"TARGET"_s});
    parser.addOption(
        {u"limit"_s,
         tr("At most this many entries, from 1 to %1 (default: %2).").arg(MaxLimit).arg(AuditFilter().limit),
         u"N"_s});
}

int AuditCommand::run(const QCommandLineParser &parser)
{
    if (const QStringList arguments = parser.positionalArguments(); !arguments.isEmpty())
        return usage(tr("unexpected argument \"%1\"").arg(arguments.constFirst()));
    if (parser.isSet(u"since"_s) && parser.isSet(u"last"_s))
        return usage(tr("give --since or --last, not both"));

    AuditFilter filter;
    filter.actor = parser.value(u"actor"_s).trimmed();
    filter.action = parser.value(u"action"_s).trimmed();
    filter.target = parser.value(u"target"_s).trimmed();
    for (const QString &option : {u"actor"_s, u"action"_s, u"target"_s}) {
        if (parser.isSet(option) && parser.value(option).trimmed().isEmpty())
            return invalid(tr("--%1 cannot be empty").arg(option));
    }
    if (parser.isSet(u"limit"_s)) {
        const auto value = CtlOptions::wholeNumber(parser.value(u"limit"_s), 1, MaxLimit);
        if (!value)
            return invalid(tr("--limit must be a whole number from 1 to %1, not \"%2\"")
                               .arg(MaxLimit)
                               .arg(parser.value(u"limit"_s)));
        filter.limit = int(*value);
    }
    for (const QString &option : {u"since"_s, u"until"_s}) {
        if (!parser.isSet(option))
            continue;
        const bool since = option == u"since"_s;
        const auto time = CtlOptions::isoTime(parser.value(option));
        // Before 1970 nothing was logged: --since then means from the start, and --until
        // nothing at all, which is surely a typing mistake.
        if (!time || (!since && *time <= 0))
            return invalid(tr("--%1 must be a time like 2024-05-01T12:00:00Z, not \"%2\"")
                               .arg(option, parser.value(option)));
        (since ? filter.fromMs : filter.toMs) = qMax<qint64>(*time, 0);
    }
    std::optional<qint64> last;
    if (parser.isSet(u"last"_s)) {
        last = CtlOptions::duration(parser.value(u"last"_s), MaxLastDays);
        if (!last)
            return invalid(
                tr("--last must be a duration like 30s, 15m, 1h, 24h or 7d (at most %1d), not \"%2\"")
                    .arg(MaxLastDays)
                    .arg(parser.value(u"last"_s)));
    }
    if (filter.fromMs > 0 && filter.toMs > 0 && filter.fromMs >= filter.toMs)
        return invalid(tr("--since must be before --until"));

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    if (last) {
        // The database's clock, as the entries' times are.
        auto now = JobPool::now(*database);
        if (!now)
            return fail(now.message());
        filter.fromMs = *now - *last;
    }
    auto entries = AuditLog::query(*database, filter);
    if (!entries)
        return entries.code() == ErrorCode::InvalidArgument ? invalid(entries.message())
                                                            : fail(entries.message());

    if (parser.isSet(u"json"_s)) {
        QJsonArray array;
        for (const AuditEntry &entry : std::as_const(*entries)) {
            array.append(QJsonObject{
                {u"id"_s, entry.id},
                {u"at"_s, CtlOptions::jsonTime(entry.at)},
                {u"at_ms"_s, entry.at},
                {u"actor"_s, entry.actor},
                {u"action"_s, entry.action},
                {u"target"_s, entry.target},
                {u"details"_s, entry.details},
            });
        }
        m_out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }

    if (entries->isEmpty()) {
        m_out << tr("No audit entries match.") << Qt::endl;
        return ExitSuccess;
    }
    TextTable table({tr("TIME", "table heading"), tr("ACTOR", "table heading"), tr("ACTION", "table heading"),
                     tr("TARGET", "table heading"), tr("DETAILS", "table heading")});
    for (const AuditEntry &entry : std::as_const(*entries))
        table.addRow({CtlOptions::utcTime(entry.at), entry.actor, entry.action, entry.target, entry.details});
    table.print(m_out);
    if (entries->size() == filter.limit)
        m_out << tr("Showing the newest %n entry(s); --limit shows more.", nullptr, filter.limit) << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
