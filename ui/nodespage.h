// NodesPage: the Manager Nodes table with a filter box; double-clicking a node (or
// pressing Enter on it) asks for its Properties.
#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace Cohort {

class ClusterClient;
class NodesTableModel;

class NodesPage : public QWidget
{
    Q_OBJECT

public:
    explicit NodesPage(ClusterClient &client, QWidget *parent = nullptr);

    NodesTableModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    // The GUID of the selected node, or empty.
    QString selectedGuid() const;

Q_SIGNALS:
    void propertiesRequested(const QString &guid);

private:
    void apply();
    void updateSummary();

    ClusterClient &m_client;
    NodesTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QLabel *m_summary;
    QTableView *m_view;
    bool m_sized = false;
};

} // namespace Cohort
