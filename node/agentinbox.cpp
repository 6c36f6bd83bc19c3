#include "agentinbox.h"

namespace Cohort {

bool AgentInbox::add(const AgentCheckin &checkin)
{
    std::lock_guard locker(m_mutex);
    auto found = m_waiting.find(checkin.guid);
    if (found == m_waiting.end()) {
        if (m_waiting.size() >= m_capacity)
            return false;
        m_waiting.insert(checkin.guid, checkin);
        return true;
    }
    const qint64 count = found->count + checkin.count;
    *found = checkin;
    found->count = count;
    return true;
}

QList<AgentCheckin> AgentInbox::take()
{
    QHash<QString, AgentCheckin> taken;
    {
        std::lock_guard locker(m_mutex);
        taken.swap(m_waiting);
    }
    return taken.values();
}

void AgentInbox::putBack(const QList<AgentCheckin> &batch)
{
    std::lock_guard locker(m_mutex);
    for (const AgentCheckin &old : batch) {
        auto found = m_waiting.find(old.guid);
        if (found == m_waiting.end()) {
            // Put back even past the capacity: these were accepted already.
            m_waiting.insert(old.guid, old);
        } else {
            found->count += old.count; // what arrived since is newer; keep it, add the count
        }
    }
}

qsizetype AgentInbox::pending() const
{
    std::lock_guard locker(m_mutex);
    return m_waiting.size();
}

} // namespace Cohort
