// cohort-bench --peers: Cohort and the peer job systems side by side, interleaved and
// repeated, on one private PostgreSQL server per configuration (durable, the headline,
// then fast), and on SQLite; the report has a table per measurement with ratios against
// each peer (docs/BENCHMARKS.md, "Side by side").
#pragma once

#include "benchsupport.h"
#include "peermeasurements.h"

#include <QMap>

#include <memory>

namespace Cohort::Bench {

class System;

struct Unavailable
{
    QString peer;
    QString reason;
};

// Runs everything settings asks for; returns the report (markdown) and whether every
// run succeeded through ok.
QString comparePeers(const QList<std::shared_ptr<System>> &systems, const QList<Unavailable> &unavailable,
                     const PeerSettings &settings, bool *ok);

} // namespace Cohort::Bench
