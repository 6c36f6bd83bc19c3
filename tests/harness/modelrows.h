// For tests of table models: finding a row by the text of one column, and a cell of it.
// Header-only; Qt Core alone.
#pragma once

#include <QAbstractItemModel>
#include <QString>

namespace Cohort::Test {

// The first row whose column shows text, or -1.
inline int rowOf(const QAbstractItemModel *model, int column, const QString &text)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, column).data().toString() == text)
            return row;
    }
    return -1;
}

// What column shows in the first row whose keyColumn shows key; empty when there is none.
inline QString cellOf(const QAbstractItemModel *model, int keyColumn, const QString &key, int column)
{
    const int row = rowOf(model, keyColumn, key);
    return row < 0 ? QString() : model->index(row, column).data().toString();
}

} // namespace Cohort::Test
