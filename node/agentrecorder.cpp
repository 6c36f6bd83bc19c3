#include "agentrecorder.h"

#include "nodekeyring.h"
#include "nodelogging.h"
#include "nodemetrics.h"

namespace Cohort {

AgentRecorder::AgentRecorder(Database &database, const NodeKeyring &keyring, QString nodeGuid,
                             AgentInbox &inbox, NodeMetrics &metrics, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_keyring(keyring)
    , m_nodeGuid(std::move(nodeGuid))
    , m_inbox(inbox)
    , m_metrics(metrics)
{
    m_timer.setInterval(FlushMs);
    connect(&m_timer, &QTimer::timeout, this, &AgentRecorder::flush);
}

void AgentRecorder::start()
{
    m_timer.start();
}

void AgentRecorder::stop()
{
    m_timer.stop();
    flush();
}

void AgentRecorder::flush()
{
    const QList<AgentCheckin> batch = m_inbox.take();
    if (batch.isEmpty()) {
        m_metrics.setCheckinsPending(0);
        return;
    }
    const std::optional<NodeKeyring::HeldKey> held = m_keyring.dataKey();
    Result<void> written =
        held ? m_database.write([&](QSqlDatabase &db) {
            return Agents::record(db, m_database.dialect(), held->key, held->context, m_nodeGuid, batch);
        })
             : Result<void>(makeError(ErrorCode::Unavailable, tr("the node holds no data key")));
    if (!written) {
        m_inbox.putBack(batch);
        m_metrics.setCheckinsPending(m_inbox.pending());
        if (!m_failing) {
            qCWarning(lcAgents).noquote() << "cannot record" << batch.size()
                                          << "agents' check-ins; keeping them to retry:" << written.message();
        }
        m_failing = true;
        return;
    }
    if (m_failing)
        qCInfo(lcAgents) << "agents' check-ins are recorded again";
    m_failing = false;
    qint64 count = 0;
    for (const AgentCheckin &checkin : batch)
        count += checkin.count;
    m_metrics.checkinsRecorded(count);
    m_metrics.setCheckinsPending(m_inbox.pending());
}

} // namespace Cohort
