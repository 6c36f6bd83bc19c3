// AgentsPage: the agents that check in with the manager nodes: a table (GUID, host name,
// addresses, version, node, last check-in, state, check-ins) with a filter box, the agents
// gone quiet counted in the header and, on request, shown alone, and how many online
// agents each node serves. Host names and addresses are in clear only for a session that
// opened the data key (an administrator); otherwise they show as sealed.
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace Cohort {

class AgentDistributionView;
class AgentsFilterModel;
class AgentsTableModel;
class ClusterClient;

class AgentsPage : public QWidget
{
    Q_OBJECT

public:
    explicit AgentsPage(ClusterClient &client, QWidget *parent = nullptr);

    AgentsTableModel *model() const { return m_model; }
    AgentsFilterModel *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    QCheckBox *quietOnlyBox() const { return m_quietOnly; }
    AgentDistributionView *distribution() const { return m_distribution; }
    // The agents gone quiet, as the header counts them.
    int quietCount() const { return m_quietCount; }
    QString summaryText() const;
    // Why host names and addresses are sealed, or that one does not open; empty when all is open.
    QString note() const;

private:
    void apply();
    void updateSummary();

    ClusterClient &m_client;
    AgentsTableModel *m_model;
    AgentsFilterModel *m_proxy;
    QLineEdit *m_filter;
    QCheckBox *m_quietOnly;
    QLabel *m_summary;
    QLabel *m_quiet;
    QLabel *m_note;
    QTableView *m_view;
    AgentDistributionView *m_distribution;
    int m_quietCount = 0;
    bool m_sized = false;
};

} // namespace Cohort
