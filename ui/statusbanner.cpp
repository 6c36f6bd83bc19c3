#include "statusbanner.h"
#include "clusterclient.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStyle>

using namespace Qt::StringLiterals;

namespace Cohort {

StatusBanner::StatusBanner(ClusterClient &client, QWidget *parent)
    : QFrame(parent)
    , m_client(client)
    , m_text(new QLabel(this))
    , m_retry(new QPushButton(tr("Retry Now"), this))
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
    layout->addWidget(m_retry);
    connect(m_retry, &QPushButton::clicked, &m_client, &ClusterClient::refreshNow);
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
    } else {
        text = tr("The database cannot be reached: %1 %2 Retrying in %n second(s).", nullptr,
                  qMax(1, (m_client.retryInMs() + 500) / 1000))
                   .arg(m_client.stateMessage(), since);
    }
    m_text->setText(text);
    show();
}

} // namespace Cohort
