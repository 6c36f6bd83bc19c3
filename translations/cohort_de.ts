<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Cohort::ActivityGraph</name>
    <message>
        <source>Jobs finished per minute over the last hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1: %n job(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::Administration</name>
    <message>
        <source>checking the role of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user %1 no longer exists and may not change the cluster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is an auditor and may not change the cluster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading alert %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no alert %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The description has %1 characters; at most %2 are allowed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finding node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no node %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>describing node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alert %1 is already cleared.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alert %1 is already acknowledged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>acknowledging alert %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alert %1 changed meanwhile; look again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>clearing alert %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the system settings</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::Alerts</name>
    <message>
        <source>looking for an open %1 alert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>raising a %1 alert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the alerts</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsPage</name>
    <message>
        <source>Show &amp;cleared alerts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Acknowledge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auditors cannot change alerts.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsTableModel</name>
    <message>
        <source>Critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Information</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cleared by %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Acknowledged by %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Severity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
</context>
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
    <message>
        <source>The audit log can only be read a positive number of entries at a time, not %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>searching the audit log</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogModel</name>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogPage</name>
    <message>
        <source>&amp;From:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any action (a prefix such as node.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action:</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::Authentication</name>
    <message>
        <source>looking up user %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The account %1 is locked after too many wrong passwords; try again in %n minute(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>counting a failed login of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>locking the account %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recording the login of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User %1 has the unknown role &quot;%2&quot;.</source>
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
    <name>Cohort::ClusterClient</name>
    <message numerus="yes">
        <source>The database has not answered for %n second(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterSettings</name>
    <message>
        <source>The cluster setting %1 holds &quot;%2&quot;, not a whole number from %3 to %4.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the cluster setting %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>storing the cluster setting %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterWorker</name>
    <message>
        <source>Not logged in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node %1 was decommissioned.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The description was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The alert was acknowledged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The alert was cleared.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown action.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings were saved.</source>
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
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
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
    <name>Cohort::DecommissionCommand</name>
    <message>
        <source>Removes an Offline manager node from the cluster for good.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only an Offline node can be decommissioned: stop it first, or wait until its peers
mark it Offline. Its GUID can never rejoin the cluster. The change is recorded in
the audit log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who decommissions the node, for the audit log (default: %1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The node to decommission: its GUID, or a name only one node has.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>give exactly one NODE to decommission</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the NODE to decommission cannot be empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--actor cannot be empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--actor is longer than %1 characters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--actor must be one line of printable text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommissioned node %1 (%2).</source>
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
    <name>Cohort::FinishedJobsDialog</name>
    <message>
        <source>Jobs: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the jobs…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The jobs could not be read: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (local)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The latest %1 of %2 jobs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 jobs are still kept in the database; older finished jobs are removed after the retention period.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
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
    <name>Cohort::HealthMonitor</name>
    <message>
        <source>The cluster was upgraded to schema version %1; this node (schema %2, version %3) must be upgraded too, and stops.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This node was decommissioned; it stops and cannot rejoin. To run this machine as a new node, delete %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another process now runs as node %1; this one stops. If this machine was cloned, delete %2 to join it as a new node.</source>
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
    <name>Cohort::JobChartView</name>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No jobs finished in this period.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2: %3 of %4 jobs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::JobCountsModel</name>
    <message>
        <source>Succeeded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::JobPool</name>
    <message>
        <source>preparing %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>preparing to submit jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submitting jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waking the nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A job needs a type.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A job needs at least one attempt.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A job&apos;s delay cannot be negative.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>claiming jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finding local jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>starting a local job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>completing jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>locking local jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>completing local job %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finishing local jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>adding to the job statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>handing jobs back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>handing a local job back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>returning a node&apos;s jobs to the pool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ending a node&apos;s local jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown job state &quot;%1&quot;; use one of %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listing jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database did not tell its time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown job type &quot;%1&quot;: no node could run it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refreshing the job table&apos;s statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recording the heartbeat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finding this node&apos;s claims</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finding this node&apos;s local jobs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::JobRunner</name>
    <message>
        <source>no job type &quot;%1&quot; on this node (version %2)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::JobStatistics</name>
    <message>
        <source>The end of the time range (%1) is before its start (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Job statistics are read at most %n day(s) at a time.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>reading the job statistics of node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the job statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A bucket of %1 ms is not a whole number of minutes that divides the time range.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the activity of the nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listing finished jobs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::JobTypes</name>
    <message>
        <source>reading the database clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a sleep job needs &quot;ms&quot;, the time to sleep in milliseconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;ms&quot; must be a whole number of milliseconds from 0 to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled: the node is stopping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the job failed as asked</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>cleared %n cached value(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>purging old records</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>purged %1 jobs, %2 alerts, %3 audit entries and %4 statistics rows older than %n day(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>rolling up job statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rolled %1 per-minute rows into %2 hourly rows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>flagging silent agents</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s) stopped checking in.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>flagged %n silent agent(s) offline</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Does nothing; for tests and benchmarks.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waits {&quot;ms&quot;: N} milliseconds; for tests.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fails with {&quot;error&quot;: TEXT}; for tests.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drops each node&apos;s cached cluster settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deletes finished jobs, cleared alerts, audit entries and statistics past the retention.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compacts old per-minute job statistics into hours.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flags agents that stopped checking in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown job type &quot;%1&quot;; the types are %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The payload is not valid JSON: %1 at offset %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The payload must be a JSON object, like {&quot;ms&quot;: 100}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bad payload for %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::JobsCommand</name>
    <message>
        <source>Submits jobs to the pool, lists them, and counts finished jobs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs on every node.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  submit  Adds jobs to the pool: --type (required), --count, --payload, --local,
          --priority, --delay, --max-attempts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  list    Lists jobs, newest first: --state, --node, --limit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  stats   Counts finished jobs by node and type: --since.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job types:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to do: submit, list or stats.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: the job type (see &quot;Job types&quot; above).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: how many jobs, from 1 to %1 (default: 1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: the jobs&apos; payload, a JSON object (default: {}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: runs each job once on every online node instead of on one node (always so for the types that run on every node).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: higher runs first (default: 0).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: not before this many seconds from now, from 0 to %1 (30 days; default: 0).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submit: how often a failing job is tried, from 1 to %1 (default: 5).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>list: only jobs in this state: queued, running, succeeded or failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>list: only jobs claimed by this node (GUID or name).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>list: at most this many jobs, from 1 to %1 (default: 100).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stats: the window, like 30s, 15m, 1h, 6h, 24h or 7d (default: 1h).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>give an action: submit, list or stats</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are submit, list and stats</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--%1 does not apply to &quot;jobs %2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--count must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--priority must be a whole number from %1 to %2, not &quot;%3&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--delay must be a number of seconds from 0 to %1 (30 days), not &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--max-attempts must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 of the %3 jobs had been submitted before)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n job(s) of type %1.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>--limit must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No jobs match.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TYPE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SCOPE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>STATE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ATTEMPTS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NODE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CREATED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FINISHED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LAST ERROR</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Showing the newest %n job(s); --limit shows more.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>--since must be a duration like 30s, 15m, 1h, 6h, 24h or 7d (at most %1d), not &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No jobs finished since %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SUCCEEDED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AVERAGE MS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished jobs by node and type since %1:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Totals by node:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::LoginDialog</name>
    <message>
        <source>Sign In to Cohort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A name for this database, to pick it again next time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sqlite:/path/to/cluster.db or postgresql://user@host/db</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cluster&apos;s database. A database password in the URL is not kept; PostgreSQL can also take it from ~/.pgpass.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign In</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Profile:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Database:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the cluster&apos;s database URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your user name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing In…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::MainWindow</name>
    <message>
        <source>Manager Nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System Information</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cohort Console — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auditor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign &amp;Out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Properties…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Cohort Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Cohort Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Cohort Console&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Administers a cluster of Cohort manager nodes that share one database.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node %1 was decommissioned.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database unreachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database not answering</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last refresh: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not refreshed yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alerts (%1)</source>
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
    <name>Cohort::NetworkMapActivityItem</name>
    <message>
        <source>Jobs: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1: %Ln job(s) finished in the last %2 minutes</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Busiest: %1 jobs/min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every node&apos;s graph has the same scale: 0 to %1 jobs/min</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapHubItem</name>
    <message>
        <source>The shared database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The shared database: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online: %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapLinkItem</name>
    <message>
        <source>%1 → %2: not probed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2: reachable, %3 ms (probed %4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2: reachable (probed %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2: unreachable: %3 (probed %4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ↔ %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Out of date: %1 is %2.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapNodeItem</name>
    <message>
        <source>%1
Status: %2
Address: %3
Version: %4
Last contact: %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>v%1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapView</name>
    <message>
        <source>Nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unreachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stale (a node is offline)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs/min, last %1 min, peak %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs/min, peak %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No manager nodes to show.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodeConfig</name>
    <message>
        <source>The cluster database: sqlite:/path/cohort.db or postgresql://user:pass@host:port/db.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This node&apos;s name (default: the host name).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder that holds node.guid, this node&apos;s identity (created if missing).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cluster&apos;s local secret, which unlocks its data key (required).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs run at once, 1 to 256 (default: 4).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On SIGTERM, how long running jobs may finish, 0 to 3600 (default: 30).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs claimed at once, 1 to 1000 (default: 64).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Append one line per job execution to FILE: job id, attempt, type, process id, start time in microseconds since the epoch.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs one Cohort manager node: joins the cluster in the shared database, heartbeats, watches its peers and runs jobs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An INI file with the same settings, in a [node] section; flags win.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--%1 must be a whole number from %2 to %3, not &quot;%4&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unexpected argument &quot;%1&quot;; every setting is a --flag.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration file %1 does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration file %1 is not a valid INI file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown setting &quot;%1&quot; in %2; the [node] section takes: %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name the cluster database with --db URL (or db= in --config).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--name must be 1 to 64 printable characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name the cluster&apos;s local secret with --secret-file FILE (or secret-file= in --config).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seconds between heartbeats, 1 to 300. Overrides the cluster setting (System Settings, default 10) for this node only; without it the node follows the cluster setting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A peer silent this long is marked Offline and its jobs taken over, 2 to 86400 and at least twice the heartbeat. Overrides the cluster setting (System Settings, default 180) for this node only; without it the node follows the cluster setting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--offline-after (%1 s) must be at least twice --heartbeat (%2 s), or a late heartbeat would get a live node marked Offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The address peers and agents reach this node at (default: HOSTNAME:8443). The node API listens on PORT, on HOST when it is an IP address and on every address otherwise. Port 0 picks a free port, which the node records as its address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--api must be HOST:PORT with a port from 0 (any free port) to 65535, not &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodeIdentity</name>
    <message>
        <source>Cannot read %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 does not hold a node GUID; delete it to join as a new node.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create the data folder %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodeLinks</name>
    <message>
        <source>reading the cluster&apos;s nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>storing the probes of node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>storing the probe from node %1 to node %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the links between nodes</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodePropertiesDialog</name>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommission…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What this node is for, where it runs…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GUID:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last contact:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time zone:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs in the last hour:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This node is no longer part of the cluster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Properties of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are signed in as an auditor: you can see this node but not change it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only an Offline node can be decommissioned. Stop the node first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removes this node from the cluster for good. Its GUID can never join again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommission Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommission %1?

The node is removed from the cluster for good and its GUID can never join again. This is recorded in the audit log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommissioning…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodeRegistry</name>
    <message>
        <source>finding node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No node is called &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Several nodes are called &quot;%1&quot;; name one by its GUID: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline (Upgrade Required)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>taking the node&apos;s session lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the nodes&apos; session locks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>looking up node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node %1 (&quot;%2&quot;) was decommissioned and cannot rejoin the cluster. To join this machine as a new node, delete %3 and start again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another live cohort-node (process %1 on %2, last heartbeat %3 s ago) already runs as node %4. If this machine was cloned from another, delete %5 to join as a new node.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>registering node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node %1 changed while it joined; try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>node %1 restarted while running it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the join time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This node&apos;s clock is %1 ms off the database&apos;s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>comparing time zones</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This node&apos;s time zone (UTC%1 s) differs from node %2&apos;s (UTC%3 s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manager Time Out of Sync on node %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recording the heartbeat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the node&apos;s state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checking the peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no heartbeat for %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its database session ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its process %1 on %2 ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>marking node %1 Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>node %1 went offline while running it</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Manager node %1 is Offline: %2. %n job(s) went back to the pool.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>marking this node Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recording this node&apos;s version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manager node %1 runs version %2, older than the cluster; upgrade it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>decommissioning node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node %1 (%2) is already decommissioned.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, or wait until its peers mark it Offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>removing the node&apos;s links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>node %1 was decommissioned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listing the nodes</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodeService</name>
    <message>
        <source>received %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local secret in %1 does not unlock this cluster&apos;s data key: %2 Every node needs the secret the cluster was created with.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 This node shows as Offline (Upgrade Required) until it runs the cluster&apos;s version.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another live cohort-node already runs as node %1. If this machine was cloned from another, delete %2 to join as a new node.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>node %1 stopped before running it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot serve the node API at %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot serve the node API at %1 (port %2 on every address): %3.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodesCommand</name>
    <message>
        <source>Lists the manager nodes: status, last contact and jobs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No manager node has joined the cluster yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NAME</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GUID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ADDRESS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VERSION</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>STATUS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LAST CONTACT</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JOBS (1 H)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RUNNING</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 s ago)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::NodesPage</name>
    <message>
        <source>Filter by name, status, version, address…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Properties…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline, %3 waiting for an upgrade</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodesTableModel</name>
    <message>
        <source>This node runs version %1, older than the cluster. It does no work until it is upgraded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline since %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time Zone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last Contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs (Last Hour)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running Jobs</source>
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
    <name>Cohort::PeerProber</name>
    <message>
        <source>its address &quot;%1&quot; is not HOST:PORT</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host %1 not found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered more than %1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed the connection without answering</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered something that is not HTTP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed the connection in the middle of its answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered HTTP %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered without a node GUID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered as node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host name not resolved within %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no connection within %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer within %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no complete answer within %1 ms</source>
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
    <name>Cohort::SettingsPage</name>
    <message>
        <source>&amp;Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load balancer address for agents:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heartbeat interval (seconds):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline threshold (seconds):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host:port agents connect to. Leave empty to give agents the managers&apos; own addresses.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How often each node records that it is alive.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A node silent this long is marked Offline and its work is taken over. At least two heartbeats.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none: agents use the managers&apos; addresses)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are signed in as an auditor: the settings are read-only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a whole number of seconds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was saved: correct the values marked in red.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved. Nodes apply the new values within a minute.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::StatusBanner</name>
    <message>
        <source>Retry Now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Showing the data from %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No data has been read yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database is not answering. %1 %2 The console keeps waiting and recovers by itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The database cannot be reached: %1 %2 Retrying in %n second(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
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
    <name>Cohort::SystemInformationPage</name>
    <message>
        <source>Last hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 6 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Last %n minute(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Round trip (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Probed at (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Image…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Graph:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Period:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network Map with Activity Graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs by Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs by Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total jobs by node and type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the statistics…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 jobs finished (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n probe(s) failing.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Cohort::SystemSettings</name>
    <message>
        <source>The load balancer address &quot;%1&quot; opens an IPv6 address with &quot;[&quot; but never closes it with &quot;]&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the load balancer address is not an IPv6 address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no port: write it as [IPv6 address]:port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no port: write it as host:port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write an IPv6 load balancer address in brackets, as in [2001:db8::1]:443.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no host before the port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the load balancer address is not a valid host name or IPv4 address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The load balancer port &quot;%1&quot; is not a number from 1 to %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The heartbeat must be from %1 to %2 seconds, not %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offline threshold must be from %1 to %2 seconds, not %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offline threshold (%1 s) must be at least two heartbeats (%2 s), or healthy nodes would be marked Offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading the cluster setting %1</source>
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
<context>
    <name>main</name>
    <message>
        <source>cohort-node: error: %1 (see --help)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohort-node: error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administers a Cohort cluster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cluster&apos;s database URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user name to sign in as.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in at once with the password in this file (its first line).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The page to show first: nodes, system-information, alerts, audit-log, settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a picture of each page into this folder, print the files and quit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohort-console: error: unknown page &quot;%1&quot;; one of: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohort-console: error: cannot read the password file %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohort-console: error: --password-file needs --db, --user and a non-empty first line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cohort-console: error: --screenshots needs --password-file</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
