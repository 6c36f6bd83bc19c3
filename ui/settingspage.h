// SettingsPage: the cluster-wide System Settings (load balancer address for agents,
// heartbeat interval, offline threshold), and this console's own language and theme. A bad value shows an
// error beside its field and nothing is saved; core checks the same rules again before it writes.
#pragma once

#include "systemsettings.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

namespace Cohort {

class ClusterClient;
class ConsoleSettings;
class ConsolePreferencesBox;

class SettingsPage : public QWidget
{
    Q_OBJECT

public:
    SettingsPage(ClusterClient &client, ConsoleSettings &settings, QWidget *parent = nullptr);

    QLineEdit *field(SystemSettings::Field field) const;
    // The error shown beside a field, or empty.
    QString fieldError(SystemSettings::Field field) const;
    QString message() const;
    QPushButton *saveButton() const { return m_save; }
    bool dirty() const { return m_dirty; }
    class SecretPropertiesBox *secretProperties() const { return m_secrets; }
    ConsolePreferencesBox *preferences() const { return m_preferences; }

    // Checks the fields and, when every value is good, asks core to save them.
    // Returns whether the values were sent.
    bool save();
    void revert();

private:
    struct Row
    {
        QLineEdit *edit = nullptr;
        QLabel *error = nullptr;
    };

    void load(const SystemSettings &settings);
    void setDirty(bool dirty);
    void actionFinished(quint64 requestId, bool ok, const QString &message);
    Row &row(SystemSettings::Field field);
    const Row &row(SystemSettings::Field field) const;

    ClusterClient &m_client;
    Row m_rows[SystemSettings::FieldCount];
    QPushButton *m_save;
    QPushButton *m_revert;
    QLabel *m_message;
    class SecretPropertiesBox *m_secrets = nullptr;
    ConsolePreferencesBox *m_preferences = nullptr;
    bool m_dirty = false;
    quint64 m_pending = 0;
};

} // namespace Cohort
