#include "logindialog.h"
#include "clusterclient.h"
#include "consolesettings.h"
#include "consoletheme.h"
#include "databaseurl.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

LoginDialog::LoginDialog(ClusterClient &client, ConsoleSettings &settings, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_settings(settings)
    , m_profile(new QComboBox(this))
    , m_url(new QLineEdit(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Sign In to Cohort"));
    setObjectName(u"loginDialog"_s);

    m_profile->setEditable(true);
    m_profile->setObjectName(u"profile"_s);
    m_profile->setToolTip(tr("A name for this database, to pick it again next time"));
    m_url->setObjectName(u"databaseUrl"_s);
    m_url->setPlaceholderText(tr("sqlite:/path/to/cluster.db or postgresql://user@host/db"));
    m_url->setToolTip(tr("The cluster's database. A database password in the URL is not kept; "
                         "PostgreSQL can also take it from ~/.pgpass."));
    m_user->setObjectName(u"user"_s);
    m_password->setObjectName(u"password"_s);
    m_password->setEchoMode(QLineEdit::Password);
    m_error->setObjectName(u"error"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Sign In"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Profile:"), m_profile);
    form->addRow(tr("&Database:"), m_url);
    form->addRow(tr("&User name:"), m_user);
    form->addRow(tr("Pass&word:"), m_password);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    setMinimumWidth(460);

    for (const ConnectionProfile &profile : settings.profiles())
        m_profile->addItem(profile.name, profile.url);
    connect(m_profile, &QComboBox::activated, this, &LoginDialog::profileChosen);
    const int last = m_profile->findText(settings.lastProfile());
    if (last >= 0) {
        m_profile->setCurrentIndex(last);
        profileChosen(last);
    } else {
        m_profile->setCurrentText(QString());
    }
    m_user->setText(settings.lastUser());
    (m_user->text().isEmpty() ? m_user : m_password)->setFocus();

    connect(m_buttons, &QDialogButtonBox::accepted, this, &LoginDialog::signIn);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(&m_client, &ClusterClient::loginFinished, this, &LoginDialog::finished);
}

void LoginDialog::setDatabaseUrl(const QString &url)
{
    m_url->setText(url);
    // The profile that holds this URL, if there is one; otherwise a new, unnamed one.
    const int profile = m_profile->findData(ConsoleSettings::withoutPassword(url));
    if (profile >= 0)
        m_profile->setCurrentIndex(profile);
    else
        m_profile->setCurrentText(QString());
}

void LoginDialog::setUser(const QString &user)
{
    m_user->setText(user);
}

void LoginDialog::setPassword(const QString &password)
{
    m_password->setText(password);
}

QString LoginDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void LoginDialog::profileChosen(int index)
{
    if (index >= 0)
        m_url->setText(m_profile->itemData(index).toString());
}

void LoginDialog::signIn()
{
    if (m_busy)
        return;
    const QString url = m_url->text().trimmed();
    if (url.isEmpty()) {
        showError(tr("Enter the cluster's database URL."));
        m_url->setFocus();
        return;
    }
    if (auto parsed = DatabaseUrl::parse(url); !parsed) {
        showError(parsed.message());
        m_url->setFocus();
        return;
    }
    if (m_user->text().trimmed().isEmpty()) {
        showError(tr("Enter your user name."));
        m_user->setFocus();
        return;
    }
    if (m_password->text().isEmpty()) {
        showError(tr("Enter your password."));
        m_password->setFocus();
        return;
    }
    m_error->hide();
    setBusy(true);
    m_client.login(url, m_user->text().trimmed(), m_password->text());
}

void LoginDialog::finished(bool ok, const QString &error)
{
    if (!m_busy)
        return;
    setBusy(false);
    if (!ok) {
        showError(error);
        m_password->clear();
        m_password->setFocus();
        return;
    }
    QString profile = m_profile->currentText().trimmed();
    if (profile.isEmpty())
        profile = ConsoleSettings::withoutPassword(m_url->text().trimmed());
    m_settings.saveProfile({profile, m_url->text().trimmed()});
    m_settings.setLastProfile(profile);
    m_settings.setLastUser(m_user->text().trimmed());
    m_password->clear();
    accept();
}

void LoginDialog::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget *field : {static_cast<QWidget *>(m_profile), static_cast<QWidget *>(m_url),
                           static_cast<QWidget *>(m_user), static_cast<QWidget *>(m_password)})
        field->setEnabled(!busy);
    QPushButton *ok = m_buttons->button(QDialogButtonBox::Ok);
    ok->setEnabled(!busy);
    ok->setText(busy ? tr("Signing In…") : tr("Sign In"));
}

void LoginDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

} // namespace Cohort
