#include "jobchartview.h"
#include "exportfile.h"
#include "jobcountsmodel.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QStackedBarSeries>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Twenty colours that stay apart from each other, for job types.
constexpr QRgb TypePalette[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2,
                                0x7f7f7f, 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896,
                                0xc5b0d5, 0xc49c94, 0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5};
// Up to this many changed bars in a set are replaced one by one (about 0.08 ms each);
// more, and the set's values are set at once (about 0.2 ms per set of 50).
constexpr int FewChanges = 4;
constexpr QRgb SucceededColor = 0x2e9d4f;
constexpr QRgb FailedColor = 0xd0433a;

// A round upper bound for the value axis: 1, 2 or 5 times a power of ten.
qreal niceCeiling(qreal value)
{
    if (value <= 0)
        return 1;
    const qreal power = std::pow(10.0, std::floor(std::log10(value)));
    for (qreal step : {1.0, 2.0, 5.0, 10.0}) {
        if (value <= step * power)
            return step * power;
    }
    return 10 * power;
}

} // namespace

JobChartView::JobChartView(JobCountsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_series(new QStackedBarSeries(m_chart))
    , m_categories(new QBarCategoryAxis(m_chart))
    , m_values(new QValueAxis(m_chart))
    , m_empty(new QLabel(this))
    , m_syncTimer(this)
{
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setVisible(true);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->addSeries(m_series);
    m_categories->setTitleText(model->rowTitle());
    m_values->setTitleText(tr("Jobs finished"));
    m_values->setLabelFormat(u"%.0f"_s);
    m_values->setRange(0, 1);
    m_values->setTickCount(6); // five steps of a round size from zero: see updateRange()
    m_chart->addAxis(m_categories, Qt::AlignBottom);
    m_chart->addAxis(m_values, Qt::AlignLeft);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_values);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setAccessibleName(tr("Job chart"));
    m_view->setAccessibleDescription(tr("Stacked bars of finished jobs; click a bar to list its jobs. "
                                        "Export Data writes the same numbers as CSV."));

    m_empty->setText(tr("No jobs finished in this period."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setObjectName(u"emptyChart"_s);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_empty);

    m_syncTimer.setSingleShot(true);
    m_syncTimer.setInterval(0);
    connect(&m_syncTimer, &QTimer::timeout, this, &JobChartView::sync);
    connect(model, &QAbstractItemModel::modelReset, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::layoutChanged, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::dataChanged, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::headerDataChanged, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::rowsInserted, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::columnsInserted, this, &JobChartView::schedule);
    connect(model, &QAbstractItemModel::columnsRemoved, this, &JobChartView::schedule);

    connect(m_series, &QAbstractBarSeries::hovered, this, [this](bool status, int index, QBarSet *set) {
        if (!status) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(), toolTipText(index, int(m_series->barSets().indexOf(set))), m_view);
    });
    connect(m_series, &QAbstractBarSeries::clicked, this, [this](int index, QBarSet *set) {
        const qsizetype column = m_series->barSets().indexOf(set);
        if (index >= 0 && index < m_shownRows.size() && column >= 0 && column < m_shownColumns.size())
            Q_EMIT barClicked(m_shownRows.at(index), m_shownColumns.at(column));
    });
    sync();
}

JobChartView::~JobChartView() = default;

void JobChartView::setTitle(const QString &title)
{
    m_chart->setTitle(title);
    m_view->setAccessibleName(title);
}

void JobChartView::schedule()
{
    m_syncTimer.start();
}

QList<QBarSet *> JobChartView::barSets() const
{
    return m_series->barSets();
}

QColor JobChartView::colorOf(int column) const
{
    if (m_model->grouping() != JobCountsModel::Grouping::ByNodeAndType)
        return QColor(m_model->columnKeys().value(column) == JobCountsModel::Failed ? FailedColor
                                                                                    : SucceededColor);
    return QColor(TypePalette[column % std::size(TypePalette)]);
}

void JobChartView::sync()
{
    m_syncTimer.stop();
    if (!m_model)
        return;
    QStringList labels;
    labels.reserve(m_model->rowCount());
    for (int row = 0; row < m_model->rowCount(); ++row)
        labels << m_model->rowLabel(row);
    if (m_model->rowKeys() != m_shownRows || m_model->columnKeys() != m_shownColumns
        || labels != m_shownLabels) {
        rebuild();
    } else {
        // The same bars: only values that changed are replaced. Each replace() lays the
        // chart out again, so a set with more than a few changes (every one of them when
        // the window slides by a minute) gets all its values at once.
        const QList<QBarSet *> sets = m_series->barSets();
        for (int column = 0; column < sets.size(); ++column) {
            QBarSet *set = sets.at(column);
            QList<qreal> values;
            values.reserve(m_shownRows.size());
            QList<int> changed;
            for (int row = 0; row < m_shownRows.size(); ++row) {
                values << qreal(m_model->count(row, column));
                if (set->at(row) != values.last())
                    changed << row;
            }
            if (changed.size() > FewChanges) {
                set->remove(0, set->count());
                set->append(values);
            } else {
                for (int row : std::as_const(changed))
                    set->replace(row, values.at(row));
            }
        }
    }
    updateRange();
    m_empty->setVisible(m_model->total() == 0);
}

void JobChartView::rebuild()
{
    const bool sameSets =
        m_model->columnKeys() == m_shownColumns && m_series->count() == m_shownColumns.size();
    m_shownRows = m_model->rowKeys();
    m_shownColumns = m_model->columnKeys();
    m_shownLabels.clear();
    for (int row = 0; row < m_shownRows.size(); ++row)
        m_shownLabels << m_model->rowLabel(row);
    const auto valuesOf = [this](int column) {
        QList<qreal> values;
        values.reserve(m_shownRows.size());
        for (int row = 0; row < m_shownRows.size(); ++row)
            values << qreal(m_model->count(row, column));
        return values;
    };
    if (sameSets) {
        // Only the categories changed: the sets (and their legend entries) stay.
        const QList<QBarSet *> sets = m_series->barSets();
        for (int column = 0; column < sets.size(); ++column) {
            QBarSet *set = sets.at(column);
            if (set->count() > 0)
                set->remove(0, set->count());
            set->append(valuesOf(column));
        }
    } else {
        m_series->clear();
        QList<QBarSet *> sets;
        for (int column = 0; column < m_shownColumns.size(); ++column) {
            auto *set = new QBarSet(m_model->columnLabel(column));
            set->setColor(colorOf(column));
            set->setBorderColor(colorOf(column).darker(130));
            set->append(valuesOf(column));
            sets << set;
        }
        m_series->append(sets);
    }
    m_categories->setCategories(m_shownLabels);
    m_chart->legend()->setVisible(!m_shownColumns.isEmpty());
}

void JobChartView::updateRange()
{
    qint64 peak = 0;
    for (int row = 0; row < m_model->rowCount(); ++row)
        peak = qMax(peak, m_model->rowTotal(row));
    // At least 5, so that five steps are whole jobs.
    const qreal top = qMax<qreal>(5, niceCeiling(qreal(peak)));
    if (m_values->min() != 0 || m_values->max() != top)
        m_values->setRange(0, top);
}

QString JobChartView::toolTipText(int row, int column) const
{
    if (!m_model || row < 0 || row >= m_model->rowCount() || column < 0 || column >= m_model->columnCount())
        return {};
    const QLocale locale;
    return tr("<b>%1</b><br>%2: %3 of %4 jobs")
        .arg(m_model->rowLabel(row).toHtmlEscaped(), m_model->columnLabel(column).toHtmlEscaped(),
             locale.toString(m_model->count(row, column)), locale.toString(m_model->rowTotal(row)));
}

QImage JobChartView::image() const
{
    return m_view->grab().toImage();
}

bool JobChartView::savePng(const QString &path, QString *error) const
{
    return ExportFile::writePng(path, image(), error);
}

bool JobChartView::saveCsv(const QString &path, QString *error) const
{
    return ExportFile::writeText(path, m_model ? m_model->toCsv() : QString(), error);
}

} // namespace Cohort
