#include "statusbanner.h"
#include "clusterclient.h"
#include "icons.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>

using namespace Qt::StringLiterals;

namespace Cohort {

StatusBanner::StatusBanner(ClusterClient &client, QWidget *parent)
    : QFrame(parent)
    , m_client(client)
    , m_text(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_retry(new QPushButton(Icons::action(Icons::Action::Refresh), tr("&Retry Now"), this))
    , m_stop(new QPushButton(Icons::action(Icons::Action::Cancel), tr("&Stop Retrying"), this))
{
    setObjectName(u"statusBanner"_s);
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(u"#statusBanner { background: #fff4ce; border: 1px solid #e0b400; border-radius: 3px; }"
                  "#statusBanner QLabel { color: #3d3000; }"_s);
    auto *icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(20, 20));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(icon);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_retry);
    layout->addWidget(m_stop);
    m_progress->setObjectName(u"reconnectProgress"_s);
    m_progress->setTextVisible(false);
    m_progress->setFixedWidth(120);
    m_progress->setAccessibleName(tr("Time to the next try"));
    m_retry->setObjectName(u"retryNow"_s);
    m_stop->setObjectName(u"stopRetrying"_s);
    m_stop->setToolTip(tr("Stop trying to reach the database until you press Retry Now."));
    m_ticker.setInterval(100);
    connect(&m_ticker, &QTimer::timeout, this, &StatusBanner::tick);
    connect(m_retry, &QPushButton::clicked, &m_client, &ClusterClient::refreshNow);
    connect(m_stop, &QPushButton::clicked, &m_client, &ClusterClient::stopRetrying);
    connect(&m_client, &ClusterClient::stateChanged, this, &StatusBanner::refresh);
    refresh();
}

QString StatusBanner::text() const
{
    return isHidden() ? QString() : m_text->text();
}

void StatusBanner::refresh()
{
    const ClusterClient::State state = m_client.state();
    if (state != ClusterClient::State::Unreachable && state != ClusterClient::State::Stalled) {
        m_ticker.stop();
        hide();
        return;
    }
    const QString since =
        m_client.hasSnapshot()
            ? tr("Showing the data from %1.")
                  .arg(QLocale().toString(m_client.lastRefresh().time(), QLocale::LongFormat))
            : tr("No data has been read yet.");
    QString text;
    if (state == ClusterClient::State::Stalled) {
        text = tr("The database is not answering. %1 %2 The console keeps waiting and recovers by itself.")
                   .arg(m_client.stateMessage(), since);
    } else if (m_client.retriesStopped()) {
        text = tr("The database cannot be reached: %1 %2 Retrying has stopped; press Retry Now to try again.")
                   .arg(m_client.stateMessage(), since);
    } else {
        text = tr("The database cannot be reached: %1 %2 Retrying in %n second(s).", nullptr,
                  qMax(1, (m_client.retryInMs() + 500) / 1000))
                   .arg(m_client.stateMessage(), since);
    }
    m_text->setText(text);
    const bool counting = state == ClusterClient::State::Unreachable && !m_client.retriesStopped();
    m_stop->setVisible(counting);
    m_retry->setVisible(state == ClusterClient::State::Unreachable);
    m_progress->setVisible(state == ClusterClient::State::Stalled || counting);
    if (state == ClusterClient::State::Stalled)
        m_progress->setRange(0, 0); // busy: waiting for an answer, with no end known
    else
        m_progress->setRange(0, qMax(1, m_client.retryInMs()));
    tick();
    if (m_progress->isVisibleTo(this))
        m_ticker.start();
    else
        m_ticker.stop();
    show();
}

void StatusBanner::tick()
{
    const int left = m_client.msToNextRetry();
    if (left >= 0 && m_progress->maximum() > 0)
        m_progress->setValue(qBound(0, m_progress->maximum() - left, m_progress->maximum()));
}

} // namespace Cohort
