// Logging categories of the core library. Enable with QT_LOGGING_RULES="cohort.*=true".
#pragma once

#include <QLoggingCategory>

namespace Cohort {
Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcDb)
Q_DECLARE_LOGGING_CATEGORY(lcSchema)
Q_DECLARE_LOGGING_CATEGORY(lcCrypto)
} // namespace Cohort
