// Logging category of the console's widgets.
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcUi)
} // namespace Cohort
