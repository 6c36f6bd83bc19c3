<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- English plural forms only (lupdate -pluralonly): the source texts are English. -->
<TS version="2.1" language="en_US">
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
            <numerusform>Showing the newest job; --limit shows more.</numerusform>
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
    <name>Cohort::JobTypes</name>
    <message numerus="yes">
        <source>flagged %n silent agent(s) offline</source>
        <translation>
            <numerusform>flagged %n silent agent offline</numerusform>
            <numerusform>flagged %n silent agents offline</numerusform>
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
        <source>purged %1 jobs, %2 alerts, %3 audit entries and %4 statistics rows older than %n day(s)</source>
        <translation>
            <numerusform>purged %1 jobs, %2 alerts, %3 audit entries and %4 statistics rows older than %n day</numerusform>
            <numerusform>purged %1 jobs, %2 alerts, %3 audit entries and %4 statistics rows older than %n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>cleared %n cached value(s)</source>
        <translation>
            <numerusform>cleared %n cached value</numerusform>
            <numerusform>cleared %n cached values</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeRegistry</name>
    <message numerus="yes">
        <source>Manager node %1 is Offline: %2. %n job(s) went back to the pool.</source>
        <translation>
            <numerusform>Manager node %1 is Offline: %2. %n job went back to the pool.</numerusform>
            <numerusform>Manager node %1 is Offline: %2. %n jobs went back to the pool.</numerusform>
        </translation>
    </message>
</context>
</TS>
