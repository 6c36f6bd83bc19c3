// JobChartView: a JobCountsModel drawn as stacked bars with Qt Charts (categories on the
// x axis, one bar set per model column), with a legend, axis titles, tooltips that give
// the exact counts, a click that names the bar, and export of the picture (PNG) and of the
// data (CSV). The bars follow the model in place: a refresh with the same categories and
// sets only replaces values.
#pragma once

#include "jobcountsmodel.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QBarCategoryAxis;
class QBarSet;
class QChart;
class QChartView;
class QLabel;
class QStackedBarSeries;
class QValueAxis;

namespace Cohort {

class JobChartView : public QWidget
{
    Q_OBJECT

public:
    // model: not owned; must outlive the view or be destroyed with it.
    explicit JobChartView(JobCountsModel *model, QWidget *parent = nullptr);
    ~JobChartView() override;

    void setTitle(const QString &title);
    // Brings the bars up to date with the model now (a refresh is otherwise coalesced).
    void sync();

    // Writes the chart as a PNG, or the model's data as CSV; on failure nothing is left at
    // path and *error says why.
    QImage image() const; // the chart as drawn now
    bool savePng(const QString &path, QString *error) const;
    bool saveCsv(const QString &path, QString *error) const;

    QChart *chart() const { return m_chart; }
    QChartView *chartView() const { return m_view; }
    QStackedBarSeries *series() const { return m_series; }
    QBarCategoryAxis *categoryAxis() const { return m_categories; }
    QValueAxis *valueAxis() const { return m_values; }
    QList<QBarSet *> barSets() const;
    // The text a tooltip shows for the bar segment of set `column` at category `row`.
    QString toolTipText(int row, int column) const;
    JobCountsModel *model() const { return m_model; }

Q_SIGNALS:
    // A bar segment was clicked: the model's row and column keys.
    void barClicked(const QString &rowKey, const QString &columnKey);

private:
    void schedule();
    void rebuild();
    void updateRange();
    QColor colorOf(int column) const;

    QPointer<JobCountsModel> m_model;
    QChart *m_chart;
    QChartView *m_view;
    QStackedBarSeries *m_series;
    QBarCategoryAxis *m_categories;
    QValueAxis *m_values;
    QLabel *m_empty;
    QTimer m_syncTimer;
    QStringList m_shownRows;    // row keys the bars show, in order
    QStringList m_shownColumns; // column keys, one bar set each
    QStringList m_shownLabels;  // category labels
};

} // namespace Cohort
