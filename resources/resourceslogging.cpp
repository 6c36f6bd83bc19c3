#include "resourceslogging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcResources, "cohort.resources", QtInfoMsg)
} // namespace Cohort
