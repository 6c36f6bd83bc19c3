#include "healthcommand.h"

#include "clusterconsistency.h"
#include "ctloptions.h"
#include "texttable.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace Cohort {

QString HealthCommand::name() const
{
    return u"health"_s;
}

QString HealthCommand::summary() const
{
    return tr("Shows whether the nodes agree: version, schema, data key, time zone, clock, configuration, "
              "certificate.");
}

QString HealthCommand::description() const
{
    return summary() + u"\n\n"_s
           + tr("Every node that is not decommissioned, with the values that must be the same across the "
                "cluster. "
                "A value that differs is marked with \"!\" and explained below the table (with --json: "
                "\"mismatch\" and \"reason\"). The data key is named by its check value, never the key "
                "itself. "
                "Exits 0 when the report was made, whether or not the nodes agree.");
}

void HealthCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
}

int HealthCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return usage(tr("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto report = ClusterConsistency::check(*database);
    if (!report)
        return fail(report.message());
    if (parser.isSet(u"json"_s)) {
        m_out << QString::fromUtf8(QJsonDocument(report->toJson()).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }
    m_out << report->summary() << Qt::endl;
    if (report->nodes.isEmpty())
        return ExitSuccess;
    QStringList header{tr("NODE", "table heading"), tr("STATUS", "table heading")};
    for (int field = 0; field < ConsistencyFieldCount; ++field)
        header << ClusterConsistency::fieldTitle(ConsistencyField(field)).toUpper();
    TextTable table(header);
    QStringList reasons;
    for (const NodeConsistency &node : std::as_const(report->nodes)) {
        QStringList row{node.name, nodeStatusText(node.status)};
        for (int field = 0; field < ConsistencyFieldCount; ++field) {
            const ConsistencyValue &value = node.value(ConsistencyField(field));
            row << (value.mismatch ? value.value + u" !"_s : value.value);
            if (value.mismatch)
                reasons << tr("%1, %2: %3")
                               .arg(node.name, ClusterConsistency::fieldTitle(ConsistencyField(field)),
                                    value.reason);
        }
        table.addRow(row);
    }
    table.print(m_out);
    if (!reasons.isEmpty()) {
        m_out << Qt::endl;
        for (const QString &reason : std::as_const(reasons))
            m_out << u"! "_s << reason << Qt::endl;
    }
    return ExitSuccess;
}

} // namespace Cohort
