#include "auditlogpage.h"
#include "auditlogmodel.h"
#include "clusterclient.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

AuditLogPage::AuditLogPage(ClusterClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new AuditLogModel(this))
    , m_user(new QLineEdit(this))
    , m_action(new QComboBox(this))
    , m_useFrom(new QCheckBox(tr("&From:", "start of a time range"), this))
    , m_from(new QDateTimeEdit(this))
    , m_useTo(new QCheckBox(tr("&To:", "end of a time range"), this))
    , m_to(new QDateTimeEdit(this))
    , m_count(new QLabel(this))
    , m_view(new QTableView(this))
{
    setObjectName(u"auditLogPage"_s);
    m_user->setObjectName(u"userFilter"_s);
    m_user->setAccessibleName(tr("Filter by user"));
    m_user->setProperty("cohortFind", true);
    m_user->setPlaceholderText(tr("Any user"));
    m_user->setClearButtonEnabled(true);
    m_action->setObjectName(u"actionFilter"_s);
    m_action->setAccessibleName(tr("Filter by action"));
    m_from->setAccessibleName(tr("From date and time"));
    m_to->setAccessibleName(tr("To date and time"));
    m_action->setEditable(true);
    m_action->addItem(QString());
    for (const QString &action :
         {u"node."_s, u"node.decommission"_s, u"node.describe"_s, u"alert."_s, u"settings.change"_s,
          u"user."_s, u"user.login"_s, u"user.login-failed"_s, u"user.locked"_s, u"cluster."_s})
        m_action->addItem(action);
    m_action->lineEdit()->setPlaceholderText(tr("Any action (a prefix such as node.)"));
    const QDateTime now = QDateTime::currentDateTime();
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QLocale().dateTimeFormat(QLocale::ShortFormat));
        edit->setEnabled(false);
    }
    m_from->setDateTime(now.addDays(-1));
    m_to->setDateTime(now);
    connect(m_useFrom, &QCheckBox::toggled, m_from, &QWidget::setEnabled);
    connect(m_useTo, &QCheckBox::toggled, m_to, &QWidget::setEnabled);

    auto *apply = new QPushButton(tr("&Apply", "filter"), this);
    apply->setObjectName(u"applyFilter"_s);
    apply->setDefault(true);
    connect(apply, &QPushButton::clicked, this, &AuditLogPage::applyFilter);
    connect(m_user, &QLineEdit::returnPressed, this, &AuditLogPage::applyFilter);
    connect(m_action->lineEdit(), &QLineEdit::returnPressed, this, &AuditLogPage::applyFilter);
    auto *reset = new QPushButton(tr("&Reset", "filter"), this);
    connect(reset, &QPushButton::clicked, this, [this] {
        m_user->clear();
        m_action->setCurrentText(QString());
        m_useFrom->setChecked(false);
        m_useTo->setChecked(false);
        applyFilter();
    });

    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(AuditLogModel::SortRole);
    proxy->setDynamicSortFilter(true);
    m_view->setObjectName(u"auditView"_s);
    m_view->setAccessibleName(tr("Audit log"));
    m_view->setAccessibleDescription(tr("Who did what and when, newest first."));
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AuditLogModel::Time, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(AuditLogModel::Time, 150);
    m_view->setColumnWidth(AuditLogModel::Action, 150);
    m_view->setColumnWidth(AuditLogModel::Target, 200);

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("User:"), this));
    filters->addWidget(m_user);
    filters->addWidget(new QLabel(tr("Action:"), this));
    filters->addWidget(m_action, 1);
    filters->addWidget(m_useFrom);
    filters->addWidget(m_from);
    filters->addWidget(m_useTo);
    filters->addWidget(m_to);
    filters->addWidget(apply);
    filters->addWidget(reset);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(m_view);
    // Tab in reading order: the filter row, then the table.
    setTabOrder(m_to, apply);
    setTabOrder(apply, reset);
    setTabOrder(reset, m_view);
    layout->addWidget(m_count);

    connect(&m_client, &ClusterClient::snapshotChanged, this, [this] {
        m_model->applySnapshot(m_client.snapshot().audit);
        m_count->setText(tr("%n entry(s) shown", nullptr, m_model->rowCount()));
    });
}

void AuditLogPage::setUserFilter(const QString &user)
{
    m_user->setText(user);
}

void AuditLogPage::setActionFilter(const QString &action)
{
    m_action->setCurrentText(action);
}

void AuditLogPage::setTimeRange(const QDateTime &from, const QDateTime &to)
{
    m_useFrom->setChecked(from.isValid());
    if (from.isValid())
        m_from->setDateTime(from);
    m_useTo->setChecked(to.isValid());
    if (to.isValid())
        m_to->setDateTime(to);
}

AuditFilter AuditLogPage::filter() const
{
    AuditFilter filter;
    filter.actor = m_user->text().trimmed();
    filter.action = m_action->currentText().trimmed();
    if (m_useFrom->isChecked())
        filter.fromMs = m_from->dateTime().toMSecsSinceEpoch();
    if (m_useTo->isChecked())
        filter.toMs = m_to->dateTime().toMSecsSinceEpoch();
    return filter;
}

void AuditLogPage::applyFilter()
{
    m_client.setAuditFilter(filter());
}

} // namespace Cohort
