// ConsoleTheme: the console's look, chosen in its settings or with --theme. "System"
// keeps the platform's style and palette; "Light" and "Dark" use the Fusion style with a
// palette of their own, so the console is the same on every desktop. Views that paint
// for themselves read the palette, so they follow a change at once.
#pragma once

#include <QCoreApplication>
#include <QPalette>
#include <QString>
#include <QStringList>

namespace Cohort {

class ConsoleTheme
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ConsoleTheme)

public:
    enum Theme { System, Light, Dark };

    static QString key(Theme theme); // "system", "light", "dark"
    static Theme fromKey(const QString &key, bool *ok = nullptr);
    static QStringList keys();
    static QString displayName(Theme theme);

    static QPalette palette(Theme theme);
    // Applies the theme to the running application (style and palette).
    static void apply(Theme theme);
    // Whether the application's palette is a dark one (light text on a dark window).
    static bool isDark(const QPalette &palette);
    // A style sheet for an error message that reads on the application's palette.
    static QString errorStyleSheet();
};

} // namespace Cohort
