// ManagerDirectory: keeps the node API's manager list (ManagerList) current. Every second,
// on the node's agents thread with its own connection, it reads which nodes are online,
// their API addresses and certificate fingerprints, which are registered, and the load
// balancer address, and hands a changed list to the API, which answers every agent
// check-in from it without a query. While the database cannot be read the last list
// stays in force: agents keep being told where the managers were.
#pragma once

#include "database.h"
#include "managerlist.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace Cohort {

class ManagerDirectory : public QObject
{
    Q_OBJECT

public:
    using Publish = std::function<void(const ManagerList &)>;
    static constexpr int RefreshMs = 1000;

    ManagerDirectory(Database &database, Publish publish, QObject *parent = nullptr);

    // Reads once on the calling thread and returns whether the list could be read; the
    // node calls it before it listens for agents, so the first answer carries a list.
    bool refresh();
    // On the agents thread: refreshes every RefreshMs from here on.
    void start();
    void stop();

private:
    Database &m_database;
    const Publish m_publish;
    QTimer m_timer{this};
    QString m_version;
    bool m_failing = false;
};

} // namespace Cohort
