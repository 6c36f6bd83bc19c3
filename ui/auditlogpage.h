// AuditLogPage: who did what, filtered by user, action and time. The filter runs in the
// database (AuditLog::query) on the worker thread.
#pragma once

#include "auditlog.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QTableView;

namespace Cohort {

class AuditLogModel;
class ClusterClient;

class AuditLogPage : public QWidget
{
    Q_OBJECT

public:
    explicit AuditLogPage(ClusterClient &client, QWidget *parent = nullptr);

    AuditLogModel *model() const { return m_model; }
    void setUserFilter(const QString &user);
    void setActionFilter(const QString &action);
    void setTimeRange(const QDateTime &from, const QDateTime &to); // invalid: no bound
    void applyFilter();
    AuditFilter filter() const;

private:
    ClusterClient &m_client;
    AuditLogModel *m_model;
    QLineEdit *m_user;
    QComboBox *m_action;
    QCheckBox *m_useFrom;
    QDateTimeEdit *m_from;
    QCheckBox *m_useTo;
    QDateTimeEdit *m_to;
    QLabel *m_count;
    QTableView *m_view;
};

} // namespace Cohort
