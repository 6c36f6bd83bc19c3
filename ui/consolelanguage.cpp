#include "consolelanguage.h"
#include "uilogging.h"

#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString CatalogueDir = u":/i18n"_s;

} // namespace

QString ConsoleLanguage::nativeName(const QString &code)
{
    if (code == u"en"_s || code == u"C"_s)
        return u"English"_s;
    const QLocale locale(code);
    QString name = locale.nativeLanguageName();
    if (!name.isEmpty())
        name[0] = name[0].toUpper();
    return name;
}

QList<ConsoleLanguage::Choice> ConsoleLanguage::available()
{
    QList<Choice> choices{{u"en"_s, nativeName(u"en"_s)}};
    const QStringList catalogues = QDir(CatalogueDir).entryList({u"cohort_*.qm"_s}, QDir::Files, QDir::Name);
    for (const QString &file : catalogues) {
        const QString code = file.mid(7).chopped(3); // cohort_XX.qm
        if (code != u"en"_s)
            choices << Choice{code, nativeName(code)};
    }
    return choices;
}

bool ConsoleLanguage::isAvailable(const QString &code)
{
    for (const Choice &choice : available()) {
        if (choice.code == code)
            return true;
    }
    return false;
}

QString ConsoleLanguage::install(const QString &code)
{
    if (!code.isEmpty())
        QLocale::setDefault(QLocale(code));
    const QLocale locale;
    // English plural forms ("%n job(s)") first, then the language's own catalogue above it.
    static QTranslator english;
    static QTranslator local;
    static QTranslator qt;
    if (english.load(u"cohort_en"_s, CatalogueDir))
        QCoreApplication::installTranslator(&english);
    if (locale.language() != QLocale::English && local.load(locale, u"cohort"_s, u"_"_s, CatalogueDir)) {
        QCoreApplication::installTranslator(&local);
        // Qt's own words (Cancel, Close, the calendar) from Debian's qt6-translations-l10n.
        if (qt.load(locale, u"qtbase"_s, u"_"_s, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(&qt);
        else
            qCWarning(lcUi) << "no Qt translation for" << locale.name() << "(qt6-translations-l10n)";
        qCInfo(lcUi) << "speaking" << local.language();
        return local.language().section(u'_', 0, 0);
    }
    return u"en"_s;
}

} // namespace Cohort
