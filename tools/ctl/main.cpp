// cohortctl: the administrator's command line for a Cohort cluster.
#include "ctlapplication.h"

#include <QCoreApplication>
#include <QLocale>
#include <QLoggingCategory>
#include <QTranslator>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cohortctl"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(COHORT_VERSION_STRING));
    QCoreApplication::setOrganizationName(u"Cohort"_s);

    // Progress is reported by the commands themselves; the log shows warnings and worse
    // unless QT_LOGGING_RULES asks for more.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(u"cohort.*.info=false"_s);

    // English is the source language; its translation only adds plural forms, and stays
    // installed underneath the user's language for texts that one lacks.
    QTranslator english;
    QTranslator local;
    if (english.load(u"cohort_en"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(&english);
    if (local.load(QLocale(), u"cohort"_s, u"_"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(&local);

    Cohort::CtlApplication ctl;
    return ctl.run(QCoreApplication::arguments());
}
