#include "ctlcommand.h"

#include "cluster.h"
#include "ctloptions.h"

using namespace Qt::StringLiterals;

namespace Cohort {

int CtlCommand::fail(const QString &message)
{
    m_err << tr("cohortctl %1: error: %2").arg(name(), message) << Qt::endl;
    return ExitFailure;
}

int CtlCommand::usage(const QString &message)
{
    m_err << tr("cohortctl %1: %2 (see \"cohortctl %1 --help\")").arg(name(), message) << Qt::endl;
    return ExitUsage;
}

int CtlCommand::invalid(const QString &message)
{
    m_err << tr("cohortctl %1: error: %2").arg(name(), message) << Qt::endl;
    return ExitUsage;
}

bool CtlCommand::required(const QCommandLineParser &parser, const QString &option, QString *value)
{
    *value = parser.value(option);
    if (!value->isEmpty())
        return true;
    usage(tr("the option --%1 is required").arg(option));
    return false;
}

std::unique_ptr<Database> CtlCommand::openCluster(const QCommandLineParser &parser, int *code)
{
    QString url;
    if (!required(parser, u"db"_s, &url)) {
        *code = ExitUsage;
        return nullptr;
    }
    auto database = CtlOptions::openDatabase(url);
    if (!database) {
        *code = invalid(database.message());
        return nullptr;
    }
    auto cluster = Cluster::load(**database);
    if (!cluster) {
        *code = fail(cluster.message());
        return nullptr;
    }
    if (!cluster->has_value()) {
        *code = fail(tr("%1 holds no cluster; create one with \"cohortctl init\".")
                         .arg((*database)->url().redacted()));
        return nullptr;
    }
    *code = ExitSuccess;
    return std::move(database).value();
}

} // namespace Cohort
