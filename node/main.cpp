// cohort-node: one manager node. Thin: parses the configuration and runs NodeService.
// COHORT_NODE_VERSION is the project's version; the build also makes a copy for the tests
// that differs only in it (cohort-node-next, see node/CMakeLists.txt).
#include "nodeconfig.h"
#include "nodeservice.h"

#include <QCoreApplication>
#include <QLocale>
#include <QLoggingCategory>
#include <QTextStream>
#include <QTranslator>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cohort-node"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(COHORT_NODE_VERSION));

    QTranslator english;
    QTranslator local;
    if (english.load(u"cohort_en"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(&english);
    if (local.load(QLocale(), u"cohort"_s, u"_"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(&local);
    qSetMessagePattern(
        u"%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-warning}warning %{endif}%{if-critical}error %{endif}"
        "%{category}: %{message}"_s);

    QTextStream err(stderr);
    const QStringList arguments = app.arguments();
    if (Cohort::NodeConfig::wantsHelp(arguments)) {
        QTextStream(stdout) << Cohort::NodeConfig::helpText();
        return Cohort::NodeExitOk;
    }
    if (Cohort::NodeConfig::wantsVersion(arguments)) {
        QTextStream(stdout) << "cohort-node " << QStringLiteral(COHORT_NODE_VERSION) << Qt::endl;
        return Cohort::NodeExitOk;
    }
    auto config = Cohort::NodeConfig::parse(arguments);
    if (!config) {
        err << QCoreApplication::translate("main", "cohort-node: error: %1 (see --help)")
                   .arg(config.message())
            << Qt::endl;
        return Cohort::NodeExitUsage;
    }

    Cohort::NodeService service(std::move(config).value(), QStringLiteral(COHORT_NODE_VERSION));
    service.installSignalHandlers();
    QString error;
    if (const int code = service.start(&error); code != Cohort::NodeExitOk) {
        err << QCoreApplication::translate("main", "cohort-node: error: %1").arg(error) << Qt::endl;
        return code;
    }
    return app.exec();
}
