// A peer job system as a system under test: a folder under bench/peers/ whose runner the
// benchmark starts for every step (bench/peers/README.md has the contract), one variant
// of it (its defaults, or its documented batching).
#pragma once

#include "benchsystem.h"

#include <QJsonObject>

namespace Cohort::Bench {

class PeerSystem : public System
{
public:
    // Every variant of the peer in folder; an error names what is wrong with its peer.json.
    // buildDir: where its install script put what it built (COHORT_PEERS_BUILD).
    static Result<QList<std::shared_ptr<PeerSystem>>> load(const QString &folder, const QString &buildDir);

    QString name() const override;
    QString variant() const override { return m_variant; }
    QString variantText() const;
    QString language() const;
    int jobsFor(int requested) const override;
    QString maxJobsWhy() const override;
    bool supportsPostgres() const override { return !remainingSql(QStringLiteral("postgres")).isEmpty(); }
    bool supportsSqlite() const override { return !remainingSql(QStringLiteral("sqlite")).isEmpty(); }
    Result<std::unique_ptr<SystemRun>> open(const Place &place) override;

    QString folder() const { return m_folder; }
    QString runner() const;
    QString buildDir() const { return m_buildDir; }
    QString remainingSql(const QString &backend) const;

private:
    PeerSystem() = default;

    QString m_folder;
    QString m_buildDir;
    QString m_variant;
    QJsonObject m_manifest;
};

} // namespace Cohort::Bench
