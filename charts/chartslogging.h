// Logging category of the console's charts and network map.
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcCharts)
} // namespace Cohort
