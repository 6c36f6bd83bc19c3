#include "jobcountsmodel.h"

#include <QCollator>
#include <QLocale>
#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Moves `current` to `wanted` (both ordered lists of unique keys) with remove and insert
// steps a model can signal: removals in runs from the bottom, then insertions in order. A
// key whose place among the survivors changed (a renamed node sorts elsewhere) is removed
// and inserted again.
template<typename Remove, typename Insert>
bool transform(QStringList &current, const QStringList &wanted, Remove remove, Insert insert)
{
    const QSet<QString> wantedSet(wanted.cbegin(), wanted.cend());
    // Survivors must keep their relative order: keep the longest prefix-consistent run.
    QHash<QString, qsizetype> wantedIndex;
    for (qsizetype i = 0; i < wanted.size(); ++i)
        wantedIndex.insert(wanted.at(i), i);
    QSet<QString> keep;
    qsizetype lastIndex = -1;
    for (const QString &key : std::as_const(current)) {
        const auto found = wantedIndex.constFind(key);
        if (found != wantedIndex.cend() && *found > lastIndex) {
            keep.insert(key);
            lastIndex = *found;
        }
    }

    bool changed = false;
    for (qsizetype last = current.size() - 1; last >= 0; --last) {
        if (keep.contains(current.at(last)))
            continue;
        qsizetype first = last;
        while (first > 0 && !keep.contains(current.at(first - 1)))
            --first;
        remove(int(first), int(last), [&] { current.remove(first, last - first + 1); });
        changed = true;
        last = first;
    }
    for (qsizetype i = 0; i < wanted.size(); ++i) {
        if (i < current.size() && current.at(i) == wanted.at(i))
            continue;
        qsizetype end = i;
        while (end < wanted.size() && !keep.contains(wanted.at(end)))
            ++end;
        insert(int(i), int(end - 1), [&] {
            for (qsizetype k = i; k < end; ++k)
                current.insert(k, wanted.at(k));
        });
        changed = true;
        i = end - 1;
    }
    return changed;
}

} // namespace

JobCountsModel::JobCountsModel(Grouping grouping, QObject *parent)
    : QAbstractTableModel(parent)
    , m_grouping(grouping)
{
    if (grouping != Grouping::ByNodeAndType)
        m_columnKeys = {Succeeded, Failed};
}

bool JobCountsModel::setStatistics(const QList<JobCount> &counts, const QList<NodeInfo> &nodes)
{
    QHash<QString, QString> labels;
    QHash<Cell, qint64> values;
    QSet<QString> rows;
    QSet<QString> types;
    const bool byType = m_grouping == Grouping::ByType;
    if (!byType) {
        for (const NodeInfo &node : nodes) {
            if (node.status == NodeStatus::Decommissioned)
                continue;
            rows.insert(node.guid);
            labels.insert(node.guid, node.name);
        }
    }
    for (const JobCount &count : counts) {
        if (count.total() == 0)
            continue;
        const QString &row = byType ? count.jobType : count.nodeGuid;
        rows.insert(row);
        if (!byType && !labels.contains(row))
            labels.insert(row, count.nodeName.isEmpty() ? count.nodeGuid : count.nodeName);
        if (m_grouping == Grouping::ByNodeAndType) {
            types.insert(count.jobType);
            values[{row, count.jobType}] += count.total();
        } else {
            if (count.succeeded != 0)
                values[{row, Succeeded}] += count.succeeded;
            if (count.failed != 0)
                values[{row, Failed}] += count.failed;
        }
    }

    QCollator collator;
    collator.setNumericMode(true);
    collator.setCaseSensitivity(Qt::CaseInsensitive);
    QStringList rowKeys(rows.cbegin(), rows.cend());
    std::sort(rowKeys.begin(), rowKeys.end(), [&](const QString &a, const QString &b) {
        const int order =
            byType ? collator.compare(a, b) : collator.compare(labels.value(a), labels.value(b));
        return order != 0 ? order < 0 : a < b;
    });

    bool changed = false;
    if (m_grouping == Grouping::ByNodeAndType) {
        QStringList columnKeys(types.cbegin(), types.cend());
        std::sort(columnKeys.begin(), columnKeys.end(), [&](const QString &a, const QString &b) {
            const int order = collator.compare(a, b);
            return order != 0 ? order < 0 : a < b;
        });
        changed |= applyColumns(columnKeys);
    }
    // New rows come with their labels; labels of rows that stay change below.
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        if (!m_rowLabels.contains(it.key()))
            m_rowLabels.insert(it.key(), it.value());
    }
    changed |= applyRows(rowKeys);

    // Labels and values in place.
    for (int row = 0; row < m_rowKeys.size(); ++row) {
        const QString &key = m_rowKeys.at(row);
        if (!byType && m_rowLabels.value(key) != labels.value(key)) {
            m_rowLabels.insert(key, labels.value(key));
            Q_EMIT headerDataChanged(Qt::Vertical, row, row);
            changed = true;
        }
    }
    if (byType)
        m_rowLabels.clear();
    else
        m_rowLabels = labels;

    int top = -1, bottom = -1, left = -1, right = -1;
    for (int row = 0; row < m_rowKeys.size(); ++row) {
        for (int column = 0; column < m_columnKeys.size(); ++column) {
            const Cell cell{m_rowKeys.at(row), m_columnKeys.at(column)};
            if (m_counts.value(cell) == values.value(cell))
                continue;
            top = top < 0 ? row : qMin(top, row);
            bottom = qMax(bottom, row);
            left = left < 0 ? column : qMin(left, column);
            right = qMax(right, column);
        }
    }
    m_counts = std::move(values);
    if (top >= 0) {
        Q_EMIT dataChanged(index(top, left), index(bottom, right), {Qt::DisplayRole, CountRole});
        changed = true;
    }
    return changed;
}

bool JobCountsModel::applyRows(const QStringList &keys)
{
    return transform(
        m_rowKeys, keys,
        [this](int first, int last, auto apply) {
            beginRemoveRows({}, first, last);
            apply();
            endRemoveRows();
        },
        [this](int first, int last, auto apply) {
            beginInsertRows({}, first, last);
            apply();
            endInsertRows();
        });
}

bool JobCountsModel::applyColumns(const QStringList &keys)
{
    return transform(
        m_columnKeys, keys,
        [this](int first, int last, auto apply) {
            beginRemoveColumns({}, first, last);
            apply();
            endRemoveColumns();
        },
        [this](int first, int last, auto apply) {
            beginInsertColumns({}, first, last);
            apply();
            endInsertColumns();
        });
}

QString JobCountsModel::rowLabel(int row) const
{
    if (row < 0 || row >= m_rowKeys.size())
        return {};
    const QString &key = m_rowKeys.at(row);
    return m_grouping == Grouping::ByType ? key : m_rowLabels.value(key, key);
}

QString JobCountsModel::columnLabel(int column) const
{
    if (column < 0 || column >= m_columnKeys.size())
        return {};
    const QString &key = m_columnKeys.at(column);
    if (m_grouping == Grouping::ByNodeAndType)
        return key;
    return key == Succeeded ? tr("Succeeded", "column heading") : tr("Failed", "column heading");
}

qint64 JobCountsModel::count(int row, int column) const
{
    if (row < 0 || row >= m_rowKeys.size() || column < 0 || column >= m_columnKeys.size())
        return 0;
    return m_counts.value({m_rowKeys.at(row), m_columnKeys.at(column)});
}

qint64 JobCountsModel::count(const QString &rowKey, const QString &columnKey) const
{
    return m_counts.value({rowKey, columnKey});
}

qint64 JobCountsModel::rowTotal(int row) const
{
    qint64 sum = 0;
    for (int column = 0; column < m_columnKeys.size(); ++column)
        sum += count(row, column);
    return sum;
}

qint64 JobCountsModel::total() const
{
    qint64 sum = 0;
    for (qint64 value : m_counts)
        sum += value;
    return sum;
}

QString JobCountsModel::rowTitle() const
{
    return m_grouping == Grouping::ByType ? tr("Job type") : tr("Node");
}

QString JobCountsModel::csvField(const QString &text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') && !text.contains(u'\r'))
        return text;
    QString quoted = text;
    quoted.replace(u"\""_s, u"\"\""_s);
    return u'"' + quoted + u'"';
}

QString JobCountsModel::toCsv() const
{
    QStringList header{csvField(rowTitle())};
    for (int column = 0; column < m_columnKeys.size(); ++column)
        header << csvField(columnLabel(column));
    header << csvField(tr("Total"));
    QString csv = header.join(u',') + u"\r\n"_s;
    for (int row = 0; row < m_rowKeys.size(); ++row) {
        QStringList line{csvField(rowLabel(row))};
        for (int column = 0; column < m_columnKeys.size(); ++column)
            line << QString::number(count(row, column));
        line << QString::number(rowTotal(row));
        csv += line.join(u',') + u"\r\n"_s;
    }
    return csv;
}

int JobCountsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rowKeys.size());
}

int JobCountsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columnKeys.size());
}

QVariant JobCountsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return QLocale().toString(count(index.row(), index.column()));
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case CountRole:
        return count(index.row(), index.column());
    case RowKeyRole:
        return m_rowKeys.at(index.row());
    case ColumnKeyRole:
        return m_columnKeys.at(index.column());
    default:
        return {};
    }
}

QVariant JobCountsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return orientation == Qt::Horizontal ? columnLabel(section) : rowLabel(section);
}

} // namespace Cohort
