// Logging category of cohort-agents. Enable with QT_LOGGING_RULES="cohort.agents.debug=true"
// to see every failed attempt and why.
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcAgents)
} // namespace Cohort
