#include "ctlrun.h"

#include <QProcess>

#include <pwd.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

CtlRun runCtl(const QStringList &arguments, const QByteArray &input)
{
    QProcess process;
    process.start(QStringLiteral(COHORT_CTL_PATH), arguments);
    CtlRun run;
    if (!process.waitForStarted(10000))
        return run;
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(120000))
        process.kill();
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

QString ctlActor()
{
    QString user;
    if (const passwd *entry = getpwuid(geteuid()); entry && entry->pw_name)
        user = QString::fromLocal8Bit(entry->pw_name);
    if (user.isEmpty())
        user = qEnvironmentVariable("USER");
    return user.isEmpty() ? u"cohortctl"_s : u"cohortctl:"_s + user;
}

QJsonDocument ctlJson(const CtlRun &run, QString *problem)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(run.out.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        *problem = u"not JSON (%1): %2 %3"_s.arg(error.errorString(), run.out, run.err);
    return document;
}

QString ctlRefusal(const CtlRun &run, int exitCode, const QString &command, const QString &complaint)
{
    if (run.exitCode != exitCode)
        return u"exit %1, not %2: %3"_s.arg(run.exitCode).arg(exitCode).arg(run.err);
    if (!run.err.contains(complaint))
        return u"no \"%1\" in: %2"_s.arg(complaint, run.err);
    if (!run.err.startsWith(u"cohortctl %1"_s.arg(command)))
        return u"not from cohortctl %1: %2"_s.arg(command, run.err);
    if (!run.err.endsWith(u'\n') || run.err.count(u'\n') != 1)
        return u"not one line: "_s + run.err;
    if (!run.out.isEmpty())
        return u"printed: "_s + run.out;
    return {};
}

} // namespace Cohort::Test
