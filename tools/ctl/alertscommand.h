// cohortctl alerts: the cluster's alerts, as the console's Alerts page shows them, and
// the console's two changes to one: acknowledge and clear, audited like the console's.
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class AlertsCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AlertsCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;

private:
    int list(const QCommandLineParser &parser);
    int change(const QString &action, const QString &id, const QCommandLineParser &parser);
};

} // namespace Cohort
