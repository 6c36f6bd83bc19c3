// SvgBarChart: panels of horizontal bars on a logarithmic axis, written as a standalone
// SVG file, for the side-by-side figures in docs/BENCHMARKS.md. The peers' figures span
// four orders of magnitude (a few jobs a second to tens of thousands), so a linear axis
// would hide all but the fastest; each bar is labelled with its value, and the median's
// bar has a whisker from the lowest to the highest run.
#pragma once

#include <QList>
#include <QString>

namespace Cohort::Bench {

class SvgBarChart
{
public:
    struct Bar
    {
        QString label;
        double median = 0;
        double low = 0;  // the lowest run
        double high = 0; // the highest run
        QString text;    // printed after the bar (the value, and a mark when it needs a note)
        bool highlighted = false;
    };
    struct Panel
    {
        QString title;
        QString note; // under the title: what is better
        QList<Bar> bars;
    };

    explicit SvgBarChart(QString title);
    void addPanel(Panel panel);
    // The SVG document; empty when no panel has a bar above zero.
    QString render() const;

private:
    QString m_title;
    QList<Panel> m_panels;
};

} // namespace Cohort::Bench
