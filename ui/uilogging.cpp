#include "uilogging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcUi, "cohort.ui", QtInfoMsg)
} // namespace Cohort
