// TextTable: rows of text printed as columns aligned on their widest cell, for the
// plain (not --json) output of the listing commands.
#pragma once

#include <QList>
#include <QStringList>
#include <QTextStream>

namespace Cohort {

class TextTable
{
public:
    explicit TextTable(QStringList headers);

    // Numbers read better aligned on their last digit.
    void alignRight(int column);
    // A row of cells; control characters (a line break in an error) print as spaces.
    void addRow(const QStringList &cells);
    bool isEmpty() const { return m_rows.isEmpty(); }

    void print(QTextStream &out) const;

private:
    QStringList m_headers;
    QList<QStringList> m_rows;
    QList<bool> m_rightAligned;
};

} // namespace Cohort
