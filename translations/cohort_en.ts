<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- English plural forms only (lupdate -pluralonly): the source texts are English. -->
<TS version="2.1" language="en_US">
<context>
    <name>Cohort::ActivityGraph</name>
    <message numerus="yes">
        <source>%1: %n job(s)</source>
        <translation>
            <numerusform>%1: %n job</numerusform>
            <numerusform>%1: %n jobs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsPage</name>
    <message numerus="yes">
        <source>· %n gone quiet</source>
        <translation>
            <numerusform>· %n gone quiet</numerusform>
            <numerusform>· %n gone quiet</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s), %1 online</source>
        <translation>
            <numerusform>%n agent, %1 online</numerusform>
            <numerusform>%n agents, %1 online</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Flagged offline, or no check-in for longer than %n second(s).</source>
        <translation>
            <numerusform>Flagged offline, or no check-in for longer than %n second.</numerusform>
            <numerusform>Flagged offline, or no check-in for longer than %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsTableModel</name>
    <message numerus="yes">
        <source>Flagged offline: silent for longer than %n second(s).</source>
        <translation>
            <numerusform>Flagged offline: silent for longer than %n second.</numerusform>
            <numerusform>Flagged offline: silent for longer than %n seconds.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>No check-in for longer than %n second(s); not flagged offline yet.</source>
        <translation>
            <numerusform>No check-in for longer than %n second; not flagged offline yet.</numerusform>
            <numerusform>No check-in for longer than %n seconds; not flagged offline yet.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::AuditCommand</name>
    <message numerus="yes">
        <source>Showing the newest %n entry(s); --limit shows more.</source>
        <translation>
            <numerusform>Showing the newest %n entry; --limit shows more.</numerusform>
            <numerusform>Showing the newest %n entries; --limit shows more.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogPage</name>
    <message numerus="yes">
        <source>%n entry(s) shown</source>
        <translation>
            <numerusform>%n entry shown</numerusform>
            <numerusform>%n entries shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::Authentication</name>
    <message numerus="yes">
        <source>The account %1 is locked after too many wrong passwords; try again in %n minute(s).</source>
        <translation>
            <numerusform>The account %1 is locked after too many wrong passwords; try again in %n minute.</numerusform>
            <numerusform>The account %1 is locked after too many wrong passwords; try again in %n minutes.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterClient</name>
    <message numerus="yes">
        <source>The database has not answered for %n second(s).</source>
        <translation>
            <numerusform>The database has not answered for %n second.</numerusform>
            <numerusform>The database has not answered for %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterConsistency</name>
    <message numerus="yes">
        <source>Its shared settings (timing overrides, grace, migration wait, trusted proxies) differ from those of the %n other node(s) that agree; compare its configuration file with theirs.</source>
        <translation>
            <numerusform>Its shared settings (timing overrides, grace, migration wait, trusted proxies) differ from those of the %n other node that agree; compare its configuration file with theirs.</numerusform>
            <numerusform>Its shared settings (timing overrides, grace, migration wait, trusted proxies) differ from those of the %n other nodes that agree; compare its configuration file with theirs.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The nodes run %n different sets of shared settings (timing overrides, grace, migration wait, trusted proxies) and no set is the majority; compare their configuration files.</source>
        <translation>
            <numerusform>The nodes run %n different sets of shared settings (timing overrides, grace, migration wait, trusted proxies) and no set is the majority; compare their configuration files.</numerusform>
            <numerusform>The nodes run %n different sets of shared settings (timing overrides, grace, migration wait, trusted proxies) and no set is the majority; compare their configuration files.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n value(s) differ from the cluster's on %1 of %2 nodes.</source>
        <translation>
            <numerusform>%n value differs from the cluster's on %1 of %2 nodes.</numerusform>
            <numerusform>%n values differ from the cluster's on %1 of %2 nodes.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>All %n node(s) agree: version %1, schema %2, one data key, time zone %3, clocks within %4 s, one configuration.</source>
        <translation>
            <numerusform>The one node agrees: version %1, schema %2, one data key, time zone %3, clock within %4 s, one configuration.</numerusform>
            <numerusform>All %n nodes agree: version %1, schema %2, one data key, time zone %3, clocks within %4 s, one configuration.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::ConsistencyModel</name>
    <message numerus="yes">
        <source>%n value(s) of this node differ from the cluster's.</source>
        <translation>
            <numerusform>%n value of this node differs from the cluster's.</numerusform>
            <numerusform>%n values of this node differ from the cluster's.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::DecommissionPreflight</name>
    <message numerus="yes">
        <source>%n open alert(s) about it will be cleared.</source>
        <translation>
            <numerusform>%n open alert about it will be cleared.</numerusform>
            <numerusform>%n open alerts about it will be cleared.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n local job run(s) are recorded for it; %1 still running will end.</source>
        <translation>
            <numerusform>%n local job run are recorded for it; %1 still running will end.</numerusform>
            <numerusform>%n local job runs are recorded for it; %1 still running will end.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s) last checked in through %1; at their next check-in they get manager list %2 (now %3), without it.</source>
        <translation>
            <numerusform>%n agent last checked in through %1; at their next check-in they get manager list %2 (now %3), without it.</numerusform>
            <numerusform>%n agents last checked in through %1; at their next check-in they get manager list %2 (now %3), without it.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::FinishedJobsDialog</name>
    <message numerus="yes">
        <source>%n job(s).</source>
        <translation>
            <numerusform>%n job.</numerusform>
            <numerusform>%n jobs.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::JobStatistics</name>
    <message numerus="yes">
        <source>Job statistics are read at most %n day(s) at a time.</source>
        <translation>
            <numerusform>Job statistics are read at most %n day at a time.</numerusform>
            <numerusform>Job statistics are read at most %n days at a time.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::JobTypes</name>
    <message numerus="yes">
        <source>cleared %n cached value(s)</source>
        <translation>
            <numerusform>cleared %n cached value</numerusform>
            <numerusform>cleared %n cached values</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>purged %1 jobs, %2 alerts, %3 audit entries, %4 statistics rows, %5 node events and %6 takeovers older than %n day(s)</source>
        <translation>
            <numerusform>purged %1 jobs, %2 alerts, %3 audit entries, %4 statistics rows, %5 node events and %6 takeovers older than %n day</numerusform>
            <numerusform>purged %1 jobs, %2 alerts, %3 audit entries, %4 statistics rows, %5 node events and %6 takeovers older than %n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s) stopped checking in.</source>
        <translation>
            <numerusform>%n agent stopped checking in.</numerusform>
            <numerusform>%n agents stopped checking in.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>flagged %n silent agent(s) offline</source>
        <translation>
            <numerusform>flagged %n silent agent offline</numerusform>
            <numerusform>flagged %n silent agents offline</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::JobsCommand</name>
    <message numerus="yes">
        <source>Submitted %n job(s) of type %1.</source>
        <translation>
            <numerusform>Submitted %n job of type %1.</numerusform>
            <numerusform>Submitted %n jobs of type %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Showing the newest %n job(s); --limit shows more.</source>
        <translation>
            <numerusform>Showing the newest %n job; --limit shows more.</numerusform>
            <numerusform>Showing the newest %n jobs; --limit shows more.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::MasterKey</name>
    <message numerus="yes">
        <source>The secret file %1 holds %n byte(s); a secret needs at least %2.</source>
        <translation>
            <numerusform>The secret file %1 holds %n byte; a secret needs at least %2.</numerusform>
            <numerusform>The secret file %1 holds %n bytes; a secret needs at least %2.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapActivityItem</name>
    <message numerus="yes">
        <source>%1: %Ln job(s) finished in the last %2 minutes</source>
        <translation>
            <numerusform>%1: %Ln job finished in the last %2 minutes</numerusform>
            <numerusform>%1: %Ln jobs finished in the last %2 minutes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeApiClient</name>
    <message numerus="yes">
        <source>The node did not answer within %n second(s).</source>
        <translation>
            <numerusform>The node did not answer within %n second.</numerusform>
            <numerusform>The node did not answer within %n seconds.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The node accepted the connection but did not complete the TLS handshake within %n second(s).</source>
        <translation>
            <numerusform>The node accepted the connection but did not complete the TLS handshake within %n second.</numerusform>
            <numerusform>The node accepted the connection but did not complete the TLS handshake within %n seconds.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The node could not be reached within %n second(s).</source>
        <translation>
            <numerusform>The node could not be reached within %n second.</numerusform>
            <numerusform>The node could not be reached within %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeDrain</name>
    <message numerus="yes">
        <source>Drained: nothing runs any more; %n job(s) not finished within the grace went back to the pool.</source>
        <translation>
            <numerusform>Drained: nothing runs any more; %n job not finished within the grace went back to the pool.</numerusform>
            <numerusform>Drained: nothing runs any more; %n jobs not finished within the grace went back to the pool.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeRegistry</name>
    <message numerus="yes">
        <source>%n job(s) not finished within the grace went back to the pool.</source>
        <translation>
            <numerusform>%n job not finished within the grace went back to the pool.</numerusform>
            <numerusform>%n jobs not finished within the grace went back to the pool.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) it held went back to the pool.</source>
        <translation>
            <numerusform>%n job it held went back to the pool.</numerusform>
            <numerusform>%n jobs it held went back to the pool.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) a previous run still held went back to the pool.</source>
        <translation>
            <numerusform>%n job a previous run still held went back to the pool.</numerusform>
            <numerusform>%n jobs a previous run still held went back to the pool.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Manager node %1 is Offline: %2. %n job(s) went back to the pool.</source>
        <translation>
            <numerusform>Manager node %1 is Offline: %2. %n job went back to the pool.</numerusform>
            <numerusform>Manager node %1 is Offline: %2. %n jobs went back to the pool.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodesCommand</name>
    <message numerus="yes">
        <source>%1 of %n job(s) finished since.</source>
        <translation>
            <numerusform>%1 of %n job finished since.</numerusform>
            <numerusform>%1 of %n jobs finished since.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodesPage</name>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline, %3 waiting for an upgrade</source>
        <translation>
            <numerusform>%n node: %1 online, %2 offline, %3 waiting for an upgrade</numerusform>
            <numerusform>%n nodes: %1 online, %2 offline, %3 waiting for an upgrade</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline</source>
        <translation>
            <numerusform>%n node: %1 online, %2 offline</numerusform>
            <numerusform>%n nodes: %1 online, %2 offline</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::PasswordHash</name>
    <message numerus="yes">
        <source>The password must have at least %n character(s).</source>
        <translation>
            <numerusform>The password must have at least %n character.</numerusform>
            <numerusform>The password must have at least %n characters.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::SettingsCommand</name>
    <message numerus="yes">
        <source>Saved %n setting(s).</source>
        <translation>
            <numerusform>Saved %n setting.</numerusform>
            <numerusform>Saved %n settings.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::StatusBanner</name>
    <message numerus="yes">
        <source>The database cannot be reached: %1 %2 Retrying in %n second(s).</source>
        <translation>
            <numerusform>The database cannot be reached: %1 %2 Retrying in %n second.</numerusform>
            <numerusform>The database cannot be reached: %1 %2 Retrying in %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::SystemInformationPage</name>
    <message numerus="yes">
        <source>Last %n minute(s)</source>
        <translation>
            <numerusform>Last %n minute</numerusform>
            <numerusform>Last %n minutes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n probe(s) failing.</source>
        <translation>
            <numerusform>%n probe failing.</numerusform>
            <numerusform>%n probes failing.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::TakeoverReportDialog</name>
    <message numerus="yes">
        <source>%n job(s) held, %1 finished since</source>
        <translation>
            <numerusform>%n job held, %1 finished since</numerusform>
            <numerusform>%n jobs held, %1 finished since</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::UsersCommand</name>
    <message numerus="yes">
        <source>Locked %1 for %n minute(s).</source>
        <translation>
            <numerusform>Locked %1 for %n minute.</numerusform>
            <numerusform>Locked %1 for %n minutes.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodePropertiesDialog</name>
    <message numerus="yes">
        <source>Asked GET %1 at %2; asking again every %n second(s).</source>
        <translation>
            <numerusform>Asked GET %1 at %2; asking again every second.</numerusform>
            <numerusform>Asked GET %1 at %2; asking again every %n seconds.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::UsersTableModel</name>
    <message numerus="yes">
        <source>Active (%n failed sign-in(s))</source>
        <translation>
            <numerusform>Active (%n failed sign-in)</numerusform>
            <numerusform>Active (%n failed sign-ins)</numerusform>
        </translation>
    </message>
</context>
</TS>
