// cohortctl audit: the audit log, newest first, with the console's Audit Log filter
// (AuditLog::query) and a target besides.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class AuditCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AuditCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;
};

} // namespace Cohort
