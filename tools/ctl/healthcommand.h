// cohortctl health: the consistency grid. For every node, the values that must agree across
// the cluster and, for each that does not, why; one line when they all do.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class HealthCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::HealthCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
