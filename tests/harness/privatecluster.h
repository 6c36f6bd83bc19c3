// PrivateCluster: a TestCluster in a database on a PostgreSQL server of its own, for
// tests that crash, restart, replicate or front the server without disturbing the shared
// one. Torn down in order: the nodes (their last output printed first when the current
// test failed), then the server.
#pragma once

#include "postgresserver.h"
#include "result.h"
#include "testcluster.h"

#include <memory>

namespace Cohort::Test {

class PrivateCluster
{
public:
    static Result<std::unique_ptr<PrivateCluster>>
    start(const QString &label, PostgresServer::Durability durability = PostgresServer::Durability::Fast);
    ~PrivateCluster();
    PrivateCluster(const PrivateCluster &) = delete;
    PrivateCluster &operator=(const PrivateCluster &) = delete;

    PostgresServer &server() { return *m_server; }
    TestCluster &cluster() { return *m_cluster; }
    QString databaseName() const { return m_databaseName; }

private:
    PrivateCluster() = default;

    std::unique_ptr<PostgresServer> m_server;
    QString m_databaseName;
    std::unique_ptr<TestCluster> m_cluster;
};

} // namespace Cohort::Test
