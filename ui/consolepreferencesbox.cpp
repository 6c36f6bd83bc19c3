#include "consolepreferencesbox.h"
#include "consolelanguage.h"
#include "consolesettings.h"
#include "consoletheme.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace Cohort {

ConsolePreferencesBox::ConsolePreferencesBox(ConsoleSettings &settings, QWidget *parent)
    : QGroupBox(tr("This console"), parent)
    , m_settings(settings)
    , m_language(new QComboBox(this))
    , m_theme(new QComboBox(this))
    , m_languageHint(new QLabel(this))
    , m_startLanguage(settings.language())
{
    setObjectName(u"consolePreferences"_s);
    m_language->setObjectName(u"language"_s);
    m_language->setAccessibleName(tr("Language"));
    const QString desktop = ConsoleLanguage::nativeName(QLocale::system().name().section(u'_', 0, 0));
    m_language->addItem(desktop.isEmpty() ? tr("As the desktop") : tr("As the desktop (%1)").arg(desktop),
                        QString());
    m_language->setMaximumWidth(360);
    m_theme->setMaximumWidth(360);
    for (const ConsoleLanguage::Choice &choice : ConsoleLanguage::available())
        m_language->addItem(choice.name, choice.code);
    m_language->setCurrentIndex(qMax(0, m_language->findData(m_startLanguage)));

    m_theme->setObjectName(u"theme"_s);
    m_theme->setAccessibleName(tr("Theme"));
    for (ConsoleTheme::Theme theme : {ConsoleTheme::System, ConsoleTheme::Light, ConsoleTheme::Dark})
        m_theme->addItem(ConsoleTheme::displayName(theme), ConsoleTheme::key(theme));
    m_theme->setCurrentIndex(
        qMax(0, m_theme->findData(ConsoleTheme::key(ConsoleTheme::fromKey(settings.theme())))));

    m_languageHint->setObjectName(u"languageHint"_s);
    m_languageHint->setWordWrap(true);
    m_languageHint->setEnabled(false);

    auto *form = new QFormLayout(this);
    form->addRow(tr("&Language:"), m_language);
    form->addRow(QString(), m_languageHint);
    form->addRow(tr("&Theme:"), m_theme);
    auto *saved = new QLabel(tr("Kept for this console on this computer, not in the cluster."), this);
    saved->setWordWrap(true);
    saved->setEnabled(false);
    form->addRow(QString(), saved);

    connect(m_language, &QComboBox::activated, this, &ConsolePreferencesBox::languageChosen);
    connect(m_theme, &QComboBox::activated, this, &ConsolePreferencesBox::themeChosen);
    languageChosen();
}

QString ConsolePreferencesBox::languageHint() const
{
    return m_languageHint->text();
}

void ConsolePreferencesBox::languageChosen()
{
    const QString code = m_language->currentData().toString();
    if (code != m_settings.language())
        m_settings.setLanguage(code);
    m_languageHint->setText(
        code == m_startLanguage
            ? tr("Dates, times and numbers are written as in this language.")
            : tr("The console speaks %1 the next time it starts.").arg(m_language->currentText()));
}

void ConsolePreferencesBox::themeChosen()
{
    const auto theme = ConsoleTheme::fromKey(m_theme->currentData().toString());
    m_settings.setTheme(ConsoleTheme::key(theme));
    ConsoleTheme::apply(theme);
}

} // namespace Cohort
