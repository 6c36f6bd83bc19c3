// StatusBanner: a strip above the pages saying the data shown is not current (the
// database cannot be reached or does not answer) and since when. While the console is
// reconnecting a bar counts down to the next try, with Retry Now and Stop Retrying; while
// the database does not answer a busy bar shows that the console is still waiting.
// Hidden while the console is connected.
#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;
class QProgressBar;
class QPushButton;

namespace Cohort {

class ClusterClient;

class StatusBanner : public QFrame
{
    Q_OBJECT

public:
    explicit StatusBanner(ClusterClient &client, QWidget *parent = nullptr);

    QString text() const;
    QProgressBar *progress() const { return m_progress; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *stopButton() const { return m_stop; }

private:
    void refresh();
    void tick();

    ClusterClient &m_client;
    QLabel *m_text;
    QProgressBar *m_progress;
    QPushButton *m_retry;
    QPushButton *m_stop;
    QTimer m_ticker;
};

} // namespace Cohort
