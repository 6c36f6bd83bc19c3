#include "settingspage.h"
#include "clusterclient.h"
#include "consolepreferencesbox.h"
#include "consoletheme.h"
#include "secretpropertiesbox.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr SystemSettings::Field Fields[] = {
    SystemSettings::Field::LoadBalancerAddress, SystemSettings::Field::HeartbeatSeconds,
    SystemSettings::Field::OfflineAfterSeconds, SystemSettings::Field::TimeToleranceSeconds};
static_assert(std::size(Fields) == SystemSettings::FieldCount);

} // namespace

SettingsPage::SettingsPage(ClusterClient &client, ConsoleSettings &settings, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_save(new QPushButton(tr("&Save"), this))
    , m_revert(new QPushButton(tr("Re&vert"), this))
    , m_message(new QLabel(this))
{
    setObjectName(u"settingsPage"_s);
    auto *group = new QGroupBox(tr("Cluster"), this);
    auto *form = new QFormLayout(group);
    const QString labels[] = {tr("Load balancer address for agents:"), tr("Heartbeat interval (seconds):"),
                              tr("Offline threshold (seconds):"), tr("Clock tolerance (seconds):")};
    const QString hints[] = {
        tr("host:port agents connect to. Leave empty to give agents the managers' own addresses."),
        tr("How often each node records that it is alive."),
        tr("A node silent this long is marked Offline and its work is taken over. At least two heartbeats."),
        tr("A node whose clock is further than this from the database's raises Manager Time Out of Sync.")};
    for (int i = 0; i < SystemSettings::FieldCount; ++i) {
        Row &r = m_rows[i];
        r.edit = new QLineEdit(this);
        r.edit->setObjectName(systemSettingName(Fields[i]));
        r.edit->setToolTip(hints[i]);
        r.edit->setMaximumWidth(360);
        r.error = new QLabel(this);
        r.error->setObjectName(systemSettingName(Fields[i]) + u".error"_s);
        r.error->setStyleSheet(ConsoleTheme::errorStyleSheet());
        r.error->setWordWrap(true);
        r.error->hide();
        auto *line = new QHBoxLayout;
        line->addWidget(r.edit, 1);
        line->addWidget(r.error, 1);
        form->addRow(labels[i], line);
        auto *hint = new QLabel(hints[i], this);
        hint->setWordWrap(true);
        hint->setEnabled(false);
        form->addRow(QString(), hint);
        connect(r.edit, &QLineEdit::textEdited, this, [this] { setDirty(true); });
        connect(r.edit, &QLineEdit::returnPressed, this, &SettingsPage::save);
        if (!m_client.session().isAdministrator())
            r.edit->setReadOnly(true);
    }
    m_rows[0].edit->setPlaceholderText(tr("(none: agents use the managers' addresses)"));

    m_save->setObjectName(u"save"_s);
    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    connect(m_save, &QPushButton::clicked, this, &SettingsPage::save);
    connect(m_revert, &QPushButton::clicked, this, &SettingsPage::revert);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_message, 1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_save);

    // Made after the cluster's fields, so Tab goes through the page from the top.
    m_secrets = new SecretPropertiesBox(client, this);
    m_preferences = new ConsolePreferencesBox(settings, this);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    if (!m_client.session().isAdministrator()) {
        auto *readOnly = new QLabel(tr("You are signed in as an auditor: the settings are read-only."), this);
        layout->addWidget(readOnly);
    }
    layout->addWidget(group);
    layout->addLayout(buttons);
    layout->addWidget(m_secrets);
    layout->addWidget(m_preferences);
    layout->addStretch(1);

    connect(&m_client, &ClusterClient::snapshotChanged, this, [this] {
        if (!m_dirty && m_pending == 0) {
            load(m_client.snapshot().settings);
            if (!m_client.snapshot().settingsError.isEmpty())
                m_message->setText(m_client.snapshot().settingsError);
        }
    });
    connect(&m_client, &ClusterClient::actionFinished, this, &SettingsPage::actionFinished);
    if (m_client.hasSnapshot())
        load(m_client.snapshot().settings);
    setDirty(false);
}

SettingsPage::Row &SettingsPage::row(SystemSettings::Field field)
{
    return m_rows[int(field)];
}

const SettingsPage::Row &SettingsPage::row(SystemSettings::Field field) const
{
    return m_rows[int(field)];
}

QLineEdit *SettingsPage::field(SystemSettings::Field field) const
{
    return row(field).edit;
}

QString SettingsPage::fieldError(SystemSettings::Field field) const
{
    const Row &r = row(field);
    return r.error->isHidden() ? QString() : r.error->text();
}

QString SettingsPage::message() const
{
    return m_message->text();
}

void SettingsPage::load(const SystemSettings &settings)
{
    row(SystemSettings::Field::LoadBalancerAddress).edit->setText(settings.loadBalancerAddress);
    row(SystemSettings::Field::HeartbeatSeconds).edit->setText(QString::number(settings.heartbeatSeconds));
    row(SystemSettings::Field::OfflineAfterSeconds)
        .edit->setText(QString::number(settings.offlineAfterSeconds));
    row(SystemSettings::Field::TimeToleranceSeconds)
        .edit->setText(QString::number(settings.timeToleranceSeconds));
}

void SettingsPage::setDirty(bool dirty)
{
    m_dirty = dirty;
    const bool administrator = m_client.session().isAdministrator();
    m_save->setEnabled(administrator && dirty && m_pending == 0);
    m_revert->setEnabled(dirty && m_pending == 0);
}

bool SettingsPage::save()
{
    if (!m_client.session().isAdministrator() || m_pending != 0)
        return false;
    for (Row &r : m_rows)
        r.error->hide();
    m_message->clear();

    SystemSettings settings;
    settings.loadBalancerAddress = row(SystemSettings::Field::LoadBalancerAddress).edit->text().trimmed();
    bool numbersOk = true;
    const auto number = [&](SystemSettings::Field field, qint64 &into) {
        Row &r = row(field);
        bool ok = false;
        into = r.edit->text().trimmed().toLongLong(&ok);
        if (!ok) {
            r.error->setText(tr("Enter a whole number of seconds."));
            r.error->show();
            numbersOk = false;
        }
    };
    number(SystemSettings::Field::HeartbeatSeconds, settings.heartbeatSeconds);
    number(SystemSettings::Field::OfflineAfterSeconds, settings.offlineAfterSeconds);
    number(SystemSettings::Field::TimeToleranceSeconds, settings.timeToleranceSeconds);

    const QList<SystemSettings::Problem> problems = settings.problems();
    for (const SystemSettings::Problem &problem : problems) {
        Row &r = row(problem.field);
        if (r.error->isHidden()) {
            r.error->setText(problem.message);
            r.error->show();
        }
    }
    if (!numbersOk || !problems.isEmpty()) {
        m_message->setText(tr("Nothing was saved: correct the values marked in red."));
        return false;
    }
    m_pending = m_client.saveSettings(settings);
    m_message->setText(tr("Saving…"));
    setDirty(m_dirty);
    return true;
}

void SettingsPage::revert()
{
    for (Row &r : m_rows)
        r.error->hide();
    m_message->clear();
    load(m_client.snapshot().settings);
    setDirty(false);
}

void SettingsPage::actionFinished(quint64 requestId, bool ok, const QString &message)
{
    if (requestId != m_pending)
        return;
    m_pending = 0;
    m_message->setText(ok ? tr("Saved. Nodes apply the new values within a minute.") : message);
    setDirty(!ok);
}

} // namespace Cohort
