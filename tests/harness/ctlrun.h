// runCtl(): runs the built cohortctl as a real process and collects what it said.
#pragma once

#include <QByteArray>
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

} // namespace Cohort::Test
