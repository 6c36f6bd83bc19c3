// cohortctl users: lists the console's users, adds one, sets one's personal data,
// password or role, locks or unlocks one. Personal data is shown and written in clear
// only with the local secret.
#pragma once

#include "cluster.h"
#include "ctlcommand.h"

namespace Cohort {

class UsersCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::UsersCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;

    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;

private:
    // The cluster, if its schema holds users' sealed personal data.
    Result<ClusterInfo> loadCluster(Database &database);
    int list(const QCommandLineParser &parser);
    int change(const QString &action, const QString &user, const QCommandLineParser &parser);
    int setRole(const QString &user, const QString &roleText, const QCommandLineParser &parser);
    int lock(const QString &action, const QString &user, const QCommandLineParser &parser);
};

} // namespace Cohort
