#include "logging.h"

namespace Cohort {
Q_LOGGING_CATEGORY(lcCore, "cohort.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDb, "cohort.db", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSchema, "cohort.schema", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCrypto, "cohort.crypto", QtInfoMsg)
} // namespace Cohort
