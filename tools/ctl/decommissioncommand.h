// cohortctl decommission: removes an Offline node from the cluster for good, audited.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class DecommissionCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::DecommissionCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
