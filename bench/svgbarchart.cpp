#include "svgbarchart.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr int Width = 960;
constexpr int LabelWidth = 300; // system names, right-aligned against the plot
constexpr int PlotLeft = LabelWidth + 10;
constexpr int PlotWidth = 480;
constexpr int BarHeight = 16;
constexpr int RowHeight = 24;
constexpr int PanelGap = 28;

QString number(double value)
{
    return QLocale::c().toString(value, 'f', 0);
}

QString decadeLabel(int decade)
{
    const double value = std::pow(10.0, decade);
    if (decade >= 6)
        return number(value / 1e6) + u"M"_s;
    if (decade >= 3)
        return number(value / 1e3) + u"k"_s;
    if (decade >= 0)
        return number(value);
    return QLocale::c().toString(value, 'g', 1);
}

} // namespace

SvgBarChart::SvgBarChart(QString title)
    : m_title(std::move(title))
{}

void SvgBarChart::addPanel(Panel panel)
{
    m_panels.append(std::move(panel));
}

QString SvgBarChart::render() const
{
    QString body;
    int y = 52;
    bool anything = false;
    for (const Panel &panel : m_panels) {
        double smallest = 0;
        double largest = 0;
        for (const Bar &bar : panel.bars) {
            if (bar.median <= 0)
                continue;
            const double low = bar.low > 0 ? std::min(bar.low, bar.median) : bar.median;
            smallest = smallest == 0 ? low : std::min(smallest, low);
            largest = std::max({largest, bar.median, bar.high});
        }
        if (largest <= 0)
            continue;
        anything = true;
        const int first = int(std::floor(std::log10(smallest)));
        const int last = std::max(first + 1, int(std::ceil(std::log10(largest))));
        const auto x = [&](double value) {
            return PlotLeft + (std::log10(value) - first) / double(last - first) * PlotWidth;
        };

        body +=
            u"<text x=\"10\" y=\"%1\" class=\"panel\">%2</text>\n"_s.arg(y).arg(panel.title.toHtmlEscaped());
        y += 18;
        if (!panel.note.isEmpty()) {
            body += u"<text x=\"10\" y=\"%1\" class=\"note\">%2</text>\n"_s.arg(y).arg(
                panel.note.toHtmlEscaped());
            y += 10;
        }
        const int top = y;
        const int bottom = top + int(panel.bars.size()) * RowHeight + 6;
        for (int decade = first; decade <= last; ++decade) {
            const double at = x(std::pow(10.0, decade));
            body += u"<line x1=\"%1\" y1=\"%2\" x2=\"%1\" y2=\"%3\" class=\"grid\"/>\n"_s.arg(at, 0, 'f', 1)
                        .arg(top)
                        .arg(bottom);
            body += u"<text x=\"%1\" y=\"%2\" class=\"axis\">%3</text>\n"_s.arg(at, 0, 'f', 1)
                        .arg(bottom + 14)
                        .arg(decadeLabel(decade));
        }
        int row = top + 6;
        for (const Bar &bar : panel.bars) {
            const int middle = row + BarHeight / 2;
            body += u"<text x=\"%1\" y=\"%2\" class=\"label%3\">%4</text>\n"_s.arg(LabelWidth)
                        .arg(middle + 4)
                        .arg(bar.highlighted ? u" strong"_s : QString())
                        .arg(bar.label.toHtmlEscaped());
            double end = PlotLeft;
            if (bar.median > 0) {
                end = x(bar.median);
                body += u"<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" class=\"%5\"/>\n"_s.arg(PlotLeft)
                            .arg(row)
                            .arg(std::max(1.0, end - PlotLeft), 0, 'f', 1)
                            .arg(BarHeight)
                            .arg(bar.highlighted ? u"cohort"_s : u"peer"_s);
                if (bar.low > 0 && bar.high > bar.low) {
                    const double from = x(bar.low);
                    const double to = x(bar.high);
                    body += u"<line x1=\"%1\" y1=\"%3\" x2=\"%2\" y2=\"%3\" class=\"whisker\"/>\n"_s
                                .arg(from, 0, 'f', 1)
                                .arg(to, 0, 'f', 1)
                                .arg(middle);
                    end = std::max(end, to);
                }
            }
            body += u"<text x=\"%1\" y=\"%2\" class=\"value\">%3</text>\n"_s.arg(end + 6, 0, 'f', 1)
                        .arg(middle + 4)
                        .arg(bar.text.toHtmlEscaped());
            row += RowHeight;
        }
        y = bottom + 14 + PanelGap;
    }
    if (!anything)
        return {};
    const int height = y - PanelGap + 10;
    QString svg =
        u"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" viewBox=\"0 0 %1 %2\" "
        "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"_s.arg(Width)
            .arg(height);
    svg += u"<style>\n"
           ".title{font-size:16px;font-weight:bold;fill:#222}\n"
           ".panel{font-size:14px;font-weight:bold;fill:#222}\n"
           ".note{font-size:11px;fill:#555}\n"
           ".label{font-size:12px;fill:#222;text-anchor:end}\n"
           ".strong{font-weight:bold}\n"
           ".value{font-size:11px;fill:#333}\n"
           ".axis{font-size:10px;fill:#666;text-anchor:middle}\n"
           ".grid{stroke:#ddd;stroke-width:1}\n"
           ".cohort{fill:#2a6fb0}\n"
           ".peer{fill:#9aa5b1}\n"
           ".whisker{stroke:#222;stroke-width:1.5}\n"
           "</style>\n"
           "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"_s;
    svg += u"<text x=\"10\" y=\"22\" class=\"title\">%1</text>\n"_s.arg(m_title.toHtmlEscaped());
    svg += body;
    svg += u"</svg>\n"_s;
    return svg;
}

} // namespace Cohort::Bench
