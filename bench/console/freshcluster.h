// FreshCluster: one benchmark run's own cluster, made by the real Cluster::create through
// TestCluster in a new database on the harness's private PostgreSQL server, or in a new
// SQLite file, and seeded. Everything is removed when it goes, after every connection to it
// is closed.
#pragma once

#include "database.h"
#include "databaseurl.h"
#include "result.h"
#include "seed.h"

#include <memory>

namespace Cohort::Test {
class PostgresServer;
class TestCluster;
} // namespace Cohort::Test

namespace Cohort::Bench {

class FreshCluster
{
public:
    // server is only used for Backend::Postgres; label names the database. Seeds it as
    // plan says, then on PostgreSQL runs ANALYZE (what autovacuum has long done in a
    // cluster that has been running for a while), and says what it made.
    static Result<std::unique_ptr<FreshCluster>> create(Backend backend, Test::PostgresServer *server,
                                                        const QString &label, const SeedPlan &plan);
    ~FreshCluster();
    FreshCluster(const FreshCluster &) = delete;
    FreshCluster &operator=(const FreshCluster &) = delete;

    QString url() const;
    Database &database();                                   // this thread's connection
    QString postgresName() const { return m_postgresName; } // empty on SQLite
    const Seed &seed() const { return m_seed; }

private:
    FreshCluster() = default;

    Test::PostgresServer *m_server = nullptr;
    QString m_postgresName;
    std::unique_ptr<Test::TestCluster> m_cluster;
    Seed m_seed;
};

} // namespace Cohort::Bench
