// cohortctl jobs: submits jobs to the cluster's pool, lists them, and counts the
// finished ones by node and type. One command with an action: submit, list or stats.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class JobsCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::JobsCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;

private:
    int submit(const QCommandLineParser &parser);
    int list(const QCommandLineParser &parser);
    int stats(const QCommandLineParser &parser);
};

} // namespace Cohort
