#include "chartslogging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcCharts, "cohort.charts", QtInfoMsg)
} // namespace Cohort
