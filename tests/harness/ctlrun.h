// runCtl(): runs the built cohortctl as a real process and collects what it said.
#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QString>
#include <QStringList>

namespace Cohort::Test {

struct CtlRun
{
    int exitCode = -1; // -1: did not start, crashed or timed out
    QString out;
    QString err;
};

CtlRun runCtl(const QStringList &arguments, const QByteArray &input = {});

// The actor cohortctl audits with: "cohortctl:" and the operating system's user.
QString ctlActor();
// The JSON a run printed; *problem names what was printed instead when it is not JSON.
QJsonDocument ctlJson(const CtlRun &run, QString *problem);
// Why run is not a refusal as cohortctl refuses: exitCode, the complaint on one line
// from "cohortctl COMMAND", nothing on standard output. Empty when it is.
QString ctlRefusal(const CtlRun &run, int exitCode, const QString &command, const QString &complaint);

} // namespace Cohort::Test
