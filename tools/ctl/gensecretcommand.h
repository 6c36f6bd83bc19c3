// cohortctl gen-secret: writes a new random local secret file.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class GenSecretCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::GenSecretCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
