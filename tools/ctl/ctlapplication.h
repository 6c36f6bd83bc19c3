// CtlApplication: cohortctl's command dispatcher: global help, version, and the
// subcommands, each parsed by its own QCommandLineParser.
#pragma once

#include "ctlcommand.h"

#include <memory>
#include <vector>

namespace Cohort {

class CtlApplication
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::CtlApplication)

public:
    CtlApplication();
    ~CtlApplication();
    int run(const QStringList &arguments);

private:
    void printHelp();
    CtlCommand *find(const QString &name) const;

    QTextStream m_out;
    QTextStream m_err;
    std::vector<std::unique_ptr<CtlCommand>> m_commands;
};

} // namespace Cohort
