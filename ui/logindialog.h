// LoginDialog: pick or type a connection profile (name and database URL), then a user
// name and password. The check runs on the worker thread (the password hash is slow on
// purpose), so the dialog stays responsive and shows why a login failed.
#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace Cohort {

class ClusterClient;
class ConsoleSettings;

class LoginDialog : public QDialog
{
    Q_OBJECT

public:
    LoginDialog(ClusterClient &client, ConsoleSettings &settings, QWidget *parent = nullptr);

    void setDatabaseUrl(const QString &url);
    void setUser(const QString &user);
    void setPassword(const QString &password);
    // Starts the login as the Sign In button does.
    void signIn();

    QString errorText() const;
    bool busy() const { return m_busy; }

private:
    void profileChosen(int index);
    void finished(bool ok, const QString &error);
    void setBusy(bool busy);
    void showError(const QString &text);

    ClusterClient &m_client;
    ConsoleSettings &m_settings;
    QComboBox *m_profile;
    QLineEdit *m_url;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
    bool m_busy = false;
};

} // namespace Cohort
