#include "texttable.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int ColumnGap = 2;

// One line per row, whatever the database holds: no line breaks, tabs or escape
// sequences reach the terminal.
QString printable(QString cell)
{
    for (QChar &c : cell) {
        if (c.category() == QChar::Other_Control)
            c = u' ';
    }
    return cell;
}

} // namespace

TextTable::TextTable(QStringList headers)
    : m_headers(std::move(headers))
    , m_rightAligned(m_headers.size(), false)
{}

void TextTable::alignRight(int column)
{
    if (column >= 0 && column < m_rightAligned.size())
        m_rightAligned[column] = true;
}

void TextTable::addRow(const QStringList &cells)
{
    QStringList row;
    row.reserve(m_headers.size());
    for (qsizetype i = 0; i < m_headers.size(); ++i)
        row << printable(cells.value(i));
    m_rows.append(row);
}

void TextTable::print(QTextStream &out) const
{
    QList<qsizetype> widths;
    for (const QString &header : m_headers)
        widths << header.size();
    for (const QStringList &row : m_rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], row.at(i).size());
    }
    auto printRow = [&](const QStringList &cells) {
        QString line;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            if (i > 0)
                line += QString(ColumnGap, u' ');
            const int width = int(widths.at(i));
            line +=
                m_rightAligned.at(i) ? cells.at(i).rightJustified(width) : cells.at(i).leftJustified(width);
        }
        while (line.endsWith(u' '))
            line.chop(1);
        out << line << u'\n';
    };
    printRow(m_headers);
    for (const QStringList &row : m_rows)
        printRow(row);
    out.flush();
}

} // namespace Cohort
