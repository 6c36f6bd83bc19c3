#include "managerdirectory.h"

#include "nodelogging.h"

using namespace Qt::StringLiterals;

namespace Cohort {

ManagerDirectory::ManagerDirectory(Database &database, Publish publish, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_publish(std::move(publish))
{
    m_timer.setInterval(RefreshMs);
    connect(&m_timer, &QTimer::timeout, this, &ManagerDirectory::refresh);
}

void ManagerDirectory::start()
{
    m_timer.start();
}

void ManagerDirectory::stop()
{
    m_timer.stop();
}

bool ManagerDirectory::refresh()
{
    auto fail = [this](const QString &message) {
        if (!m_failing)
            qCWarning(lcAgents).noquote()
                << "cannot read the manager list; agents keep the last one:" << message;
        m_failing = true;
        return false;
    };
    auto read = ManagerList::read(m_database);
    if (!read)
        return fail(read.message());
    if (m_failing)
        qCInfo(lcAgents) << "the manager list can be read again";
    m_failing = false;

    const ManagerList list = std::move(read).value();
    if (list.version == m_version)
        return true;
    m_version = list.version;
    qCInfo(lcAgents).noquote() << u"manager list version %1: %2"_s.arg(
        list.version,
        list.loadBalancer.isEmpty()
            ? list.managers().join(u", "_s)
            : u"load balancer %1 for %2 online nodes"_s.arg(list.loadBalancer).arg(list.online.size()));
    m_publish(list);
    return true;
}

} // namespace Cohort
