#include "modelslogging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcModels, "cohort.models", QtInfoMsg)
} // namespace Cohort
