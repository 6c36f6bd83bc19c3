// UsersTableModel: the Users page, one row per user. Full names and e-mail addresses are
// in clear when the session opened the data key; otherwise they show as sealed.
#pragma once

#include "keyedtablemodel.h"
#include "users.h"

namespace Cohort {

class UsersTableModel : public KeyedTableModel<UserRecord, QString>
{
    Q_OBJECT

public:
    enum Column { Name, UserRole, FullName, Email, Status, SealedData, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,
        NameRole,
        SealedRole, // the personal data is there but not opened
    };

    explicit UsersTableModel(QObject *parent = nullptr);

    // The database time the lock columns are judged against.
    void setNow(qint64 databaseTime) { m_now = databaseTime; }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const UserRecord &user) const override { return user.name; }

private:
    qint64 m_now = 0;
};

} // namespace Cohort
