#include "agentspage.h"
#include "agentdistributionview.h"
#include "agentsfiltermodel.h"
#include "agentstablemodel.h"
#include "clusterclient.h"

#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

AgentsPage::AgentsPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new AgentsTableModel(this))
    , m_proxy(new AgentsFilterModel(this))
    , m_filter(new QLineEdit(this))
    , m_quietOnly(new QCheckBox(tr("Show only agents gone &quiet"), this))
    , m_summary(new QLabel(this))
    , m_quiet(new QLabel(this))
    , m_note(new QLabel(this))
    , m_view(new QTableView(this))
    , m_distribution(new AgentDistributionView(this))
{
    setObjectName(u"agentsPage"_s);
    m_proxy->setSourceModel(m_model);

    m_filter->setObjectName(u"agentFilter"_s);
    m_filter->setAccessibleName(tr("Filter agents"));

    m_filter->setProperty("cohortFind", true);
    m_filter->setPlaceholderText(tr("Filter by GUID, host name, address, version, node…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &AgentsFilterModel::setText);
    m_quietOnly->setObjectName(u"quietOnly"_s);
    connect(m_quietOnly, &QCheckBox::toggled, m_proxy, &AgentsFilterModel::setQuietOnly);

    m_summary->setObjectName(u"agentsSummary"_s);
    m_quiet->setObjectName(u"quietCount"_s);
    m_note->setObjectName(u"note"_s);
    m_note->setWordWrap(true);
    m_note->hide();

    m_view->setObjectName(u"agentsView"_s);
    m_view->setAccessibleName(tr("Agents"));
    m_view->setAccessibleDescription(tr("One row per agent that has checked in."));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AgentsTableModel::Node, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    // The addresses take what room is left; the other columns fit their contents.
    m_view->horizontalHeader()->setSectionResizeMode(AgentsTableModel::Addresses, QHeaderView::Stretch);
    // Column widths from the first rows only: measuring thousands of rows blocks the GUI thread.
    m_view->horizontalHeader()->setResizeContentsPrecision(50);

    m_distribution->setObjectName(u"agentDistribution"_s);
    auto *distributionBox = new QGroupBox(tr("Online Agents per Node"), this);
    auto *distributionLayout = new QVBoxLayout(distributionBox);
    distributionLayout->setContentsMargins(4, 4, 4, 4);
    distributionLayout->addWidget(m_distribution);

    auto *top = new QHBoxLayout;
    top->addWidget(m_summary);
    top->addWidget(m_quiet);
    top->addStretch(1);
    top->addWidget(m_quietOnly);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_filter);
    layout->addWidget(m_note);
    layout->addWidget(m_view, 1);
    layout->addWidget(distributionBox);
    // Tab in reading order: the check box above the filter comes first.
    setTabOrder(m_quietOnly, m_filter);
    setTabOrder(m_filter, m_view);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &AgentsPage::apply);
    if (m_client.hasSnapshot())
        apply();
    else
        updateSummary();
}

QString AgentsPage::summaryText() const
{
    return m_summary->text() + u' ' + m_quiet->text();
}

QString AgentsPage::note() const
{
    return m_note->isHidden() ? QString() : m_note->text();
}

void AgentsPage::apply()
{
    const ClusterSnapshot &snapshot = m_client.snapshot();
    QHash<QString, QString> names;
    QList<AgentDistributionView::Bar> bars;
    for (const NodeInfo &node : snapshot.nodes) {
        names.insert(node.guid, node.name);
        bars.append({node.guid, node.name, node.status, snapshot.agents.onlineByNode.value(node.guid)});
    }
    m_model->setContext(snapshot.databaseTime, snapshot.agents.offlineAfterMs, names);
    m_model->applySnapshot(snapshot.agents.agents);
    m_distribution->setBars(bars);
    if (!m_sized && m_model->rowCount() > 0) {
        // Once: measuring every row on each refresh costs more than the refresh.
        m_view->resizeColumnsToContents();
        // Room for what the columns may come to say later, not only what they say now.
        const QFontMetrics metrics = m_view->fontMetrics();
        int state = 0;
        for (const QString &text :
             {AgentsTableModel::tr("Online", "agent state"), AgentsTableModel::tr("Offline", "agent state"),
              AgentsTableModel::tr("Gone quiet")})
            state = qMax(state, metrics.horizontalAdvance(text));
        const int icon = m_view->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, m_view);
        m_view->setColumnWidth(AgentsTableModel::State,
                               qMax(m_view->columnWidth(AgentsTableModel::State), state + icon + 24));
        m_view->setColumnWidth(
            AgentsTableModel::LastCheckin,
            qMax(m_view->columnWidth(AgentsTableModel::LastCheckin),
                 metrics.horizontalAdvance(AgentsTableModel::formatAge(59 * 60 * 1000)) + 16));
        m_sized = true;
    }

    QString note;
    if (!snapshot.agents.available)
        note = tr("This cluster's schema predates agents: upgrade a node to see them.");
    else if (!snapshot.dataKeyOpen && !snapshot.agents.agents.isEmpty())
        note = tr("Host names and addresses are sealed. %1").arg(snapshot.dataKeyNote);
    else if (!snapshot.sealedDataError.isEmpty())
        note = snapshot.sealedDataError;
    m_note->setText(note.trimmed());
    m_note->setVisible(!note.isEmpty());
    updateSummary();
}

void AgentsPage::updateSummary()
{
    const AgentsSnapshot &agents = m_client.snapshot().agents;
    m_quietCount = agents.goneQuiet;
    const int total = int(agents.agents.size());
    m_summary->setText(tr("%n agent(s), %1 online", nullptr, total).arg(total - agents.goneQuiet));
    if (m_quietCount > 0) {
        m_quiet->setText(tr("· %n gone quiet", nullptr, m_quietCount));
        m_quiet->setStyleSheet(u"color: #b34a00; font-weight: bold;"_s);
        m_quiet->setToolTip(tr("Flagged offline, or no check-in for longer than %n second(s).", nullptr,
                               int(agents.offlineAfterMs / 1000)));
    } else {
        m_quiet->setText(tr("· none gone quiet"));
        m_quiet->setStyleSheet(QString());
        m_quiet->setToolTip(QString());
    }
}

} // namespace Cohort
