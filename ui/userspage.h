// UsersPage: the console's users with their roles, lock state and personal data. An
// administrator whose session opened the data key sees full names and e-mail addresses in
// clear and edits them (double-click, or Edit); anyone else sees them as sealed.
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace Cohort {

class ClusterClient;
class PersonalDataDialog;
class UsersTableModel;

class UsersPage : public QWidget
{
    Q_OBJECT

public:
    explicit UsersPage(ClusterClient &client, QWidget *parent = nullptr);

    UsersTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *editButton() const { return m_edit; }
    // Why personal data is sealed, or that a value does not open; empty when all is open.
    QString note() const;
    QString message() const;

    // Opens the dialog for the selected user (an administrator holding the data key);
    // returns it, or null when editing is not possible. It saves when accepted.
    PersonalDataDialog *editSelected();

private:
    void refresh();
    void updateButtons();
    bool canEdit() const;
    void actionFinished(quint64 requestId, bool ok, const QString &message);

    ClusterClient &m_client;
    UsersTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLabel *m_note;
    QLabel *m_message;
    QPushButton *m_edit;
    quint64 m_pending = 0;
};

} // namespace Cohort
