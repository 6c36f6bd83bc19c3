// Logging categories of the node daemon. Enable with QT_LOGGING_RULES="cohort.*=true".
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcNode)
Q_DECLARE_LOGGING_CATEGORY(lcJobs)
Q_DECLARE_LOGGING_CATEGORY(lcHealth)
Q_DECLARE_LOGGING_CATEGORY(lcAgents)
} // namespace Cohort
