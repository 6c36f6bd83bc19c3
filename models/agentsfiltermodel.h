// AgentsFilterModel: sorts and filters the Agents page's table: the filter text matches
// the GUID, host name, addresses, version or node name (case-insensitive, any part), and
// "only gone quiet" keeps the agents offline or silent longer than the setting.
#pragma once

#include <QSortFilterProxyModel>

namespace Cohort {

class AgentsFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit AgentsFilterModel(QObject *parent = nullptr);

    void setText(const QString &text);
    QString text() const { return m_text; }
    void setQuietOnly(bool quietOnly);
    bool quietOnly() const { return m_quietOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    bool m_quietOnly = false;
};

} // namespace Cohort
