// ConsoleLanguage: which language the console speaks. The catalogues are compiled into the
// program (:/i18n/cohort_LANG.qm); "" follows the desktop's locale. The chosen language
// also becomes the default QLocale, so dates, times and numbers are written its way.
#pragma once

#include <QList>
#include <QString>

namespace Cohort {

class ConsoleLanguage
{
public:
    struct Choice
    {
        QString code; // "" (as the desktop), "en", "de", "ja"
        QString name; // in its own language: "Deutsch", "日本語"
    };

    // The languages the program carries, English first.
    static QList<Choice> available();
    static bool isAvailable(const QString &code);
    // A language's name in itself ("Deutsch", "日本語"); English for "C" and "en".
    static QString nativeName(const QString &code);
    // Loads the catalogues for code ("" for the desktop's locale) and makes its locale the
    // default. Call once, before any window is made. Returns the language now spoken.
    static QString install(const QString &code);
};

} // namespace Cohort
