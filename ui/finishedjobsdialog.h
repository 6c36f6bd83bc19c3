// FinishedJobsDialog: the finished jobs behind one bar of a job chart (a node, a type, or
// both, in the chart's period), read on the worker thread and listed newest first.
#pragma once

#include "jobstatistics.h"

#include <QDialog>

class QLabel;
class QTreeWidget;

namespace Cohort {

class ClusterClient;

class FinishedJobsDialog : public QDialog
{
    Q_OBJECT

public:
    // what: the bar, in words ("alpha, report"); expected: the count the bar shows.
    FinishedJobsDialog(ClusterClient &client, const FinishedJobsFilter &filter, const QString &what,
                       qint64 expected, QWidget *parent = nullptr);

    bool loaded() const { return m_loaded; }
    QTreeWidget *list() const { return m_list; }
    QString statusText() const;

private:
    void showJobs(const QList<JobRow> &jobs);

    QLabel *m_status;
    QTreeWidget *m_list;
    qint64 m_expected;
    int m_limit;
    quint64 m_request = 0;
    bool m_loaded = false;
};

} // namespace Cohort
