// KeyedTableModel: a table model over rows that have a stable key. A new snapshot is
// applied as a diff: rows that vanished are removed, rows that changed emit dataChanged,
// new rows are appended. Views keep their selection and scroll position, which a model
// reset on every refresh would lose.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace Cohort {

template<typename Row, typename Key>
class KeyedTableModel : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }

    const QList<Row> &rows() const { return m_rows; }
    const Row &rowAt(int row) const { return m_rows.at(row); }

    // The row with this key, or -1.
    int rowOf(const Key &key) const
    {
        for (int i = 0; i < m_rows.size(); ++i) {
            if (keyOf(m_rows.at(i)) == key)
                return i;
        }
        return -1;
    }

    // Applies a snapshot. Returns whether anything changed.
    bool applySnapshot(const QList<Row> &snapshot)
    {
        QHash<Key, qsizetype> incoming;
        incoming.reserve(snapshot.size());
        for (qsizetype i = 0; i < snapshot.size(); ++i)
            incoming.insert(keyOf(snapshot.at(i)), i);

        bool changed = false;
        // Removals, bottom up, one signal per contiguous run.
        for (qsizetype last = m_rows.size() - 1; last >= 0; --last) {
            if (incoming.contains(keyOf(m_rows.at(last))))
                continue;
            qsizetype first = last;
            while (first > 0 && !incoming.contains(keyOf(m_rows.at(first - 1))))
                --first;
            beginRemoveRows({}, int(first), int(last));
            m_rows.remove(first, last - first + 1);
            endRemoveRows();
            changed = true;
            last = first;
        }

        // Updates in place, one dataChanged per contiguous run of changed rows.
        QHash<Key, qsizetype> present;
        present.reserve(m_rows.size());
        qsizetype runStart = -1;
        const auto flush = [&](qsizetype end) {
            if (runStart >= 0) {
                Q_EMIT this->dataChanged(this->index(int(runStart), 0),
                                         this->index(int(end - 1), this->columnCount() - 1));
                runStart = -1;
            }
        };
        for (qsizetype i = 0; i < m_rows.size(); ++i) {
            const Key key = keyOf(m_rows.at(i));
            present.insert(key, i);
            const Row &fresh = snapshot.at(incoming.value(key));
            if (fresh == m_rows.at(i)) {
                flush(i);
                continue;
            }
            m_rows[i] = fresh;
            changed = true;
            if (runStart < 0)
                runStart = i;
        }
        flush(m_rows.size());

        // Insertions at the end, in snapshot order (a proxy model sorts them).
        QList<Row> added;
        for (const Row &row : snapshot) {
            if (!present.contains(keyOf(row)))
                added.append(row);
        }
        if (!added.isEmpty()) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size() - 1));
            m_rows.append(added);
            endInsertRows();
            changed = true;
        }
        return changed;
    }

protected:
    virtual Key keyOf(const Row &row) const = 0;

private:
    QList<Row> m_rows;
};

} // namespace Cohort
