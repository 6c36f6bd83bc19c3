<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Cohort::AuditLog</name>
    <message>
        <source>recording %1 in the audit log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the audit log</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Cluster</name>
    <message>
        <source>reading the cluster record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This database already holds cluster &quot;%1&quot; (%2), created %3; nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cluster name is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>creating the cluster record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cluster record vanished right after it was created.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database %1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another process created %1 meanwhile; this init changed nothing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot move the new database into place at %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Crypto</name>
    <message>
        <source>OpenSSL failed in %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sealed data is truncated.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data does not authenticate with this key.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::CtlApplication</name>
    <message>
        <source>Usage: cohortctl COMMAND [OPTIONS]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administers a Cohort cluster through its shared database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Commands:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database URLs: sqlite:/path/to/cohort.db or postgresql://user:password@host:port/database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run &quot;cohortctl COMMAND --help&quot; for the options of a command.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shows this help.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage: cohortctl %1 [options]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohortctl: unknown command &quot;%1&quot; (see &quot;cohortctl --help&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohortctl %1: %2 (see &quot;cohortctl %1 --help&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::CtlCommand</name>
    <message>
        <source>cohortctl %1: error: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohortctl %1: %2 (see &quot;cohortctl %1 --help&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the option --%1 is required</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::CtlOptions</name>
    <message>
        <source>The cluster&apos;s database: sqlite:PATH or postgresql://user:password@host:port/database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file holding the local secret that unlocks the cluster&apos;s data key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prints the result as JSON.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The password file %1 does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the password file %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No password given on standard input; pipe it in or use --password-file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The password file %1 is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat the password: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two passwords differ; nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Database</name>
    <message>
        <source>Qt&apos;s PostgreSQL driver (QPSQL) is not installed; install libqt6sql6-psql.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Qt&apos;s SQLite driver (QSQLITE) is not installed; install libqt6sql6-sqlite.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder %1 of the SQLite database does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SQLite database %1 does not exist; create a cluster with &quot;cohortctl init&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the SQLite database %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot connect to PostgreSQL at %1:%2 (database %3, user %4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::DatabaseUrl</name>
    <message>
        <source>The database URL is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SQLite URL &quot;%1&quot; names no file; write sqlite:/path/to/cohort.db.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An in-memory SQLite database cannot be shared by nodes and threads; give a file path.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SQLite URL &quot;%1&quot; has options; Cohort sets them itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a database URL; write sqlite:PATH or postgresql://user:password@host:port/database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsupported database URL scheme &quot;%1&quot;; use sqlite: or postgresql://.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no host; write postgresql://user:password@host:port/database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PostgreSQL URL has port 0; give a port from 1 to 65535.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no user; write postgresql://user:password@host:port/database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no database; add /database after the host and port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PostgreSQL URL path &quot;%1&quot; must be a single database name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PostgreSQL URL must not have a #fragment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown PostgreSQL URL option &quot;%1&quot;; known options: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invalid value &quot;%1&quot; for %2; use one of: %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>connect_timeout must be a whole number of seconds above 0, not &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Malformed PostgreSQL URL: check the port (1 to 65535) and percent-encode special characters in the user name and password (%40 for @, %25 for %).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The value of %1 may only hold letters, digits and . _ / : @ + -.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Dialect</name>
    <message>
        <source>switching SQLite to WAL mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>switching SQLite to WAL mode: the database stayed locked for %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listing tables</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>taking the migration lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SQLite cannot use WAL mode for this file (it stays in &quot;%1&quot; mode)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>another process has held the migration lock for more than %1 s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::GenSecretCommand</name>
    <message>
        <source>Writes a new random local secret to a new file (mode 600).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file to create; an existing file is never overwritten.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrote a new local secret to %1. Copy it to every node of the cluster; without it the cluster&apos;s data key cannot be unlocked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>give exactly one FILE to write</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::InitCommand</name>
    <message>
        <source>Creates a cluster: the schema, the data key and the first administrator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The first administrator&apos;s user name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A file whose first line is the administrator&apos;s password (default: read it from standard input).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cluster&apos;s display name (default: Cohort).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password for %1: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created cluster &quot;%1&quot; (%2) in %3: schema version %4, administrator %5.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::MasterKey</name>
    <message>
        <source>No secret file given; pass --secret-file FILE.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The secret file %1 does not exist; create one with &quot;cohortctl gen-secret %1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the secret file %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The secret file %1 holds %n byte(s); a secret needs at least %2.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1 already exists; a secret file is never overwritten.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The stored data key is malformed; the cluster record is damaged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local secret does not unlock this cluster&apos;s data key: the secret file is not the one the cluster was created with.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sealed value is malformed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sealed value does not open with this cluster&apos;s data key (tampered or foreign).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The stored value is not valid base64.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::MigrateCommand</name>
    <message>
        <source>Creates or upgrades the database schema to this program&apos;s version.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creates the SQLite database file when it does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::PasswordHash</name>
    <message numerus="yes">
        <source>The password must have at least %n character(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The password must not start or end with spaces.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Schema</name>
    <message>
        <source>Created the schema at version %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migrated the schema from version %1 to %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The schema already exists at version %1; nothing to do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the schema version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot take the migration lock: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database schema is at version %1, newer than this program&apos;s %2; upgrade this program.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>migrating to schema version %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recording schema version %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::StatusCommand</name>
    <message>
        <source>Shows the cluster a database holds, and checks a local secret against it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unlocked by %1 (fingerprint %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not checked (pass --secret-file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cluster:         %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created:         %1 by version %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Schema version:  %1 (this program: %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database:        %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data key:        %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohortctl %1: error: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Users</name>
    <message>
        <source>The user name is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user name &quot;%1&quot; is not allowed: use up to 64 letters, digits, &apos;.&apos;, &apos;_&apos;, &apos;@&apos; or &apos;-&apos;, starting with a letter or digit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>creating user %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
