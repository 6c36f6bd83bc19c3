#include "agentdistributionview.h"

#include <QLocale>
#include <QPainter>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int Margin = 6;
constexpr int Gap = 8;
constexpr int MaxNameWidth = 160;
constexpr int MinBarWidth = 60;

QColor barColor(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Online:
        return QColor(0x15, 0x65, 0xc0); // blue: the bars are counts, not states
    case NodeStatus::Offline:
    case NodeStatus::UpgradeRequired:
    case NodeStatus::Decommissioned:
        break;
    }
    return QColor(0x9e, 0x9e, 0x9e);
}

} // namespace

AgentDistributionView::AgentDistributionView(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void AgentDistributionView::setBars(QList<Bar> bars)
{
    std::sort(bars.begin(), bars.end(),
              [](const Bar &a, const Bar &b) { return QString::localeAwareCompare(a.name, b.name) < 0; });
    if (bars == m_bars)
        return;
    m_bars = std::move(bars);
    updateGeometry();
    update();
}

int AgentDistributionView::columns() const
{
    return qMax(1, int((m_bars.size() + MaxRows - 1) / MaxRows));
}

int AgentDistributionView::rows() const
{
    return qMax(1, int((m_bars.size() + columns() - 1) / columns()));
}

int AgentDistributionView::rowHeight() const
{
    return fontMetrics().height() + 6;
}

int AgentDistributionView::nameWidth() const
{
    int widest = 0;
    for (const Bar &bar : m_bars)
        widest = qMax(widest, fontMetrics().horizontalAdvance(bar.name));
    // A few pixels more than the text: elision must not start at the last glyph.
    return qMin(widest + 4, MaxNameWidth);
}

int AgentDistributionView::countWidth() const
{
    int widest = fontMetrics().horizontalAdvance(u"0000"_s);
    for (const Bar &bar : m_bars)
        widest = qMax(widest, fontMetrics().horizontalAdvance(QLocale().toString(bar.agents)));
    return widest;
}

QSize AgentDistributionView::sizeHint() const
{
    const int column = nameWidth() + Gap + 4 * MinBarWidth + Gap + countWidth();
    return {2 * Margin + columns() * column + (columns() - 1) * 2 * Gap, 2 * Margin + rows() * rowHeight()};
}

QSize AgentDistributionView::minimumSizeHint() const
{
    const int column = nameWidth() + Gap + MinBarWidth + Gap + countWidth();
    return {2 * Margin + columns() * column + (columns() - 1) * 2 * Gap, 2 * Margin + rows() * rowHeight()};
}

QRect AgentDistributionView::cellRect(qsizetype i) const
{
    const int column = int(i / rows());
    const int row = int(i % rows());
    const int columnWidth = (width() - 2 * Margin - (columns() - 1) * 2 * Gap) / columns();
    return QRect(Margin + column * (columnWidth + 2 * Gap), Margin + row * rowHeight(), columnWidth,
                 rowHeight());
}

QRect AgentDistributionView::barRect(const QString &guid) const
{
    int most = 1;
    for (const Bar &bar : m_bars)
        most = qMax(most, bar.agents);
    for (qsizetype i = 0; i < m_bars.size(); ++i) {
        const Bar &bar = m_bars.at(i);
        if (bar.guid != guid)
            continue;
        const QRect cell = cellRect(i);
        const int left = cell.left() + nameWidth() + Gap;
        const int span = qMax(1, cell.right() - left - Gap - countWidth());
        const int length = bar.agents == 0 ? 0 : qMax(2, int(qint64(span) * bar.agents / most));
        return QRect(left, cell.top() + 3, length, cell.height() - 6);
    }
    return {};
}

void AgentDistributionView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    if (m_bars.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect().adjusted(Margin, Margin, -Margin, -Margin), Qt::AlignLeft | Qt::AlignVCenter,
                         tr("No manager nodes."));
        return;
    }
    const int names = nameWidth();
    const int counts = countWidth();
    for (qsizetype i = 0; i < m_bars.size(); ++i) {
        const Bar &bar = m_bars.at(i);
        const QRect cell = cellRect(i);
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(cell.left(), cell.top(), names, cell.height()),
                         Qt::AlignLeft | Qt::AlignVCenter,
                         fontMetrics().elidedText(bar.name, Qt::ElideRight, names));
        // The track, then the bar over it, so an empty node still shows where its bar would be.
        const int trackLeft = cell.left() + names + Gap;
        const QRect track(trackLeft, cell.top() + 3, qMax(1, cell.right() - trackLeft - Gap - counts),
                          cell.height() - 6);
        painter.setPen(Qt::NoPen);
        painter.setBrush(palette().color(QPalette::Midlight));
        painter.drawRoundedRect(track, 2, 2);
        if (const QRect filled = barRect(bar.guid); !filled.isEmpty()) {
            painter.setBrush(barColor(bar.status));
            painter.drawRoundedRect(filled, 2, 2);
        }
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(cell.right() - counts, cell.top(), counts, cell.height()),
                         Qt::AlignRight | Qt::AlignVCenter, QLocale().toString(bar.agents));
    }
}

} // namespace Cohort
