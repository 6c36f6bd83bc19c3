// LatencyHistogram: check-in latencies in fixed memory however long the run: 10 µs steps
// up to one second, 1 ms steps above (up to the longest timeout), and the exact maximum.
// Not thread-safe: AgentStatistics guards it.
#pragma once

#include <cstdint>
#include <vector>

namespace Cohort {

class LatencyHistogram
{
public:
    LatencyHistogram();

    void add(std::int64_t microseconds);
    std::int64_t count() const { return m_count; }
    // The latency below which the fraction q of all lie, in milliseconds (0 when empty).
    double quantileMs(double q) const;
    double maxMs() const { return double(m_maxUs) / 1000.0; }

private:
    std::vector<std::uint32_t> m_fine;   // 10 µs buckets below one second
    std::vector<std::uint32_t> m_coarse; // 1 ms buckets from one second on
    std::int64_t m_count = 0;
    std::int64_t m_maxUs = 0;
};

} // namespace Cohort
