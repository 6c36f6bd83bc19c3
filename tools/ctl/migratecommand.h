// cohortctl migrate: brings a database's schema to this program's version.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class MigrateCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::MigrateCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
