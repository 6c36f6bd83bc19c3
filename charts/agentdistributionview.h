// AgentDistributionView: how many online agents each manager node serves, as one
// horizontal bar per node (name, bar, count), painted; nodes in name order, in as many
// columns as it takes to show at most MaxRows rows, so it never needs to scroll. Draws
// what it is given; knows no database.
#pragma once

#include "noderegistry.h"

#include <QList>
#include <QWidget>

namespace Cohort {

class AgentDistributionView : public QWidget
{
    Q_OBJECT

public:
    struct Bar
    {
        QString guid;
        QString name;
        NodeStatus status = NodeStatus::Online;
        int agents = 0;

        friend bool operator==(const Bar &, const Bar &) = default;
    };

    static constexpr int MaxRows = 6;

    explicit AgentDistributionView(QWidget *parent = nullptr);

    // Repaints only when something changed.
    void setBars(QList<Bar> bars);
    const QList<Bar> &bars() const { return m_bars; }
    // Where a node's bar is drawn (for tests), or an empty rectangle.
    QRect barRect(const QString &guid) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    int columns() const;
    int rows() const;
    // Where the i-th bar's row (name, track, count) is.
    QRect cellRect(qsizetype i) const;
    int rowHeight() const;
    int nameWidth() const;
    int countWidth() const;

    QList<Bar> m_bars;
};

} // namespace Cohort
