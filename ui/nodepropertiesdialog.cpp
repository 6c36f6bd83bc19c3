#include "nodepropertiesdialog.h"
#include "activitygraph.h"
#include "clusterclient.h"
#include "messagebox.h"
#include "nodestablemodel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int MaxDescriptionLength = 500;

QLabel *valueLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QString utcOffset(int seconds)
{
    const int minutes = qAbs(seconds) / 60;
    return u"UTC%1%2:%3"_s.arg(seconds < 0 ? u"−"_s : u"+"_s)
        .arg(minutes / 60, 2, 10, QChar(u'0'))
        .arg(minutes % 60, 2, 10, QChar(u'0'));
}

} // namespace

NodePropertiesDialog::NodePropertiesDialog(ClusterClient &client, const QString &guid, QWidget *parent)
    : QDialog(parent), m_client(client), m_guid(guid), m_name(valueLabel(this, u"name"_s)),
      m_description(new QLineEdit(this)), m_saveDescription(new QPushButton(tr("Save"), this)),
      m_guidLabel(valueLabel(this, u"guid"_s)), m_address(valueLabel(this, u"address"_s)),
      m_version(valueLabel(this, u"version"_s)), m_status(valueLabel(this, u"status"_s)),
      m_started(valueLabel(this, u"started"_s)), m_lastContact(valueLabel(this, u"lastContact"_s)),
      m_timeZone(valueLabel(this, u"timeZone"_s)), m_clockOffset(valueLabel(this, u"clockOffset"_s)),
      m_jobs(valueLabel(this, u"jobsLastHour"_s)),
      m_activity(new ActivityGraph(this)), m_decommission(new QPushButton(tr("Decommission…"), this)),
      m_decommissionHint(new QLabel(this)), m_error(new QLabel(this))
{
    setObjectName(u"nodeProperties"_s);
    setAttribute(Qt::WA_DeleteOnClose);
    setMinimumWidth(520);

    m_description->setObjectName(u"description"_s);
    m_description->setMaxLength(MaxDescriptionLength);
    m_description->setPlaceholderText(tr("What this node is for, where it runs…"));
    m_saveDescription->setObjectName(u"saveDescription"_s);
    m_saveDescription->setEnabled(false);
    connect(m_description, &QLineEdit::textEdited, this, [this] { m_saveDescription->setEnabled(true); });
    connect(m_description, &QLineEdit::returnPressed, this, &NodePropertiesDialog::saveDescription);
    connect(m_saveDescription, &QPushButton::clicked, this, &NodePropertiesDialog::saveDescription);
    if (!m_client.session().isAdministrator()) {
        m_description->setReadOnly(true);
        m_saveDescription->hide();
    }
    m_activity->setObjectName(u"activity"_s);

    auto *descriptionRow = new QHBoxLayout;
    descriptionRow->addWidget(m_description, 1);
    descriptionRow->addWidget(m_saveDescription);
    auto *activityColumn = new QVBoxLayout;
    activityColumn->addWidget(m_jobs);
    activityColumn->addWidget(m_activity);

    auto *general = new QGroupBox(tr("General"), this);
    auto *form = new QFormLayout(general);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Description:"), descriptionRow);
    form->addRow(tr("GUID:"), m_guidLabel);
    form->addRow(tr("Address:"), m_address);
    form->addRow(tr("Version:"), m_version);
    form->addRow(tr("Status:"), m_status);
    form->addRow(tr("Started:"), m_started);
    form->addRow(tr("Last contact:"), m_lastContact);
    form->addRow(tr("Time zone:"), m_timeZone);
    form->addRow(tr("Clock offset:"), m_clockOffset);
    form->addRow(tr("Jobs in the last hour:"), activityColumn);

    m_decommission->setObjectName(u"decommission"_s);
    m_decommissionHint->setWordWrap(true);
    m_decommissionHint->setObjectName(u"decommissionHint"_s);
    connect(m_decommission, &QPushButton::clicked, this, &NodePropertiesDialog::decommission);
    auto *options = new QGroupBox(tr("Options"), this);
    auto *optionsLayout = new QHBoxLayout(options);
    optionsLayout->addWidget(m_decommission, 0, Qt::AlignTop);
    optionsLayout->addWidget(m_decommissionHint, 1);

    m_error->setObjectName(u"error"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(u"color: #c62828;"_s);
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(general);
    layout->addWidget(options);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &NodePropertiesDialog::refresh);
    connect(&m_client, &ClusterClient::actionFinished, this, &NodePropertiesDialog::actionFinished);
    m_client.watchActivity(m_guid, true);
    refresh();
}

NodePropertiesDialog::~NodePropertiesDialog()
{
    m_client.watchActivity(m_guid, false);
}

QString NodePropertiesDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void NodePropertiesDialog::refresh()
{
    const ClusterSnapshot &snapshot = m_client.snapshot();
    const auto found = std::find_if(snapshot.nodes.cbegin(), snapshot.nodes.cend(),
                                    [this](const NodeInfo &node) { return node.guid == m_guid; });
    if (found == snapshot.nodes.cend()) {
        if (m_known && m_pendingDecommission == 0) {
            m_status->setText(tr("Decommissioned"));
            showError(tr("This node is no longer part of the cluster."));
        }
        m_decommission->setEnabled(false);
        return;
    }
    m_known = true;
    m_node = *found;
    setWindowTitle(tr("Properties of %1").arg(m_node.name));
    m_name->setText(m_node.name);
    if (!m_saveDescription->isEnabled() && !m_description->hasFocus())
        m_description->setText(m_node.description);
    m_guidLabel->setText(m_node.guid);
    m_address->setText(m_node.apiAddress.isEmpty() ? tr("(none)") : m_node.apiAddress);
    m_version->setText(m_node.requiredVersion.isEmpty()
                           ? m_node.version
                           : tr("%1 (the cluster runs %2: upgrade this node)").arg(m_node.version, m_node.requiredVersion));
    m_status->setText(u"<span style=\"color:%1\">●</span> %2"_s.arg(NodesTableModel::statusColor(m_node.status).name(),
                                                                    nodeStatusText(m_node.status).toHtmlEscaped()));
    m_started->setText(formatTimestamp(m_node.startedAt));
    m_lastContact->setText(formatTimestamp(m_node.lastHeartbeat));
    m_timeZone->setText(m_node.tzName.isEmpty() ? utcOffset(m_node.tzOffsetSeconds)
                                                : tr("%1 (%2)").arg(m_node.tzName, utcOffset(m_node.tzOffsetSeconds)));
    m_clockOffset->setText(tr("%1 s from the database's clock")
                               .arg(QLocale().toString(m_node.clockSkewMs / 1000.0, 'f', 1)));
    m_jobs->setText(QLocale().toString(m_node.jobsLastHour));
    if (const auto activity = snapshot.activity.constFind(m_guid); activity != snapshot.activity.cend())
        m_activity->setActivity(activity->fromMs, activity->perMinute);

    const bool administrator = m_client.session().isAdministrator();
    const bool offline = m_node.status == NodeStatus::Offline || m_node.status == NodeStatus::UpgradeRequired;
    m_decommission->setEnabled(administrator && offline && m_pendingDecommission == 0);
    if (!administrator)
        m_decommissionHint->setText(tr("You are signed in as an auditor: you can see this node but not change it."));
    else if (!offline)
        m_decommissionHint->setText(tr("Only an Offline node can be decommissioned. Stop the node first."));
    else
        m_decommissionHint->setText(tr("Removes this node from the cluster for good. Its GUID can never join again."));
}

void NodePropertiesDialog::decommission()
{
    if (!m_known || m_pendingDecommission != 0)
        return;
    const auto answer = MessageBox::question(
        this, tr("Decommission Node"),
        tr("Decommission %1?\n\nThe node is removed from the cluster for good and its GUID can never join again. "
           "This is recorded in the audit log.")
            .arg(m_node.name),
        QMessageBox::Yes, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    m_error->hide();
    m_decommission->setEnabled(false);
    m_decommissionHint->setText(tr("Decommissioning…"));
    m_pendingDecommission = m_client.decommissionNode(m_guid);
}

void NodePropertiesDialog::saveDescription()
{
    if (!m_client.session().isAdministrator() || !m_saveDescription->isEnabled())
        return;
    m_error->hide();
    m_saveDescription->setEnabled(false);
    m_pendingDescription = m_client.setNodeDescription(m_guid, m_description->text().trimmed());
}

void NodePropertiesDialog::actionFinished(quint64 requestId, bool ok, const QString &message)
{
    if (requestId == m_pendingDecommission) {
        m_pendingDecommission = 0;
        if (ok) {
            Q_EMIT decommissioned(m_node.name);
            accept();
            return;
        }
        showError(message);
        refresh();
    } else if (requestId == m_pendingDescription) {
        m_pendingDescription = 0;
        if (!ok) {
            showError(message);
            m_saveDescription->setEnabled(true);
        }
    }
}

void NodePropertiesDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

} // namespace Cohort
