#include "privatecluster.h"

#include <QTest>

namespace Cohort::Test {

Result<std::unique_ptr<PrivateCluster>> PrivateCluster::start(const QString &label,
                                                              PostgresServer::Durability durability)
{
    std::unique_ptr<PrivateCluster> made(new PrivateCluster);
    auto server = PostgresServer::start(durability);
    if (!server)
        return server.error();
    made->m_server = std::move(server).value();
    auto name = made->m_server->createDatabase(label);
    if (!name)
        return name.error();
    made->m_databaseName = *name;
    auto cluster = TestCluster::createAt(made->m_server->url(*name), label);
    if (!cluster)
        return cluster.error();
    made->m_cluster = std::move(cluster).value();
    return made;
}

PrivateCluster::~PrivateCluster()
{
    if (m_cluster && QTest::currentTestFailed())
        m_cluster->printNodeOutput(60);
    m_cluster.reset(); // the nodes, before the server they use goes
    m_server.reset();
}

} // namespace Cohort::Test
