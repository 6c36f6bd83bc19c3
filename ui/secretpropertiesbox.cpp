#include "secretpropertiesbox.h"
#include "consoletheme.h"

#include "clusterclient.h"
#include "configproperties.h"
#include "messagebox.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

using namespace Qt::StringLiterals;

namespace Cohort {

SecretPropertiesBox::SecretPropertiesBox(ClusterClient &client, QWidget *parent)
    : QGroupBox(tr("Secret properties"), parent)
    , m_client(client)
    , m_message(new QLabel(this))
{
    setObjectName(u"secretProperties"_s);
    auto *form = new QFormLayout(this);
    for (const ConfigPropertyDefinition &definition : ConfigProperties::definitions()) {
        Row row;
        row.value = new QLineEdit(this);
        row.value->setObjectName(definition.name);
        row.value->setReadOnly(true);
        row.value->setEchoMode(QLineEdit::Password);
        row.value->setToolTip(definition.description);
        row.value->setMinimumWidth(360);
        row.show = new QCheckBox(tr("Show", "reveal a secret value"), this);
        row.show->setObjectName(definition.name + u".show"_s);
        row.regenerate = new QPushButton(tr("New Value…"), this);
        row.regenerate->setObjectName(definition.name + u".regenerate"_s);
        connect(row.show, &QCheckBox::toggled, row.value, [edit = row.value](bool shown) {
            edit->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        });
        connect(row.regenerate, &QPushButton::clicked, this,
                [this, name = definition.name] { regenerate(name); });
        auto *line = new QHBoxLayout;
        line->addWidget(row.value, 1);
        line->addWidget(row.show);
        line->addWidget(row.regenerate);
        form->addRow(definition.name + u':', line);
        auto *hint = new QLabel(definition.description, this);
        hint->setWordWrap(true);
        hint->setEnabled(false);
        form->addRow(QString(), hint);
        m_rows.insert(definition.name, row);
    }
    m_message->setObjectName(u"secretMessage"_s);
    m_message->setWordWrap(true);
    form->addRow(m_message);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &SecretPropertiesBox::refresh);
    connect(&m_client, &ClusterClient::actionFinished, this, &SecretPropertiesBox::actionFinished);
    refresh();
}

QLineEdit *SecretPropertiesBox::valueEdit(const QString &name) const
{
    return m_rows.value(name).value;
}

QCheckBox *SecretPropertiesBox::showBox(const QString &name) const
{
    return m_rows.value(name).show;
}

QPushButton *SecretPropertiesBox::regenerateButton(const QString &name) const
{
    return m_rows.value(name).regenerate;
}

QString SecretPropertiesBox::message() const
{
    return m_message->text();
}

void SecretPropertiesBox::refresh()
{
    const bool haveSnapshot = m_client.hasSnapshot();
    const bool open =
        haveSnapshot && m_client.snapshot().dataKeyOpen && m_client.snapshot().sealedDataError.isEmpty();
    const bool administrator = m_client.session().isAdministrator();
    QHash<QString, ConfigPropertyValue> values;
    if (haveSnapshot) {
        for (const ConfigPropertyValue &value : m_client.snapshot().secretProperties)
            values.insert(value.name, value);
    }
    for (auto it = m_rows.begin(); it != m_rows.end(); ++it) {
        const Row &row = it.value();
        const auto found = values.constFind(it.key());
        if (open && found != values.cend()) {
            row.value->setText(found->value);
            row.value->setPlaceholderText(QString());
        } else {
            row.value->clear();
            row.value->setPlaceholderText(
                found == values.cend() ? tr("(not set)") : tr("Sealed", "value not shown to an auditor"));
        }
        row.show->setEnabled(open && found != values.cend());
        row.regenerate->setEnabled(open && administrator && m_pending == 0);
        row.regenerate->setToolTip(!administrator ? tr("Auditors cannot change secret properties.")
                                   : !open        ? m_client.snapshot().dataKeyNote
                                                  : QString());
    }
    if (haveSnapshot && !open && m_message->text().isEmpty())
        m_message->setText(m_client.snapshot().dataKeyNote);
}

void SecretPropertiesBox::regenerate(const QString &name)
{
    const auto answer = MessageBox::question(
        this, tr("New Value"),
        tr("Make a new random value for %1? Whatever uses the current one must be given the new one.")
            .arg(name),
        QMessageBox::Yes, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    m_message->clear();
    m_pending = m_client.regenerateSecretProperty(name);
    refresh();
}

void SecretPropertiesBox::actionFinished(quint64 requestId, bool ok, const QString &message)
{
    if (requestId != m_pending)
        return;
    m_pending = 0;
    m_message->setText(message);
    m_message->setStyleSheet(ok ? QString() : ConsoleTheme::errorStyleSheet());
    refresh();
}

} // namespace Cohort
