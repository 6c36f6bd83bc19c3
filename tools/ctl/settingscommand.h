// cohortctl settings: the cluster-wide settings of the console's System Settings page,
// shown or changed with the page's validation (SystemSettings::problems()).
#pragma once

#include "ctlcommand.h"

namespace Cohort {

class SettingsCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::SettingsCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;

private:
    int show(const QCommandLineParser &parser);
    int set(const QStringList &assignments, const QCommandLineParser &parser);
};

} // namespace Cohort
