// cohortctl nodes: the cluster's manager nodes, their status, activity and takeover
// countdown; a node's timeline (events) and the report of a takeover of its work.
#pragma once

#include "ctlcommand.h"
#include "database.h"

namespace Cohort {

class NodesCommand final : public CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodesCommand)

public:
    using CtlCommand::CtlCommand;
    QString name() const override;
    QString summary() const override;
    QString description() const override;
    void configure(QCommandLineParser &parser) const override;
    int run(const QCommandLineParser &parser) override;

private:
    int list(Database &database, const QCommandLineParser &parser);
    int events(Database &database, const QString &node, const QCommandLineParser &parser);
    int takeover(Database &database, const QString &ref, const QCommandLineParser &parser);
    // drain or resume, through the node's API.
    int hold(Database &database, const QString &ref, bool drain, const QCommandLineParser &parser);
};

} // namespace Cohort
