#include "schema.h"

#include "logging.h"
#include "sqlerror.h"

#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// Placeholders in the DDL that differ between the dialects.
// A statement that begins with PostgresOnly runs on PostgreSQL and is skipped on SQLite.
constexpr QStringView PostgresOnly = u"{postgres} ";

QString expand(QString ddl, const Dialect &dialect)
{
    if (ddl.startsWith(PostgresOnly)) {
        if (dialect.backend() != Backend::Postgres)
            return {};
        ddl.remove(0, PostgresOnly.size());
    }
    return ddl.replace(u"{id}"_s, dialect.identityPrimaryKey())
        .replace(u"{bigint}"_s, dialect.bigint())
        .replace(u"{double}"_s, dialect.doubleType());
}

// Version 1: the whole cluster. Times are milliseconds since the epoch, taken from the
// database's clock.
const QStringList Version1 = {
    uR"(CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_at {bigint} NOT NULL,
        applied_by TEXT NOT NULL))"_s,

    // The one cluster this database holds, and its data key wrapped by the local secret.
    uR"(CREATE TABLE cluster (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cluster_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at {bigint} NOT NULL,
        created_by_version TEXT NOT NULL,
        data_key TEXT NOT NULL))"_s,

    uR"(CREATE TABLE cluster_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at {bigint} NOT NULL,
        updated_by TEXT NOT NULL))"_s,

    uR"(CREATE TABLE users (
        id {id},
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('administrator', 'auditor')),
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until {bigint},
        created_at {bigint} NOT NULL))"_s,

    uR"(CREATE TABLE nodes (
        guid TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        api_address TEXT NOT NULL DEFAULT '',
        version TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('online', 'offline', 'decommissioned')),
        incarnation TEXT,
        hostname TEXT NOT NULL DEFAULT '',
        pid {bigint},
        started_at {bigint},
        last_heartbeat {bigint},
        offline_since {bigint},
        tz_name TEXT NOT NULL DEFAULT '',
        tz_offset_seconds INTEGER NOT NULL DEFAULT 0,
        clock_skew_ms {bigint} NOT NULL DEFAULT 0,
        cert_sha256 TEXT NOT NULL DEFAULT '',
        created_at {bigint} NOT NULL,
        decommissioned_at {bigint}))"_s,

    // Peer-to-peer health probes: what the console's network map draws.
    uR"(CREATE TABLE node_links (
        from_node TEXT NOT NULL REFERENCES nodes(guid) ON DELETE CASCADE,
        to_node TEXT NOT NULL REFERENCES nodes(guid) ON DELETE CASCADE,
        reachable INTEGER NOT NULL,
        rtt_ms {double},
        last_error TEXT NOT NULL DEFAULT '',
        probed_at {bigint} NOT NULL,
        PRIMARY KEY (from_node, to_node)))"_s,

    // The job pool. scope 'pool': one node runs it; 'local': every online node runs it
    // once (local_job_runs). claim_epoch fences completions of a claim that was revoked.
    uR"(CREATE TABLE jobs (
        id {id},
        type TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT 'pool' CHECK (scope IN ('pool', 'local')),
        payload TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
        priority INTEGER NOT NULL DEFAULT 0,
        run_after {bigint} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 5,
        claimed_by TEXT,
        claim_epoch {bigint} NOT NULL DEFAULT 0,
        claimed_at {bigint},
        finished_at {bigint},
        last_error TEXT,
        schedule_key TEXT UNIQUE,
        created_at {bigint} NOT NULL))"_s,
    uR"(CREATE INDEX jobs_queued ON jobs (priority DESC, id) WHERE state = 'queued')"_s,
    uR"(CREATE INDEX jobs_claimed_by ON jobs (claimed_by) WHERE state = 'running')"_s,
    uR"(CREATE INDEX jobs_finished_at ON jobs (finished_at))"_s,

    uR"(CREATE TABLE local_job_runs (
        job_id {bigint} NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        node_guid TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
        started_at {bigint} NOT NULL,
        finished_at {bigint},
        last_error TEXT,
        PRIMARY KEY (job_id, node_guid)))"_s,

    // Finished jobs per minute, node and type: what the console's charts read.
    uR"(CREATE TABLE job_stats (
        minute {bigint} NOT NULL,
        node_guid TEXT NOT NULL,
        job_type TEXT NOT NULL,
        succeeded {bigint} NOT NULL DEFAULT 0,
        failed {bigint} NOT NULL DEFAULT 0,
        total_ms {bigint} NOT NULL DEFAULT 0,
        PRIMARY KEY (minute, node_guid, job_type)))"_s,

    uR"(CREATE TABLE alerts (
        id {id},
        kind TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        node_guid TEXT,
        message TEXT NOT NULL,
        raised_at {bigint} NOT NULL,
        acknowledged_at {bigint},
        acknowledged_by TEXT,
        cleared_at {bigint},
        cleared_by TEXT))"_s,
    uR"(CREATE INDEX alerts_raised_at ON alerts (raised_at))"_s,

    uR"(CREATE TABLE audit_log (
        id {id},
        at {bigint} NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT ''))"_s,
    uR"(CREATE INDEX audit_log_at ON audit_log (at))"_s,

    uR"(CREATE TABLE agents (
        guid TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        manager_guid TEXT,
        last_checkin {bigint} NOT NULL,
        state TEXT NOT NULL DEFAULT 'online' CHECK (state IN ('online', 'offline')),
        offline_since {bigint}))"_s,

    // Settings sealed with the cluster's data key (AES-256-GCM).
    uR"(CREATE TABLE config_properties (
        name TEXT PRIMARY KEY,
        sealed_value TEXT NOT NULL,
        updated_at {bigint} NOT NULL,
        updated_by TEXT NOT NULL))"_s,
};

// Version 2: local jobs are found without scanning the queued pool jobs.
const QStringList Version2 = {
    uR"(CREATE INDEX jobs_local_queued ON jobs (id) WHERE scope = 'local' AND state = 'queued')"_s,
};

// Version 3: what peers need to judge a node without trusting its wall clock or its host
// name: the heartbeat interval it keeps and the offline threshold it applies to others
// (peers allow max(threshold, 2 x interval)), a counter its every heartbeat raises (peers
// time how long it has not changed on their own monotonic clock), and the identity of the
// kernel and PID namespace it runs in (a process check is only valid inside the same one).
const QStringList Version3 = {
    u"ALTER TABLE nodes ADD COLUMN heartbeat_ms {bigint} NOT NULL DEFAULT 0"_s,
    u"ALTER TABLE nodes ADD COLUMN offline_after_ms {bigint} NOT NULL DEFAULT 0"_s,
    u"ALTER TABLE nodes ADD COLUMN heartbeat_count {bigint} NOT NULL DEFAULT 0"_s,
    u"ALTER TABLE nodes ADD COLUMN host_id TEXT NOT NULL DEFAULT ''"_s,
};

// Version 4: one software version for the whole cluster. The cluster records the version
// it runs (raised under the migration lock by the first node of a newer version); a node
// of an older one is marked with the version it must be upgraded to, and claims nothing.
const QStringList Version4 = {
    u"ALTER TABLE cluster ADD COLUMN software_version TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE nodes ADD COLUMN upgrade_to TEXT NOT NULL DEFAULT ''"_s,
};

// Version 5: personal data sealed at rest. Users' full names and e-mail addresses are
// stored only sealed with the data key (bound to their row); administrators hold an
// X25519 key pair (the private key wrapped by their password) and a copy of the data key
// sealed to its public key, which is how the console opens them without the local
// secret. key_check identifies the data key without revealing it (MasterKey::checkValue),
// so whoever writes a sealed value can tell it still holds the current key.
const QStringList Version5 = {
    u"ALTER TABLE users ADD COLUMN full_name_sealed TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE users ADD COLUMN email_sealed TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE users ADD COLUMN key_public TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE users ADD COLUMN key_private TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE users ADD COLUMN key_data TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE cluster ADD COLUMN key_check TEXT NOT NULL DEFAULT ''"_s,
};

// Version 6: agents check in over the node API. What an agent says about its machine
// (host name, addresses) is personal data, stored only sealed with the data key and bound
// to the agent's row (SealedData::agentField); name is no longer written. version is the
// agent's software, list_version the manager list it was last given, checkins how often
// it has checked in.
const QStringList Version6 = {
    u"ALTER TABLE agents ADD COLUMN host_name_sealed TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE agents ADD COLUMN addresses_sealed TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE agents ADD COLUMN version TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE agents ADD COLUMN list_version TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE agents ADD COLUMN checkins {bigint} NOT NULL DEFAULT 0"_s,
    u"ALTER TABLE agents ADD COLUMN first_checkin {bigint} NOT NULL DEFAULT 0"_s,
    u"CREATE INDEX agents_manager ON agents (manager_guid)"_s,
};

// Version 7: fewer index entries for each change of a job's state. An update that changes
// state (a column in the partial indexes' conditions) cannot be a HOT update, so
// PostgreSQL adds the new row version to every index whose condition it meets: claims and
// completions paid for an entry in finished_at's index and in schedule_key's (NULL for
// nearly every job). Both now index only the rows that have a value. SQLite updates only
// the indexes whose columns change, and cannot drop a UNIQUE constraint without copying the
// table: its schedule_key constraint stays.
const QStringList Version7 = {
    u"DROP INDEX jobs_finished_at"_s,
    u"CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL"_s,
    u"{postgres} ALTER TABLE jobs DROP CONSTRAINT jobs_schedule_key_key"_s,
    u"{postgres} CREATE UNIQUE INDEX jobs_schedule_key ON jobs (schedule_key) WHERE schedule_key IS NOT NULL"_s,
};

// Version 8: cluster health at a glance. Every change in a node's life is an event
// (node_events: joined, online, offline and who marked it, jobs handed back, upgrade
// required, draining, drained, resumed, secret or clone refused, decommissioned); a node a
// peer declared Offline leaves a takeover (takeovers, and the jobs it held in
// takeover_jobs, with the claim epoch they had, so the report can tell which node ran each
// one afterwards). A node records the hash of its effective configuration and the check
// value of the data key it unwrapped (never key material), for the consistency grid; and
// draining_since while an administrator has it drained (it claims nothing).
const QStringList Version8 = {
    uR"(CREATE TABLE node_events (
        id {id},
        node_guid TEXT NOT NULL,
        at {bigint} NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL DEFAULT '',
        actor_name TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        takeover_id {bigint}))"_s,
    u"CREATE INDEX node_events_node ON node_events (node_guid, at)"_s,
    u"CREATE INDEX node_events_at ON node_events (at)"_s,
    uR"(CREATE TABLE takeovers (
        id {id},
        node_guid TEXT NOT NULL,
        node_name TEXT NOT NULL,
        marked_by TEXT NOT NULL,
        marked_by_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        last_heartbeat {bigint} NOT NULL,
        marked_at {bigint} NOT NULL))"_s,
    u"CREATE INDEX takeovers_node ON takeovers (node_guid, marked_at)"_s,
    u"CREATE INDEX takeovers_marked_at ON takeovers (marked_at)"_s,
    uR"(CREATE TABLE takeover_jobs (
        takeover_id {bigint} NOT NULL REFERENCES takeovers(id) ON DELETE CASCADE,
        job_id {bigint} NOT NULL,
        job_type TEXT NOT NULL,
        claim_epoch {bigint} NOT NULL,
        claimed_at {bigint},
        returned_as TEXT NOT NULL,
        PRIMARY KEY (takeover_id, job_id)))"_s,
    u"ALTER TABLE nodes ADD COLUMN config_hash TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE nodes ADD COLUMN key_check TEXT NOT NULL DEFAULT ''"_s,
    u"ALTER TABLE nodes ADD COLUMN draining_since {bigint}"_s,
};

const QString SelectVersion = u"SELECT COALESCE(MAX(version), 0) FROM schema_migrations"_s;
// %1: the database clock.
const QString InsertMigration =
    u"INSERT INTO schema_migrations (version, applied_at, applied_by) VALUES (?, %1, ?)"_s;

struct Step
{
    int version;
    const QStringList *statements;
};

const Step Steps[] = {
    {1, &Version1}, {2, &Version2}, {3, &Version3}, {4, &Version4},
    {5, &Version5}, {6, &Version6}, {7, &Version7}, {8, &Version8},
};

static_assert(std::size(Steps) == Schema::CurrentVersion, "one migration step per schema version");

} // namespace

QString MigrationOutcome::describe() const
{
    if (fromVersion == 0)
        return Schema::tr("Created the schema at version %1.").arg(toVersion);
    if (changed())
        return Schema::tr("Migrated the schema from version %1 to %2.").arg(fromVersion).arg(toVersion);
    return Schema::tr("The schema already exists at version %1; nothing to do.").arg(toVersion);
}

QStringList Schema::tableNames()
{
    QStringList names = {u"agents"_s,
                         u"alerts"_s,
                         u"audit_log"_s,
                         u"cluster"_s,
                         u"cluster_settings"_s,
                         u"config_properties"_s,
                         u"job_stats"_s,
                         u"jobs"_s,
                         u"local_job_runs"_s,
                         u"node_events"_s,
                         u"node_links"_s,
                         u"nodes"_s,
                         u"schema_migrations"_s,
                         u"takeover_jobs"_s,
                         u"takeovers"_s,
                         u"users"_s};
    std::sort(names.begin(), names.end());
    return names;
}

Result<int> Schema::version(QSqlDatabase &db, const Dialect &dialect)
{
    auto exists = dialect.tableExists(db, u"schema_migrations"_s);
    if (!exists)
        return exists.error();
    if (!*exists)
        return 0;
    auto query = execQuery(db, SelectVersion, {}, tr("reading the schema version"));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toInt() : 0;
}

Result<int> Schema::version(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    return version(*db, database.dialect());
}

Result<MigrationOutcome> Schema::migrate(Database &database, const QString &appliedBy,
                                         const InTransaction &alsoDo, int targetVersion, int waitSeconds)
{
    auto connection = database.connection();
    if (!connection)
        return connection.error();
    QSqlDatabase &db = *connection;
    const Dialect &dialect = database.dialect();

    if (auto locked = dialect.beginMigration(db, waitSeconds); !locked)
        return makeError(locked.code(), tr("Cannot take the migration lock: %1").arg(locked.message()));

    auto fail = [&](Error error) -> Result<MigrationOutcome> {
        dialect.rollback(db);
        return error;
    };

    auto current = version(db, dialect);
    if (!current)
        return fail(current.error());

    MigrationOutcome outcome{*current, *current};
    if (*current > CurrentVersion) {
        return fail(makeError(ErrorCode::UpgradeRequired,
                              tr("The database schema is at version %1, newer than this program's %2; "
                                 "upgrade this program.")
                                  .arg(*current)
                                  .arg(CurrentVersion)));
    }

    for (const Step &step : Steps) {
        if (step.version <= *current || step.version > targetVersion)
            continue;
        qCInfo(lcSchema) << "migrating" << database.url().redacted() << "to version" << step.version;
        for (const QString &statement : *step.statements) {
            const QString sql = expand(statement, dialect);
            if (sql.isEmpty())
                continue;
            QSqlQuery query(db);
            if (!query.exec(sql)) {
                Error error = sqlError(query, tr("migrating to schema version %1").arg(step.version));
                if (error.sqlState == u"55P03"_s) // lock_not_available
                    error.message = tr("Migrating to schema version %1: another session has held a table it "
                                       "changes for more than %2 s; nothing was changed.")
                                        .arg(step.version)
                                        .arg(waitSeconds);
                return fail(error);
            }
        }
        auto recorded = execQuery(db, InsertMigration.arg(dialect.nowMillis()), {step.version, appliedBy},
                                  tr("recording schema version %1").arg(step.version));
        if (!recorded)
            return fail(recorded.error());
        outcome.toVersion = step.version;
    }

    if (alsoDo) {
        if (auto done = alsoDo(db, outcome); !done)
            return fail(done.error());
    }

    if (auto committed = dialect.commit(db); !committed)
        return fail(committed.error());
    if (outcome.changed())
        qCInfo(lcSchema) << outcome.describe();
    return outcome;
}

} // namespace Cohort
