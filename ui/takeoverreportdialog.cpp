#include "takeoverreportdialog.h"
#include "clusterclient.h"
#include "consoletheme.h"
#include "nodestablemodel.h"
#include "takeoverjobsmodel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

TakeoverReportDialog::TakeoverReportDialog(ClusterClient &client, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_model(new TakeoverJobsModel(this))
    , m_view(new QTableView(this))
    , m_error(new QLabel(this))
{
    setObjectName(u"takeoverReport"_s);
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Takeover Report"));

    auto *header = new QGroupBox(tr("Takeover"), this);
    auto *form = new QFormLayout(header);
    const std::pair<QString, QString> rows[] = {
        {u"node"_s, tr("Node:")},
        {u"markedBy"_s, tr("Marked Offline by:")},
        {u"reason"_s, tr("Reason:")},
        {u"lastHeartbeat"_s, tr("Last heartbeat:")},
        {u"markedAt"_s, tr("Marked Offline:")},
        {u"firstReclaim"_s, tr("First reclaim:")},
        {u"lastFinished"_s, tr("Last completion:")},
        {u"jobs"_s, tr("Jobs:")},
    };
    for (const auto &[key, title] : rows) {
        auto *value = new QLabel(u"—"_s, header);
        value->setObjectName(key);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(key == u"reason"_s);
        m_values.insert(key, value);
        form->addRow(title, value);
    }

    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(TakeoverJobsModel::SortRole);
    m_view->setObjectName(u"takeoverJobs"_s);
    m_view->setAccessibleName(tr("Jobs taken over"));
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(TakeoverJobsModel::Id, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);

    m_error->setObjectName(u"error"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(860, 560);

    connect(&m_client, &ClusterClient::takeoverRead, this, &TakeoverReportDialog::takeoverRead);
}

TakeoverReportDialog::TakeoverReportDialog(ClusterClient &client, qint64 takeoverId, QWidget *parent)
    : TakeoverReportDialog(client, parent)
{
    m_request = m_client.readTakeover(takeoverId);
}

TakeoverReportDialog::TakeoverReportDialog(ClusterClient &client, const QString &nodeGuid, qint64 atMs,
                                           QWidget *parent)
    : TakeoverReportDialog(client, parent)
{
    m_request = m_client.readTakeoverNear(nodeGuid, atMs);
}

QString TakeoverReportDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString TakeoverReportDialog::headerValue(const QString &field) const
{
    const QLabel *label = m_values.value(field);
    return label ? label->text() : QString();
}

QString TakeoverReportDialog::gapText(qint64 fromMs, qint64 toMs)
{
    if (fromMs <= 0 || toMs <= 0)
        return u"—"_s;
    return tr("%1 s").arg(QLocale().toString((toMs - fromMs) / 1000.0, 'f', 1));
}

void TakeoverReportDialog::takeoverRead(quint64 requestId, bool ok, const Takeover &takeover,
                                        const QString &error)
{
    if (requestId != m_request)
        return;
    m_request = 0;
    if (!ok) {
        m_error->setText(error);
        m_error->show();
        Q_EMIT loaded(false);
        return;
    }
    m_error->hide();
    m_takeover = takeover;
    m_loaded = true;
    setWindowTitle(tr("Takeover Report: %1").arg(takeover.nodeName));
    const auto set = [this](const QString &key, const QString &text, const QString &toolTip = {}) {
        m_values.value(key)->setText(text);
        m_values.value(key)->setToolTip(toolTip);
    };
    // A time, and how long after the step before it.
    const auto step = [](qint64 at, qint64 after, const QString &what) {
        if (at <= 0)
            return tr("not yet");
        if (after <= 0)
            return formatTimestamp(at);
        return tr("%1 (%2 after %3)").arg(formatTimestamp(at), gapText(after, at), what);
    };
    const qint64 reclaim = takeover.firstReclaimAt();
    const qint64 finished = takeover.lastFinishedAt();
    set(u"node"_s, takeover.nodeName, takeover.nodeGuid);
    set(u"markedBy"_s, takeover.markedByName.isEmpty() ? takeover.markedBy : takeover.markedByName,
        takeover.markedBy);
    set(u"reason"_s, takeover.reason);
    set(u"lastHeartbeat"_s, formatTimestamp(takeover.lastHeartbeat));
    set(u"markedAt"_s, step(takeover.markedAt, takeover.lastHeartbeat, tr("the last heartbeat")));
    set(u"firstReclaim"_s, step(reclaim, takeover.markedAt, tr("the mark")));
    set(u"lastFinished"_s, step(finished, reclaim, tr("the first reclaim")));
    set(u"jobs"_s, tr("%n job(s) held, %1 finished since", nullptr, int(takeover.jobs.size()))
                       .arg(takeover.finishedCount()));
    m_model->applySnapshot(takeover.jobs);
    m_view->resizeColumnsToContents();
    Q_EMIT loaded(true);
}

} // namespace Cohort
