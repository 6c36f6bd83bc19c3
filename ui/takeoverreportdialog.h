// TakeoverReportDialog: what happened to the work of a node its peers declared Offline.
// The header gives the node, the peer that marked it and why, and the times from its
// last heartbeat to the mark, to the first reclaim and to the last completion, with the
// gaps; the table lists every job it held: what it was returned as, its state now, the
// node that ran it afterwards, when that claimed it and when it finished. Read through
// ClusterWorker (by takeover id, or the node's takeover closest to an alert's time).
#pragma once

#include "takeovers.h"

#include <QDialog>

class QLabel;
class QTableView;

namespace Cohort {

class ClusterClient;
class TakeoverJobsModel;

class TakeoverReportDialog : public QDialog
{
    Q_OBJECT

public:
    // The report of one takeover.
    TakeoverReportDialog(ClusterClient &client, qint64 takeoverId, QWidget *parent = nullptr);
    // The node's takeover whose mark is closest to atMs (a node-offline alert's raisedAt).
    TakeoverReportDialog(ClusterClient &client, const QString &nodeGuid, qint64 atMs,
                         QWidget *parent = nullptr);

    bool isLoaded() const { return m_loaded; }
    const Takeover &takeover() const { return m_takeover; }
    TakeoverJobsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString errorText() const;
    // A header value by object name: node, markedBy, reason, lastHeartbeat, markedAt,
    // firstReclaim, lastFinished, jobs.
    QString headerValue(const QString &field) const;

    // "12.3 s", the gap between two database times; a dash when either is missing.
    static QString gapText(qint64 fromMs, qint64 toMs);

Q_SIGNALS:
    void loaded(bool ok);

private:
    TakeoverReportDialog(ClusterClient &client, QWidget *parent);
    void takeoverRead(quint64 requestId, bool ok, const Takeover &takeover, const QString &error);

    ClusterClient &m_client;
    quint64 m_request = 0;
    bool m_loaded = false;
    Takeover m_takeover;
    TakeoverJobsModel *m_model;
    QTableView *m_view;
    QHash<QString, QLabel *> m_values;
    QLabel *m_error;
};

} // namespace Cohort
