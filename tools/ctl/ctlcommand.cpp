#include "ctlcommand.h"

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

} // namespace Cohort
