// The agent check-in benchmark: three real nodes on the private PostgreSQL server (its
// durable defaults) answer simulated agents (cohort-agents), each check-in over a new TLS
// connection, while the job pool keeps running; offered rates from 500 to 2,000 a second.
#pragma once

#include "benchsupport.h"

namespace Cohort::Test {
class PostgresServer;
}

namespace Cohort::Bench {

struct Settings;

QList<Measurement> agentCheckins(Test::PostgresServer &server, const Settings &settings);

} // namespace Cohort::Bench
