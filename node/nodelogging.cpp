#include "nodelogging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcNode, "cohort.node", QtInfoMsg)
Q_LOGGING_CATEGORY(lcJobs, "cohort.jobs", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHealth, "cohort.health", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAgents, "cohort.agents", QtInfoMsg)
} // namespace Cohort
