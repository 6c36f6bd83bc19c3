// AgentInbox: the check-ins a node has answered and not yet written, one entry per agent
// (the latest of what it said, and how many check-ins it stands for). The API's threads
// add, the agent recorder takes a batch; bounded, so a flood of made-up GUIDs while the
// database is slow cannot grow it without end.
#pragma once

#include "agents.h"

#include <QHash>

#include <mutex>

namespace Cohort {

class AgentInbox
{
public:
    static constexpr qsizetype DefaultCapacity = 100000;
    explicit AgentInbox(qsizetype capacity = DefaultCapacity)
        : m_capacity(capacity)
    {}

    // False when the inbox is full and this agent is not in it yet: the check-in is not
    // taken (the agent is told to come back later).
    bool add(const AgentCheckin &checkin);
    // Everything waiting, in no particular order; the inbox is empty afterwards.
    QList<AgentCheckin> take();
    // Puts back a batch that could not be written, under what arrived since.
    void putBack(const QList<AgentCheckin> &batch);
    qsizetype pending() const;

private:
    const qsizetype m_capacity;
    mutable std::mutex m_mutex;
    QHash<QString, AgentCheckin> m_waiting;
};

} // namespace Cohort
