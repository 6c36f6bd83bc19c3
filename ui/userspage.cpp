#include "userspage.h"
#include "consoletheme.h"
#include "icons.h"

#include "clusterclient.h"
#include "personaldatadialog.h"
#include "userstablemodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

UsersPage::UsersPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new UsersTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_note(new QLabel(this))
    , m_message(new QLabel(this))
    , m_edit(new QPushButton(Icons::action(Icons::Action::Properties), tr("&Edit…"), this))
{
    setObjectName(u"usersPage"_s);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(UsersTableModel::SortRole);
    m_proxy->setDynamicSortFilter(true);
    m_view->setObjectName(u"usersView"_s);
    m_view->setAccessibleName(tr("Users"));
    m_view->setAccessibleDescription(tr("The people who may sign in to the console, with their roles."));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(UsersTableModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);

    m_note->setObjectName(u"note"_s);
    m_note->setWordWrap(true);
    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    m_edit->setObjectName(u"edit"_s);
    connect(m_edit, &QPushButton::clicked, this, &UsersPage::editSelected);
    connect(m_view, &QTableView::doubleClicked, this, &UsersPage::editSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &UsersPage::updateButtons);

    auto *top = new QHBoxLayout;
    top->addWidget(m_note, 1);
    top->addWidget(m_message);
    top->addWidget(m_edit);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view);

    connect(&m_client, &ClusterClient::snapshotChanged, this, &UsersPage::refresh);
    connect(&m_client, &ClusterClient::actionFinished, this, &UsersPage::actionFinished);
    refresh();
}

QString UsersPage::note() const
{
    return m_note->text();
}

QString UsersPage::message() const
{
    return m_message->text();
}

void UsersPage::refresh()
{
    if (!m_client.hasSnapshot()) {
        updateButtons();
        return;
    }
    const ClusterSnapshot &snapshot = m_client.snapshot();
    m_model->setNow(snapshot.databaseTime);
    m_model->applySnapshot(snapshot.users);
    QString note;
    if (!snapshot.sealedDataError.isEmpty())
        note = tr("A sealed value does not open: %1").arg(snapshot.sealedDataError);
    else if (!snapshot.dataKeyOpen)
        note = snapshot.dataKeyNote;
    m_note->setText(note);
    m_note->setStyleSheet(snapshot.sealedDataError.isEmpty() ? QString() : ConsoleTheme::errorStyleSheet());
    updateButtons();
}

bool UsersPage::canEdit() const
{
    return m_client.session().isAdministrator() && m_client.hasSnapshot() && m_client.snapshot().dataKeyOpen
           && m_client.snapshot().sealedDataError.isEmpty();
}

void UsersPage::updateButtons()
{
    m_edit->setEnabled(canEdit() && m_pending == 0 && m_view->selectionModel()->hasSelection());
    if (!m_client.session().isAdministrator())
        m_edit->setToolTip(tr("Auditors cannot change users."));
    else if (!canEdit())
        m_edit->setToolTip(m_note->text());
    else
        m_edit->setToolTip(QString());
}

PersonalDataDialog *UsersPage::editSelected()
{
    const QModelIndexList selected = m_view->selectionModel()->selectedRows();
    if (selected.isEmpty() || !canEdit() || m_pending != 0)
        return nullptr;
    const int row = m_model->rowOf(selected.constFirst().data(UsersTableModel::NameRole).toString());
    if (row < 0)
        return nullptr;
    const UserRecord user = m_model->rowAt(row);
    auto *dialog = new PersonalDataDialog(user.name, user.fullName, user.email, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, name = user.name] {
        m_message->clear();
        m_pending = m_client.setPersonalData(name, dialog->fullName(), dialog->email());
        updateButtons();
    });
    dialog->open();
    return dialog;
}

void UsersPage::actionFinished(quint64 requestId, bool ok, const QString &message)
{
    if (requestId != m_pending)
        return;
    m_pending = 0;
    m_message->setText(ok ? QString() : message);
    m_message->setStyleSheet(ok ? QString() : ConsoleTheme::errorStyleSheet());
    updateButtons();
}

} // namespace Cohort
