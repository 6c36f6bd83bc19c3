#include "agentslogging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcAgents, "cohort.agents", QtInfoMsg)
} // namespace Cohort
