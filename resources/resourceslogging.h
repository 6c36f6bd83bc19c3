// Logging category of the console's resources: the icon set.
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcResources)
} // namespace Cohort
