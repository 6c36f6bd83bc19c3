// ActivityGraph: a small bar graph of jobs per minute (one bar a minute), for a node's
// Properties dialog. Hovering a bar tells its minute and count.
#pragma once

#include <QWidget>

namespace Cohort {

class ActivityGraph : public QWidget
{
    Q_OBJECT

public:
    explicit ActivityGraph(QWidget *parent = nullptr);

    // Counts per minute, oldest first, the first one starting at fromMs (database time).
    void setActivity(qint64 fromMs, const QList<qint64> &perMinute);
    const QList<qint64> &perMinute() const { return m_perMinute; }
    qint64 total() const;

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    int barAt(QPoint position) const;

    qint64 m_fromMs = 0;
    QList<qint64> m_perMinute;
};

} // namespace Cohort
