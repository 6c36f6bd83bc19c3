#include "screenshottour.h"
#include "clusterclient.h"
#include "mainwindow.h"
#include "nodeeventsmodel.h"
#include "nodepropertiesdialog.h"
#include "nodetimelinewidget.h"
#include "systeminformationpage.h"
#include "takeoverreportdialog.h"
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

ScreenshotTour::ScreenshotTour(MainWindow &window, ClusterClient &client, const QString &folder,
                               QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_client(client)
    , m_folder(folder)
{}

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

void ScreenshotTour::plan()
{
    const auto window = [this]() -> QWidget * { return &m_window; };
    for (int page = 0; page < MainWindow::PageCount; ++page) {
        const auto show = [this, page] { m_window.showPage(MainWindow::Page(page)); };
        if (page != MainWindow::SystemInformation) {
            m_shots.append({MainWindow::pageKey(MainWindow::Page(page)), show, window});
            continue;
        }
        for (int graph = 0; graph < SystemInformationPage::GraphCount; ++graph) {
            m_shots.append({MainWindow::pageKey(MainWindow::Page(page)) + u'-'
                                + SystemInformationPage::graphKey(SystemInformationPage::Graph(graph)),
                            [this, show, graph] {
                                show();
                                m_window.systemInformationPage()->setGraph(
                                    SystemInformationPage::Graph(graph));
                            },
                            window});
        }
    }
    // The Properties dialog of a node: an Offline one if there is, to show Decommission enabled.
    m_shots.append({u"node-properties"_s,
                    [this] {
                        m_window.showPage(MainWindow::ManagerNodes);
                        QString guid;
                        for (const NodeInfo &node : m_client.snapshot().nodes) {
                            if (guid.isEmpty() || node.status != NodeStatus::Online)
                                guid = node.guid;
                        }
                        if (!guid.isEmpty())
                            m_window.openProperties(guid);
                    },
                    [this]() -> QWidget * { return m_window.findChild<NodePropertiesDialog *>(); }});
    // Its Timeline tab, then the takeover report of its last takeover, if it has one.
    m_shots.append({u"node-timeline"_s,
                    [this] {
                        if (auto *dialog = m_window.findChild<NodePropertiesDialog *>())
                            dialog->showTimeline();
                    },
                    [this]() -> QWidget * { return m_window.findChild<NodePropertiesDialog *>(); }});
    m_shots.append({u"takeover-report"_s,
                    [this] {
                        auto *dialog = m_window.findChild<NodePropertiesDialog *>();
                        if (!dialog)
                            return;
                        const NodeEventsModel *events = dialog->timeline()->model();
                        for (int row = events->rowCount() - 1; row >= 0; --row) {
                            if (events->rowAt(row).takeoverId > 0) {
                                dialog->timeline()->openTakeoverReport(row);
                                return;
                            }
                        }
                    },
                    [this]() -> QWidget * { return m_window.findChild<TakeoverReportDialog *>(); }});
}

void ScreenshotTour::step()
{
    if (m_step < 0)
        plan();
    // The picture of the shot set up last time, then the next one's set-up.
    if (m_step >= 0 && m_step < m_shots.size()) {
        const Shot &shot = m_shots.at(m_step);
        if (QWidget *widget = shot.widget()) {
            const QString name = u"%1-%2.png"_s.arg(m_step + 1, 2, 10, QChar(u'0')).arg(shot.name);
            if (const QString file = save(widget, m_folder, name); !file.isEmpty())
                m_files.append(file);
        }
    }
    ++m_step;
    if (m_step < m_shots.size()) {
        m_shots.at(m_step).setUp();
        QTimer::singleShot(SettleMs, this, &ScreenshotTour::step);
        return;
    }
    for (QWidget *dialog : m_window.findChildren<TakeoverReportDialog *>())
        dialog->close();
    for (QWidget *dialog : m_window.findChildren<NodePropertiesDialog *>())
        dialog->close();
    Q_EMIT finished(!m_files.isEmpty());
}

} // namespace Cohort
