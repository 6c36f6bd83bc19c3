#include "screenshottour.h"
#include "clusterclient.h"
#include "mainwindow.h"
#include "nodepropertiesdialog.h"
#include "uilogging.h"

#include <QPixmap>
#include <QTimer>
#include <QWidget>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {
// Long enough for a page to lay out and for a refresh to land between pictures.
constexpr int SettleMs = 1200;
} // namespace

ScreenshotTour::ScreenshotTour(MainWindow &window, ClusterClient &client, const QString &folder, QObject *parent)
    : QObject(parent), m_window(window), m_client(client), m_folder(folder)
{
}

QString ScreenshotTour::save(QWidget *widget, const QDir &folder, const QString &name)
{
    const QString path = folder.absoluteFilePath(name);
    if (!widget->grab().save(path)) {
        qCWarning(lcUi) << "could not write" << path;
        return {};
    }
    return path;
}

void ScreenshotTour::start()
{
    if (!m_folder.mkpath(u"."_s)) {
        qCWarning(lcUi) << "could not create" << m_folder.absolutePath();
        Q_EMIT finished(false);
        return;
    }
    if (m_client.hasSnapshot()) {
        QTimer::singleShot(SettleMs, this, &ScreenshotTour::step);
        return;
    }
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(&m_client, &ClusterClient::snapshotChanged, this, [this, connection] {
        disconnect(*connection);
        QTimer::singleShot(SettleMs, this, &ScreenshotTour::step);
    });
}

void ScreenshotTour::step()
{
    if (m_step < MainWindow::PageCount) {
        const auto page = MainWindow::Page(m_step);
        if (m_step > 0) {
            const QString name = u"%1-%2.png"_s.arg(m_step, 2, 10, QChar(u'0')).arg(MainWindow::pageKey(MainWindow::Page(m_step - 1)));
            if (const QString file = save(&m_window, m_folder, name); !file.isEmpty())
                m_files.append(file);
        }
        m_window.showPage(page);
        ++m_step;
        QTimer::singleShot(SettleMs, this, &ScreenshotTour::step);
        return;
    }
    if (m_step == MainWindow::PageCount) {
        const QString name = u"%1-%2.png"_s.arg(m_step, 2, 10, QChar(u'0')).arg(MainWindow::pageKey(MainWindow::Page(m_step - 1)));
        if (const QString file = save(&m_window, m_folder, name); !file.isEmpty())
            m_files.append(file);
        // The Properties dialog of a node: an Offline one if there is, to show Decommission enabled.
        m_window.showPage(MainWindow::ManagerNodes);
        QString guid;
        for (const NodeInfo &node : m_client.snapshot().nodes) {
            if (guid.isEmpty() || node.status != NodeStatus::Online)
                guid = node.guid;
        }
        ++m_step;
        if (!guid.isEmpty()) {
            m_window.openProperties(guid);
            QTimer::singleShot(SettleMs * 2, this, &ScreenshotTour::step);
            return;
        }
    }
    for (QWidget *widget : m_window.findChildren<NodePropertiesDialog *>()) {
        if (const QString file = save(widget, m_folder, u"%1-node-properties.png"_s.arg(m_step, 2, 10, QChar(u'0')));
            !file.isEmpty())
            m_files.append(file);
        widget->close();
    }
    Q_EMIT finished(!m_files.isEmpty());
}

} // namespace Cohort
