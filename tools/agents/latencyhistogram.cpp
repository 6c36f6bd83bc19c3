#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>

namespace Cohort {

namespace {

constexpr std::int64_t FineStepUs = 10;
constexpr std::int64_t FineLimitUs = 1'000'000;
constexpr std::int64_t CoarseStepUs = 1000;
constexpr std::int64_t CoarseLimitUs = 601'000'000; // above the longest --timeout

} // namespace

LatencyHistogram::LatencyHistogram()
    : m_fine(FineLimitUs / FineStepUs)
    , m_coarse((CoarseLimitUs - FineLimitUs) / CoarseStepUs)
{}

void LatencyHistogram::add(std::int64_t microseconds)
{
    const std::int64_t us = std::clamp<std::int64_t>(microseconds, 0, CoarseLimitUs - 1);
    if (us < FineLimitUs)
        ++m_fine[std::size_t(us / FineStepUs)];
    else
        ++m_coarse[std::size_t((us - FineLimitUs) / CoarseStepUs)];
    ++m_count;
    m_maxUs = std::max(m_maxUs, microseconds);
}

double LatencyHistogram::quantileMs(double q) const
{
    if (m_count == 0)
        return 0;
    // The smallest bucket whose cumulative count reaches q of all; its upper edge, but
    // never above the exact maximum.
    const auto wanted = std::max<std::int64_t>(1, std::int64_t(std::ceil(q * double(m_count))));
    std::int64_t seen = 0;
    for (std::size_t i = 0; i < m_fine.size(); ++i) {
        seen += m_fine[i];
        if (seen >= wanted)
            return double(std::min(std::int64_t(i + 1) * FineStepUs, m_maxUs)) / 1000.0;
    }
    for (std::size_t i = 0; i < m_coarse.size(); ++i) {
        seen += m_coarse[i];
        if (seen >= wanted)
            return double(std::min(FineLimitUs + std::int64_t(i + 1) * CoarseStepUs, m_maxUs)) / 1000.0;
    }
    return maxMs();
}

} // namespace Cohort
