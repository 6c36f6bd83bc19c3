// StatusBanner: a strip above the pages saying the data shown is not current (the
// database cannot be reached or does not answer) and since when, with a Retry Now button.
// Hidden while the console is connected.
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace Cohort {

class ClusterClient;

class StatusBanner : public QFrame
{
    Q_OBJECT

public:
    explicit StatusBanner(ClusterClient &client, QWidget *parent = nullptr);

    QString text() const;

private:
    void refresh();

    ClusterClient &m_client;
    QLabel *m_text;
    QPushButton *m_retry;
};

} // namespace Cohort
