// ConsolePreferencesBox: "This console" on the System Settings page: the console's own
// language and theme, kept in ConsoleSettings (not in the cluster). A theme applies at
// once; a language the next time the console starts.
#pragma once

#include <QGroupBox>

class QComboBox;
class QLabel;

namespace Cohort {

class ConsoleSettings;

class ConsolePreferencesBox : public QGroupBox
{
    Q_OBJECT

public:
    explicit ConsolePreferencesBox(ConsoleSettings &settings, QWidget *parent = nullptr);

    QComboBox *languageBox() const { return m_language; }
    QComboBox *themeBox() const { return m_theme; }
    QString languageHint() const;

private:
    void languageChosen();
    void themeChosen();

    ConsoleSettings &m_settings;
    QComboBox *m_language;
    QComboBox *m_theme;
    QLabel *m_languageHint;
    QString m_startLanguage;
};

} // namespace Cohort
