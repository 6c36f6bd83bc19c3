// SessionCheck: whether each connection to the database is a session of its own, as a
// node needs (its PostgreSQL liveness lock is a session-level advisory lock, and Qt's
// driver prepares statements per session). A connection pooler in transaction or
// statement mode (pgbouncer's pool_mode) hands one client's statements to whichever
// server session is free, so a lock taken by one statement may be held by a session that
// another client uses next. Checked at start with two connections: while both stay open,
// each must keep one server process, and the two must differ.
#pragma once

#include "databaseurl.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

class SessionCheck
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::SessionCheck)

public:
    // Nothing to check on SQLite. An error names what was seen and what to change.
    static Result<void> verify(const DatabaseUrl &url);
};

} // namespace Cohort
