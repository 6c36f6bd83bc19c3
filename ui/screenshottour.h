// ScreenshotTour: for the demo on a machine with no display: once data has arrived,
// shows each page of the main window in turn (each graph of System Information) and the
// Properties dialog of a node, and saves a picture of each into a folder. Emits
// finished() when done.
#pragma once

#include <QDir>
#include <QObject>
#include <QStringList>

#include <functional>

class QWidget;

namespace Cohort {

class ClusterClient;
class MainWindow;

class ScreenshotTour : public QObject
{
    Q_OBJECT

public:
    ScreenshotTour(MainWindow &window, ClusterClient &client, const QString &folder,
                   QObject *parent = nullptr);

    void start();
    // Saves a picture of a widget into the folder; returns the file path or empty.
    static QString save(QWidget *widget, const QDir &folder, const QString &name);
    QStringList files() const { return m_files; }

Q_SIGNALS:
    void finished(bool ok);

private:
    struct Shot
    {
        QString name;                // file name without the number
        std::function<void()> setUp; // shows what the picture is of
        std::function<QWidget *()> widget;
    };

    void plan();
    void step();

    MainWindow &m_window;
    ClusterClient &m_client;
    QDir m_folder;
    QList<Shot> m_shots;
    int m_step = -1;
    QStringList m_files;
};

} // namespace Cohort
