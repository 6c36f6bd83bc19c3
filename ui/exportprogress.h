// ExportProgress: runs an ExportJob for a page and shows it: a progress dialog with Cancel
// once the export has taken longer than a moment, a warning if it fails, and nothing left
// behind when it is cancelled.
#pragma once

#include "exportjob.h"

#include <QCoreApplication>

class QWidget;

namespace Cohort {

class ExportProgress
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ExportProgress)

public:
    // The job belongs to parent and deletes itself when done; the pointer is for tests.
    static ExportJob *start(QWidget *parent, const QString &title, const QString &path,
                            ExportJob::Produce produce);
};

} // namespace Cohort
