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

class AlertsPage : public QWidget
{
    Q_OBJECT

public:
    explicit AlertsPage(ClusterClient &client, QWidget *parent = nullptr);

    AlertsTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *acknowledgeButton() const { return m_acknowledge; }
    QPushButton *clearButton() const { return m_clear; }
    QCheckBox *showClearedBox() const { return m_showCleared; }
    QString message() const;

    void acknowledgeSelected();
    void clearSelected();

private:
    QList<qint64> selectedIds(bool onlyUnacknowledged) const;
    void updateButtons();
    void actionFinished(quint64 requestId, bool ok, const QString &message);

    ClusterClient &m_client;
    AlertsTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QCheckBox *m_showCleared;
    QPushButton *m_acknowledge;
    QPushButton *m_clear;
    QLabel *m_message;
    QList<quint64> m_pending;
};

} // namespace Cohort
