#include "nodepropertiesdialog.h"
#include "activitygraph.h"
#include "clusterclient.h"
#include "configproperties.h"
#include "consoletheme.h"
#include "icons.h"
#include "messagebox.h"
#include "nodestablemodel.h"
#include "nodetimelinewidget.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <iterator>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int MaxDescriptionLength = 500;
// The confirmation names this many agents, then how many more.
constexpr int AgentsListed = 20;

QLabel *valueLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// A certificate's SHA-256 in two lines of four groups, so it fits the dialog.
QString groupedFingerprint(const QString &hex)
{
    QString grouped;
    for (qsizetype i = 0; i < hex.size(); i += 8) {
        if (i > 0)
            grouped += i % 32 == 0 ? u'\n' : u' ';
        grouped += hex.mid(i, 8);
    }
    return grouped;
}

constexpr QStringView ApiFields[] = {u"name", u"version", u"status", u"address", u"certificate", u"started"};

QString utcOffset(int seconds)
{
    const int minutes = qAbs(seconds) / 60;
    return u"UTC%1%2:%3"_s.arg(seconds < 0 ? u"−"_s : u"+"_s)
        .arg(minutes / 60, 2, 10, QChar(u'0'))
        .arg(minutes % 60, 2, 10, QChar(u'0'));
}

} // namespace

NodePropertiesDialog::NodePropertiesDialog(ClusterClient &client, const QString &guid, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_guid(guid)
    , m_name(valueLabel(this, u"name"_s))
    , m_description(new QLineEdit(this))
    , m_saveDescription(new QPushButton(tr("Save", "node description"), this))
    , m_guidLabel(valueLabel(this, u"guid"_s))
    , m_address(valueLabel(this, u"address"_s))
    , m_version(valueLabel(this, u"version"_s))
    , m_status(valueLabel(this, u"status"_s))
    , m_started(valueLabel(this, u"started"_s))
    , m_lastContact(valueLabel(this, u"lastContact"_s))
    , m_heartbeat(valueLabel(this, u"heartbeat"_s))
    , m_offlineIn(valueLabel(this, u"offlineIn"_s))
    , m_timeZone(valueLabel(this, u"timeZone"_s))
    , m_clockOffset(valueLabel(this, u"clockOffset"_s))
    , m_jobs(valueLabel(this, u"jobsLastHour"_s))
    , m_activity(new ActivityGraph(this))
    , m_decommission(new QPushButton(Icons::action(Icons::Action::Decommission), tr("Decommission…"), this))
    , m_decommissionHint(new QLabel(this))
    , m_drain(new QPushButton(this))
    , m_drainHint(new QLabel(this))
    , m_drainApi(new NodeApiClient(this))
    , m_error(new QLabel(this))
    , m_api(new NodeApiClient(this))
    , m_apiNote(new QLabel(this))
    , m_apiError(new QLabel(this))
    , m_apiAgain(new QPushButton(Icons::action(Icons::Action::Refresh), tr("Ask Again"), this))
    , m_apiRetry(new QTimer(this))
    , m_tabs(new QTabWidget(this))
    , m_timeline(new NodeTimelineWidget(client, guid, this))
{
    setObjectName(u"nodeProperties"_s);
    setAttribute(Qt::WA_DeleteOnClose);

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
    // On a section, not the dialog: the dialog's minimum follows its layout (see below).
    general->setMinimumWidth(500);
    auto *form = new QFormLayout(general);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Description:"), descriptionRow);
    form->addRow(tr("GUID:"), m_guidLabel);
    form->addRow(tr("Address:"), m_address);
    form->addRow(tr("Version:"), m_version);
    form->addRow(tr("Status:"), m_status);
    form->addRow(tr("Started:"), m_started);
    form->addRow(tr("Last contact:"), m_lastContact);
    form->addRow(tr("Heartbeat:"), m_heartbeat);
    form->addRow(tr("Offline in:"), m_offlineIn);
    form->addRow(tr("Time zone:"), m_timeZone);
    form->addRow(tr("Clock offset:"), m_clockOffset);
    form->addRow(tr("Jobs in the last hour:"), activityColumn);

    m_decommission->setObjectName(u"decommission"_s);
    m_decommissionHint->setWordWrap(true);
    m_decommissionHint->setObjectName(u"decommissionHint"_s);
    connect(m_decommission, &QPushButton::clicked, this, &NodePropertiesDialog::decommission);
    auto *options = new QGroupBox(tr("Options"), this);
    m_drain->setObjectName(u"drain"_s);
    m_drainHint->setWordWrap(true);
    m_drainHint->setObjectName(u"drainHint"_s);
    connect(m_drain, &QPushButton::clicked, this, &NodePropertiesDialog::drainOrResume);
    // Its own client: asking the API section again must not abort a drain in flight.
    connect(m_drainApi, &NodeApiClient::finished, this, [this](quint64 requestId, const NodeApiReply &reply) {
        if (requestId == m_pendingDrain)
            drainAnswered(reply);
    });
    auto *optionsLayout = new QGridLayout(options);
    optionsLayout->addWidget(m_drain, 0, 0, Qt::AlignTop);
    optionsLayout->addWidget(m_drainHint, 0, 1);
    optionsLayout->addWidget(m_decommission, 1, 0, Qt::AlignTop);
    optionsLayout->addWidget(m_decommissionHint, 1, 1);
    optionsLayout->setColumnStretch(1, 1);

    auto *api = new QGroupBox(tr("Reported by the Node's API"), this);
    api->setObjectName(u"apiSection"_s);
    auto *apiForm = new QFormLayout(api);
    const QString apiLabels[] = {
        tr("Name:"),   tr("Version:"), tr("Status:"), tr("API address:"), tr("Certificate (SHA-256):"),
        tr("Started:")};
    for (std::size_t i = 0; i < std::size(ApiFields); ++i) {
        const QString field = ApiFields[i].toString();
        QLabel *value = valueLabel(this, u"api-"_s + field);
        m_apiValues.insert(field, value);
        apiForm->addRow(apiLabels[i], value);
    }
    m_apiNote->setObjectName(u"apiNote"_s);
    m_apiNote->setWordWrap(true);
    m_apiError->setObjectName(u"apiError"_s);
    m_apiError->setWordWrap(true);
    m_apiError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_apiError->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_apiError->setTextFormat(Qt::RichText);
    m_apiError->hide();
    m_apiAgain->setObjectName(u"apiAgain"_s);
    connect(m_apiAgain, &QPushButton::clicked, this, &NodePropertiesDialog::askApi);
    m_apiRetry->setSingleShot(true);
    m_apiRetry->setInterval(ApiRetryMs);
    connect(m_apiRetry, &QTimer::timeout, this, [this] { sendApiRequest(true); });
    connect(m_api, &NodeApiClient::finished, this, &NodePropertiesDialog::apiAnswered);
    auto *apiBottom = new QHBoxLayout;
    apiBottom->addWidget(m_apiNote, 1);
    apiBottom->addWidget(m_apiAgain, 0, Qt::AlignTop);
    apiForm->addRow(m_apiError);
    apiForm->addRow(apiBottom);
    clearApiValues();

    m_error->setObjectName(u"error"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *generalPage = new QWidget(this);
    auto *generalLayout = new QVBoxLayout(generalPage);
    generalLayout->addWidget(general);
    generalLayout->addWidget(api);
    generalLayout->addWidget(options);
    generalLayout->addStretch(1);
    m_tabs->setObjectName(u"tabs"_s);
    m_tabs->addTab(generalPage, tr("&General"));
    m_tabs->addTab(m_timeline, tr("T&imeline"));

    auto *layout = new QVBoxLayout(this);
    // The dialog grows with what the sections come to hold (a long answer, an error)
    // instead of squeezing the others.
    layout->setSizeConstraint(QLayout::SetMinimumSize);
    layout->addWidget(m_tabs);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &NodePropertiesDialog::refresh);
    connect(&m_client, &ClusterClient::actionFinished, this, &NodePropertiesDialog::actionFinished);
    connect(&m_client, &ClusterClient::decommissionChecked, this, &NodePropertiesDialog::decommissionChecked);
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
            m_status->setText(tr("Decommissioned", "node status"));
            showError(tr("This node is no longer part of the cluster."));
        }
        m_decommission->setEnabled(false);
        m_drain->setEnabled(false);
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
    m_version->setText(
        m_node.requiredVersion.isEmpty()
            ? m_node.version
            : tr("%1 (the cluster runs %2: upgrade this node)").arg(m_node.version, m_node.requiredVersion));
    // The same icon as the Manager Nodes table (resources/), then the words.
    m_status->setText(
        u"<img src=\":/icons/status-%1.svg\" width=\"14\" height=\"14\" align=\"middle\"> %2"_s.arg(
            nodeDisplayStatusKey(m_node), nodeDisplayStatus(m_node).toHtmlEscaped()));
    m_status->setToolTip(m_node.drainingSince > 0 && m_node.status == NodeStatus::Online
                             ? tr("Drained by an administrator since %1: Online, but it claims no work.")
                                   .arg(formatTimestamp(m_node.drainingSince))
                             : QString());
    m_started->setText(formatTimestamp(m_node.startedAt));
    m_lastContact->setText(formatTimestamp(m_node.lastHeartbeat));
    m_heartbeat->setText(NodesTableModel::heartbeatText(m_node));
    m_offlineIn->setText(NodesTableModel::offlineInText(m_node));
    m_offlineIn->setToolTip(NodesTableModel::countdownToolTip(m_node));
    m_heartbeat->setToolTip(m_offlineIn->toolTip());
    m_timeZone->setText(m_node.tzName.isEmpty()
                            ? utcOffset(m_node.tzOffsetSeconds)
                            : tr("%1 (%2)").arg(m_node.tzName, utcOffset(m_node.tzOffsetSeconds)));
    m_clockOffset->setText(
        tr("%1 s from the database's clock").arg(QLocale().toString(m_node.clockSkewMs / 1000.0, 'f', 1)));
    m_jobs->setText(QLocale().toString(m_node.jobsLastHour));
    if (const auto activity = snapshot.activity.constFind(m_guid); activity != snapshot.activity.cend())
        m_activity->setActivity(activity->fromMs, activity->perMinute);

    updateDecommission();
    updateDrain();

    // Asked again when where it listens, the certificate it recorded or this session's
    // token changed: the answer shown is always from the node the database names now.
    const bool withToken = !apiToken().isEmpty();
    const QString asked = m_node.apiAddress + u'\n' + m_node.certSha256 + u'\n' + (withToken ? u'1' : u'0');
    if (asked != m_apiAsked)
        askApi();
}

void NodePropertiesDialog::showTimeline()
{
    m_tabs->setCurrentWidget(m_timeline);
    m_timeline->refresh();
}

void NodePropertiesDialog::updateDecommission()
{
    if (!m_known)
        return;
    const bool administrator = m_client.session().isAdministrator();
    const bool offline = m_node.status == NodeStatus::Offline || m_node.status == NodeStatus::UpgradeRequired;
    m_decommission->setEnabled(administrator && offline && m_pendingDecommission == 0
                               && m_pendingPreflight == 0);
    if (m_pendingPreflight != 0)
        m_decommissionHint->setText(tr("Checking what decommissioning would change…"));
    else if (m_pendingDecommission != 0)
        m_decommissionHint->setText(tr("Decommissioning…"));
    else if (!administrator)
        m_decommissionHint->setText(
            tr("You are signed in as an auditor: you can see this node but not change it."));
    else if (!offline)
        m_decommissionHint->setText(tr("Only an Offline node can be decommissioned. Stop the node first."));
    else
        m_decommissionHint->setText(
            tr("Removes this node from the cluster for good. Its GUID can never join again."));
}

QString NodePropertiesDialog::drainHint() const
{
    return m_drainHint->text();
}

void NodePropertiesDialog::updateDrain()
{
    if (!m_known)
        return;
    const bool administrator = m_client.session().isAdministrator();
    const bool online = m_node.status == NodeStatus::Online;
    const bool drained = m_node.drainingSince > 0;
    // What the snapshot shows wins once it agrees with what the node answered.
    if (!m_drainDone.isEmpty() && drained == m_drainAsked)
        m_drainDone.clear();
    const bool showsDrain = m_pendingDrain != 0 ? m_drainAsked : !drained;
    m_drain->setText(showsDrain ? tr("Drain…", "node action") : tr("Resume", "node action"));
    m_drain->setIcon(Icons::action(showsDrain ? Icons::Action::Drain : Icons::Action::Resume));
    const bool hasToken = !apiToken().isEmpty();
    m_drain->setEnabled(administrator && online && hasToken && m_pendingDrain == 0);
    if (m_pendingDrain != 0)
        m_drainHint->setText(m_drainAsked ? tr("Asking the node to drain…")
                                          : tr("Asking the node to resume…"));
    else if (!administrator)
        m_drainHint->setText(tr("You are signed in as an auditor: you can see this node but not change it."));
    else if (!online)
        m_drainHint->setText(tr("Only an Online node can be drained or resumed: the node itself is asked."));
    else if (!hasToken)
        m_drainHint->setText(tr("This session holds no node API token (%1), so the node cannot be asked.")
                                 .arg(m_client.snapshot().dataKeyNote));
    else if (!m_drainDone.isEmpty())
        m_drainHint->setText(m_drainDone);
    else if (drained)
        m_drainHint->setText(tr("Drained since %1: it runs no new work. Resume lets it claim jobs again.")
                                 .arg(formatTimestamp(m_node.drainingSince)));
    else
        m_drainHint->setText(
            tr("Drain lets the jobs it runs finish, then it claims no new work until resumed; "
               "the other nodes take the pool's jobs. It stays Online."));
}

void NodePropertiesDialog::drainOrResume()
{
    if (!m_known || m_pendingDrain != 0 || !m_drain->isEnabled())
        return;
    const bool drain = m_node.drainingSince <= 0;
    if (drain) {
        const auto answer =
            MessageBox::question(this, tr("Drain Node"),
                                 tr("Drain %1?\n\nThe jobs it is running finish; after that it claims no new "
                                    "work until it is resumed, "
                                    "and the other Online nodes take the pool's jobs. It stays Online and "
                                    "keeps answering its agents. "
                                    "The node records this in its timeline and the audit log.")
                                     .arg(m_node.name),
                                 QMessageBox::Yes, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes)
            return;
    }
    m_error->hide();
    m_drainDone.clear();
    m_drainAsked = drain;
    m_pendingDrain = m_drainApi->post(m_node.apiAddress, m_node.certSha256,
                                      drain ? u"/api/v1/node/drain"_s : u"/api/v1/node/resume"_s, apiToken(),
                                      QJsonObject{{u"actor"_s, m_client.session().user}});
    updateDrain();
}

void NodePropertiesDialog::drainAnswered(const NodeApiReply &reply)
{
    m_pendingDrain = 0;
    if (!reply.ok()) {
        showError(m_drainAsked ? tr("Could not drain %1: %2").arg(m_node.name, reply.message)
                               : tr("Could not resume %1: %2").arg(m_node.name, reply.message));
    } else {
        const bool already = reply.json.value(u"already"_s).toBool();
        if (m_drainAsked)
            m_drainDone =
                already
                    ? tr("%1 was already drained.").arg(m_node.name)
                    : tr("%1 is drained: it finishes what it runs and claims no new work.").arg(m_node.name);
        else
            m_drainDone = already ? tr("%1 was not drained.").arg(m_node.name)
                                  : tr("%1 resumed: it claims work again.").arg(m_node.name);
        askApi(); // what the node reports now
    }
    m_client.refreshNow();
    updateDrain();
}

QString NodePropertiesDialog::apiToken() const
{
    for (const ConfigPropertyValue &property : m_client.snapshot().secretProperties) {
        if (property.name == Property::NodeApiToken && !property.sealed)
            return property.value;
    }
    return {};
}

QString NodePropertiesDialog::apiValue(const QString &field) const
{
    const QLabel *label = m_apiValues.value(field);
    return label ? label->text() : QString();
}

QString NodePropertiesDialog::apiNote() const
{
    return m_apiNote->text();
}

QString NodePropertiesDialog::apiError() const
{
    return m_apiError->isHidden() ? QString() : m_apiErrorText;
}

void NodePropertiesDialog::fitHeight()
{
    // Once the labels' new texts are laid out.
    QTimer::singleShot(0, this, [this] {
        const int needed = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width())
                                                         : layout()->totalSizeHint().height();
        if (needed > height())
            resize(width(), needed);
    });
}

void NodePropertiesDialog::clearApiValues()
{
    for (QLabel *label : std::as_const(m_apiValues)) {
        label->setText(u"—"_s);
        label->setToolTip(QString());
    }
    // A fingerprint in a fixed font, to compare; the dash for none in the others' font.
    m_apiValues.value(u"certificate"_s)->setFont(font());
}

void NodePropertiesDialog::askApi()
{
    sendApiRequest(false);
}

bool NodePropertiesDialog::apiRetryPending() const
{
    return m_apiRetry->isActive();
}

void NodePropertiesDialog::sendApiRequest(bool keepShown)
{
    m_apiRetry->stop();
    if (!m_known)
        return;
    const QString token = apiToken();
    m_apiWithToken = !token.isEmpty();
    m_apiAsked = m_node.apiAddress + u'\n' + m_node.certSha256 + u'\n' + (m_apiWithToken ? u'1' : u'0');
    m_api->abortAll();
    m_apiRequest = 0;
    if (!keepShown || m_node.apiAddress.isEmpty()) {
        m_apiError->hide();
        clearApiValues();
    }
    if (m_node.apiAddress.isEmpty()) {
        m_apiNote->setText(tr("This node recorded no API address: there is nothing to ask."));
        return;
    }
    const QString path = m_apiWithToken ? u"/api/v1/node"_s : u"/api/v1/health"_s;
    if (!keepShown)
        m_apiNote->setText(tr("Asking https://%1%2…").arg(m_node.apiAddress, path));
    m_apiRequest = m_api->get(m_node.apiAddress, m_node.certSha256, path, token);
}

void NodePropertiesDialog::apiAnswered(quint64 requestId, const NodeApiReply &reply)
{
    if (requestId != m_apiRequest)
        return;
    m_apiRequest = 0;
    const QString path = m_apiWithToken ? u"/api/v1/node"_s : u"/api/v1/health"_s;
    QString problem = reply.message;
    const QString answeredAs = reply.json.value(u"guid"_s).toString();
    if (reply.ok() && answeredAs != m_guid)
        problem =
            tr("Another node answers at %1: it says it is %2.").arg(m_node.apiAddress, answeredAs.left(64));
    if (!problem.isEmpty()) {
        clearApiValues();
        m_apiErrorText = problem;
        if (reply.outcome == NodeApiReply::Outcome::PinMismatch && !reply.presentedSha256.isEmpty()) {
            // The two fingerprints one above the other, in groups, so they can be compared.
            const auto fingerprint = [](const QString &hex) {
                return u"<code>%1</code>"_s.arg(
                    groupedFingerprint(hex).toHtmlEscaped().replace(u'\n', u"<br>"_s));
            };
            m_apiError->setText(
                tr("<b>Refused:</b> the node presented a certificate with SHA-256<br>%1<br>but the "
                   "database records<br>%2<br>for this node. Nothing was sent to it.")
                    .arg(fingerprint(reply.presentedSha256), fingerprint(m_node.certSha256)));
        } else {
            m_apiError->setText(problem.toHtmlEscaped());
        }
        m_apiError->show();
        // A node that is down or too busy may answer soon: ask again until it does (or the
        // dialog closes). A refusal or a wrong answer stays until something changes.
        const bool transient = reply.outcome == NodeApiReply::Outcome::Unreachable
                               || reply.outcome == NodeApiReply::Outcome::TimedOut;
        if (transient) {
            m_apiRetry->start();
            m_apiNote->setText(
                tr("Asked GET %1 at %2; asking again every %n second(s).", nullptr, ApiRetryMs / 1000)
                    .arg(path, m_node.apiAddress));
        } else {
            m_apiNote->setText(tr("Asked GET %1 at %2.").arg(path, m_node.apiAddress));
        }
        fitHeight();
        return;
    }
    m_apiError->hide();
    const QJsonObject &json = reply.json;
    m_apiValues.value(u"name"_s)->setText(json.value(u"name"_s).toString());
    m_apiValues.value(u"version"_s)->setText(json.value(u"version"_s).toString());
    m_apiValues.value(u"status"_s)->setText(json.value(u"status"_s).toString());
    if (m_apiWithToken) {
        const QString certificate = json.value(u"cert_sha256"_s).toString();
        m_apiValues.value(u"address"_s)->setText(json.value(u"api_address"_s).toString());
        m_apiValues.value(u"certificate"_s)->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        m_apiValues.value(u"certificate"_s)->setText(groupedFingerprint(certificate));
        m_apiValues.value(u"certificate"_s)->setToolTip(certificate);
        const qint64 started = qint64(json.value(u"started_at_ms"_s).toDouble());
        m_apiValues.value(u"started"_s)->setText(formatTimestamp(started));
        m_apiNote->setText(tr("GET /api/v1/node answered in %1 ms over HTTPS, the certificate pinned to the "
                              "fingerprint the node recorded in the database.")
                               .arg(reply.elapsedMs));
        fitHeight();
        return;
    }
    const QString why =
        m_client.session().isAdministrator()
            ? tr("This session holds no node API token (%1).").arg(m_client.snapshot().dataKeyNote)
            : tr("You are signed in as an auditor, and the node API token opens only for administrators.");
    m_apiValues.value(u"certificate"_s)->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_apiValues.value(u"certificate"_s)->setText(groupedFingerprint(reply.presentedSha256));
    m_apiValues.value(u"certificate"_s)->setToolTip(reply.presentedSha256);
    m_apiNote->setText(
        tr("Only GET /api/v1/health was asked (answered in %1 ms); it needs no token. The API address "
           "and start time come from GET /api/v1/node, which needs the node API token. %2")
            .arg(reply.elapsedMs)
            .arg(why));
    fitHeight();
}

void NodePropertiesDialog::decommission()
{
    if (!m_known || m_pendingDecommission != 0 || m_pendingPreflight != 0)
        return;
    m_error->hide();
    m_pendingPreflight = m_client.checkDecommission(m_guid);
    updateDecommission();
}

void NodePropertiesDialog::decommissionChecked(quint64 requestId, bool ok, const DecommissionPlan &plan,
                                               const QString &error)
{
    if (requestId != m_pendingPreflight)
        return;
    m_pendingPreflight = 0;
    if (!ok) {
        showError(tr("Could not check what decommissioning would change: %1").arg(error));
        updateDecommission();
        return;
    }
    QStringList lines;
    for (const QString &line : plan.describe()) {
        if (line != plan.blocker)
            lines << u"• "_s + line;
    }
    QString text = lines.join(u'\n');
    if (!plan.agents.isEmpty()) {
        QStringList guids;
        for (qsizetype i = 0; i < plan.agents.size() && i < AgentsListed; ++i)
            guids << u"    "_s + plan.agents.at(i).guid;
        if (plan.agents.size() > AgentsListed)
            guids << u"    "_s + tr("and %n more", nullptr, int(plan.agents.size() - AgentsListed));
        text += u"\n\n"_s + tr("Agents that last checked in through it:") + u'\n' + guids.join(u'\n');
    }
    if (!plan.allowed()) {
        // Nothing to confirm: what stops it, and the data shown again as it stands.
        m_preflightText =
            tr("%1 cannot be decommissioned now.\n\n%2\n\n%3").arg(m_node.name, plan.blocker, text);
        showError(plan.blocker);
        MessageBox::warning(this, tr("Decommission Node"), m_preflightText);
        m_client.refreshNow();
        updateDecommission();
        return;
    }
    m_preflightText =
        tr("Decommission %1?\n\n%2\n\nThe node is removed from the cluster for good and its GUID can "
           "never join again. This is recorded in the audit log.")
            .arg(m_node.name, text);
    const auto answer = MessageBox::question(this, tr("Decommission Node"), m_preflightText, QMessageBox::Yes,
                                             QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) {
        updateDecommission();
        return;
    }
    m_pendingDecommission = m_client.decommissionNode(m_guid);
    updateDecommission();
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
