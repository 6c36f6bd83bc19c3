#include "exportprogress.h"
#include "messagebox.h"

#include <QFileInfo>
#include <QPointer>
#include <QProgressDialog>
#include <QWidget>

using namespace Qt::StringLiterals;

namespace Cohort {

ExportJob *ExportProgress::start(QWidget *parent, const QString &title, const QString &path,
                                 ExportJob::Produce produce)
{
    auto *job = new ExportJob(path, std::move(produce), parent);
    auto *dialog =
        new QProgressDialog(tr("Writing %1…").arg(QFileInfo(path).fileName()), tr("Cancel"), 0, 0, parent);
    dialog->setObjectName(u"exportProgress"_s);
    dialog->setWindowTitle(title);
    dialog->setWindowModality(Qt::WindowModal);
    dialog->setMinimumDuration(400); // a quick export shows no dialog at all
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    QObject::connect(dialog, &QProgressDialog::canceled, job, &ExportJob::cancel);
    QObject::connect(job, &ExportJob::progress, dialog, [dialog](qint64 written, qint64 total) {
        // QProgressDialog counts in int: report KiB.
        dialog->setMaximum(int(qMax<qint64>(1, total / 1024)));
        dialog->setValue(int(written / 1024));
    });
    const QPointer<QWidget> owner(parent);
    QObject::connect(job, &ExportJob::finished, job,
                     [job, dialog, owner, title](bool ok, const QString &error) {
                         dialog->deleteLater();
                         job->deleteLater();
                         if (!ok && !error.isEmpty() && owner)
                             MessageBox::warning(owner, title, error);
                     });
    job->start();
    return job;
}

} // namespace Cohort
