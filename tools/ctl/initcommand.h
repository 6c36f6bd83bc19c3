// cohortctl init: creates a cluster (schema, data key, first administrator).
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class InitCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::InitCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
