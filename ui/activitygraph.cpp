#include "activitygraph.h"

#include <QDateTime>
#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace Cohort {

namespace {
constexpr qint64 MinuteMs = 60 * 1000;
}

ActivityGraph::ActivityGraph(QWidget *parent)
    : QWidget(parent)
{
    setMinimumSize(120, 40);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("Jobs finished per minute over the last hour"));
}

void ActivityGraph::setActivity(qint64 fromMs, const QList<qint64> &perMinute)
{
    if (fromMs == m_fromMs && perMinute == m_perMinute)
        return;
    m_fromMs = fromMs;
    m_perMinute = perMinute;
    update();
}

qint64 ActivityGraph::total() const
{
    qint64 sum = 0;
    for (qint64 count : m_perMinute)
        sum += count;
    return sum;
}

QSize ActivityGraph::sizeHint() const
{
    return {300, 56};
}

int ActivityGraph::barAt(QPoint position) const
{
    if (m_perMinute.isEmpty() || width() <= 0)
        return -1;
    const int bar = int(qint64(position.x()) * m_perMinute.size() / width());
    return bar >= 0 && bar < m_perMinute.size() ? bar : -1;
}

bool ActivityGraph::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int bar = barAt(help->pos());
        if (bar >= 0) {
            const QDateTime minute = QDateTime::fromMSecsSinceEpoch(m_fromMs + bar * MinuteMs);
            QToolTip::showText(help->globalPos(),
                               tr("%1: %n job(s)", nullptr, int(m_perMinute.at(bar)))
                                   .arg(QLocale().toString(minute.time(), QLocale::ShortFormat)),
                               this);
            return true;
        }
    }
    return QWidget::event(event);
}

void ActivityGraph::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QRectF area = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    painter.fillRect(area, palette().base());
    painter.setPen(palette().mid().color());
    painter.drawRect(area);
    if (m_perMinute.isEmpty())
        return;
    const qint64 peak = std::max<qint64>(1, *std::max_element(m_perMinute.cbegin(), m_perMinute.cend()));
    const qreal barWidth = (area.width() - 2) / m_perMinute.size();
    const qreal height = area.height() - 4;
    const QColor bar = palette().highlight().color();
    for (int i = 0; i < m_perMinute.size(); ++i) {
        if (m_perMinute.at(i) <= 0)
            continue;
        const qreal h = qMax<qreal>(1, height * qreal(m_perMinute.at(i)) / qreal(peak));
        painter.fillRect(
            QRectF(area.left() + 1 + i * barWidth, area.bottom() - 2 - h, qMax<qreal>(1, barWidth - 1), h),
            bar);
    }
}

} // namespace Cohort
