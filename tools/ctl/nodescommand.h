// cohortctl nodes: the cluster's manager nodes, their status and activity.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class NodesCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodesCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
