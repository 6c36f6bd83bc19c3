// MessageBox: the console's confirmations and notices. A test sets the next answer
// beforehand (setNextAnswer), so a confirmation such as Decommission is tested without
// timers hunting for dialogs.
#pragma once

#include <QMessageBox>

namespace Cohort {

class MessageBox
{
public:
    static QMessageBox::StandardButton question(QWidget *parent, const QString &title, const QString &text,
                                                QMessageBox::StandardButton yes = QMessageBox::Yes,
                                                QMessageBox::StandardButton no = QMessageBox::Cancel);
    static void warning(QWidget *parent, const QString &title, const QString &text);

    // The next question() or warning() returns this at once, showing nothing.
    static void setNextAnswer(QMessageBox::StandardButton answer);
    // What the last question or warning said, for tests.
    static QString lastText();

private:
    static QMessageBox::StandardButton s_nextAnswer;
    static QString s_lastText;
};

} // namespace Cohort
