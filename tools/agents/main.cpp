// cohort-agents: many simulated agents in one process, checking in with Cohort nodes.
#include "agentsimulator.h"
#include "agentsoptions.h"

#include <QCoreApplication>
#include <QLocale>
#include <QLoggingCategory>
#include <QTextStream>
#include <QTranslator>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

enum ExitCode { ExitSuccess = 0, ExitFailure = 1, ExitUsage = 2 };

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AgentsMain)
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cohort-agents"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(COHORT_VERSION_STRING));
    QCoreApplication::setOrganizationName(u"Cohort"_s);
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(u"cohort.*.info=false"_s);

    QTranslator english;
    QTranslator local;
    if (english.load(u"cohort_en"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(&english);
    if (local.load(QLocale(), u"cohort"_s, u"_"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(&local);

    QTextStream out(stdout);
    QTextStream err(stderr);
    Cohort::AgentsOptions options;
    switch (options.parse(QCoreApplication::arguments())) {
    case Cohort::AgentsOptions::Outcome::Help:
        out << options.helpText() << Qt::flush;
        return ExitSuccess;
    case Cohort::AgentsOptions::Outcome::Version:
        out << u"cohort-agents "_s << QStringLiteral(COHORT_VERSION_STRING) << Qt::endl;
        return ExitSuccess;
    case Cohort::AgentsOptions::Outcome::Usage:
        err << Text::tr("cohort-agents: %1 (see \"cohort-agents --help\")").arg(options.error()) << Qt::endl;
        return ExitUsage;
    case Cohort::AgentsOptions::Outcome::Run:
        break;
    }
    Cohort::AgentSimulator simulator(options.settings(), out, err);
    return simulator.run();
}
