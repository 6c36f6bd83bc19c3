// SystemInformationPage: the cluster as pictures. A drop-down picks the Network Map with
// Activity Graph, Jobs by Node, Jobs by Type or Total jobs by node and type; another the
// period (last hour, 6 hours, 24 hours). While the page is shown the worker reads the
// node links and the job statistics (aggregates from job_stats, never the jobs); the
// models and the map update in place. A bar's jobs open in a list; each graph exports
// its picture (PNG) and its data (CSV).
#pragma once

#include <QWidget>

class QComboBox;
class QImage;
class QLabel;
class QProgressBar;
class QPushButton;
class QStackedWidget;

namespace Cohort {

class ClusterClient;
class ExportJob;
class JobChartView;
class JobCountsModel;
class NetworkMapView;

class SystemInformationPage : public QWidget
{
    Q_OBJECT

public:
    enum Graph { NetworkMap, JobsByNode, JobsByType, JobsByNodeAndType, GraphCount };
    Q_ENUM(Graph)

    explicit SystemInformationPage(ClusterClient &client, QWidget *parent = nullptr);
    ~SystemInformationPage() override;

    static QString graphTitle(Graph graph);
    static QString graphKey(Graph graph); // "network-map", "jobs-by-node", ...
    static const QList<int> &periods();   // minutes: 60, 360, 1440

    Graph graph() const;
    void setGraph(Graph graph);
    int periodMinutes() const;
    void setPeriodMinutes(int minutes);

    NetworkMapView *mapView() const { return m_map; }
    JobChartView *chartView(Graph graph) const; // nullptr for the map
    JobCountsModel *model(Graph graph) const;   // nullptr for the map
    QComboBox *graphBox() const { return m_graphBox; }
    QComboBox *periodBox() const { return m_periodBox; }
    QWidget *currentGraphWidget() const;

    // Writes the current graph as a PNG / its data as CSV; false and *error on failure.
    bool exportImage(const QString &path, QString *error) const;
    bool exportData(const QString &path, QString *error) const;
    // The same on an export thread, with progress and Cancel (what the Export buttons do).
    enum class Export { Image, Data };
    ExportJob *startExport(Export what, const QString &path);

    // While the statistics of a newly chosen period are read: a busy bar, and Cancel, which
    // goes back to the period shown before.
    QProgressBar *loadingBar() const { return m_loading; }
    QPushButton *cancelLoadButton() const { return m_cancelLoad; }
    void cancelLoading();

Q_SIGNALS:
    void propertiesRequested(const QString &guid);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void apply();
    void updateSummary();
    void showJobs(Graph graph, const QString &rowKey, const QString &columnKey);
    void askExport(Export what);
    QImage currentImage() const;
    QString currentCsv() const;

    ClusterClient &m_client;
    QComboBox *m_graphBox;
    QComboBox *m_periodBox;
    QLabel *m_summary;
    QPushButton *m_exportImage;
    QPushButton *m_exportData;
    QStackedWidget *m_stack;
    NetworkMapView *m_map;
    JobCountsModel *m_models[GraphCount] = {};
    JobChartView *m_charts[GraphCount] = {};
    bool m_watching = false;
    QProgressBar *m_loading;
    QPushButton *m_cancelLoad;
    int m_shownPeriod = 0; // the period whose statistics were shown last
};

} // namespace Cohort
