#include "personaldatadialog.h"
#include "consoletheme.h"

#include "users.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Cohort {

PersonalDataDialog::PersonalDataDialog(const QString &user, const QString &fullName, const QString &email,
                                       QWidget *parent)
    : QDialog(parent)
    , m_fullName(new QLineEdit(fullName, this))
    , m_email(new QLineEdit(email, this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this))
{
    setObjectName(u"personalDataDialog"_s);
    setWindowTitle(tr("User %1").arg(user));
    m_fullName->setObjectName(u"fullName"_s);
    m_email->setObjectName(u"email"_s);
    m_problem->setObjectName(u"problem"_s);
    m_problem->setStyleSheet(ConsoleTheme::errorStyleSheet());
    m_problem->setWordWrap(true);
    m_fullName->setMinimumWidth(320);

    auto *form = new QFormLayout;
    form->addRow(tr("&Full name:"), m_fullName);
    form->addRow(tr("&E-mail address:"), m_email);
    auto *note = new QLabel(
        tr("Both are stored sealed with the cluster's data key; leave a field empty to remove it."), this);
    note->setWordWrap(true);
    note->setEnabled(false);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_fullName, &QLineEdit::textChanged, this, &PersonalDataDialog::check);
    connect(m_email, &QLineEdit::textChanged, this, &PersonalDataDialog::check);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (problem().isEmpty())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    check();
}

QString PersonalDataDialog::fullName() const
{
    return m_fullName->text().trimmed();
}

QString PersonalDataDialog::email() const
{
    return m_email->text().trimmed();
}

QString PersonalDataDialog::problem() const
{
    if (const QString problem = Users::fullNameProblem(fullName()); !problem.isEmpty())
        return problem;
    return Users::emailProblem(email());
}

void PersonalDataDialog::check()
{
    const QString text = problem();
    m_problem->setText(text);
    m_problem->setVisible(!text.isEmpty());
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(text.isEmpty());
}

} // namespace Cohort
