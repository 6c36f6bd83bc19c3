// AlertsPage: the cluster's alerts, open ones first by default; an administrator
// acknowledges or clears the selected ones.
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace Cohort {

class AlertsTableModel;
class ClusterClient;
class TakeoverReportDialog;

class AlertsPage : public QWidget
{
    Q_OBJECT

public:
    explicit AlertsPage(ClusterClient &client, QWidget *parent = nullptr);

    AlertsTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *acknowledgeButton() const { return m_acknowledge; }
    QPushButton *clearButton() const { return m_clear; }
    QPushButton *takeoverButton() const { return m_takeover; }
    QCheckBox *showClearedBox() const { return m_showCleared; }
    QString message() const;

    void acknowledgeSelected();
    void clearSelected();
    // A node-offline alert: the report of that node's takeover closest to when the alert
    // was raised. Null when the selection is not one such alert.
    TakeoverReportDialog *openTakeoverReport();

private:
    QList<qint64> selectedIds(bool onlyUnacknowledged) const;
    // The one selected alert's row in the model, or -1.
    int selectedSourceRow() const;
    bool takeoverAvailable() const;
    void updateButtons();
    void actionFinished(quint64 requestId, bool ok, const QString &message);

    ClusterClient &m_client;
    AlertsTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QCheckBox *m_showCleared;
    QPushButton *m_acknowledge;
    QPushButton *m_clear;
    QPushButton *m_takeover;
    QLabel *m_message;
    QList<quint64> m_pending;
};

} // namespace Cohort
