// cohortctl status: what cluster a database holds, and whether a secret unlocks it.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class StatusCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::StatusCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
