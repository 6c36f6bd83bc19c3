// ScreenshotTour: for the demo on a machine with no display: once data has arrived,
// shows each page of the main window in turn and the Properties dialog of a node, and
// saves a picture of each into a folder. Emits finished() when done.
#pragma once

#include <QDir>
#include <QObject>
#include <QStringList>

class QWidget;

namespace Cohort {

class ClusterClient;
class MainWindow;

class ScreenshotTour : public QObject
{
    Q_OBJECT

public:
    ScreenshotTour(MainWindow &window, ClusterClient &client, const QString &folder, QObject *parent = nullptr);

    void start();
    // Saves a picture of a widget into the folder; returns the file path or empty.
    static QString save(QWidget *widget, const QDir &folder, const QString &name);
    QStringList files() const { return m_files; }

Q_SIGNALS:
    void finished(bool ok);

private:
    void step();

    MainWindow &m_window;
    ClusterClient &m_client;
    QDir m_folder;
    int m_step = 0;
    QStringList m_files;
};

} // namespace Cohort
