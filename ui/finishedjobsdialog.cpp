#include "finishedjobsdialog.h"
#include "clusterclient.h"
#include "nodestablemodel.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

enum Column { Id, Type, Node, State, Attempts, Finished, LastError, ColumnCount };

} // namespace

FinishedJobsDialog::FinishedJobsDialog(ClusterClient &client, const FinishedJobsFilter &filter,
                                       const QString &what, qint64 expected, QWidget *parent)
    : QDialog(parent)
    , m_status(new QLabel(this))
    , m_list(new QTreeWidget(this))
    , m_expected(expected)
    , m_limit(filter.limit)
{
    setObjectName(u"finishedJobsDialog"_s);
    setWindowTitle(tr("Jobs: %1").arg(what));
    setAttribute(Qt::WA_DeleteOnClose);
    resize(820, 460);

    m_status->setObjectName(u"status"_s);
    m_status->setText(tr("Reading the jobs…"));
    m_status->setWordWrap(true);
    m_list->setObjectName(u"jobs"_s);
    m_list->setAccessibleName(tr("Finished jobs"));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setSortingEnabled(false);
    m_list->setHeaderLabels({tr("ID", "column heading"), tr("Type", "column heading"),
                             tr("Node", "column heading"), tr("State", "column heading"),
                             tr("Attempts", "column heading"), tr("Finished", "column heading"),
                             tr("Last error")});
    m_list->header()->setStretchLastSection(true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_list, 1);
    layout->addWidget(buttons);

    connect(&client, &ClusterClient::finishedJobsListed, this,
            [this](quint64 request, bool ok, const QList<JobRow> &jobs, const QString &error) {
                if (request != m_request)
                    return;
                if (!ok) {
                    m_status->setText(tr("The jobs could not be read: %1").arg(error));
                    m_loaded = true;
                    return;
                }
                showJobs(jobs);
            });
    m_request = client.listFinishedJobs(filter);
}

QString FinishedJobsDialog::statusText() const
{
    return m_status->text();
}

void FinishedJobsDialog::showJobs(const QList<JobRow> &jobs)
{
    const QLocale locale;
    QList<QTreeWidgetItem *> items;
    items.reserve(jobs.size());
    for (const JobRow &job : jobs) {
        auto *item = new QTreeWidgetItem;
        item->setText(Id, QString::number(job.id));
        item->setData(Id, Qt::UserRole, job.id);
        item->setText(Type, job.scope == u"local"_s ? tr("%1 (local)").arg(job.type) : job.type);
        item->setText(Node, job.claimedByName.isEmpty() ? job.claimedBy : job.claimedByName);
        item->setText(State,
                      job.state == u"succeeded"_s ? tr("Succeeded", "job state") : tr("Failed", "job state"));
        item->setText(Attempts, tr("%1 of %2").arg(job.attempts).arg(job.maxAttempts));
        item->setText(Finished, formatTimestamp(job.finishedAt));
        item->setText(LastError, job.lastError);
        item->setToolTip(LastError, job.lastError);
        items << item;
    }
    m_list->addTopLevelItems(items);
    for (int column = 0; column < LastError; ++column)
        m_list->resizeColumnToContents(column);

    if (jobs.size() >= m_limit && m_expected > jobs.size())
        m_status->setText(tr("The latest %1 of %2 jobs.")
                              .arg(locale.toString(qsizetype(jobs.size())), locale.toString(m_expected)));
    else if (m_expected > jobs.size())
        m_status->setText(tr("%1 of %2 jobs are still kept in the database; older finished jobs are removed "
                             "after the retention period.")
                              .arg(locale.toString(qsizetype(jobs.size())), locale.toString(m_expected)));
    else
        m_status->setText(tr("%n job(s).", nullptr, int(jobs.size())));
    m_loaded = true;
}

} // namespace Cohort
