#include "managerdirectory.h"

#include "nodelogging.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString SelectNodes =
    u"SELECT guid, name, api_address, COALESCE(cert_sha256, ''), state, COALESCE(incarnation, '') FROM nodes"_s;
const QString SelectLoadBalancer = u"SELECT value FROM cluster_settings WHERE name = ?"_s;
const QString LoadBalancerSetting = u"agents.load_balancer_address"_s;

} // namespace

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
            qCWarning(lcAgents).noquote() << "cannot read the manager list; agents keep the last one:" << message;
        m_failing = true;
        return false;
    };
    auto nodes = m_database.exec(SelectNodes, {}, tr("reading the managers for agents"));
    if (!nodes)
        return fail(nodes.message());
    QList<ManagerEntry> online;
    QStringList registered;
    QStringList decommissioned;
    while (nodes->next()) {
        const QString guid = nodes->value(0).toString();
        const QString state = nodes->value(4).toString();
        if (state == u"decommissioned"_s) {
            decommissioned << guid;
            continue;
        }
        registered << guid;
        if (state == u"online"_s) {
            online.append({guid, nodes->value(1).toString(), nodes->value(2).toString(), nodes->value(3).toString(),
                           nodes->value(5).toString()});
        }
    }
    nodes->finish();
    auto balancer = m_database.exec(SelectLoadBalancer, {LoadBalancerSetting}, tr("reading the load balancer address"));
    if (!balancer)
        return fail(balancer.message());
    const QString loadBalancer = balancer->next() ? balancer->value(0).toString().trimmed() : QString();
    balancer->finish();
    if (m_failing)
        qCInfo(lcAgents) << "the manager list can be read again";
    m_failing = false;

    const ManagerList list = ManagerList::make(std::move(online), std::move(registered), std::move(decommissioned),
                                               loadBalancer);
    if (list.version == m_version)
        return true;
    m_version = list.version;
    qCInfo(lcAgents).noquote() << u"manager list version %1: %2"_s.arg(
        list.version, list.loadBalancer.isEmpty() ? list.managers().join(u", "_s)
                                                  : u"load balancer %1 for %2 online nodes"_s.arg(list.loadBalancer)
                                                        .arg(list.online.size()));
    m_publish(list);
    return true;
}

} // namespace Cohort
