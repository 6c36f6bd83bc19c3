#include "consoletheme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QString &systemStyleName()
{
    static QString name;
    return name;
}

QPalette lightPalette()
{
    QPalette p;
    const QColor window(0xef, 0xf1, 0xf3);
    const QColor text(0x1c, 0x23, 0x2b);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf6, 0xf8, 0xfa));
    p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xfd, 0xe7));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x6b, 0x76, 0x82));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0xe4, 0xe7, 0xeb));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, Qt::white);
    p.setColor(QPalette::Midlight, QColor(0xe0, 0xe4, 0xe8));
    p.setColor(QPalette::Mid, QColor(0xb8, 0xc0, 0xc8));
    p.setColor(QPalette::Dark, QColor(0x8a, 0x94, 0x9e));
    p.setColor(QPalette::Shadow, QColor(0x4a, 0x52, 0x5a));
    p.setColor(QPalette::Highlight, QColor(0x1e, 0x66, 0xc8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x15, 0x5c, 0xb8));
    p.setColor(QPalette::LinkVisited, QColor(0x6a, 0x3d, 0xa8));
    const QColor disabled(0x8a, 0x93, 0x9c);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0xa8, 0xb4, 0xc2));
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x26, 0x2a, 0x2f);
    const QColor text(0xe6, 0xe9, 0xec);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, QColor(0x1b, 0x1e, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x23, 0x27, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x32, 0x37, 0x3d));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x93, 0x9c, 0xa6));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x33, 0x38, 0x3e));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x8a, 0x80));
    p.setColor(QPalette::Light, QColor(0x45, 0x4b, 0x52));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x40, 0x46));
    p.setColor(QPalette::Mid, QColor(0x50, 0x57, 0x5f));
    p.setColor(QPalette::Dark, QColor(0x16, 0x19, 0x1c));
    p.setColor(QPalette::Shadow, QColor(0x0a, 0x0b, 0x0d));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x8b, 0xf0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb4, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xc3, 0x9b, 0xff));
    const QColor disabled(0x7d, 0x85, 0x8e);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x4a, 0x55, 0x62));
    return p;
}

} // namespace

QString ConsoleTheme::key(Theme theme)
{
    switch (theme) {
    case Light:
        return u"light"_s;
    case Dark:
        return u"dark"_s;
    case System:
        break;
    }
    return u"system"_s;
}

ConsoleTheme::Theme ConsoleTheme::fromKey(const QString &key, bool *ok)
{
    for (Theme theme : {System, Light, Dark}) {
        if (key == ConsoleTheme::key(theme)) {
            if (ok)
                *ok = true;
            return theme;
        }
    }
    if (ok)
        *ok = key.isEmpty();
    return System;
}

QStringList ConsoleTheme::keys()
{
    return {key(System), key(Light), key(Dark)};
}

QString ConsoleTheme::displayName(Theme theme)
{
    switch (theme) {
    case Light:
        return tr("Light", "theme");
    case Dark:
        return tr("Dark", "theme");
    case System:
        break;
    }
    return tr("As the desktop", "theme");
}

QPalette ConsoleTheme::palette(Theme theme)
{
    switch (theme) {
    case Light:
        return lightPalette();
    case Dark:
        return darkPalette();
    case System:
        break;
    }
    return QApplication::style()->standardPalette();
}

void ConsoleTheme::apply(Theme theme)
{
    if (systemStyleName().isEmpty())
        systemStyleName() = QApplication::style()->name();
    if (theme == System) {
        if (QApplication::style()->name() != systemStyleName())
            QApplication::setStyle(QStyleFactory::create(systemStyleName()));
        QApplication::setPalette(QApplication::style()->standardPalette());
        return;
    }
    if (QApplication::style()->name().compare(u"fusion"_s, Qt::CaseInsensitive) != 0)
        QApplication::setStyle(QStyleFactory::create(u"Fusion"_s));
    QApplication::setPalette(palette(theme));
}

bool ConsoleTheme::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < palette.color(QPalette::WindowText).lightnessF();
}

QString ConsoleTheme::errorStyleSheet()
{
    // Dark red on a light window, a light red on a dark one: 4.5:1 or better on both.
    return isDark(QApplication::palette()) ? u"color: #ff8a80;"_s : u"color: #c62828;"_s;
}

} // namespace Cohort
