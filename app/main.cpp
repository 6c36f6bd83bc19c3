// cohort-console: the administrators' desktop console. Thin: options, translations, and
// the ConsoleShell (login, then the main window).
#include "clusterclient.h"
#include "consolelanguage.h"
#include "consolesettings.h"
#include "consoleshell.h"
#include "consoletheme.h"
#include "icons.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QTextStream>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(u"cohort-console"_s);
    QApplication::setApplicationDisplayName(u"Cohort Console"_s);
    QApplication::setApplicationVersion(QStringLiteral(COHORT_VERSION_STRING));
    QApplication::setOrganizationName(u"Cohort"_s);
    QApplication::setWindowIcon(Cohort::Icons::application());
    QGuiApplication::setDesktopFileName(u"cohort-console"_s);

    // The language comes before the options are described, so --help speaks it too:
    // --language (for this run), else the one chosen in the console's settings.
    Cohort::ConsoleSettings settings;
    QString language = settings.language();
    const QStringList rawArguments = QCoreApplication::arguments();
    for (qsizetype i = 1; i < rawArguments.size(); ++i) {
        if (rawArguments[i] == u"--language"_s && i + 1 < rawArguments.size())
            language = rawArguments[i + 1];
        else if (rawArguments[i].startsWith(u"--language="_s))
            language = rawArguments[i].mid(11);
    }
    const bool knownLanguage = language.isEmpty() || Cohort::ConsoleLanguage::isAvailable(language);
    Cohort::ConsoleLanguage::install(knownLanguage ? language : QString());

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Administers a Cohort cluster."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption database(
        u"db"_s, QCoreApplication::translate("main", "The cluster's database URL."), u"url"_s);
    const QCommandLineOption user(
        u"user"_s, QCoreApplication::translate("main", "The user name to sign in as."), u"name"_s);
    const QCommandLineOption passwordFile(
        u"password-file"_s,
        QCoreApplication::translate("main",
                                    "Sign in at once with the password in this file (its first line)."),
        u"file"_s);
    const QCommandLineOption page(
        u"page"_s,
        QCoreApplication::translate("main",
                                    "The page to show first: nodes, agents, system-information, alerts, "
                                    "audit-log, users, settings, consistency."),
        u"page"_s);
    const QCommandLineOption screenshots(
        u"screenshots"_s,
        QCoreApplication::translate(
            "main", "Save a picture of each page into this folder, print the files and quit."),
        u"folder"_s);
    const QCommandLineOption languageOption(
        u"language"_s,
        QCoreApplication::translate("main", "Speak this language for this run (en, de, ja), not the one in "
                                            "the settings."),
        u"code"_s);
    const QCommandLineOption theme(
        u"theme"_s,
        QCoreApplication::translate("main", "Use this theme for this run: system, light or dark."),
        u"theme"_s);
    parser.addOptions({database, user, passwordFile, page, screenshots, languageOption, theme});
    parser.process(app);

    QTextStream err(stderr);
    if (!knownLanguage) {
        QStringList codes;
        for (const auto &choice : Cohort::ConsoleLanguage::available())
            codes << choice.code;
        err << QCoreApplication::translate("main", "cohort-console: error: no language \"%1\"; one of: %2")
                   .arg(language, codes.join(u", "_s))
            << Qt::endl;
        return 2;
    }
    bool themeOk = false;
    const QString themeKey = parser.isSet(theme) ? parser.value(theme) : settings.theme();
    const Cohort::ConsoleTheme::Theme chosenTheme = Cohort::ConsoleTheme::fromKey(themeKey, &themeOk);
    if (!themeOk && parser.isSet(theme)) {
        err << QCoreApplication::translate("main", "cohort-console: error: no theme \"%1\"; one of: %2")
                   .arg(themeKey, Cohort::ConsoleTheme::keys().join(u", "_s))
            << Qt::endl;
        return 2;
    }
    Cohort::ConsoleTheme::apply(chosenTheme);
    Cohort::ConsoleShell::Options options;
    options.databaseUrl = parser.value(database);
    options.user = parser.value(user);
    options.page = parser.value(page);
    options.screenshotFolder = parser.value(screenshots);
    if (!options.page.isEmpty()) {
        QStringList pages;
        for (int i = 0; i < Cohort::MainWindow::PageCount; ++i)
            pages << Cohort::MainWindow::pageKey(Cohort::MainWindow::Page(i));
        if (!pages.contains(options.page)) {
            err << QCoreApplication::translate("main",
                                               "cohort-console: error: unknown page \"%1\"; one of: %2")
                       .arg(options.page, pages.join(u", "_s))
                << Qt::endl;
            return 2;
        }
    }
    if (parser.isSet(passwordFile)) {
        QFile file(parser.value(passwordFile));
        if (!file.open(QIODevice::ReadOnly)) {
            err << QCoreApplication::translate("main",
                                               "cohort-console: error: cannot read the password file %1: %2")
                       .arg(file.fileName(), file.errorString())
                << Qt::endl;
            return 2;
        }
        options.password = QString::fromUtf8(file.readLine()).remove(u'\n').remove(u'\r');
        if (options.password.isEmpty() || options.databaseUrl.isEmpty() || options.user.isEmpty()) {
            err << QCoreApplication::translate(
                "main", "cohort-console: error: --password-file needs --db, --user and a "
                        "non-empty first line")
                << Qt::endl;
            return 2;
        }
    }
    if (!options.screenshotFolder.isEmpty() && options.password.isEmpty()) {
        err << QCoreApplication::translate("main",
                                           "cohort-console: error: --screenshots needs --password-file")
            << Qt::endl;
        return 2;
    }

    Cohort::ClusterClient client;
    Cohort::ConsoleShell shell(client, settings, options);
    QObject::connect(&shell, &Cohort::ConsoleShell::finished, &app, &QCoreApplication::exit);
    app.setQuitOnLastWindowClosed(false);
    shell.start();
    return app.exec();
}
