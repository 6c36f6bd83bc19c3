#include "freshcluster.h"

#include "benchsupport.h"
#include "postgresserver.h"
#include "testcluster.h"

#include <QElapsedTimer>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

Result<std::unique_ptr<FreshCluster>> FreshCluster::create(Backend backend, Test::PostgresServer *server,
                                                           const QString &label, const SeedPlan &plan)
{
    QElapsedTimer clock;
    clock.start();
    std::unique_ptr<FreshCluster> fresh(new FreshCluster);
    if (backend == Backend::Postgres) {
        auto name = server->createDatabase(label);
        if (!name)
            return name.error();
        fresh->m_server = server;
        fresh->m_postgresName = *name;
        auto created = Test::TestCluster::createAt(server->url(*name), label);
        if (!created)
            return created.error();
        fresh->m_cluster = std::move(created).value();
    } else {
        auto created = Test::TestCluster::create(Backend::Sqlite, label);
        if (!created)
            return created.error();
        fresh->m_cluster = std::move(created).value();
    }
    auto seeded = seedCluster(fresh->database(), plan);
    if (!seeded)
        return seeded.error();
    fresh->m_seed = std::move(seeded).value();
    if (backend == Backend::Postgres) {
        if (auto analyzed = fresh->database().exec(u"ANALYZE"_s); !analyzed)
            return analyzed.error();
    }
    say(u"    cluster: %1 (set up in %2 s)"_s.arg(fresh->m_seed.describe(),
                                                  formatNumber(double(clock.elapsed()) / 1000, 1)));
    return fresh;
}

FreshCluster::~FreshCluster()
{
    m_cluster.reset();
    if (m_server && !m_postgresName.isEmpty())
        (void)m_server->dropDatabase(m_postgresName);
}

QString FreshCluster::url() const
{
    return m_cluster->url();
}

Database &FreshCluster::database()
{
    return m_cluster->database();
}

} // namespace Cohort::Bench
