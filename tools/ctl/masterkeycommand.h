// cohortctl masterkey: replaces the local secret that wraps the data key (rotate-secret),
// or the data key itself (rotate-key). See KeyRotation.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class MasterKeyCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::MasterKeyCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
