#include "alertscommand.h"

#include "administration.h"
#include "alerts.h"
#include "ctloptions.h"
#include "texttable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QStringList Actions = {u"list"_s, u"acknowledge"_s, u"clear"_s};
// The options only list takes, besides --db.
const QStringList ListOptions = {u"all"_s, u"json"_s};

// "open", "acknowledged" or "cleared": what the console's State column says, as a word.
QString stateName(const AlertRow &alert)
{
    if (alert.clearedAt > 0)
        return u"cleared"_s;
    return alert.acknowledgedAt > 0 ? u"acknowledged"_s : u"open"_s;
}

} // namespace

QString AlertsCommand::name() const
{
    return u"alerts"_s;
}

QString AlertsCommand::summary() const
{
    return tr("Lists the cluster's alerts, acknowledges or clears one.");
}

QString AlertsCommand::description() const
{
    return summary() + u"\n\n"_s + tr("Actions:") + u'\n'
           + tr("  list [--all]    The open alerts (not cleared), newest first; with --all the\n"
                "                  cleared ones too.")
           + u'\n' + tr("  acknowledge ID  Marks an open alert as seen; it stays open.") + u'\n'
           + tr("  clear ID        Closes an alert, acknowledged or not.") + u"\n\n"_s
           + tr("Acknowledging and clearing are recorded in the audit log as \"alert.acknowledge\" and\n"
                "\"alert.clear\", as from the console, by %1.")
                 .arg(CtlOptions::actor());
}

void AlertsCommand::configure(QCommandLineParser &parser) const
{
    parser.addPositionalArgument(u"ACTION"_s, tr("What to do: list, acknowledge or clear."),
                                 u"list|acknowledge|clear"_s);
    parser.addPositionalArgument(u"ID"_s, tr("acknowledge, clear: the alert's id (see \"alerts list\")."),
                                 u"[ID]"_s);
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
    parser.addOption({u"all"_s, tr("list: the cleared alerts too.")});
}

int AlertsCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        return usage(tr("give an action: list, acknowledge or clear"));
    const QString action = arguments.constFirst();
    if (!Actions.contains(action))
        return usage(tr("unknown action \"%1\"; the actions are list, acknowledge and clear").arg(action));
    if (action == u"list"_s) {
        if (arguments.size() > 1)
            return usage(tr("unexpected argument \"%1\"").arg(arguments.at(1)));
        return list(parser);
    }
    for (const QString &option : ListOptions) {
        if (parser.isSet(option))
            return usage(tr("--%1 does not apply to \"alerts %2\"").arg(option, action));
    }
    if (arguments.size() != 2)
        return usage(tr("%1 needs exactly one ID").arg(action));
    return change(action, arguments.at(1), parser);
}

int AlertsCommand::list(const QCommandLineParser &parser)
{
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    const bool all = parser.isSet(u"all"_s);
    auto alerts = Alerts::list(*database, all ? Alerts::Listed::All : Alerts::Listed::Open);
    if (!alerts)
        return fail(alerts.message());

    if (parser.isSet(u"json"_s)) {
        QJsonArray array;
        for (const AlertRow &alert : std::as_const(*alerts)) {
            array.append(QJsonObject{
                {u"id"_s, alert.id},
                {u"state"_s, stateName(alert)},
                {u"kind"_s, alert.kind},
                {u"severity"_s, alert.severity},
                {u"node"_s, alert.nodeName},
                {u"node_guid"_s, alert.nodeGuid},
                {u"message"_s, alert.message},
                {u"raised_at"_s, CtlOptions::jsonTime(alert.raisedAt)},
                {u"raised_at_ms"_s, CtlOptions::jsonMs(alert.raisedAt)},
                {u"acknowledged_at"_s, CtlOptions::jsonTime(alert.acknowledgedAt)},
                {u"acknowledged_at_ms"_s, CtlOptions::jsonMs(alert.acknowledgedAt)},
                {u"acknowledged_by"_s, alert.acknowledgedBy},
                {u"cleared_at"_s, CtlOptions::jsonTime(alert.clearedAt)},
                {u"cleared_at_ms"_s, CtlOptions::jsonMs(alert.clearedAt)},
                {u"cleared_by"_s, alert.clearedBy},
            });
        }
        m_out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }

    if (alerts->isEmpty()) {
        m_out << (all ? tr("No alerts.") : tr("No open alerts.")) << Qt::endl;
        return ExitSuccess;
    }
    TextTable table({tr("ID", "table heading"), tr("STATE", "table heading"), tr("SEVERITY", "table heading"),
                     tr("KIND", "table heading"), tr("NODE", "table heading"), tr("RAISED", "table heading"),
                     tr("MESSAGE", "table heading")});
    table.alignRight(0);
    for (const AlertRow &alert : std::as_const(*alerts)) {
        const QString node = alert.nodeName.isEmpty() ? alert.nodeGuid : alert.nodeName;
        table.addRow({QString::number(alert.id), stateName(alert), alert.severity, alert.kind,
                      node.isEmpty() ? u"-"_s : node, CtlOptions::utcTime(alert.raisedAt), alert.message});
    }
    table.print(m_out);
    return ExitSuccess;
}

int AlertsCommand::change(const QString &action, const QString &id, const QCommandLineParser &parser)
{
    const auto alertId = CtlOptions::wholeNumber(id, 1, std::numeric_limits<qint64>::max());
    if (!alertId)
        return invalid(tr("the alert ID must be a whole number from 1, not \"%1\"").arg(id));

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    Administration administration = Administration::commandLine(*database, CtlOptions::actor());
    const bool clear = action == u"clear"_s;
    auto changed = clear ? administration.clearAlert(*alertId) : administration.acknowledgeAlert(*alertId);
    if (!changed)
        return fail(changed.message());
    m_out << (clear ? tr("Cleared alert %1.") : tr("Acknowledged alert %1.")).arg(*alertId) << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
