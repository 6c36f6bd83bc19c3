#include "userstablemodel.h"
#include "nodestablemodel.h"

#include <QColor>
#include <QFont>

using namespace Qt::StringLiterals;

namespace Cohort {

UsersTableModel::UsersTableModel(QObject *parent)
    : KeyedTableModel(parent)
{}

int UsersTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UsersTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const UserRecord &user = rowAt(index.row());
    const bool personal = index.column() == FullName || index.column() == Email;
    const bool sealed = personal && user.personalDataSealed;
    const bool locked = user.lockedUntil && *user.lockedUntil > m_now;
    switch (role) {
    case NameRole:
        return user.name;
    case SealedRole:
        return user.personalDataSealed;
    case Qt::FontRole:
        if (sealed) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::ForegroundRole:
        if (sealed)
            return QColor(Qt::gray);
        if (index.column() == Status && locked)
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::ToolTipRole:
        if (sealed)
            return tr("Sealed with the cluster's data key: only an administrator holding a copy of the key "
                      "sees it.");
        if (index.column() == SealedData && user.role == Cohort::Role::Administrator && !user.holdsDataKey)
            return tr("This administrator holds no copy of the data key; \"cohortctl users reset-password "
                      "%1\" "
                      "gives one.")
                .arg(user.name);
        return {};
    case SortRole:
        switch (index.column()) {
        case Status:
            return locked ? *user.lockedUntil : qint64(0);
        case SealedData:
            return user.holdsDataKey;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return user.name;
        case UserRole:
            return user.role == Cohort::Role::Administrator ? tr("Administrator", "role")
                                                            : tr("Auditor", "role");
        case FullName:
            return sealed ? tr("Sealed", "value not shown to an auditor") : user.fullName;
        case Email:
            return sealed ? tr("Sealed", "value not shown to an auditor") : user.email;
        case Status:
            if (locked)
                return tr("Locked until %1").arg(formatTimestamp(*user.lockedUntil));
            return user.failedLogins > 0 ? tr("Active (%n failed sign-in(s))", nullptr, user.failedLogins)
                                         : tr("Active", "user state");
        case SealedData:
            if (user.role != Cohort::Role::Administrator)
                return QString();
            return user.holdsDataKey ? tr("Holds a copy") : tr("No copy");
        }
        return {};
    }
    return {};
}

QVariant UsersTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("User", "column heading");
    case UserRole:
        return tr("Role", "column heading");
    case FullName:
        return tr("Full name");
    case Email:
        return tr("E-mail", "column heading");
    case Status:
        return tr("Status", "column heading");
    case SealedData:
        return tr("Data key");
    }
    return {};
}

} // namespace Cohort
