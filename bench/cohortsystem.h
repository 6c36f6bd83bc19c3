// Cohort itself as a system under test in the side-by-side benchmark: a cluster made by
// the real Cluster::create in a fresh database, real cohort-node processes with the
// node's default settings, jobs submitted with JobPool::submit.
#pragma once

#include "benchsystem.h"

namespace Cohort::Bench {

class CohortSystem : public System
{
public:
    QString name() const override;
    QString variant() const override { return {}; }
    bool supportsPostgres() const override { return true; }
    bool supportsSqlite() const override { return true; }
    Result<std::unique_ptr<SystemRun>> open(const Place &place) override;
};

} // namespace Cohort::Bench
