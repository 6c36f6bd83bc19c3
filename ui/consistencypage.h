// ConsistencyPage: the consistency grid. The one-line summary on top (green when all
// nodes agree), then one row per node (name, status) and one column per value that must
// agree across the cluster; a value that differs is highlighted with the reason as its
// tooltip. Checked by ClusterWorker each round while the page is shown.
#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace Cohort {

class ClusterClient;
class ConsistencyModel;

class ConsistencyPage : public QWidget
{
    Q_OBJECT

public:
    explicit ConsistencyPage(ClusterClient &client, QWidget *parent = nullptr);

    ConsistencyModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString summary() const;
    // Whether the summary shows a cluster that agrees (styled green).
    bool showsConsistent() const { return m_consistent; }
    QString errorText() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void refresh();

    ClusterClient &m_client;
    ConsistencyModel *m_model;
    QTableView *m_view;
    QLabel *m_summary;
    QLabel *m_error;
    bool m_consistent = false;
    bool m_sized = false;
};

} // namespace Cohort
