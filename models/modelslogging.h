// Logging categories of the console's models layer.
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcModels)
} // namespace Cohort
