// NodeTimelineWidget: the Properties dialog's Timeline tab. One node's events (time,
// event, by whom, details), read through ClusterWorker when asked and every few seconds
// while shown; exported as CSV or JSON exactly as "cohortctl nodes events" writes them,
// through QSaveFile (nothing half-written). An offline or jobs-handed-back event opens
// its TakeoverReportDialog (double-click, or Takeover Report…).
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;
class QTimer;

namespace Cohort {

class ClusterClient;
class NodeEventsModel;
class TakeoverReportDialog;
struct NodeEvent;

class NodeTimelineWidget : public QWidget
{
    Q_OBJECT

public:
    enum class Format { Csv, Json };

    NodeTimelineWidget(ClusterClient &client, const QString &guid, QWidget *parent = nullptr);

    NodeEventsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *takeoverButton() const { return m_takeover; }
    bool isLoaded() const { return m_loaded; }
    QString errorText() const;

    // Reads the timeline again (if no read is under way).
    void refresh();
    // Writes the events shown to path (the same bytes as NodeEvents::toCsv / toJson) on an
    // export thread, with a progress dialog and Cancel (ExportProgress); on failure nothing
    // is left at path and a message box says why. The job reports finished(ok, error).
    class ExportJob *exportTo(const QString &path, Format format);
    // Asks for a file name, then exports.
    void exportWithDialog(Format format);
    // The takeover report of the selected event (or of row, a row of the model).
    TakeoverReportDialog *openTakeoverReport(int row = -1);

Q_SIGNALS:
    void loaded();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void eventsListed(quint64 requestId, bool ok, const QList<NodeEvent> &events, const QString &error);
    int selectedRow() const;
    void updateButtons();

    ClusterClient &m_client;
    QString m_guid;
    NodeEventsModel *m_model;
    QTableView *m_view;
    QLabel *m_error;
    QPushButton *m_exportCsv;
    QPushButton *m_exportJson;
    QPushButton *m_takeover;
    QTimer *m_timer;
    quint64 m_request = 0;
    bool m_loaded = false;
};

} // namespace Cohort
