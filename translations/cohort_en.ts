<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- English plural forms only (lupdate -pluralonly): the source texts are English. -->
<TS version="2.1" language="en_US">
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
</TS>
