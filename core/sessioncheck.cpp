#include "sessioncheck.h"

#include "database.h"
#include "sqlerror.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Statements run unprepared: a pooler in transaction mode could lose a prepared one too.
Result<int> serverProcess(QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (!query.exec(u"SELECT pg_backend_pid()"_s) || !query.next())
        return sqlError(query, SessionCheck::tr("asking which server process runs this session"));
    return query.value(0).toInt();
}

Result<void> run(QSqlDatabase &db, const QString &statement)
{
    QSqlQuery query(db);
    if (!query.exec(statement))
        return sqlError(query, SessionCheck::tr("checking that the connection is a session of its own"));
    return {};
}

} // namespace

Result<void> SessionCheck::verify(const DatabaseUrl &url)
{
    if (url.backend() != Backend::Postgres)
        return {};
    Database firstDatabase(url);
    Database secondDatabase(url);
    auto first = firstDatabase.connection();
    if (!first)
        return first.error();
    auto second = secondDatabase.connection();
    if (!second)
        return second.error();

    // The second connection holds a transaction open while the first runs a statement,
    // then ends it; then the two take turns. A pooler that shares server sessions gives
    // the first connection the session the second just released (most poolers reuse the
    // most recently released one; the turns catch the others).
    QList<int> firstSeen;
    QList<int> secondSeen;
    auto note = [](QSqlDatabase &db, QList<int> &seen) -> Result<void> {
        auto pid = serverProcess(db);
        if (!pid)
            return pid.error();
        seen << *pid;
        return {};
    };
    const auto poolerRefused = [&](const QString &seen) {
        return makeError(
            ErrorCode::InvalidArgument,
            tr("The connection to %1 is not a session of its own: %2. A connection pooler in transaction or "
               "statement mode (pgbouncer's pool_mode) does this, and a node cannot run through one: its "
               "liveness "
               "lock and prepared statements belong to a session. Connect the nodes to PostgreSQL directly, "
               "or "
               "through a pooler in session mode.")
                .arg(url.redacted(), seen));
    };

    if (auto done = note(*first, firstSeen); !done)
        return done;
    if (auto begun = run(*second, u"BEGIN"_s); !begun)
        return poolerRefused(tr("a transaction could not begin (%1)").arg(begun.message()));
    if (auto done = note(*second, secondSeen); !done)
        return done;
    if (auto done = note(*first, firstSeen); !done)
        return done;
    if (auto ended = run(*second, u"COMMIT"_s); !ended)
        return ended;
    for (int turn = 0; turn < 3; ++turn) {
        if (auto done = note(*first, firstSeen); !done)
            return done;
        if (auto done = note(*second, secondSeen); !done)
            return done;
    }

    const QSet<int> firstProcesses(firstSeen.cbegin(), firstSeen.cend());
    const QSet<int> secondProcesses(secondSeen.cbegin(), secondSeen.cend());
    if (firstProcesses.size() > 1) {
        return poolerRefused(tr("one connection's statements ran in %1 different server processes")
                                 .arg(firstProcesses.size()));
    }
    if (secondProcesses.size() > 1) {
        return poolerRefused(tr("one connection's statements ran in %1 different server processes")
                                 .arg(secondProcesses.size()));
    }
    if (firstProcesses == secondProcesses)
        return poolerRefused(tr("two open connections ran their statements in the same server process"));
    return {};
}

} // namespace Cohort
