// PersonalDataDialog: an administrator edits a user's full name and e-mail address. Each
// field is checked as it is typed (core's rules); Save stays disabled while one is bad.
// The values are sealed by core with the session's data key.
#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace Cohort {

class PersonalDataDialog : public QDialog
{
    Q_OBJECT

public:
    PersonalDataDialog(const QString &user, const QString &fullName, const QString &email,
                       QWidget *parent = nullptr);

    QString fullName() const;
    QString email() const;
    QLineEdit *fullNameEdit() const { return m_fullName; }
    QLineEdit *emailEdit() const { return m_email; }
    // What is wrong with the values, or empty.
    QString problem() const;
    QDialogButtonBox *buttons() const { return m_buttons; }

private:
    void check();

    QLineEdit *m_fullName;
    QLineEdit *m_email;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace Cohort
