<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AgentsTableModel</name>
    <message>
        <source>Gone quiet</source>
        <translation>Verstummt</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>agent state</comment>
        <translation>Online</translation>
    </message>
    <message>
        <source>Offline</source>
        <comment>agent state</comment>
        <translation>Offline</translation>
    </message>
</context>
<context>
    <name>Cohort::ActivityGraph</name>
    <message>
        <source>Jobs finished per minute over the last hour</source>
        <translation>Beendete Jobs pro Minute in der letzten Stunde</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n job(s)</source>
        <translation>
            <numerusform>%1: %n Job</numerusform>
            <numerusform>%1: %n Jobs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::Administration</name>
    <message>
        <source>checking the role of %1</source>
        <translation>Prüfen der Rolle von %1</translation>
    </message>
    <message>
        <source>The user %1 no longer exists and may not change the cluster.</source>
        <translation>Der Benutzer %1 existiert nicht mehr und darf den Cluster nicht ändern.</translation>
    </message>
    <message>
        <source>%1 is an auditor and may not change the cluster.</source>
        <translation>%1 ist Auditor und darf den Cluster nicht ändern.</translation>
    </message>
    <message>
        <source>reading alert %1</source>
        <translation>Lesen von Alarm %1</translation>
    </message>
    <message>
        <source>There is no alert %1.</source>
        <translation>Es gibt keinen Alarm %1.</translation>
    </message>
    <message>
        <source>The description has %1 characters; at most %2 are allowed.</source>
        <translation>Die Beschreibung hat %1 Zeichen; höchstens %2 sind erlaubt.</translation>
    </message>
    <message>
        <source>finding node %1</source>
        <translation>Suchen von Knoten %1</translation>
    </message>
    <message>
        <source>There is no node %1.</source>
        <translation>Es gibt keinen Knoten %1.</translation>
    </message>
    <message>
        <source>describing node %1</source>
        <translation>Speichern der Beschreibung von Knoten %1</translation>
    </message>
    <message>
        <source>Alert %1 is already cleared.</source>
        <translation>Alarm %1 ist bereits aufgehoben.</translation>
    </message>
    <message>
        <source>Alert %1 is already acknowledged.</source>
        <translation>Alarm %1 ist bereits bestätigt.</translation>
    </message>
    <message>
        <source>acknowledging alert %1</source>
        <translation>Bestätigen von Alarm %1</translation>
    </message>
    <message>
        <source>Alert %1 changed meanwhile; look again.</source>
        <translation>Alarm %1 wurde inzwischen geändert; sehen Sie erneut nach.</translation>
    </message>
    <message>
        <source>clearing alert %1</source>
        <translation>Aufheben von Alarm %1</translation>
    </message>
    <message>
        <source>reading the system settings</source>
        <translation>Lesen der Systemeinstellungen</translation>
    </message>
    <message>
        <source>There is no user %1.</source>
        <translation>Es gibt keinen Benutzer %1.</translation>
    </message>
    <message>
        <source>%1: the stored value &quot;%2&quot; is not a whole number; set it too.</source>
        <translation>%1: Der gespeicherte Wert &quot;%2&quot; ist keine ganze Zahl; setzen Sie ihn ebenfalls.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>A lock lasts a whole number of minutes from 1, not %1.</source>
        <translation>Eine Sperre dauert eine ganze Anzahl von Minuten ab 1, nicht %1.</translation>
    </message>
    <message>
        <source>reading the administrators</source>
        <translation>Lesen der Administratoren</translation>
    </message>
    <message>
        <source>%1 is already an auditor.</source>
        <translation>%1 ist bereits Auditor.</translation>
    </message>
    <message>
        <source>No administrator but %1 is unlocked: making %1 an auditor would leave none. Add or unlock another administrator first.</source>
        <translation>Außer %1 ist kein Administrator entsperrt: Würde %1 zum Auditor gemacht, bliebe keiner übrig. Legen Sie zuerst einen weiteren Administrator an oder entsperren Sie einen.</translation>
    </message>
    <message>
        <source>%1 is already an administrator.</source>
        <translation>%1 ist bereits Administrator.</translation>
    </message>
    <message>
        <source>No administrator but %1 is unlocked: locking %1 would leave none. Add or unlock another administrator first.</source>
        <translation>Außer %1 ist kein Administrator entsperrt: Würde %1 gesperrt, bliebe keiner übrig. Legen Sie zuerst einen weiteren Administrator an oder entsperren Sie einen.</translation>
    </message>
    <message>
        <source>%1 is not locked.</source>
        <translation>%1 ist nicht gesperrt.</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentDistributionView</name>
    <message>
        <source>No manager nodes.</source>
        <translation>Keine Manager-Knoten.</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentRecorder</name>
    <message>
        <source>the node holds no data key</source>
        <translation>der Knoten hält keinen Datenschlüssel</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentSimulator</name>
    <message>
        <source>Final: %1</source>
        <translation>Abschluss: %1</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentStatistics</name>
    <message>
        <source>%1 s: %2 agents, %3 check-ins ok, %4 failed rounds, failed attempts: %5; %6 failovers; list versions: %7; per node: %8</source>
        <translation>%1 s: %2 Agents, %3 Meldungen erfolgreich, %4 Runden ohne Antwort, fehlgeschlagene Versuche: %5; %6 Ausweichversuche; Listenversionen: %7; pro Knoten: %8</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
</context>
<context>
    <name>Cohort::Agents</name>
    <message>
        <source>&quot;%1&quot; is not an agent GUID (8-4-4-4-12 hexadecimal digits).</source>
        <translation>„%1“ ist keine Agent-GUID (8-4-4-4-12 Hexadezimalziffern).</translation>
    </message>
    <message>
        <source>host_name is longer than %1 characters.</source>
        <translation>host_name ist länger als %1 Zeichen.</translation>
    </message>
    <message>
        <source>host_name holds control characters.</source>
        <translation>host_name enthält Steuerzeichen.</translation>
    </message>
    <message>
        <source>addresses lists more than %1 addresses.</source>
        <translation>addresses nennt mehr als %1 Adressen.</translation>
    </message>
    <message>
        <source>addresses holds an entry that is empty, longer than %1 characters or not printable.</source>
        <translation>addresses enthält einen Eintrag, der leer, länger als %1 Zeichen oder nicht druckbar ist.</translation>
    </message>
    <message>
        <source>addresses holds an entry with a line break.</source>
        <translation>addresses enthält einen Eintrag mit einem Zeilenumbruch.</translation>
    </message>
    <message>
        <source>version is longer than %1 characters or not printable.</source>
        <translation>version ist länger als %1 Zeichen oder nicht druckbar.</translation>
    </message>
    <message>
        <source>list_version is longer than %1 characters or not printable.</source>
        <translation>list_version ist länger als %1 Zeichen oder nicht druckbar.</translation>
    </message>
    <message>
        <source>preparing to record agent check-ins</source>
        <translation>beim Vorbereiten der Aufzeichnung von Agent-Meldungen</translation>
    </message>
    <message>
        <source>recording agent %1&apos;s check-in</source>
        <translation>beim Aufzeichnen der Meldung von Agent %1</translation>
    </message>
    <message>
        <source>reading the agents</source>
        <translation>beim Lesen der Agents</translation>
    </message>
    <message>
        <source>agent %1&apos;s host name</source>
        <translation>Hostname von Agent %1</translation>
    </message>
    <message>
        <source>agent %1&apos;s addresses</source>
        <translation>Adressen von Agent %1</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsMain</name>
    <message>
        <source>cohort-agents: %1 (see &quot;cohort-agents --help&quot;)</source>
        <translation>cohort-agents: %1 (siehe „cohort-agents --help“)</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsOptions</name>
    <message>
        <source>Simulates many agents in one process, each checking in with the Cohort nodes over HTTPS on a new connection, pinning the nodes&apos; certificates, and reports what happened.</source>
        <translation>Simuliert viele Agents in einem Prozess, die sich jeweils über eine neue HTTPS-Verbindung bei den Cohort-Knoten melden und deren Zertifikate prüfen, und berichtet, was geschah.</translation>
    </message>
    <message>
        <source>Shows this help.</source>
        <translation>Zeigt diese Hilfe an.</translation>
    </message>
    <message>
        <source>Shows the version.</source>
        <translation>Zeigt die Version.</translation>
    </message>
    <message>
        <source>The managers to start with, HOST:PORT[,HOST:PORT...], until the first answer replaces them.</source>
        <translation>Die Manager für den Anfang, HOST:PORT[,HOST:PORT...], bis die erste Antwort sie ersetzt.</translation>
    </message>
    <message>
        <source>The SHA-256 (64 hex digits) of a certificate the starting managers may present; repeat it or separate several by commas.</source>
        <translation>Der SHA-256 (64 Hexadezimalziffern) eines Zertifikats, das die anfänglichen Manager zeigen dürfen; wiederholen oder mehrere durch Kommas trennen.</translation>
    </message>
    <message>
        <source>How many agents to simulate (default 100).</source>
        <translation>Wie viele Agents simuliert werden (Standard 100).</translation>
    </message>
    <message>
        <source>Seconds between an agent&apos;s check-ins (default 30; fractions allowed).</source>
        <translation>Sekunden zwischen den Meldungen eines Agents (Standard 30; Bruchteile erlaubt).</translation>
    </message>
    <message>
        <source>Each wait is the interval times 1 plus or minus this fraction, at random (default 0.1).</source>
        <translation>Jede Wartezeit ist das Intervall mal 1 plus oder minus diesem Anteil, zufällig (Standard 0,1).</translation>
    </message>
    <message>
        <source>Seconds to run (default 0: until SIGINT or SIGTERM); then the final summary.</source>
        <translation>Laufzeit in Sekunden (Standard 0: bis SIGINT oder SIGTERM); danach die Abschlusszusammenfassung.</translation>
    </message>
    <message>
        <source>Milliseconds one attempt may take: connection, TLS and answer (default 3000).</source>
        <translation>Millisekunden, die ein Versuch dauern darf: Verbindung, TLS und Antwort (Standard 3000).</translation>
    </message>
    <message>
        <source>An IPv4 network, A.B.C.D/PREFIX: agent i connects from its own address in it (the first host address, the second, ...). On Linux any 127/8 address is local.</source>
        <translation>Ein IPv4-Netz, A.B.C.D/PRÄFIX: Agent i verbindet sich von seiner eigenen Adresse darin (der ersten Hostadresse, der zweiten, ...). Unter Linux ist jede Adresse in 127/8 lokal.</translation>
    </message>
    <message>
        <source>Seed for the agents&apos; GUIDs, managers and waits (default: random).</source>
        <translation>Startwert für GUIDs, Managerwahl und Wartezeiten der Agents (Standard: zufällig).</translation>
    </message>
    <message>
        <source>Threads running the connections (default 2).</source>
        <translation>Threads, die die Verbindungen ausführen (Standard 2).</translation>
    </message>
    <message>
        <source>Seconds between live summaries on stderr (default 5; 0: none).</source>
        <translation>Sekunden zwischen laufenden Zusammenfassungen auf stderr (Standard 5; 0: keine).</translation>
    </message>
    <message>
        <source>Also prints every summary as one JSON object per line on stdout.</source>
        <translation>Gibt zusätzlich jede Zusammenfassung als ein JSON-Objekt pro Zeile auf stdout aus.</translation>
    </message>
    <message>
        <source>Live JSON summaries list every agent too (the final one always does).</source>
        <translation>Laufende JSON-Zusammenfassungen führen auch jeden Agent auf (die abschließende immer).</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--json-agents needs --json</source>
        <translation>--json-agents braucht --json</translation>
    </message>
    <message>
        <source>--managers is required: HOST:PORT[,HOST:PORT...]</source>
        <translation>--managers ist erforderlich: HOST:PORT[,HOST:PORT...]</translation>
    </message>
    <message>
        <source>--managers: an empty entry in &quot;%1&quot;</source>
        <translation>--managers: ein leerer Eintrag in „%1“</translation>
    </message>
    <message>
        <source>--managers: %1</source>
        <translation>--managers: %1</translation>
    </message>
    <message>
        <source>--pin is required: the SHA-256 of a starting manager&apos;s certificate, 64 hex digits</source>
        <translation>--pin ist erforderlich: der SHA-256 des Zertifikats eines anfänglichen Managers, 64 Hexadezimalziffern</translation>
    </message>
    <message>
        <source>--pin: &quot;%1&quot; is not a SHA-256 fingerprint (64 hex digits)</source>
        <translation>--pin: „%1“ ist kein SHA-256-Fingerabdruck (64 Hexadezimalziffern)</translation>
    </message>
    <message>
        <source>--%1 must be a whole number from %2 to %3, not &quot;%4&quot;</source>
        <translation>--%1 muss eine ganze Zahl von %2 bis %3 sein, nicht „%4“</translation>
    </message>
    <message>
        <source>--%1 must be a number of seconds, %2 or more, not &quot;%3&quot;</source>
        <translation>--%1 muss eine Anzahl Sekunden sein, %2 oder mehr, nicht „%3“</translation>
    </message>
    <message>
        <source>--%1 must be a number of seconds greater than %2, not &quot;%3&quot;</source>
        <translation>--%1 muss eine Anzahl Sekunden größer als %2 sein, nicht „%3“</translation>
    </message>
    <message>
        <source>--jitter must be a fraction from 0 up to (not including) 1, not &quot;%1&quot;</source>
        <translation>--jitter muss ein Anteil von 0 bis unter 1 sein, nicht „%1“</translation>
    </message>
    <message>
        <source>--seed must be a whole number from 0 to 18446744073709551615, not &quot;%1&quot;</source>
        <translation>--seed muss eine ganze Zahl von 0 bis 18446744073709551615 sein, nicht „%1“</translation>
    </message>
    <message>
        <source>--source-net: &quot;%1&quot; is not an IPv4 network A.B.C.D/PREFIX with a prefix from 8 to 30</source>
        <translation>--source-net: „%1“ ist kein IPv4-Netz A.B.C.D/PRÄFIX mit einem Präfix von 8 bis 30</translation>
    </message>
    <message>
        <source>--source-net: %1 has %2 host addresses, fewer than the %3 agents</source>
        <translation>--source-net: %1 hat %2 Hostadressen, weniger als die %3 Agents</translation>
    </message>
    <message>
        <source>No TLS session resumption: every check-in makes a full handshake (by default each agent resumes the session it last had with that manager, as a real agent does).</source>
        <translation>Keine Wiederaufnahme von TLS-Sitzungen: Jeder Check-in macht einen vollständigen Handshake (standardmäßig nimmt jeder Agent die Sitzung wieder auf, die er zuletzt mit diesem Manager hatte, wie es ein echter Agent tut).</translation>
    </message>
    <message>
        <source>Leave check-ins that start in the first SECONDS out of the latency figures (default 0); they still count everywhere else.</source>
        <translation>Check-ins, die in den ersten SECONDS Sekunden beginnen, nicht in die Latenzwerte aufnehmen (Standard 0); überall sonst zählen sie mit.</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsPage</name>
    <message>
        <source>Show only agents gone &amp;quiet</source>
        <translation>Nur &amp;verstummte Agents zeigen</translation>
    </message>
    <message>
        <source>Filter by GUID, host name, address, version, node…</source>
        <translation>Nach GUID, Hostname, Adresse, Version, Knoten filtern…</translation>
    </message>
    <message>
        <source>Online Agents per Node</source>
        <translation>Online-Agents pro Knoten</translation>
    </message>
    <message>
        <source>This cluster&apos;s schema predates agents: upgrade a node to see them.</source>
        <translation>Das Schema dieses Clusters ist älter als die Agents: Aktualisieren Sie einen Knoten, um sie zu sehen.</translation>
    </message>
    <message>
        <source>Host names and addresses are sealed. %1</source>
        <translation>Hostnamen und Adressen sind versiegelt. %1</translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s), %1 online</source>
        <translation>
            <numerusform>%n Agent, %1 online</numerusform>
            <numerusform>%n Agents, %1 online</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>· %n gone quiet</source>
        <translation>
            <numerusform>· %n verstummt</numerusform>
            <numerusform>· %n verstummt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Flagged offline, or no check-in for longer than %n second(s).</source>
        <translation>
            <numerusform>Als offline markiert oder länger als %n Sekunde ohne Meldung.</numerusform>
            <numerusform>Als offline markiert oder länger als %n Sekunden ohne Meldung.</numerusform>
        </translation>
    </message>
    <message>
        <source>· none gone quiet</source>
        <translation>· keiner verstummt</translation>
    </message>
    <message>
        <source>Filter agents</source>
        <translation>Agents filtern</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>Agents</translation>
    </message>
    <message>
        <source>One row per agent that has checked in.</source>
        <translation>Eine Zeile je Agent, der sich gemeldet hat.</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsTableModel</name>
    <message>
        <source>%1… (not listed)</source>
        <translation>%1… (nicht aufgeführt)</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation>vor %1 s</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>vor %1 min</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>vor %1 h</translation>
    </message>
    <message>
        <source>%1 d ago</source>
        <translation>vor %1 T</translation>
    </message>
    <message>
        <source>Sealed with the cluster&apos;s data key: only an administrator holding a copy of the key sees it.</source>
        <translation>Mit dem Datenschlüssel des Clusters versiegelt: Nur ein Administrator mit einer Kopie des Schlüssels sieht den Wert.</translation>
    </message>
    <message>
        <source>%1 (database time); first check-in %2</source>
        <translation>%1 (Datenbankzeit); erste Meldung %2</translation>
    </message>
    <message numerus="yes">
        <source>Flagged offline: silent for longer than %n second(s).</source>
        <translation>
            <numerusform>Als offline markiert: länger als %n Sekunde still.</numerusform>
            <numerusform>Als offline markiert: länger als %n Sekunden still.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>No check-in for longer than %n second(s); not flagged offline yet.</source>
        <translation>
            <numerusform>Länger als %n Sekunde keine Meldung; noch nicht als offline markiert.</numerusform>
            <numerusform>Länger als %n Sekunden keine Meldung; noch nicht als offline markiert.</numerusform>
        </translation>
    </message>
    <message>
        <source>Gone quiet</source>
        <translation>Verstummt</translation>
    </message>
    <message>
        <source>Host Name</source>
        <translation>Hostname</translation>
    </message>
    <message>
        <source>Last Check-In</source>
        <translation>Letzte Meldung</translation>
    </message>
    <message>
        <source>The manager node the agent last checked in with.</source>
        <translation>Der Manager-Knoten, bei dem sich der Agent zuletzt gemeldet hat.</translation>
    </message>
    <message>
        <source>Sealed</source>
        <comment>value not shown to an auditor</comment>
        <translation>Versiegelt</translation>
    </message>
    <message>
        <source>Offline</source>
        <comment>agent state</comment>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>agent state</comment>
        <translation>Online</translation>
    </message>
    <message>
        <source>GUID</source>
        <comment>column heading</comment>
        <translation>GUID</translation>
    </message>
    <message>
        <source>Addresses</source>
        <comment>column heading</comment>
        <translation>Adressen</translation>
    </message>
    <message>
        <source>Version</source>
        <comment>column heading</comment>
        <translation>Version</translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>State</source>
        <comment>column heading</comment>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Check-Ins</source>
        <comment>column heading</comment>
        <translation>Meldungen</translation>
    </message>
</context>
<context>
    <name>Cohort::Alerts</name>
    <message>
        <source>looking for an open %1 alert</source>
        <translation>Suchen eines offenen Alarms vom Typ %1</translation>
    </message>
    <message>
        <source>raising a %1 alert</source>
        <translation>Auslösen eines Alarms vom Typ %1</translation>
    </message>
    <message>
        <source>reading the alerts</source>
        <translation>Lesen der Alarme</translation>
    </message>
    <message>
        <source>clearing the %1 alerts</source>
        <translation>Aufheben der Alarme vom Typ %1</translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsCommand</name>
    <message>
        <source>Lists the cluster&apos;s alerts, acknowledges or clears one.</source>
        <translation>Listet die Alarme des Clusters auf, bestätigt einen oder hebt einen auf.</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>Aktionen:</translation>
    </message>
    <message>
        <source>  list [--all]    The open alerts (not cleared), newest first; with --all the
                  cleared ones too.</source>
        <translation>  list [--all]    Die offenen (nicht aufgehobenen) Alarme, neueste zuerst; mit --all
                  auch die aufgehobenen.</translation>
    </message>
    <message>
        <source>  acknowledge ID  Marks an open alert as seen; it stays open.</source>
        <translation>  acknowledge ID  Markiert einen offenen Alarm als gesehen; er bleibt offen.</translation>
    </message>
    <message>
        <source>  clear ID        Closes an alert, acknowledged or not.</source>
        <translation>  clear ID        Schließt einen Alarm, ob bestätigt oder nicht.</translation>
    </message>
    <message>
        <source>Acknowledging and clearing are recorded in the audit log as &quot;alert.acknowledge&quot; and
&quot;alert.clear&quot;, as from the console, by %1.</source>
        <translation>Bestätigen und Aufheben werden wie in der Konsole als &quot;alert.acknowledge&quot; und
&quot;alert.clear&quot; im Audit-Protokoll eingetragen, ausgeführt von %1.</translation>
    </message>
    <message>
        <source>What to do: list, acknowledge or clear.</source>
        <translation>Was zu tun ist: list, acknowledge oder clear.</translation>
    </message>
    <message>
        <source>acknowledge, clear: the alert&apos;s id (see &quot;alerts list&quot;).</source>
        <translation>acknowledge, clear: die ID des Alarms (siehe &quot;alerts list&quot;).</translation>
    </message>
    <message>
        <source>list: the cleared alerts too.</source>
        <translation>list: auch die aufgehobenen Alarme.</translation>
    </message>
    <message>
        <source>give an action: list, acknowledge or clear</source>
        <translation>geben Sie eine Aktion an: list, acknowledge oder clear</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are list, acknowledge and clear</source>
        <translation>unbekannte Aktion &quot;%1&quot;; die Aktionen sind list, acknowledge und clear</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--%1 does not apply to &quot;alerts %2&quot;</source>
        <translation>--%1 gilt nicht für &quot;alerts %2&quot;</translation>
    </message>
    <message>
        <source>%1 needs exactly one ID</source>
        <translation>%1 benötigt genau eine ID</translation>
    </message>
    <message>
        <source>No alerts.</source>
        <translation>Keine Alarme.</translation>
    </message>
    <message>
        <source>No open alerts.</source>
        <translation>Keine offenen Alarme.</translation>
    </message>
    <message>
        <source>the alert ID must be a whole number from 1, not &quot;%1&quot;</source>
        <translation>die Alarm-ID muss eine ganze Zahl ab 1 sein, nicht &quot;%1&quot;</translation>
    </message>
    <message>
        <source>Cleared alert %1.</source>
        <translation>Alarm %1 aufgehoben.</translation>
    </message>
    <message>
        <source>Acknowledged alert %1.</source>
        <translation>Alarm %1 bestätigt.</translation>
    </message>
    <message>
        <source>ID</source>
        <comment>table heading</comment>
        <translation>ID</translation>
    </message>
    <message>
        <source>STATE</source>
        <comment>table heading</comment>
        <translation>ZUSTAND</translation>
    </message>
    <message>
        <source>SEVERITY</source>
        <comment>table heading</comment>
        <translation>SCHWEREGRAD</translation>
    </message>
    <message>
        <source>KIND</source>
        <comment>table heading</comment>
        <translation>ART</translation>
    </message>
    <message>
        <source>NODE</source>
        <comment>table heading</comment>
        <translation>KNOTEN</translation>
    </message>
    <message>
        <source>RAISED</source>
        <comment>table heading</comment>
        <translation>AUSGELÖST</translation>
    </message>
    <message>
        <source>MESSAGE</source>
        <comment>table heading</comment>
        <translation>MELDUNG</translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsPage</name>
    <message>
        <source>Show &amp;cleared alerts</source>
        <translation>&amp;Aufgehobene Alarme anzeigen</translation>
    </message>
    <message>
        <source>Auditors cannot change alerts.</source>
        <translation>Auditoren können Alarme nicht ändern.</translation>
    </message>
    <message>
        <source>Open &amp;Takeover Report</source>
        <translation>&amp;Übernahmebericht öffnen</translation>
    </message>
    <message>
        <source>For a node-offline alert: what happened to the jobs the node held.</source>
        <translation>Bei einem Offline-Alarm eines Knotens: was mit den Jobs geschah, die der Knoten hielt.</translation>
    </message>
    <message>
        <source>Open Takeover Report</source>
        <translation>Übernahmebericht öffnen</translation>
    </message>
    <message>
        <source>&amp;Acknowledge</source>
        <comment>alert action</comment>
        <translation>&amp;Bestätigen</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <comment>alert action</comment>
        <translation>Auf&amp;heben</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>Alarme</translation>
    </message>
    <message>
        <source>One row per alert, newest first; select one to acknowledge or clear it.</source>
        <translation>Eine Zeile je Alarm, neueste zuerst; einen auswählen, um ihn zu bestätigen oder zu löschen.</translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsTableModel</name>
    <message>
        <source>Cleared by %1</source>
        <translation>Aufgehoben von %1</translation>
    </message>
    <message>
        <source>Acknowledged by %1</source>
        <translation>Bestätigt von %1</translation>
    </message>
    <message>
        <source>Critical</source>
        <comment>alert severity</comment>
        <translation>Kritisch</translation>
    </message>
    <message>
        <source>Warning</source>
        <comment>alert severity</comment>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>Information</source>
        <comment>alert severity</comment>
        <translation>Information</translation>
    </message>
    <message>
        <source>Open</source>
        <comment>alert state</comment>
        <translation>Offen</translation>
    </message>
    <message>
        <source>Raised</source>
        <comment>column heading</comment>
        <translation>Ausgelöst</translation>
    </message>
    <message>
        <source>Severity</source>
        <comment>column heading</comment>
        <translation>Schweregrad</translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>Message</source>
        <comment>column heading</comment>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>State</source>
        <comment>column heading</comment>
        <translation>Zustand</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditCommand</name>
    <message>
        <source>Shows the audit log, newest first, filtered as on the console.</source>
        <translation>Zeigt das Audit-Protokoll, neueste Einträge zuerst, gefiltert wie in der Konsole.</translation>
    </message>
    <message>
        <source>Who did what to the cluster, and when (database time, shown in UTC). Filters
combine: --actor and --target match exactly, --action matches a prefix (&quot;node.&quot;
matches &quot;node.decommission&quot;). A time without an offset is UTC.</source>
        <translation>Wer wann was am Cluster getan hat (Datenbankzeit, in UTC angezeigt). Filter lassen
sich kombinieren: --actor und --target müssen genau passen, --action passt auf ein
Präfix (&quot;node.&quot; passt auf &quot;node.decommission&quot;). Eine Zeit ohne Offset gilt als UTC.</translation>
    </message>
    <message>
        <source>Entries at or after this time (ISO 8601, e.g. 2024-05-01T12:00:00Z).</source>
        <translation>Einträge ab diesem Zeitpunkt (ISO 8601, z. B. 2024-05-01T12:00:00Z).</translation>
    </message>
    <message>
        <source>Entries of the last while, like 30m, 1h, 24h or 7d (instead of --since).</source>
        <translation>Einträge des letzten Zeitraums, etwa 30m, 1h, 24h oder 7d (statt --since).</translation>
    </message>
    <message>
        <source>Entries before this time (ISO 8601).</source>
        <translation>Einträge vor diesem Zeitpunkt (ISO 8601).</translation>
    </message>
    <message>
        <source>Only this actor: a user, or cohortctl:&lt;os user&gt;.</source>
        <translation>Nur dieser Akteur: ein Benutzer oder cohortctl:&lt;os user&gt;.</translation>
    </message>
    <message>
        <source>Only actions starting with this, like node. or user.login.</source>
        <translation>Nur Aktionen, die damit beginnen, etwa node. oder user.login.</translation>
    </message>
    <message>
        <source>Only this target: a node&apos;s GUID, an alert&apos;s id, a user, ...</source>
        <translation>Nur dieses Ziel: die GUID eines Knotens, die ID eines Alarms, ein Benutzer, ...</translation>
    </message>
    <message>
        <source>At most this many entries, from 1 to %1 (default: %2).</source>
        <translation>Höchstens so viele Einträge, von 1 bis %1 (Standard: %2).</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>give --since or --last, not both</source>
        <translation>geben Sie --since oder --last an, nicht beides</translation>
    </message>
    <message>
        <source>--%1 cannot be empty</source>
        <translation>--%1 darf nicht leer sein</translation>
    </message>
    <message>
        <source>--limit must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--limit muss eine ganze Zahl von 1 bis %1 sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>--%1 must be a time like 2024-05-01T12:00:00Z, not &quot;%2&quot;</source>
        <translation>--%1 muss eine Zeit wie 2024-05-01T12:00:00Z sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>--last must be a duration like 30s, 15m, 1h, 24h or 7d (at most %1d), not &quot;%2&quot;</source>
        <translation>--last muss eine Dauer wie 30s, 15m, 1h, 24h oder 7d sein (höchstens %1d), nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>--since must be before --until</source>
        <translation>--since muss vor --until liegen</translation>
    </message>
    <message>
        <source>No audit entries match.</source>
        <translation>Keine passenden Audit-Einträge.</translation>
    </message>
    <message numerus="yes">
        <source>Showing the newest %n entry(s); --limit shows more.</source>
        <translation>
            <numerusform>%n Eintrag (der neueste) wird angezeigt; --limit zeigt mehr.</numerusform>
            <numerusform>Die neuesten %n Einträge werden angezeigt; --limit zeigt mehr.</numerusform>
        </translation>
    </message>
    <message>
        <source>TIME</source>
        <comment>table heading</comment>
        <translation>ZEIT</translation>
    </message>
    <message>
        <source>ACTOR</source>
        <comment>table heading</comment>
        <translation>AKTEUR</translation>
    </message>
    <message>
        <source>ACTION</source>
        <comment>table heading</comment>
        <translation>AKTION</translation>
    </message>
    <message>
        <source>TARGET</source>
        <comment>table heading</comment>
        <translation>ZIEL</translation>
    </message>
    <message>
        <source>DETAILS</source>
        <comment>table heading</comment>
        <translation>DETAILS</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLog</name>
    <message>
        <source>recording %1 in the audit log</source>
        <translation>Eintragen von %1 in das Audit-Protokoll</translation>
    </message>
    <message>
        <source>reading the audit log</source>
        <translation>Lesen des Audit-Protokolls</translation>
    </message>
    <message>
        <source>The audit log can only be read a positive number of entries at a time, not %1.</source>
        <translation>Das Audit-Protokoll kann nur in einer positiven Anzahl von Einträgen auf einmal gelesen werden, nicht %1.</translation>
    </message>
    <message>
        <source>searching the audit log</source>
        <translation>Durchsuchen des Audit-Protokolls</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogModel</name>
    <message>
        <source>Time</source>
        <comment>column heading</comment>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>User</source>
        <comment>column heading</comment>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Action</source>
        <comment>column heading</comment>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Target</source>
        <comment>column heading</comment>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Details</source>
        <comment>column heading</comment>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogPage</name>
    <message>
        <source>Any user</source>
        <translation>Alle Benutzer</translation>
    </message>
    <message>
        <source>Any action (a prefix such as node.)</source>
        <translation>Alle Aktionen (ein Präfix wie node.)</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Action:</source>
        <translation>Aktion:</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown</source>
        <translation>
            <numerusform>%n Eintrag angezeigt</numerusform>
            <numerusform>%n Einträge angezeigt</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <comment>start of a time range</comment>
        <translation>&amp;Von:</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <comment>end of a time range</comment>
        <translation>&amp;Bis:</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <comment>filter</comment>
        <translation>&amp;Anwenden</translation>
    </message>
    <message>
        <source>&amp;Reset</source>
        <comment>filter</comment>
        <translation>&amp;Zurücksetzen</translation>
    </message>
    <message>
        <source>Filter by user</source>
        <translation>Nach Benutzer filtern</translation>
    </message>
    <message>
        <source>Filter by action</source>
        <translation>Nach Aktion filtern</translation>
    </message>
    <message>
        <source>From date and time</source>
        <translation>Von Datum und Uhrzeit</translation>
    </message>
    <message>
        <source>To date and time</source>
        <translation>Bis Datum und Uhrzeit</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <source>Who did what and when, newest first.</source>
        <translation>Wer hat was wann getan, neueste zuerst.</translation>
    </message>
</context>
<context>
    <name>Cohort::Authentication</name>
    <message>
        <source>looking up user %1</source>
        <translation>Nachschlagen von Benutzer %1</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>Falscher Benutzername oder falsches Passwort.</translation>
    </message>
    <message numerus="yes">
        <source>The account %1 is locked after too many wrong passwords; try again in %n minute(s).</source>
        <translation>
            <numerusform>Das Konto %1 ist nach zu vielen falschen Passwörtern gesperrt; versuchen Sie es in %n Minute erneut.</numerusform>
            <numerusform>Das Konto %1 ist nach zu vielen falschen Passwörtern gesperrt; versuchen Sie es in %n Minuten erneut.</numerusform>
        </translation>
    </message>
    <message>
        <source>counting a failed login of %1</source>
        <translation>Zählen einer fehlgeschlagenen Anmeldung von %1</translation>
    </message>
    <message>
        <source>locking the account %1</source>
        <translation>Sperren des Kontos %1</translation>
    </message>
    <message>
        <source>recording the login of %1</source>
        <translation>Protokollieren der Anmeldung von %1</translation>
    </message>
    <message>
        <source>User %1 has the unknown role &quot;%2&quot;.</source>
        <translation>Benutzer %1 hat die unbekannte Rolle &quot;%2&quot;.</translation>
    </message>
    <message>
        <source>The account %1 is locked until an administrator unlocks it.</source>
        <translation>Das Konto %1 ist gesperrt, bis ein Administrator es entsperrt.</translation>
    </message>
</context>
<context>
    <name>Cohort::Cluster</name>
    <message>
        <source>reading the cluster record</source>
        <translation>Lesen des Cluster-Datensatzes</translation>
    </message>
    <message>
        <source>This database already holds cluster &quot;%1&quot; (%2), created %3; nothing was changed.</source>
        <translation>Diese Datenbank enthält bereits den Cluster &quot;%1&quot; (%2), erstellt am %3; nichts wurde geändert.</translation>
    </message>
    <message>
        <source>The cluster name is empty.</source>
        <translation>Der Clustername ist leer.</translation>
    </message>
    <message>
        <source>creating the cluster record</source>
        <translation>Anlegen des Cluster-Datensatzes</translation>
    </message>
    <message>
        <source>The cluster record vanished right after it was created.</source>
        <translation>Der Cluster-Datensatz ist direkt nach dem Anlegen verschwunden.</translation>
    </message>
    <message>
        <source>The database %1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>Die Datenbank %1 enthält keinen Cluster; legen Sie mit &quot;cohortctl init&quot; einen an.</translation>
    </message>
    <message>
        <source>Another process created %1 meanwhile; this init changed nothing.</source>
        <translation>Ein anderer Prozess hat %1 inzwischen angelegt; dieses init hat nichts geändert.</translation>
    </message>
    <message>
        <source>Cannot move the new database into place at %1: %2.</source>
        <translation>Die neue Datenbank kann nicht nach %1 verschoben werden: %2.</translation>
    </message>
    <message>
        <source>creating user %1</source>
        <translation>Anlegen von Benutzer %1</translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterClient</name>
    <message numerus="yes">
        <source>The database has not answered for %n second(s).</source>
        <translation>
            <numerusform>Die Datenbank antwortet seit %n Sekunde nicht.</numerusform>
            <numerusform>Die Datenbank antwortet seit %n Sekunden nicht.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterConsistency</name>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>No manager node has joined the cluster yet.</source>
        <translation>Noch kein Manager-Knoten ist dem Cluster beigetreten.</translation>
    </message>
    <message numerus="yes">
        <source>All %n node(s) agree: version %1, schema %2, one data key, time zone %3, clocks within %4 s, one configuration.</source>
        <translation>
            <numerusform>%n Knoten ohne Abweichung: Version %1, Schema %2, ein Datenschlüssel, Zeitzone %3, Uhr innerhalb von %4 s, eine Konfiguration.</numerusform>
            <numerusform>Alle %n Knoten stimmen überein: Version %1, Schema %2, ein Datenschlüssel, Zeitzone %3, Uhren innerhalb von %4 s, eine Konfiguration.</numerusform>
        </translation>
    </message>
    <message>
        <source>(none recorded)</source>
        <translation>(nicht hinterlegt)</translation>
    </message>
    <message numerus="yes">
        <source>%n value(s) differ from the cluster&apos;s on %1 of %2 nodes.</source>
        <translation>
            <numerusform>%n Wert weicht auf %1 von %2 Knoten vom Cluster ab.</numerusform>
            <numerusform>%n Werte weichen auf %1 von %2 Knoten vom Cluster ab.</numerusform>
        </translation>
    </message>
    <message>
        <source>Data key</source>
        <translation>Datenschlüssel</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Zeitzone</translation>
    </message>
    <message>
        <source>Clock offset</source>
        <translation>Zeitversatz</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>Die Datenbank enthält keinen Cluster.</translation>
    </message>
    <message>
        <source>Runs version %1; the cluster runs %2. Upgrade it: until then it does no work.</source>
        <translation>Läuft mit Version %1; der Cluster läuft mit %2. Aktualisieren Sie ihn: Bis dahin arbeitet er nicht.</translation>
    </message>
    <message>
        <source>Runs version %1, newer than the cluster&apos;s %2.</source>
        <translation>Läuft mit Version %1, neuer als Version %2 des Clusters.</translation>
    </message>
    <message>
        <source>Built for schema version %1; the database is at %2.</source>
        <translation>Für Schemaversion %1 erstellt; die Datenbank hat Version %2.</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>It has not said which data key it holds: it has not run since the cluster&apos;s schema version 8.</source>
        <translation>Er hat nicht gemeldet, welchen Datenschlüssel er hält: Er ist seit Schemaversion 8 des Clusters nicht mehr gelaufen.</translation>
    </message>
    <message>
        <source>Holds data key %1; the cluster&apos;s key is %2. It opens the new key at its next time check, if its local secret unlocks it.</source>
        <translation>Hält Datenschlüssel %1; der Schlüssel des Clusters ist %2. Er öffnet den neuen Schlüssel bei seiner nächsten Zeitprüfung, sofern sein lokales Geheimnis ihn entsperrt.</translation>
    </message>
    <message>
        <source>It has not reported its time zone.</source>
        <translation>Er hat seine Zeitzone nicht gemeldet.</translation>
    </message>
    <message>
        <source>Keeps local time in %1; the database in %2. Every node must keep the database&apos;s zone (Manager Time Out of Sync).</source>
        <translation>Führt die Ortszeit in %1, die Datenbank in %2. Jeder Knoten muss die Zeitzone der Datenbank verwenden (Manager Time Out of Sync).</translation>
    </message>
    <message>
        <source>Its clock was %1 %2 the database&apos;s at its last check; the tolerance is %3 s.</source>
        <translation>Seine Uhr ging bei der letzten Prüfung %1 gegenüber der Datenbankuhr %2; die Toleranz beträgt %3 s.</translation>
    </message>
    <message>
        <source>ahead of</source>
        <translation>vor</translation>
    </message>
    <message>
        <source>behind</source>
        <translation>nach</translation>
    </message>
    <message>
        <source>It has not reported its configuration: it has not run since the cluster&apos;s schema version 8.</source>
        <translation>Er hat seine Konfiguration nicht gemeldet: Er ist seit Schemaversion 8 des Clusters nicht mehr gelaufen.</translation>
    </message>
    <message numerus="yes">
        <source>The nodes run %n different sets of shared settings (timing overrides, grace, migration wait, trusted proxies) and no set is the majority; compare their configuration files.</source>
        <translation>
            <numerusform>Die Knoten laufen mit %n Satz gemeinsamer Einstellungen (überschriebene Zeitwerte, Schonfrist, Migrationswartezeit, vertrauenswürdige Proxys), und keiner hat die Mehrheit; vergleichen Sie ihre Konfigurationsdateien.</numerusform>
            <numerusform>Die Knoten laufen mit %n unterschiedlichen Sätzen gemeinsamer Einstellungen (überschriebene Zeitwerte, Schonfrist, Migrationswartezeit, vertrauenswürdige Proxys), und keiner hat die Mehrheit; vergleichen Sie ihre Konfigurationsdateien.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Its shared settings (timing overrides, grace, migration wait, trusted proxies) differ from those of the %n other node(s) that agree; compare its configuration file with theirs.</source>
        <translation>
            <numerusform>Seine gemeinsamen Einstellungen (überschriebene Zeitwerte, Schonfrist, Migrationswartezeit, vertrauenswürdige Proxys) weichen von denen des %n anderen Knotens ab, der übereinstimmt; vergleichen Sie seine Konfigurationsdatei mit dessen Datei.</numerusform>
            <numerusform>Seine gemeinsamen Einstellungen (überschriebene Zeitwerte, Schonfrist, Migrationswartezeit, vertrauenswürdige Proxys) weichen von denen der %n anderen Knoten ab, die übereinstimmen; vergleichen Sie seine Konfigurationsdatei mit deren Dateien.</numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation>keines</translation>
    </message>
    <message>
        <source>No API certificate recorded: peers, agents and the console cannot pin it.</source>
        <translation>Kein API-Zertifikat hinterlegt: Andere Knoten, Agents und die Konsole können es nicht prüfen.</translation>
    </message>
    <message>
        <source>Presents the same certificate as %1: a data folder copied from another node? Delete its key and certificate to have a new pair made.</source>
        <translation>Zeigt dasselbe Zertifikat wie %1: ein von einem anderen Knoten kopierter Datenordner? Löschen Sie seinen Schlüssel und sein Zertifikat, damit ein neues Paar erzeugt wird.</translation>
    </message>
    <message>
        <source>Version</source>
        <comment>column heading</comment>
        <translation>Version</translation>
    </message>
    <message>
        <source>Schema</source>
        <comment>column heading</comment>
        <translation>Schema</translation>
    </message>
    <message>
        <source>Configuration</source>
        <comment>column heading</comment>
        <translation>Konfiguration</translation>
    </message>
    <message>
        <source>Certificate</source>
        <comment>column heading</comment>
        <translation>Zertifikat</translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterSettings</name>
    <message>
        <source>The cluster setting %1 holds &quot;%2&quot;, not a whole number from %3 to %4.</source>
        <translation>Die Cluster-Einstellung %1 enthält &quot;%2&quot;, keine ganze Zahl von %3 bis %4.</translation>
    </message>
    <message>
        <source>reading the cluster setting %1</source>
        <translation>Lesen der Cluster-Einstellung %1</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>Lesen der Datenbankuhr</translation>
    </message>
    <message>
        <source>storing the cluster setting %1</source>
        <translation>Speichern der Cluster-Einstellung %1</translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterWorker</name>
    <message>
        <source>Not logged in.</source>
        <translation>Nicht angemeldet.</translation>
    </message>
    <message>
        <source>Node %1 was decommissioned.</source>
        <translation>Knoten %1 wurde außer Betrieb genommen.</translation>
    </message>
    <message>
        <source>The description was saved.</source>
        <translation>Die Beschreibung wurde gespeichert.</translation>
    </message>
    <message>
        <source>The alert was acknowledged.</source>
        <translation>Der Alarm wurde bestätigt.</translation>
    </message>
    <message>
        <source>The alert was cleared.</source>
        <translation>Der Alarm wurde aufgehoben.</translation>
    </message>
    <message>
        <source>Unknown action.</source>
        <translation>Unbekannte Aktion.</translation>
    </message>
    <message>
        <source>The settings were saved.</source>
        <translation>Die Einstellungen wurden gespeichert.</translation>
    </message>
    <message>
        <source>Personal data and secret properties are sealed: only administrators open them.</source>
        <translation>Personenbezogene Daten und geheime Eigenschaften sind versiegelt: Nur Administratoren können sie öffnen.</translation>
    </message>
    <message>
        <source>The cluster&apos;s schema predates sealed personal data.</source>
        <translation>Das Schema des Clusters unterstützt noch keine versiegelten personenbezogenen Daten.</translation>
    </message>
    <message>
        <source>This session holds no data key.</source>
        <translation>Diese Sitzung verfügt über keinen Datenschlüssel.</translation>
    </message>
    <message>
        <source>User %1 was updated.</source>
        <translation>Benutzer %1 wurde aktualisiert.</translation>
    </message>
    <message>
        <source>A new value for %1 was made and stored sealed.</source>
        <translation>Für %1 wurde ein neuer Wert erzeugt und versiegelt gespeichert.</translation>
    </message>
    <message>
        <source>No takeover of this node is recorded.</source>
        <translation>Für diesen Knoten ist keine Übernahme verzeichnet.</translation>
    </message>
</context>
<context>
    <name>Cohort::ConfigProperties</name>
    <message>
        <source>The token nodes and agents present to a node&apos;s API.</source>
        <translation>Das Token, das Knoten und Agenten gegenüber der API eines Knotens vorweisen.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a generated property.</source>
        <translation>&quot;%1&quot; ist keine generierte Eigenschaft.</translation>
    </message>
    <message>
        <source>There is no property &quot;%1&quot;.</source>
        <translation>Es gibt keine Eigenschaft &quot;%1&quot;.</translation>
    </message>
    <message>
        <source>The property &quot;%1&quot; cannot be empty.</source>
        <translation>Die Eigenschaft &quot;%1&quot; darf nicht leer sein.</translation>
    </message>
    <message>
        <source>storing the property %1</source>
        <translation>Speichern der Eigenschaft %1</translation>
    </message>
    <message>
        <source>reading the property %1</source>
        <translation>Lesen der Eigenschaft %1</translation>
    </message>
    <message>
        <source>the property %1</source>
        <translation>der Eigenschaft %1</translation>
    </message>
    <message>
        <source>reading the properties</source>
        <translation>Lesen der Eigenschaften</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsistencyModel</name>
    <message numerus="yes">
        <source>%n value(s) of this node differ from the cluster&apos;s.</source>
        <translation>
            <numerusform>%n Wert dieses Knotens weicht vom Cluster ab.</numerusform>
            <numerusform>%n Werte dieses Knotens weichen vom Cluster ab.</numerusform>
        </translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>column heading</comment>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsistencyPage</name>
    <message>
        <source>Checking the nodes…</source>
        <translation>Knoten werden geprüft…</translation>
    </message>
    <message>
        <source>The nodes could not be compared: %1</source>
        <translation>Die Knoten konnten nicht verglichen werden: %1</translation>
    </message>
    <message>
        <source>Consistency of the nodes</source>
        <translation>Konsistenz der Knoten</translation>
    </message>
    <message>
        <source>One row per node; a value that differs from the cluster&apos;s is marked in bold, with the reason in its tooltip.</source>
        <translation>Eine Zeile je Knoten; ein Wert, der vom Cluster abweicht, ist fett markiert, der Grund steht im Tooltip.</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsolePreferencesBox</name>
    <message>
        <source>This console</source>
        <translation>Diese Konsole</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>As the desktop (%1)</source>
        <translation>Wie der Desktop (%1)</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>&amp;Design:</translation>
    </message>
    <message>
        <source>Kept for this console on this computer, not in the cluster.</source>
        <translation>Für diese Konsole auf diesem Computer gespeichert, nicht im Cluster.</translation>
    </message>
    <message>
        <source>Dates, times and numbers are written as in this language.</source>
        <translation>Datum, Uhrzeit und Zahlen werden wie in dieser Sprache geschrieben.</translation>
    </message>
    <message>
        <source>The console speaks %1 the next time it starts.</source>
        <translation>Die Konsole spricht beim nächsten Start %1.</translation>
    </message>
    <message>
        <source>As the desktop</source>
        <translation>Wie der Desktop</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsoleTheme</name>
    <message>
        <source>Light</source>
        <comment>theme</comment>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <comment>theme</comment>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>As the desktop</source>
        <comment>theme</comment>
        <translation>Wie der Desktop</translation>
    </message>
</context>
<context>
    <name>Cohort::Crypto</name>
    <message>
        <source>OpenSSL failed in %1: %2</source>
        <translation>OpenSSL ist in %1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>The sealed data is truncated.</source>
        <translation>Die versiegelten Daten sind abgeschnitten.</translation>
    </message>
    <message>
        <source>The data does not authenticate with this key.</source>
        <translation>Die Daten lassen sich mit diesem Schlüssel nicht authentifizieren.</translation>
    </message>
    <message>
        <source>An X25519 key has %1 bytes, not %2.</source>
        <translation>Ein X25519-Schlüssel hat %1 Bytes, nicht %2.</translation>
    </message>
    <message>
        <source>The wrapped key is malformed.</source>
        <translation>Der verschlüsselte Schlüssel ist fehlerhaft.</translation>
    </message>
</context>
<context>
    <name>Cohort::CtlApplication</name>
    <message>
        <source>Usage: cohortctl COMMAND [OPTIONS]</source>
        <translation>Aufruf: cohortctl BEFEHL [OPTIONEN]</translation>
    </message>
    <message>
        <source>Administers a Cohort cluster through its shared database.</source>
        <translation>Verwaltet einen Cohort-Cluster über seine gemeinsame Datenbank.</translation>
    </message>
    <message>
        <source>Commands:</source>
        <translation>Befehle:</translation>
    </message>
    <message>
        <source>Database URLs: sqlite:/path/to/cohort.db or postgresql://user:password@host:port/database</source>
        <translation>Datenbank-URLs: sqlite:/path/to/cohort.db oder postgresql://user:password@host:port/database</translation>
    </message>
    <message>
        <source>Run &quot;cohortctl COMMAND --help&quot; for the options of a command.</source>
        <translation>&quot;cohortctl BEFEHL --help&quot; zeigt die Optionen eines Befehls.</translation>
    </message>
    <message>
        <source>Shows this help.</source>
        <translation>Zeigt diese Hilfe an.</translation>
    </message>
    <message>
        <source>Usage: cohortctl %1 [options]</source>
        <translation>Aufruf: cohortctl %1 [Optionen]</translation>
    </message>
    <message>
        <source>cohortctl: unknown command &quot;%1&quot; (see &quot;cohortctl --help&quot;)</source>
        <translation>cohortctl: unbekannter Befehl &quot;%1&quot; (siehe &quot;cohortctl --help&quot;)</translation>
    </message>
    <message>
        <source>cohortctl %1: %2 (see &quot;cohortctl %1 --help&quot;)</source>
        <translation>cohortctl %1: %2 (siehe &quot;cohortctl %1 --help&quot;)</translation>
    </message>
</context>
<context>
    <name>Cohort::CtlCommand</name>
    <message>
        <source>cohortctl %1: error: %2</source>
        <translation>cohortctl %1: Fehler: %2</translation>
    </message>
    <message>
        <source>cohortctl %1: %2 (see &quot;cohortctl %1 --help&quot;)</source>
        <translation>cohortctl %1: %2 (siehe &quot;cohortctl %1 --help&quot;)</translation>
    </message>
    <message>
        <source>the option --%1 is required</source>
        <translation>die Option --%1 ist erforderlich</translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>%1 enthält keinen Cluster; legen Sie mit &quot;cohortctl init&quot; einen an.</translation>
    </message>
</context>
<context>
    <name>Cohort::CtlOptions</name>
    <message>
        <source>The cluster&apos;s database: sqlite:PATH or postgresql://user:password@host:port/database.</source>
        <translation>Die Datenbank des Clusters: sqlite:PATH oder postgresql://user:password@host:port/database.</translation>
    </message>
    <message>
        <source>The file holding the local secret that unlocks the cluster&apos;s data key.</source>
        <translation>Die Datei mit dem lokalen Geheimnis, das den Datenschlüssel des Clusters entsperrt.</translation>
    </message>
    <message>
        <source>Prints the result as JSON.</source>
        <translation>Gibt das Ergebnis als JSON aus.</translation>
    </message>
    <message>
        <source>The password file %1 does not exist.</source>
        <translation>Die Passwortdatei %1 existiert nicht.</translation>
    </message>
    <message>
        <source>Cannot read the password file %1: %2.</source>
        <translation>Die Passwortdatei %1 kann nicht gelesen werden: %2.</translation>
    </message>
    <message>
        <source>No password given on standard input; pipe it in or use --password-file.</source>
        <translation>Kein Passwort über die Standardeingabe erhalten; leiten Sie es per Pipe ein oder verwenden Sie --password-file.</translation>
    </message>
    <message>
        <source>The password file %1 is empty.</source>
        <translation>Die Passwortdatei %1 ist leer.</translation>
    </message>
    <message>
        <source>Repeat the password: </source>
        <translation>Passwort wiederholen: </translation>
    </message>
    <message>
        <source>The two passwords differ; nothing was changed.</source>
        <translation>Die beiden Passwörter stimmen nicht überein; nichts wurde geändert.</translation>
    </message>
</context>
<context>
    <name>Cohort::Database</name>
    <message>
        <source>Qt&apos;s PostgreSQL driver (QPSQL) is not installed; install libqt6sql6-psql.</source>
        <translation>Der PostgreSQL-Treiber von Qt (QPSQL) ist nicht installiert; installieren Sie libqt6sql6-psql.</translation>
    </message>
    <message>
        <source>Qt&apos;s SQLite driver (QSQLITE) is not installed; install libqt6sql6-sqlite.</source>
        <translation>Der SQLite-Treiber von Qt (QSQLITE) ist nicht installiert; installieren Sie libqt6sql6-sqlite.</translation>
    </message>
    <message>
        <source>The folder %1 of the SQLite database does not exist.</source>
        <translation>Der Ordner %1 der SQLite-Datenbank existiert nicht.</translation>
    </message>
    <message>
        <source>The SQLite database %1 does not exist; create a cluster with &quot;cohortctl init&quot;.</source>
        <translation>Die SQLite-Datenbank %1 existiert nicht; legen Sie mit &quot;cohortctl init&quot; einen Cluster an.</translation>
    </message>
    <message>
        <source>Cannot open the SQLite database %1</source>
        <translation>Die SQLite-Datenbank %1 kann nicht geöffnet werden</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Cannot connect to PostgreSQL at %1 (database %2, user %3)</source>
        <translation>Keine Verbindung zu PostgreSQL unter %1 möglich (Datenbank %2, Benutzer %3)</translation>
    </message>
</context>
<context>
    <name>Cohort::DatabaseUrl</name>
    <message>
        <source>The database URL is empty.</source>
        <translation>Die Datenbank-URL ist leer.</translation>
    </message>
    <message>
        <source>The SQLite URL &quot;%1&quot; names no file; write sqlite:/path/to/cohort.db.</source>
        <translation>Die SQLite-URL &quot;%1&quot; nennt keine Datei; schreiben Sie sqlite:/path/to/cohort.db.</translation>
    </message>
    <message>
        <source>An in-memory SQLite database cannot be shared by nodes and threads; give a file path.</source>
        <translation>Eine SQLite-Datenbank im Arbeitsspeicher kann nicht von Knoten und Threads gemeinsam genutzt werden; geben Sie einen Dateipfad an.</translation>
    </message>
    <message>
        <source>The SQLite URL &quot;%1&quot; has options; Cohort sets them itself.</source>
        <translation>Die SQLite-URL &quot;%1&quot; enthält Optionen; Cohort setzt diese selbst.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a database URL; write sqlite:PATH or postgresql://user:password@host:port/database.</source>
        <translation>&quot;%1&quot; ist keine Datenbank-URL; schreiben Sie sqlite:PATH oder postgresql://user:password@host:port/database.</translation>
    </message>
    <message>
        <source>Unsupported database URL scheme &quot;%1&quot;; use sqlite: or postgresql://.</source>
        <translation>Nicht unterstütztes Datenbank-URL-Schema &quot;%1&quot;; verwenden Sie sqlite: oder postgresql://.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no host; write postgresql://user:password@host:port/database.</source>
        <translation>Die PostgreSQL-URL nennt keinen Host; schreiben Sie postgresql://user:password@host:port/database.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL has port 0; give a port from 1 to 65535.</source>
        <translation>Die PostgreSQL-URL hat den Port 0; geben Sie einen Port von 1 bis 65535 an.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no user; write postgresql://user:password@host:port/database.</source>
        <translation>Die PostgreSQL-URL nennt keinen Benutzer; schreiben Sie postgresql://user:password@host:port/database.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no database; add /database after the host and port.</source>
        <translation>Die PostgreSQL-URL nennt keine Datenbank; fügen Sie /database nach Host und Port an.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL path &quot;%1&quot; must be a single database name.</source>
        <translation>Der Pfad &quot;%1&quot; der PostgreSQL-URL muss ein einzelner Datenbankname sein.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL must not have a #fragment.</source>
        <translation>Die PostgreSQL-URL darf kein #Fragment enthalten.</translation>
    </message>
    <message>
        <source>Unknown PostgreSQL URL option &quot;%1&quot;; known options: %2.</source>
        <translation>Unbekannte PostgreSQL-URL-Option &quot;%1&quot;; bekannte Optionen: %2.</translation>
    </message>
    <message>
        <source>Invalid value &quot;%1&quot; for %2; use one of: %3.</source>
        <translation>Ungültiger Wert &quot;%1&quot; für %2; zulässig sind: %3.</translation>
    </message>
    <message>
        <source>connect_timeout must be a whole number of seconds above 0, not &quot;%1&quot;.</source>
        <translation>connect_timeout muss eine ganze Zahl von Sekunden größer als 0 sein, nicht &quot;%1&quot;.</translation>
    </message>
    <message>
        <source>Malformed PostgreSQL URL: check the port (1 to 65535) and percent-encode special characters in the user name and password (%40 for @, %25 for %).</source>
        <translation>Fehlerhafte PostgreSQL-URL: Prüfen Sie den Port (1 bis 65535) und kodieren Sie Sonderzeichen in Benutzername und Passwort mit Prozent-Kodierung (%40 für @, %25 für %).</translation>
    </message>
    <message>
        <source>The value of %1 may only hold letters, digits and . _ / : @ + -.</source>
        <translation>Der Wert von %1 darf nur Buchstaben, Ziffern und . _ / : @ + - enthalten.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL&apos;s server list has an invalid entry &quot;%1&quot;; write host:port,host:port.</source>
        <translation>Die Serverliste der PostgreSQL-URL enthält einen ungültigen Eintrag &quot;%1&quot;; schreiben Sie host:port,host:port.</translation>
    </message>
</context>
<context>
    <name>Cohort::DecommissionCommand</name>
    <message>
        <source>Removes an Offline manager node from the cluster for good.</source>
        <translation>Entfernt einen Manager-Knoten im Status Offline endgültig aus dem Cluster.</translation>
    </message>
    <message>
        <source>Who decommissions the node, for the audit log (default: %1).</source>
        <translation>Wer den Knoten außer Betrieb nimmt, für das Audit-Protokoll (Standard: %1).</translation>
    </message>
    <message>
        <source>The node to decommission: its GUID, or a name only one node has.</source>
        <translation>Der außer Betrieb zu nehmende Knoten: seine GUID oder ein Name, den nur ein Knoten trägt.</translation>
    </message>
    <message>
        <source>give exactly one NODE to decommission</source>
        <translation>geben Sie genau einen Knoten (NODE) an, der außer Betrieb genommen werden soll</translation>
    </message>
    <message>
        <source>the NODE to decommission cannot be empty</source>
        <translation>der außer Betrieb zu nehmende Knoten (NODE) darf nicht leer sein</translation>
    </message>
    <message>
        <source>--actor cannot be empty</source>
        <translation>--actor darf nicht leer sein</translation>
    </message>
    <message>
        <source>--actor is longer than %1 characters</source>
        <translation>--actor ist länger als %1 Zeichen</translation>
    </message>
    <message>
        <source>--actor must be one line of printable text</source>
        <translation>--actor muss eine einzelne Zeile druckbaren Texts sein</translation>
    </message>
    <message>
        <source>Decommissioned node %1 (%2).</source>
        <translation>Knoten %1 (%2) außer Betrieb genommen.</translation>
    </message>
    <message>
        <source>Only an Offline node can be decommissioned: stop it first, or wait until its peers
mark it Offline. Its GUID can never rejoin the cluster. The change is recorded in
the audit log. Before it, --dry-run lists what it will change: the agents whose last
check-in went to the node and the manager list version they then get, the local job
runs recorded for it and the open alerts about it, which are cleared.</source>
        <translation>Nur ein Knoten im Status Offline kann außer Betrieb genommen werden: Stoppen Sie ihn
zuerst oder warten Sie, bis die anderen Knoten ihn als Offline markieren. Seine GUID
kann dem Cluster nie wieder beitreten. Die Änderung wird im Audit-Protokoll
eingetragen. Vorab listet --dry-run auf, was sich ändern wird: die Agents, deren
letzte Meldung an den Knoten ging, und die Version der Managerliste, die sie dann
erhalten, die für ihn verzeichneten lokalen Jobläufe und die offenen Alarme zu ihm,
die aufgehoben werden.</translation>
    </message>
    <message>
        <source>Lists what decommissioning the node would change, and changes nothing.</source>
        <translation>Listet auf, was die Außerbetriebnahme des Knotens ändern würde, und ändert nichts.</translation>
    </message>
    <message>
        <source>agent %1, last check-in %2, %3</source>
        <translation>Agent %1, letzte Meldung %2, %3</translation>
    </message>
    <message>
        <source>alert %1 (%2): %3</source>
        <translation>Alarm %1 (%2): %3</translation>
    </message>
    <message>
        <source>Decommissioning node %1 (%2) would change:</source>
        <translation>Die Außerbetriebnahme von Knoten %1 (%2) würde ändern:</translation>
    </message>
</context>
<context>
    <name>Cohort::DecommissionPreflight</name>
    <message numerus="yes">
        <source>%n agent(s) last checked in through %1; at their next check-in they get manager list %2 (now %3), without it.</source>
        <translation>
            <numerusform>%n Agent hat sich zuletzt über %1 gemeldet; bei seiner nächsten Meldung erhält er Managerliste %2 (jetzt %3), ohne diesen Knoten.</numerusform>
            <numerusform>%n Agents haben sich zuletzt über %1 gemeldet; bei ihrer nächsten Meldung erhalten sie Managerliste %2 (jetzt %3), ohne diesen Knoten.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n local job run(s) are recorded for it; %1 still running will end.</source>
        <translation>
            <numerusform>%n lokaler Joblauf ist für ihn verzeichnet; %1 noch laufende werden beendet.</numerusform>
            <numerusform>%n lokale Jobläufe sind für ihn verzeichnet; %1 noch laufende werden beendet.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open alert(s) about it will be cleared.</source>
        <translation>
            <numerusform>%n offener Alarm zu ihm wird aufgehoben.</numerusform>
            <numerusform>%n offene Alarme zu ihm werden aufgehoben.</numerusform>
        </translation>
    </message>
    <message>
        <source>Node %1 (%2) is already decommissioned.</source>
        <translation>Knoten %1 (%2) ist bereits außer Betrieb genommen.</translation>
    </message>
    <message>
        <source>Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, or wait until its peers mark it Offline.</source>
        <translation>Knoten %1 (%2) ist Online; nur ein Knoten im Status Offline kann außer Betrieb genommen werden. Stoppen Sie ihn zuerst oder warten Sie, bis die anderen Knoten ihn als Offline markieren.</translation>
    </message>
    <message>
        <source>reading the agents of node %1</source>
        <translation>Lesen der Agents von Knoten %1</translation>
    </message>
    <message>
        <source>reading the local job runs of node %1</source>
        <translation>Lesen der lokalen Jobläufe von Knoten %1</translation>
    </message>
    <message>
        <source>reading the open alerts of node %1</source>
        <translation>Lesen der offenen Alarme von Knoten %1</translation>
    </message>
</context>
<context>
    <name>Cohort::Dialect</name>
    <message>
        <source>switching SQLite to WAL mode</source>
        <translation>Umschalten von SQLite in den WAL-Modus</translation>
    </message>
    <message>
        <source>switching SQLite to WAL mode: the database stayed locked for %1 s</source>
        <translation>Umschalten von SQLite in den WAL-Modus: die Datenbank blieb %1 s lang gesperrt</translation>
    </message>
    <message>
        <source>listing tables</source>
        <translation>Auflisten der Tabellen</translation>
    </message>
    <message>
        <source>taking the migration lock</source>
        <translation>Setzen der Migrationssperre</translation>
    </message>
    <message>
        <source>SQLite cannot use WAL mode for this file (it stays in &quot;%1&quot; mode)</source>
        <translation>SQLite kann für diese Datei den WAL-Modus nicht verwenden (sie bleibt im Modus &quot;%1&quot;)</translation>
    </message>
    <message>
        <source>another process has held the migration lock for more than %1 s</source>
        <translation>ein anderer Prozess hält die Migrationssperre seit mehr als %1 s</translation>
    </message>
    <message>
        <source>reading SQLite&apos;s busy timeout</source>
        <translation>Lesen des Busy-Timeouts von SQLite</translation>
    </message>
    <message>
        <source>another process has held the database&apos;s write lock for more than %1 s</source>
        <translation>ein anderer Prozess hält die Schreibsperre der Datenbank seit mehr als %1 s</translation>
    </message>
</context>
<context>
    <name>Cohort::ExportFile</name>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>nothing to write</source>
        <translation>nichts zu schreiben</translation>
    </message>
</context>
<context>
    <name>Cohort::ExportProgress</name>
    <message>
        <source>Writing %1…</source>
        <translation>%1 wird geschrieben…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>Cohort::FinishedJobsDialog</name>
    <message>
        <source>Jobs: %1</source>
        <translation>Jobs: %1</translation>
    </message>
    <message>
        <source>Reading the jobs…</source>
        <translation>Jobs werden gelesen…</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>The jobs could not be read: %1</source>
        <translation>Die Jobs konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1 (local)</source>
        <translation>%1 (lokal)</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>The latest %1 of %2 jobs.</source>
        <translation>Die neuesten %1 von %2 Jobs.</translation>
    </message>
    <message>
        <source>%1 of %2 jobs are still kept in the database; older finished jobs are removed after the retention period.</source>
        <translation>%1 von %2 Jobs sind noch in der Datenbank gespeichert; ältere beendete Jobs werden nach Ablauf der Aufbewahrungsfrist entfernt.</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s).</source>
        <translation>
            <numerusform>%n Job.</numerusform>
            <numerusform>%n Jobs.</numerusform>
        </translation>
    </message>
    <message>
        <source>ID</source>
        <comment>column heading</comment>
        <translation>ID</translation>
    </message>
    <message>
        <source>Type</source>
        <comment>column heading</comment>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>State</source>
        <comment>column heading</comment>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Attempts</source>
        <comment>column heading</comment>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Finished</source>
        <comment>column heading</comment>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <comment>job state</comment>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Failed</source>
        <comment>job state</comment>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Finished jobs</source>
        <translation>Beendete Jobs</translation>
    </message>
</context>
<context>
    <name>Cohort::GenSecretCommand</name>
    <message>
        <source>Writes a new random local secret to a new file (mode 600).</source>
        <translation>Schreibt ein neues zufälliges lokales Geheimnis in eine neue Datei (Modus 600).</translation>
    </message>
    <message>
        <source>The file to create; an existing file is never overwritten.</source>
        <translation>Die anzulegende Datei; eine vorhandene Datei wird nie überschrieben.</translation>
    </message>
    <message>
        <source>Wrote a new local secret to %1. Copy it to every node of the cluster; without it the cluster&apos;s data key cannot be unlocked.</source>
        <translation>Ein neues lokales Geheimnis wurde in %1 geschrieben. Kopieren Sie es auf jeden Knoten des Clusters; ohne es lässt sich der Datenschlüssel des Clusters nicht entsperren.</translation>
    </message>
    <message>
        <source>give exactly one FILE to write</source>
        <translation>geben Sie genau eine zu schreibende Datei (FILE) an</translation>
    </message>
</context>
<context>
    <name>Cohort::HealthCommand</name>
    <message>
        <source>Shows whether the nodes agree: version, schema, data key, time zone, clock, configuration, certificate.</source>
        <translation>Zeigt, ob die Knoten übereinstimmen: Version, Schema, Datenschlüssel, Zeitzone, Uhr, Konfiguration, Zertifikat.</translation>
    </message>
    <message>
        <source>Every node that is not decommissioned, with the values that must be the same across the cluster. A value that differs is marked with &quot;!&quot; and explained below the table (with --json: &quot;mismatch&quot; and &quot;reason&quot;). The data key is named by its check value, never the key itself. Exits 0 when the report was made, whether or not the nodes agree.</source>
        <translation>Jeder nicht außer Betrieb genommene Knoten mit den Werten, die im ganzen Cluster gleich sein müssen. Ein abweichender Wert wird mit &quot;!&quot; markiert und unter der Tabelle erklärt (mit --json: &quot;mismatch&quot; und &quot;reason&quot;). Der Datenschlüssel wird über seinen Prüfwert benannt, nie über den Schlüssel selbst. Endet mit 0, wenn der Bericht erstellt wurde, unabhängig davon, ob die Knoten übereinstimmen.</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>%1, %2: %3</source>
        <translation>%1, %2: %3</translation>
    </message>
    <message>
        <source>NODE</source>
        <comment>table heading</comment>
        <translation>KNOTEN</translation>
    </message>
    <message>
        <source>STATUS</source>
        <comment>table heading</comment>
        <translation>STATUS</translation>
    </message>
</context>
<context>
    <name>Cohort::HealthMonitor</name>
    <message>
        <source>The cluster was upgraded to schema version %1; this node (schema %2, version %3) must be upgraded too, and stops.</source>
        <translation>Der Cluster wurde auf Schemaversion %1 aktualisiert; dieser Knoten (Schema %2, Version %3) muss ebenfalls aktualisiert werden und wird beendet.</translation>
    </message>
    <message>
        <source>This node was decommissioned; it stops and cannot rejoin. To run this machine as a new node, delete %1.</source>
        <translation>Dieser Knoten wurde außer Betrieb genommen; er wird beendet und kann nicht erneut beitreten. Um diesen Rechner als neuen Knoten zu betreiben, löschen Sie %1.</translation>
    </message>
    <message>
        <source>Another process now runs as node %1; this one stops. If this machine was cloned, delete %2 to join it as a new node.</source>
        <translation>Ein anderer Prozess läuft jetzt als Knoten %1; dieser wird beendet. Wurde dieser Rechner geklont, löschen Sie %2, damit er als neuer Knoten beitritt.</translation>
    </message>
    <message>
        <source>A node of version %1 took over the cluster; this node (version %2) claims nothing more and stops. It shows as Offline (Upgrade Required) until it runs version %1.</source>
        <translation>Ein Knoten mit Version %1 hat den Cluster übernommen; dieser Knoten (Version %2) beansprucht nichts mehr und wird beendet. Er wird als Offline (Upgrade Required) angezeigt, bis er Version %1 ausführt.</translation>
    </message>
    <message>
        <source>its database session ended and nothing listens on its API port (%1)</source>
        <translation>seine Datenbanksitzung ist beendet und an seinem API-Port (%1) lauscht nichts</translation>
    </message>
    <message>
        <source>its database session ended %1 s ago and its API (%2) cannot be reached</source>
        <translation>seine Datenbanksitzung endete vor %1 s und seine API (%2) ist nicht erreichbar</translation>
    </message>
    <message>
        <source>its process %1 ended</source>
        <translation>sein Prozess %1 ist beendet</translation>
    </message>
</context>
<context>
    <name>Cohort::InitCommand</name>
    <message>
        <source>Creates a cluster: the schema, the data key and the first administrator.</source>
        <translation>Legt einen Cluster an: das Schema, den Datenschlüssel und den ersten Administrator.</translation>
    </message>
    <message>
        <source>The first administrator&apos;s user name.</source>
        <translation>Der Benutzername des ersten Administrators.</translation>
    </message>
    <message>
        <source>A file whose first line is the administrator&apos;s password (default: read it from standard input).</source>
        <translation>Eine Datei, deren erste Zeile das Passwort des Administrators ist (Standard: von der Standardeingabe lesen).</translation>
    </message>
    <message>
        <source>The cluster&apos;s display name (default: Cohort).</source>
        <translation>Der Anzeigename des Clusters (Standard: Cohort).</translation>
    </message>
    <message>
        <source>Password for %1: </source>
        <translation>Passwort für %1: </translation>
    </message>
    <message>
        <source>Created cluster &quot;%1&quot; (%2) in %3: schema version %4, administrator %5.</source>
        <translation>Cluster &quot;%1&quot; (%2) in %3 angelegt: Schemaversion %4, Administrator %5.</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>The administrator&apos;s full name (stored sealed).</source>
        <translation>Der vollständige Name des Administrators (wird versiegelt gespeichert).</translation>
    </message>
    <message>
        <source>The administrator&apos;s e-mail address (stored sealed).</source>
        <translation>Die E-Mail-Adresse des Administrators (wird versiegelt gespeichert).</translation>
    </message>
</context>
<context>
    <name>Cohort::JobChartView</name>
    <message>
        <source>Jobs finished</source>
        <translation>Beendete Jobs</translation>
    </message>
    <message>
        <source>No jobs finished in this period.</source>
        <translation>In diesem Zeitraum wurden keine Jobs beendet.</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2: %3 of %4 jobs</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2: %3 von %4 Jobs</translation>
    </message>
    <message>
        <source>Job chart</source>
        <translation>Job-Diagramm</translation>
    </message>
    <message>
        <source>Stacked bars of finished jobs; click a bar to list its jobs. Export Data writes the same numbers as CSV.</source>
        <translation>Gestapelte Balken der beendeten Jobs; ein Klick auf einen Balken listet seine Jobs. „Daten exportieren“ schreibt dieselben Zahlen als CSV.</translation>
    </message>
</context>
<context>
    <name>Cohort::JobCountsModel</name>
    <message>
        <source>Job type</source>
        <translation>Jobtyp</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Gesamt</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <comment>column heading</comment>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Failed</source>
        <comment>column heading</comment>
        <translation>Fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>Cohort::JobPool</name>
    <message>
        <source>preparing %1</source>
        <translation>Vorbereiten von %1</translation>
    </message>
    <message>
        <source>preparing to submit jobs</source>
        <translation>Vorbereiten der Übermittlung von Jobs</translation>
    </message>
    <message>
        <source>submitting jobs</source>
        <translation>Übermitteln von Jobs</translation>
    </message>
    <message>
        <source>waking the nodes</source>
        <translation>Wecken der Knoten</translation>
    </message>
    <message>
        <source>A job needs a type.</source>
        <translation>Ein Job braucht einen Typ.</translation>
    </message>
    <message>
        <source>A job needs at least one attempt.</source>
        <translation>Ein Job braucht mindestens einen Versuch.</translation>
    </message>
    <message>
        <source>A job&apos;s delay cannot be negative.</source>
        <translation>Die Verzögerung eines Jobs darf nicht negativ sein.</translation>
    </message>
    <message>
        <source>claiming jobs</source>
        <translation>Beanspruchen von Jobs</translation>
    </message>
    <message>
        <source>finding local jobs</source>
        <translation>Suchen lokaler Jobs</translation>
    </message>
    <message>
        <source>starting a local job</source>
        <translation>Starten eines lokalen Jobs</translation>
    </message>
    <message>
        <source>completing jobs</source>
        <translation>Abschließen von Jobs</translation>
    </message>
    <message>
        <source>locking local jobs</source>
        <translation>Sperren lokaler Jobs</translation>
    </message>
    <message>
        <source>completing local job %1</source>
        <translation>Abschließen des lokalen Jobs %1</translation>
    </message>
    <message>
        <source>finishing local jobs</source>
        <translation>Beenden lokaler Jobs</translation>
    </message>
    <message>
        <source>adding to the job statistics</source>
        <translation>Ergänzen der Jobstatistik</translation>
    </message>
    <message>
        <source>handing jobs back</source>
        <translation>Zurückgeben von Jobs</translation>
    </message>
    <message>
        <source>handing a local job back</source>
        <translation>Zurückgeben eines lokalen Jobs</translation>
    </message>
    <message>
        <source>returning a node&apos;s jobs to the pool</source>
        <translation>Zurückgeben der Jobs eines Knotens an den Pool</translation>
    </message>
    <message>
        <source>ending a node&apos;s local jobs</source>
        <translation>Beenden der lokalen Jobs eines Knotens</translation>
    </message>
    <message>
        <source>Unknown job state &quot;%1&quot;; use one of %2.</source>
        <translation>Unbekannter Jobzustand &quot;%1&quot;; zulässig sind %2.</translation>
    </message>
    <message>
        <source>listing jobs</source>
        <translation>Auflisten der Jobs</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>Lesen der Datenbankuhr</translation>
    </message>
    <message>
        <source>The database did not tell its time.</source>
        <translation>Die Datenbank hat ihre Uhrzeit nicht mitgeteilt.</translation>
    </message>
    <message>
        <source>Unknown job type &quot;%1&quot;: no node could run it.</source>
        <translation>Unbekannter Jobtyp &quot;%1&quot;: Kein Knoten könnte ihn ausführen.</translation>
    </message>
    <message>
        <source>refreshing the job table&apos;s statistics</source>
        <translation>Aktualisieren der Statistiken der Jobtabelle</translation>
    </message>
    <message>
        <source>recording the heartbeat</source>
        <translation>Aufzeichnen des Heartbeats</translation>
    </message>
    <message>
        <source>finding this node&apos;s claims</source>
        <translation>Suchen der von diesem Knoten beanspruchten Jobs</translation>
    </message>
    <message>
        <source>finding this node&apos;s local jobs</source>
        <translation>Suchen der lokalen Jobs dieses Knotens</translation>
    </message>
    <message>
        <source>locking this node&apos;s row</source>
        <translation>Sperren der Zeile dieses Knotens</translation>
    </message>
    <message>
        <source>failing job %1</source>
        <translation>Markieren von Job %1 als fehlgeschlagen</translation>
    </message>
    <message>
        <source>submitting a job</source>
        <translation>Übermitteln eines Jobs</translation>
    </message>
</context>
<context>
    <name>Cohort::JobRunner</name>
    <message>
        <source>no job type &quot;%1&quot; on this node (version %2)</source>
        <translation>kein Jobtyp &quot;%1&quot; auf diesem Knoten (Version %2)</translation>
    </message>
    <message>
        <source>its outcome could not be recorded: %1</source>
        <translation>sein Ergebnis konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>The database refuses to record job %1 and to take it back (%2); this node stops so that its peers take over its jobs.</source>
        <translation>Die Datenbank verweigert sowohl das Speichern von Job %1 als auch dessen Rücknahme (%2); dieser Knoten wird beendet, damit die anderen Knoten seine Jobs übernehmen.</translation>
    </message>
</context>
<context>
    <name>Cohort::JobStatistics</name>
    <message>
        <source>The end of the time range (%1) is before its start (%2).</source>
        <translation>Das Ende des Zeitraums (%1) liegt vor seinem Beginn (%2).</translation>
    </message>
    <message numerus="yes">
        <source>Job statistics are read at most %n day(s) at a time.</source>
        <translation>
            <numerusform>Jobstatistiken werden höchstens für %n Tag auf einmal gelesen.</numerusform>
            <numerusform>Jobstatistiken werden höchstens für %n Tage auf einmal gelesen.</numerusform>
        </translation>
    </message>
    <message>
        <source>reading the job statistics of node %1</source>
        <translation>Lesen der Jobstatistik von Knoten %1</translation>
    </message>
    <message>
        <source>reading the job statistics</source>
        <translation>Lesen der Jobstatistik</translation>
    </message>
    <message>
        <source>A bucket of %1 ms is not a whole number of minutes that divides the time range.</source>
        <translation>Ein Intervall von %1 ms ist keine ganze Anzahl von Minuten, die den Zeitraum teilt.</translation>
    </message>
    <message>
        <source>reading the activity of the nodes</source>
        <translation>Lesen der Aktivität der Knoten</translation>
    </message>
    <message>
        <source>listing finished jobs</source>
        <translation>Auflisten beendeter Jobs</translation>
    </message>
</context>
<context>
    <name>Cohort::JobTypes</name>
    <message>
        <source>reading the database clock</source>
        <translation>Lesen der Datenbankuhr</translation>
    </message>
    <message>
        <source>a sleep job needs &quot;ms&quot;, the time to sleep in milliseconds</source>
        <translation>ein sleep-Job braucht &quot;ms&quot;, die Wartezeit in Millisekunden</translation>
    </message>
    <message>
        <source>&quot;ms&quot; must be a whole number of milliseconds from 0 to %1</source>
        <translation>&quot;ms&quot; muss eine ganze Zahl von Millisekunden von 0 bis %1 sein</translation>
    </message>
    <message>
        <source>cancelled: the node is stopping</source>
        <translation>abgebrochen: der Knoten wird beendet</translation>
    </message>
    <message>
        <source>the job failed as asked</source>
        <translation>der Job ist wie angefordert fehlgeschlagen</translation>
    </message>
    <message numerus="yes">
        <source>cleared %n cached value(s)</source>
        <translation>
            <numerusform>%n zwischengespeicherter Wert gelöscht</numerusform>
            <numerusform>%n zwischengespeicherte Werte gelöscht</numerusform>
        </translation>
    </message>
    <message>
        <source>purging old records</source>
        <translation>Löschen alter Datensätze</translation>
    </message>
    <message>
        <source>rolling up job statistics</source>
        <translation>Verdichten der Jobstatistik</translation>
    </message>
    <message>
        <source>rolled %1 per-minute rows into %2 hourly rows</source>
        <translation>%1 Minutenzeilen zu %2 Stundenzeilen verdichtet</translation>
    </message>
    <message>
        <source>flagging silent agents</source>
        <translation>Markieren stiller Agenten</translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s) stopped checking in.</source>
        <translation>
            <numerusform>%n Agent meldet sich nicht mehr.</numerusform>
            <numerusform>%n Agenten melden sich nicht mehr.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>flagged %n silent agent(s) offline</source>
        <translation>
            <numerusform>%n stiller Agent als offline markiert</numerusform>
            <numerusform>%n stille Agenten als offline markiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Does nothing; for tests and benchmarks.</source>
        <translation>Tut nichts; für Tests und Benchmarks.</translation>
    </message>
    <message>
        <source>Waits {&quot;ms&quot;: N} milliseconds; for tests.</source>
        <translation>Wartet {&quot;ms&quot;: N} Millisekunden; für Tests.</translation>
    </message>
    <message>
        <source>Fails with {&quot;error&quot;: TEXT}; for tests.</source>
        <translation>Schlägt mit {&quot;error&quot;: TEXT} fehl; für Tests.</translation>
    </message>
    <message>
        <source>Drops each node&apos;s cached cluster settings.</source>
        <translation>Verwirft die zwischengespeicherten Cluster-Einstellungen jedes Knotens.</translation>
    </message>
    <message>
        <source>Compacts old per-minute job statistics into hours.</source>
        <translation>Verdichtet alte minütliche Jobstatistiken zu Stundenwerten.</translation>
    </message>
    <message>
        <source>Flags agents that stopped checking in.</source>
        <translation>Markiert Agenten, die sich nicht mehr melden.</translation>
    </message>
    <message>
        <source>Unknown job type &quot;%1&quot;; the types are %2.</source>
        <translation>Unbekannter Jobtyp &quot;%1&quot;; die Typen sind %2.</translation>
    </message>
    <message>
        <source>The payload is not valid JSON: %1 at offset %2.</source>
        <translation>Die Payload ist kein gültiges JSON: %1 an Position %2.</translation>
    </message>
    <message>
        <source>The payload must be a JSON object, like {&quot;ms&quot;: 100}.</source>
        <translation>Die Payload muss ein JSON-Objekt sein, etwa {&quot;ms&quot;: 100}.</translation>
    </message>
    <message>
        <source>Bad payload for %1: %2.</source>
        <translation>Ungültige Payload für %1: %2.</translation>
    </message>
    <message>
        <source>cancelled between batches: the node is stopping (so far %1)</source>
        <translation>zwischen zwei Stapeln abgebrochen: der Knoten wird beendet (bisher %1)</translation>
    </message>
    <message>
        <source>; the rest waits for the next run (at most %1 batches of %2 rows per table in a run)</source>
        <translation>; der Rest wartet auf den nächsten Lauf (höchstens %1 Stapel zu je %2 Zeilen pro Tabelle und Lauf)</translation>
    </message>
    <message numerus="yes">
        <source>purged %1 jobs, %2 alerts, %3 audit entries, %4 statistics rows, %5 node events and %6 takeovers older than %n day(s)</source>
        <translation>
            <numerusform>%1 Jobs, %2 Alarme, %3 Audit-Einträge, %4 Statistikzeilen, %5 Knotenereignisse und %6 Übernahmen gelöscht, die älter als %n Tag waren</numerusform>
            <numerusform>%1 Jobs, %2 Alarme, %3 Audit-Einträge, %4 Statistikzeilen, %5 Knotenereignisse und %6 Übernahmen gelöscht, die älter als %n Tage waren</numerusform>
        </translation>
    </message>
    <message>
        <source>Deletes finished jobs, cleared alerts, audit entries, statistics, node events and takeovers past the retention.</source>
        <translation>Löscht beendete Jobs, aufgehobene Alarme, Audit-Einträge, Statistiken, Knotenereignisse und Übernahmen nach Ablauf der Aufbewahrungsfrist.</translation>
    </message>
</context>
<context>
    <name>Cohort::JobsCommand</name>
    <message>
        <source>Submits jobs to the pool, lists them, and counts finished jobs.</source>
        <translation>Übermittelt Jobs an den Pool, listet sie auf und zählt beendete Jobs.</translation>
    </message>
    <message>
        <source>Runs on every node.</source>
        <translation>Läuft auf jedem Knoten.</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>Aktionen:</translation>
    </message>
    <message>
        <source>  submit  Adds jobs to the pool: --type (required), --count, --payload, --local,
          --priority, --delay, --max-attempts.</source>
        <translation>  submit  Fügt dem Pool Jobs hinzu: --type (erforderlich), --count, --payload, --local,
          --priority, --delay, --max-attempts.</translation>
    </message>
    <message>
        <source>  list    Lists jobs, newest first: --state, --node, --limit.</source>
        <translation>  list    Listet Jobs auf, neueste zuerst: --state, --node, --limit.</translation>
    </message>
    <message>
        <source>  stats   Counts finished jobs by node and type: --since.</source>
        <translation>  stats   Zählt beendete Jobs nach Knoten und Typ: --since.</translation>
    </message>
    <message>
        <source>Job types:</source>
        <translation>Jobtypen:</translation>
    </message>
    <message>
        <source>What to do: submit, list or stats.</source>
        <translation>Was zu tun ist: submit, list oder stats.</translation>
    </message>
    <message>
        <source>submit: the job type (see &quot;Job types&quot; above).</source>
        <translation>submit: der Jobtyp (siehe &quot;Jobtypen&quot; oben).</translation>
    </message>
    <message>
        <source>submit: how many jobs, from 1 to %1 (default: 1).</source>
        <translation>submit: wie viele Jobs, von 1 bis %1 (Standard: 1).</translation>
    </message>
    <message>
        <source>submit: the jobs&apos; payload, a JSON object (default: {}).</source>
        <translation>submit: die Payload der Jobs, ein JSON-Objekt (Standard: {}).</translation>
    </message>
    <message>
        <source>submit: runs each job once on every online node instead of on one node (always so for the types that run on every node).</source>
        <translation>submit: führt jeden Job einmal auf jedem Online-Knoten statt auf einem Knoten aus (bei den Typen, die auf jedem Knoten laufen, immer).</translation>
    </message>
    <message>
        <source>submit: higher runs first (default: 0).</source>
        <translation>submit: höhere Werte laufen zuerst (Standard: 0).</translation>
    </message>
    <message>
        <source>submit: not before this many seconds from now, from 0 to %1 (30 days; default: 0).</source>
        <translation>submit: frühestens in so vielen Sekunden, von 0 bis %1 (30 Tage; Standard: 0).</translation>
    </message>
    <message>
        <source>submit: how often a failing job is tried, from 1 to %1 (default: 5).</source>
        <translation>submit: wie oft ein fehlschlagender Job versucht wird, von 1 bis %1 (Standard: 5).</translation>
    </message>
    <message>
        <source>list: only jobs in this state: queued, running, succeeded or failed.</source>
        <translation>list: nur Jobs in diesem Zustand: queued, running, succeeded oder failed.</translation>
    </message>
    <message>
        <source>list: only jobs claimed by this node (GUID or name).</source>
        <translation>list: nur Jobs, die dieser Knoten beansprucht hat (GUID oder Name).</translation>
    </message>
    <message>
        <source>list: at most this many jobs, from 1 to %1 (default: 100).</source>
        <translation>list: höchstens so viele Jobs, von 1 bis %1 (Standard: 100).</translation>
    </message>
    <message>
        <source>stats: the window, like 30s, 15m, 1h, 6h, 24h or 7d (default: 1h).</source>
        <translation>stats: der Zeitraum, etwa 30s, 15m, 1h, 6h, 24h oder 7d (Standard: 1h).</translation>
    </message>
    <message>
        <source>give an action: submit, list or stats</source>
        <translation>geben Sie eine Aktion an: submit, list oder stats</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are submit, list and stats</source>
        <translation>unbekannte Aktion &quot;%1&quot;; die Aktionen sind submit, list und stats</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--%1 does not apply to &quot;jobs %2&quot;</source>
        <translation>--%1 gilt nicht für &quot;jobs %2&quot;</translation>
    </message>
    <message>
        <source>--count must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--count muss eine ganze Zahl von 1 bis %1 sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>--priority must be a whole number from %1 to %2, not &quot;%3&quot;</source>
        <translation>--priority muss eine ganze Zahl von %1 bis %2 sein, nicht &quot;%3&quot;</translation>
    </message>
    <message>
        <source>--delay must be a number of seconds from 0 to %1 (30 days), not &quot;%2&quot;</source>
        <translation>--delay muss eine Anzahl von Sekunden von 0 bis %1 (30 Tage) sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>--max-attempts must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--max-attempts muss eine ganze Zahl von 1 bis %1 sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>%1 (%2 of the %3 jobs had been submitted before)</source>
        <translation>%1 (%2 der %3 Jobs waren zuvor bereits übermittelt worden)</translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n job(s) of type %1.</source>
        <translation>
            <numerusform>%n Job vom Typ %1 übermittelt.</numerusform>
            <numerusform>%n Jobs vom Typ %1 übermittelt.</numerusform>
        </translation>
    </message>
    <message>
        <source>--limit must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--limit muss eine ganze Zahl von 1 bis %1 sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>No jobs match.</source>
        <translation>Keine passenden Jobs.</translation>
    </message>
    <message>
        <source>LAST ERROR</source>
        <translation>LETZTER FEHLER</translation>
    </message>
    <message numerus="yes">
        <source>Showing the newest %n job(s); --limit shows more.</source>
        <translation>
            <numerusform>%n Job (der neueste) wird angezeigt; --limit zeigt mehr.</numerusform>
            <numerusform>Die neuesten %n Jobs werden angezeigt; --limit zeigt mehr.</numerusform>
        </translation>
    </message>
    <message>
        <source>--since must be a duration like 30s, 15m, 1h, 6h, 24h or 7d (at most %1d), not &quot;%2&quot;</source>
        <translation>--since muss eine Dauer wie 30s, 15m, 1h, 6h, 24h oder 7d sein (höchstens %1d), nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>No jobs finished since %1.</source>
        <translation>Seit %1 wurden keine Jobs beendet.</translation>
    </message>
    <message>
        <source>AVERAGE MS</source>
        <translation>MITTEL MS</translation>
    </message>
    <message>
        <source>Finished jobs by node and type since %1:</source>
        <translation>Beendete Jobs nach Knoten und Typ seit %1:</translation>
    </message>
    <message>
        <source>Totals by node:</source>
        <translation>Summen nach Knoten:</translation>
    </message>
    <message>
        <source>ID</source>
        <comment>table heading</comment>
        <translation>ID</translation>
    </message>
    <message>
        <source>TYPE</source>
        <comment>table heading</comment>
        <translation>TYP</translation>
    </message>
    <message>
        <source>SCOPE</source>
        <comment>table heading</comment>
        <translation>BEREICH</translation>
    </message>
    <message>
        <source>STATE</source>
        <comment>table heading</comment>
        <translation>ZUSTAND</translation>
    </message>
    <message>
        <source>ATTEMPTS</source>
        <comment>table heading</comment>
        <translation>VERSUCHE</translation>
    </message>
    <message>
        <source>NODE</source>
        <comment>table heading</comment>
        <translation>KNOTEN</translation>
    </message>
    <message>
        <source>CREATED</source>
        <comment>table heading</comment>
        <translation>ERSTELLT</translation>
    </message>
    <message>
        <source>FINISHED</source>
        <comment>table heading</comment>
        <translation>BEENDET</translation>
    </message>
    <message>
        <source>SUCCEEDED</source>
        <comment>table heading</comment>
        <translation>ERFOLGREICH</translation>
    </message>
    <message>
        <source>FAILED</source>
        <comment>table heading</comment>
        <translation>FEHLGESCHLAGEN</translation>
    </message>
</context>
<context>
    <name>Cohort::KeyPair</name>
    <message>
        <source>The stored public key is malformed.</source>
        <translation>Der gespeicherte öffentliche Schlüssel ist fehlerhaft.</translation>
    </message>
    <message>
        <source>The password does not open this user&apos;s key.</source>
        <translation>Mit dem Passwort lässt sich der Schlüssel dieses Benutzers nicht öffnen.</translation>
    </message>
    <message>
        <source>The user&apos;s stored key is malformed.</source>
        <translation>Der gespeicherte Schlüssel des Benutzers ist fehlerhaft.</translation>
    </message>
</context>
<context>
    <name>Cohort::KeyRotation</name>
    <message>
        <source>The data key was changed by someone else meanwhile; nothing was changed. Run the command again.</source>
        <translation>Der Datenschlüssel wurde inzwischen von jemand anderem geändert; nichts wurde geändert. Führen Sie den Befehl erneut aus.</translation>
    </message>
    <message>
        <source>The database %1 holds no cluster.</source>
        <translation>Die Datenbank %1 enthält keinen Cluster.</translation>
    </message>
    <message>
        <source>The database&apos;s schema is at version %1; rotating keys needs version 5. Start a node of this version (or run &quot;cohortctl migrate&quot;) first.</source>
        <translation>Das Datenbankschema hat Version %1; das Rotieren von Schlüsseln erfordert Version 5. Starten Sie zuerst einen Knoten dieser Version (oder führen Sie &quot;cohortctl migrate&quot; aus).</translation>
    </message>
    <message>
        <source>The current secret does not unlock the data key; nothing was changed.</source>
        <translation>Das aktuelle Geheimnis entsperrt den Datenschlüssel nicht; nichts wurde geändert.</translation>
    </message>
    <message>
        <source>The new secret is the current one; nothing to do.</source>
        <translation>Das neue Geheimnis ist das aktuelle; nichts zu tun.</translation>
    </message>
    <message>
        <source>storing the re-wrapped data key</source>
        <translation>Speichern des neu verschlüsselten Datenschlüssels</translation>
    </message>
    <message>
        <source>storing the new data key</source>
        <translation>Speichern des neuen Datenschlüssels</translation>
    </message>
    <message>
        <source>reading the secret properties</source>
        <translation>Lesen der geheimen Eigenschaften</translation>
    </message>
    <message>
        <source>the property %1</source>
        <translation>der Eigenschaft %1</translation>
    </message>
    <message>
        <source>reading the users</source>
        <translation>Lesen der Benutzer</translation>
    </message>
    <message>
        <source>user %1&apos;s full name</source>
        <translation>des vollständigen Namens von Benutzer %1</translation>
    </message>
    <message>
        <source>user %1&apos;s e-mail address</source>
        <translation>der E-Mail-Adresse von Benutzer %1</translation>
    </message>
    <message>
        <source>User %1: %2</source>
        <translation>Benutzer %1: %2</translation>
    </message>
</context>
<context>
    <name>Cohort::LivenessLock</name>
    <message>
        <source>checking this node&apos;s session</source>
        <translation>Prüfen der Sitzung dieses Knotens</translation>
    </message>
</context>
<context>
    <name>Cohort::LoginDialog</name>
    <message>
        <source>Sign In to Cohort</source>
        <translation>Bei Cohort anmelden</translation>
    </message>
    <message>
        <source>A name for this database, to pick it again next time</source>
        <translation>Ein Name für diese Datenbank, um sie beim nächsten Mal wieder auszuwählen</translation>
    </message>
    <message>
        <source>sqlite:/path/to/cluster.db or postgresql://user@host/db</source>
        <translation>sqlite:/path/to/cluster.db oder postgresql://user@host/db</translation>
    </message>
    <message>
        <source>The cluster&apos;s database. A database password in the URL is not kept; PostgreSQL can also take it from ~/.pgpass.</source>
        <translation>Die Datenbank des Clusters. Ein Datenbankpasswort in der URL wird nicht gespeichert; PostgreSQL kann es auch aus ~/.pgpass lesen.</translation>
    </message>
    <message>
        <source>Sign In</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <source>&amp;Profile:</source>
        <translation>&amp;Profil:</translation>
    </message>
    <message>
        <source>&amp;Database:</source>
        <translation>&amp;Datenbank:</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <source>Enter the cluster&apos;s database URL.</source>
        <translation>Geben Sie die Datenbank-URL des Clusters ein.</translation>
    </message>
    <message>
        <source>Enter your user name.</source>
        <translation>Geben Sie Ihren Benutzernamen ein.</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Geben Sie Ihr Passwort ein.</translation>
    </message>
    <message>
        <source>Signing In…</source>
        <translation>Anmeldung läuft…</translation>
    </message>
</context>
<context>
    <name>Cohort::MainWindow</name>
    <message>
        <source>Manager Nodes</source>
        <translation>Manager-Knoten</translation>
    </message>
    <message>
        <source>System Information</source>
        <translation>Systeminformationen</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>Alarme</translation>
    </message>
    <message>
        <source>Audit Log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <source>System Settings</source>
        <translation>Systemeinstellungen</translation>
    </message>
    <message>
        <source>Cohort Console — %1</source>
        <translation>Cohort Console — %1</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>Sign &amp;Out</source>
        <translation>Ab&amp;melden</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Properties…</source>
        <translation>&amp;Eigenschaften…</translation>
    </message>
    <message>
        <source>&amp;About Cohort Console</source>
        <translation>&amp;Über Cohort Console</translation>
    </message>
    <message>
        <source>About Cohort Console</source>
        <translation>Über Cohort Console</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Cohort Console&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Administers a cluster of Cohort manager nodes that share one database.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Cohort Console&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Verwaltet einen Cluster aus Cohort-Manager-Knoten, die sich eine Datenbank teilen.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Node %1 was decommissioned.</source>
        <translation>Knoten %1 wurde außer Betrieb genommen.</translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation>Abgemeldet</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Database unreachable</source>
        <translation>Datenbank nicht erreichbar</translation>
    </message>
    <message>
        <source>Database not answering</source>
        <translation>Datenbank antwortet nicht</translation>
    </message>
    <message>
        <source>Last refresh: %1</source>
        <translation>Zuletzt aktualisiert: %1</translation>
    </message>
    <message>
        <source>Not refreshed yet</source>
        <translation>Noch nicht aktualisiert</translation>
    </message>
    <message>
        <source>Alerts (%1)</source>
        <translation>Alarme (%1)</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>Agents</translation>
    </message>
    <message>
        <source>Agents (%1 gone quiet)</source>
        <translation>Agents (%1 verstummt)</translation>
    </message>
    <message>
        <source>Consistency</source>
        <translation>Konsistenz</translation>
    </message>
    <message>
        <source>Administrator</source>
        <comment>role</comment>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>Auditor</source>
        <comment>role</comment>
        <translation>Auditor</translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <comment>menu</comment>
        <translation>&amp;Konsole</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <comment>menu</comment>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Suchen</translation>
    </message>
    <message>
        <source>&amp;Node</source>
        <comment>menu</comment>
        <translation>K&amp;noten</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <comment>menu</comment>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <source>The console&apos;s pages; Ctrl+1 to Ctrl+8 open them.</source>
        <translation>Die Seiten der Konsole; Strg+1 bis Strg+8 öffnen sie.</translation>
    </message>
</context>
<context>
    <name>Cohort::ManagerEndpoint</name>
    <message>
        <source>&quot;%1&quot; is not HOST:PORT</source>
        <translation>„%1“ ist nicht HOST:PORT</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not HOST:PORT with a port from 1 to 65535</source>
        <translation>„%1“ ist nicht HOST:PORT mit einem Port von 1 bis 65535</translation>
    </message>
    <message>
        <source>the host name in &quot;%1&quot; does not resolve</source>
        <translation>der Hostname in „%1“ lässt sich nicht auflösen</translation>
    </message>
</context>
<context>
    <name>Cohort::ManagerList</name>
    <message>
        <source>reading the managers for agents</source>
        <translation>Lesen der Manager für Agents</translation>
    </message>
    <message>
        <source>reading the load balancer address</source>
        <translation>Lesen der Load-Balancer-Adresse</translation>
    </message>
</context>
<context>
    <name>Cohort::MasterKey</name>
    <message>
        <source>No secret file given; pass --secret-file FILE.</source>
        <translation>Keine Geheimnisdatei angegeben; übergeben Sie --secret-file FILE.</translation>
    </message>
    <message>
        <source>The secret file %1 does not exist; create one with &quot;cohortctl gen-secret %1&quot;.</source>
        <translation>Die Geheimnisdatei %1 existiert nicht; legen Sie sie mit &quot;cohortctl gen-secret %1&quot; an.</translation>
    </message>
    <message>
        <source>Cannot read the secret file %1: %2.</source>
        <translation>Die Geheimnisdatei %1 kann nicht gelesen werden: %2.</translation>
    </message>
    <message numerus="yes">
        <source>The secret file %1 holds %n byte(s); a secret needs at least %2.</source>
        <translation>
            <numerusform>Die Geheimnisdatei %1 enthält %n Byte; ein Geheimnis braucht mindestens %2.</numerusform>
            <numerusform>Die Geheimnisdatei %1 enthält %n Bytes; ein Geheimnis braucht mindestens %2.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 already exists; a secret file is never overwritten.</source>
        <translation>%1 existiert bereits; eine Geheimnisdatei wird nie überschrieben.</translation>
    </message>
    <message>
        <source>Cannot create %1: %2.</source>
        <translation>%1 kann nicht angelegt werden: %2.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation>%1 kann nicht geschrieben werden: %2.</translation>
    </message>
    <message>
        <source>The stored data key is malformed; the cluster record is damaged.</source>
        <translation>Der gespeicherte Datenschlüssel ist fehlerhaft; der Cluster-Datensatz ist beschädigt.</translation>
    </message>
    <message>
        <source>The local secret does not unlock this cluster&apos;s data key: the secret file is not the one the cluster was created with.</source>
        <translation>Das lokale Geheimnis entsperrt den Datenschlüssel dieses Clusters nicht: Die Geheimnisdatei ist nicht die, mit der der Cluster angelegt wurde.</translation>
    </message>
    <message>
        <source>The sealed value is malformed.</source>
        <translation>Der versiegelte Wert ist fehlerhaft.</translation>
    </message>
    <message>
        <source>The sealed value does not open with this cluster&apos;s data key (tampered or foreign).</source>
        <translation>Der versiegelte Wert lässt sich mit dem Datenschlüssel dieses Clusters nicht öffnen (manipuliert oder fremd).</translation>
    </message>
    <message>
        <source>The user&apos;s copy of the data key is malformed.</source>
        <translation>Die Kopie des Datenschlüssels für den Benutzer ist fehlerhaft.</translation>
    </message>
    <message>
        <source>The user&apos;s copy of the data key does not open with the user&apos;s key.</source>
        <translation>Die Kopie des Datenschlüssels für den Benutzer lässt sich mit dessen Schlüssel nicht öffnen.</translation>
    </message>
</context>
<context>
    <name>Cohort::MasterKeyCommand</name>
    <message>
        <source>Rotates the local secret or the data key.</source>
        <translation>Rotiert das lokale Geheimnis oder den Datenschlüssel.</translation>
    </message>
    <message>
        <source>rotate-secret  Wraps the data key for the secret in --new-secret-file (make one with
               &quot;cohortctl gen-secret&quot;). Nothing sealed changes. Then copy the new file to
               every node and restart them one by one: a node started with the old
               secret is refused, and a running one raises an alert until it has the
               new file.
rotate-key     Makes a new data key and re-seals every sealed value with it, in one
               transaction. Running nodes and consoles pick it up by themselves.</source>
        <translation>rotate-secret  Verschlüsselt den Datenschlüssel mit dem Geheimnis aus --new-secret-file
               (anzulegen mit &quot;cohortctl gen-secret&quot;). Versiegeltes bleibt unverändert.
               Kopieren Sie dann die neue Datei auf jeden Knoten und starten Sie die Knoten
               nacheinander neu: Ein mit dem alten Geheimnis gestarteter Knoten wird
               abgewiesen, ein laufender löst einen Alarm aus, bis er die neue Datei hat.
rotate-key     Erzeugt einen neuen Datenschlüssel und versiegelt alle Werte in einer
               Transaktion damit neu. Laufende Knoten und Konsolen übernehmen ihn selbst.</translation>
    </message>
    <message>
        <source>rotate-secret: the file holding the new secret.</source>
        <translation>rotate-secret: die Datei mit dem neuen Geheimnis.</translation>
    </message>
    <message>
        <source>rotate-secret or rotate-key.</source>
        <translation>rotate-secret oder rotate-key.</translation>
    </message>
    <message>
        <source>give one ACTION: rotate-secret or rotate-key</source>
        <translation>geben Sie eine Aktion (ACTION) an: rotate-secret oder rotate-key</translation>
    </message>
    <message>
        <source>unknown ACTION &quot;%1&quot;: use rotate-secret or rotate-key</source>
        <translation>unbekannte Aktion &quot;%1&quot;: verwenden Sie rotate-secret oder rotate-key</translation>
    </message>
    <message>
        <source>--new-secret-file is for rotate-secret; rotate-key keeps the secret</source>
        <translation>--new-secret-file gilt nur für rotate-secret; rotate-key behält das Geheimnis bei</translation>
    </message>
    <message>
        <source>The data key is now wrapped by the secret in %1. Copy that file to every node in place of the old one and restart the nodes one at a time; a node still on the old secret is refused when it starts.</source>
        <translation>Der Datenschlüssel ist jetzt mit dem Geheimnis in %1 verschlüsselt. Kopieren Sie diese Datei anstelle der alten auf jeden Knoten und starten Sie die Knoten nacheinander neu; ein Knoten, der noch das alte Geheimnis verwendet, wird beim Start abgewiesen.</translation>
    </message>
    <message>
        <source>Made a new data key and re-sealed every value with it: secret properties: %1, personal values: %2, administrators&apos; copies of the key: %3. Running nodes pick it up by themselves.</source>
        <translation>Ein neuer Datenschlüssel wurde erzeugt und jeder Wert damit neu versiegelt: geheime Eigenschaften: %1, personenbezogene Werte: %2, Schlüsselkopien der Administratoren: %3. Laufende Knoten übernehmen ihn von selbst.</translation>
    </message>
</context>
<context>
    <name>Cohort::MigrateCommand</name>
    <message>
        <source>Creates or upgrades the database schema to this program&apos;s version.</source>
        <translation>Legt das Datenbankschema an oder aktualisiert es auf die Version dieses Programms.</translation>
    </message>
    <message>
        <source>Creates the SQLite database file when it does not exist.</source>
        <translation>Legt die SQLite-Datenbankdatei an, wenn sie nicht existiert.</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapActivityItem</name>
    <message>
        <source>Jobs: %1</source>
        <translation>Jobs: %1</translation>
    </message>
    <message>
        <source>No jobs</source>
        <translation>Keine Jobs</translation>
    </message>
    <message numerus="yes">
        <source>%1: %Ln job(s) finished in the last %2 minutes</source>
        <translation>
            <numerusform>%1: %Ln Job in den letzten %2 Minuten beendet</numerusform>
            <numerusform>%1: %Ln Jobs in den letzten %2 Minuten beendet</numerusform>
        </translation>
    </message>
    <message>
        <source>Busiest: %1 jobs/min</source>
        <translation>Spitze: %1 Jobs/min</translation>
    </message>
    <message>
        <source>Every node&apos;s graph has the same scale: 0 to %1 jobs/min</source>
        <translation>Die Diagramme aller Knoten haben dieselbe Skala: 0 bis %1 Jobs/min</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapHubItem</name>
    <message>
        <source>The shared database</source>
        <translation>Die gemeinsame Datenbank</translation>
    </message>
    <message>
        <source>The shared database: %1</source>
        <translation>Die gemeinsame Datenbank: %1</translation>
    </message>
    <message>
        <source>No nodes</source>
        <translation>Keine Knoten</translation>
    </message>
    <message>
        <source>Online: %1 of %2</source>
        <translation>Online: %1 von %2</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Datenbank</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapLinkItem</name>
    <message>
        <source>%1 → %2: not probed</source>
        <translation>%1 → %2: nicht geprüft</translation>
    </message>
    <message>
        <source>%1 → %2: reachable, %3 ms (probed %4)</source>
        <translation>%1 → %2: erreichbar, %3 ms (geprüft %4)</translation>
    </message>
    <message>
        <source>%1 → %2: reachable (probed %3)</source>
        <translation>%1 → %2: erreichbar (geprüft %3)</translation>
    </message>
    <message>
        <source>%1 → %2: unreachable: %3 (probed %4)</source>
        <translation>%1 → %2: nicht erreichbar: %3 (geprüft %4)</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>keine Antwort</translation>
    </message>
    <message>
        <source>%1 ↔ %2</source>
        <translation>%1 ↔ %2</translation>
    </message>
    <message>
        <source>Out of date: %1 is %2.</source>
        <translation>Veraltet: %1 ist %2.</translation>
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
        <translation>%1
Status: %2
Adresse: %3
Version: %4
Letzter Kontakt: %5</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>(unbekannt)</translation>
    </message>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
    <message>
        <source>%1 (the cluster runs %2: upgrade this node)</source>
        <translation>%1 (der Cluster läuft mit %2: aktualisieren Sie diesen Knoten)</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapView</name>
    <message>
        <source>Nodes</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>Links</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Stale (a node is offline)</source>
        <translation>Veraltet (ein Knoten ist offline)</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>Aktivität</translation>
    </message>
    <message>
        <source>Jobs/min, last %1 min, peak %2</source>
        <translation>Jobs/min, letzte %1 min, Spitze %2</translation>
    </message>
    <message>
        <source>Jobs/min, peak %1</source>
        <translation>Jobs/min, Spitze %1</translation>
    </message>
    <message>
        <source>Network map</source>
        <translation>Netzwerkkarte</translation>
    </message>
    <message>
        <source>No manager nodes to show.</source>
        <translation>Keine Manager-Knoten vorhanden.</translation>
    </message>
    <message>
        <source>Reachable</source>
        <comment>probe result</comment>
        <translation>Erreichbar</translation>
    </message>
    <message>
        <source>Unreachable</source>
        <comment>probe result</comment>
        <translation>Nicht erreichbar</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeApiCall</name>
    <message>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
    <message>
        <source>The node&apos;s API address &quot;%1&quot; is not HOST:PORT.</source>
        <translation>Die API-Adresse „%1“ des Knotens ist nicht HOST:PORT.</translation>
    </message>
    <message>
        <source>The node recorded no certificate fingerprint to check it by; it was not asked.</source>
        <translation>Der Knoten hat keinen Zertifikat-Fingerabdruck hinterlegt, an dem er zu prüfen wäre; er wurde nicht gefragt.</translation>
    </message>
    <message>
        <source>The node at %1 cannot be reached: %2</source>
        <translation>Der Knoten unter %1 ist nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>Refused: the node at %1 presented a certificate with SHA-256 %2, but the database records %3 for it. Nothing was sent to it.</source>
        <translation>Abgelehnt: Der Knoten unter %1 zeigte ein Zertifikat mit SHA-256 %2, die Datenbank hinterlegt für ihn aber %3. Es wurde nichts an ihn gesendet.</translation>
    </message>
    <message>
        <source>The node at %1 did not answer within %2 s.</source>
        <translation>Der Knoten unter %1 hat nicht innerhalb von %2 s geantwortet.</translation>
    </message>
    <message>
        <source>The node at %1 sent an answer over 1 MiB.</source>
        <translation>Der Knoten unter %1 hat eine Antwort über 1 MiB gesendet.</translation>
    </message>
    <message>
        <source>The node at %1 did not answer in HTTP.</source>
        <translation>Der Knoten unter %1 hat nicht per HTTP geantwortet.</translation>
    </message>
    <message>
        <source>The node at %1 answered with no valid status.</source>
        <translation>Der Knoten unter %1 hat ohne gültigen Status geantwortet.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeApiClient</name>
    <message>
        <source>The node&apos;s API address &quot;%1&quot; is not HOST:PORT.</source>
        <translation>Die API-Adresse „%1“ des Knotens ist nicht HOST:PORT.</translation>
    </message>
    <message>
        <source>The node recorded no certificate fingerprint to check it by; it was not asked.</source>
        <translation>Der Knoten hat keinen Zertifikat-Fingerabdruck hinterlegt, an dem er zu prüfen wäre; er wurde nicht gefragt.</translation>
    </message>
    <message>
        <source>Refused: the node presented a certificate with SHA-256 %1, but the database records %2 for this node. Nothing was sent to it.</source>
        <translation>Abgelehnt: Der Knoten zeigte ein Zertifikat mit SHA-256 %1, die Datenbank hinterlegt für diesen Knoten aber %2. Es wurde nichts an ihn gesendet.</translation>
    </message>
    <message>
        <source>The node is unreachable: %1 refused the connection.</source>
        <translation>Der Knoten ist nicht erreichbar: %1 hat die Verbindung abgelehnt.</translation>
    </message>
    <message>
        <source>The node is unreachable: host %1 not found.</source>
        <translation>Der Knoten ist nicht erreichbar: Host %1 nicht gefunden.</translation>
    </message>
    <message>
        <source>The TLS handshake with the node failed: %1</source>
        <translation>Der TLS-Handshake mit dem Knoten ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>The node is unreachable: %1</source>
        <translation>Der Knoten ist nicht erreichbar: %1</translation>
    </message>
    <message numerus="yes">
        <source>The node did not answer within %n second(s).</source>
        <translation>
            <numerusform>Der Knoten hat nicht innerhalb von %n Sekunde geantwortet.</numerusform>
            <numerusform>Der Knoten hat nicht innerhalb von %n Sekunden geantwortet.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The node could not be reached within %n second(s).</source>
        <translation>
            <numerusform>Der Knoten war nicht innerhalb von %n Sekunde erreichbar.</numerusform>
            <numerusform>Der Knoten war nicht innerhalb von %n Sekunden erreichbar.</numerusform>
        </translation>
    </message>
    <message>
        <source>The node answered more than %1 bytes.</source>
        <translation>Der Knoten hat mehr als %1 Bytes geantwortet.</translation>
    </message>
    <message>
        <source>The node closed the connection without answering.</source>
        <translation>Der Knoten hat die Verbindung ohne Antwort geschlossen.</translation>
    </message>
    <message>
        <source>The node answered something that is not HTTP.</source>
        <translation>Der Knoten hat etwas geantwortet, das kein HTTP ist.</translation>
    </message>
    <message>
        <source>The node closed the connection in the middle of its answer.</source>
        <translation>Der Knoten hat die Verbindung mitten in seiner Antwort geschlossen.</translation>
    </message>
    <message>
        <source>The node answered HTTP %1.</source>
        <translation>Der Knoten hat mit HTTP %1 geantwortet.</translation>
    </message>
    <message>
        <source>The node answered HTTP %1: %2</source>
        <translation>Der Knoten hat mit HTTP %1 geantwortet: %2</translation>
    </message>
    <message>
        <source>The node&apos;s answer is not a JSON object.</source>
        <translation>Die Antwort des Knotens ist kein JSON-Objekt.</translation>
    </message>
    <message numerus="yes">
        <source>The node accepted the connection but did not complete the TLS handshake within %n second(s).</source>
        <translation>
            <numerusform>Der Knoten hat die Verbindung angenommen, den TLS-Handshake aber nicht innerhalb von %n Sekunde abgeschlossen.</numerusform>
            <numerusform>Der Knoten hat die Verbindung angenommen, den TLS-Handshake aber nicht innerhalb von %n Sekunden abgeschlossen.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeCertificate</name>
    <message>
        <source>Cannot read %1: %2.</source>
        <translation>%1 kann nicht gelesen werden: %2.</translation>
    </message>
    <message>
        <source>%1 does not hold a private key (%2).</source>
        <translation>%1 enthält keinen privaten Schlüssel (%2).</translation>
    </message>
    <message>
        <source>%1 does not hold a certificate (%2).</source>
        <translation>%1 enthält kein Zertifikat (%2).</translation>
    </message>
    <message>
        <source>The certificate in %1 does not belong to the key in %2.</source>
        <translation>Das Zertifikat in %1 gehört nicht zum Schlüssel in %2.</translation>
    </message>
    <message>
        <source>Cannot make the node&apos;s certificate: %1 (%2).</source>
        <translation>Das Zertifikat des Knotens kann nicht erstellt werden: %1 (%2).</translation>
    </message>
    <message>
        <source>Cannot create the data folder %1.</source>
        <translation>Der Datenordner %1 kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation>%1 kann nicht geschrieben werden: %2.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeConfig</name>
    <message>
        <source>The cluster database: sqlite:/path/cohort.db or postgresql://user:pass@host:port/db.</source>
        <translation>Die Cluster-Datenbank: sqlite:/path/cohort.db oder postgresql://user:pass@host:port/db.</translation>
    </message>
    <message>
        <source>This node&apos;s name (default: the host name).</source>
        <translation>Der Name dieses Knotens (Standard: der Hostname).</translation>
    </message>
    <message>
        <source>The folder that holds node.guid, this node&apos;s identity (created if missing).</source>
        <translation>Der Ordner mit node.guid, der Identität dieses Knotens (wird bei Bedarf angelegt).</translation>
    </message>
    <message>
        <source>The cluster&apos;s local secret, which unlocks its data key (required).</source>
        <translation>Das lokale Geheimnis des Clusters, das seinen Datenschlüssel entsperrt (erforderlich).</translation>
    </message>
    <message>
        <source>Jobs run at once, 1 to 256 (default: 4).</source>
        <translation>Gleichzeitig laufende Jobs, 1 bis 256 (Standard: 4).</translation>
    </message>
    <message>
        <source>On SIGTERM, how long running jobs may finish, 0 to 3600 (default: 30).</source>
        <translation>Wie lange laufende Jobs bei SIGTERM noch zu Ende laufen dürfen, 0 bis 3600 (Standard: 30).</translation>
    </message>
    <message>
        <source>Jobs claimed at once, 1 to 1000 (default: 64).</source>
        <translation>Auf einmal beanspruchte Jobs, 1 bis 1000 (Standard: 64).</translation>
    </message>
    <message>
        <source>Append one line per job execution to FILE: job id, attempt, type, process id, start time in microseconds since the epoch.</source>
        <translation>Hängt pro Jobausführung eine Zeile an FILE an: Job-ID, Versuch, Typ, Prozess-ID, Startzeit in Mikrosekunden seit der Epoche.</translation>
    </message>
    <message>
        <source>Runs one Cohort manager node: joins the cluster in the shared database, heartbeats, watches its peers and runs jobs.</source>
        <translation>Betreibt einen Cohort-Manager-Knoten: tritt dem Cluster in der gemeinsamen Datenbank bei, sendet Heartbeats, überwacht die anderen Knoten und führt Jobs aus.</translation>
    </message>
    <message>
        <source>An INI file with the same settings, in a [node] section; flags win.</source>
        <translation>Eine INI-Datei mit denselben Einstellungen in einem Abschnitt [node]; Kommandozeilenoptionen haben Vorrang.</translation>
    </message>
    <message>
        <source>--%1 must be a whole number from %2 to %3, not &quot;%4&quot;.</source>
        <translation>--%1 muss eine ganze Zahl von %2 bis %3 sein, nicht &quot;%4&quot;.</translation>
    </message>
    <message>
        <source>Unexpected argument &quot;%1&quot;; every setting is a --flag.</source>
        <translation>Unerwartetes Argument &quot;%1&quot;; jede Einstellung wird als --option angegeben.</translation>
    </message>
    <message>
        <source>The configuration file %1 does not exist.</source>
        <translation>Die Konfigurationsdatei %1 existiert nicht.</translation>
    </message>
    <message>
        <source>The configuration file %1 is not a valid INI file.</source>
        <translation>Die Konfigurationsdatei %1 ist keine gültige INI-Datei.</translation>
    </message>
    <message>
        <source>Unknown setting &quot;%1&quot; in %2; the [node] section takes: %3.</source>
        <translation>Unbekannte Einstellung &quot;%1&quot; in %2; der Abschnitt [node] kennt: %3.</translation>
    </message>
    <message>
        <source>Name the cluster database with --db URL (or db= in --config).</source>
        <translation>Geben Sie die Cluster-Datenbank mit --db URL an (oder db= in --config).</translation>
    </message>
    <message>
        <source>--name must be 1 to 64 printable characters.</source>
        <translation>--name muss aus 1 bis 64 druckbaren Zeichen bestehen.</translation>
    </message>
    <message>
        <source>Name the cluster&apos;s local secret with --secret-file FILE (or secret-file= in --config).</source>
        <translation>Geben Sie das lokale Geheimnis des Clusters mit --secret-file FILE an (oder secret-file= in --config).</translation>
    </message>
    <message>
        <source>Seconds between heartbeats, 1 to 300. Overrides the cluster setting (System Settings, default 10) for this node only; without it the node follows the cluster setting.</source>
        <translation>Sekunden zwischen Heartbeats, 1 bis 300. Überschreibt die Cluster-Einstellung (Systemeinstellungen, Standard 10) nur für diesen Knoten; ohne diese Option folgt der Knoten der Cluster-Einstellung.</translation>
    </message>
    <message>
        <source>A peer silent this long is marked Offline and its jobs taken over, 2 to 86400 and at least twice the heartbeat. Overrides the cluster setting (System Settings, default 180) for this node only; without it the node follows the cluster setting.</source>
        <translation>Ein anderer Knoten, der so lange schweigt, wird als Offline markiert und seine Jobs werden übernommen; 2 bis 86400 und mindestens das Doppelte des Heartbeats. Überschreibt die Cluster-Einstellung (Systemeinstellungen, Standard 180) nur für diesen Knoten; ohne diese Option folgt der Knoten der Cluster-Einstellung.</translation>
    </message>
    <message>
        <source>--offline-after (%1 s) must be at least twice --heartbeat (%2 s), or a late heartbeat would get a live node marked Offline.</source>
        <translation>--offline-after (%1 s) muss mindestens doppelt so groß sein wie --heartbeat (%2 s), sonst würde ein verspäteter Heartbeat dazu führen, dass ein laufender Knoten als Offline markiert wird.</translation>
    </message>
    <message>
        <source>The address peers and agents reach this node at (default: HOSTNAME:8443). The node API listens on PORT, on HOST when it is an IP address and on every address otherwise. Port 0 picks a free port, which the node records as its address.</source>
        <translation>Die Adresse, unter der andere Knoten und Agenten diesen Knoten erreichen (Standard: HOSTNAME:8443). Die Knoten-API lauscht auf PORT, und zwar auf HOST, wenn dies eine IP-Adresse ist, sonst auf jeder Adresse. Port 0 wählt einen freien Port, den der Knoten als seine Adresse einträgt.</translation>
    </message>
    <message>
        <source>--api must be HOST:PORT with a port from 0 (any free port) to 65535, not &quot;%1&quot;.</source>
        <translation>--api muss HOST:PORT mit einem Port von 0 (beliebiger freier Port) bis 65535 sein, nicht &quot;%1&quot;.</translation>
    </message>
    <message>
        <source>At start, how long to wait for another process&apos;s schema migration or lock, 1 to 3600 (default: 120); then the node exits and changes nothing.</source>
        <translation>Wie lange beim Start auf die Schemamigration oder Sperre eines anderen Prozesses gewartet wird, 1 bis 3600 (Standard: 120); danach beendet sich der Knoten, ohne etwas zu ändern.</translation>
    </message>
    <message>
        <source>Threads serving the node API, 1 to 64 (default: 1). One thread answers thousands of check-ins a second; more help only on a machine with cores to spare (docs/BENCHMARKS.md).</source>
        <translation>Threads für die Knoten-API, 1 bis 64 (Standard: 1). Ein Thread beantwortet Tausende Check-ins pro Sekunde; mehr helfen nur auf einem Rechner mit freien Kernen (docs/BENCHMARKS.md).</translation>
    </message>
    <message>
        <source>IP addresses of load balancers, comma-separated, that name the agent they forward with a PROXY protocol v2 header (HAProxy: send-proxy-v2); a connection from one counts as that agent&apos;s for the per-client limits. A header from any other address is refused.</source>
        <translation>IP-Adressen von Load Balancern, durch Kommas getrennt, die den weitergeleiteten Agenten in einem PROXY-Protokoll-v2-Header nennen (HAProxy: send-proxy-v2); eine Verbindung von einem zählt für die Limits pro Client als die dieses Agenten. Ein Header von jeder anderen Adresse wird abgewiesen.</translation>
    </message>
    <message>
        <source>--trusted-proxy must list IP addresses separated by commas; &quot;%1&quot; is not one.</source>
        <translation>--trusted-proxy muss IP-Adressen durch Kommas getrennt aufführen; „%1“ ist keine.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeDrain</name>
    <message>
        <source>recording the drain</source>
        <translation>Aufzeichnen des Leerens</translation>
    </message>
    <message>
        <source>recording the resume</source>
        <translation>Aufzeichnen des Fortsetzens</translation>
    </message>
    <message>
        <source>reading the node&apos;s name</source>
        <translation>Lesen des Knotennamens</translation>
    </message>
    <message>
        <source>an administrator</source>
        <translation>einen Administrator</translation>
    </message>
    <message>
        <source>Drained by %1: it claims no new jobs; running ones finish or go back within the grace.</source>
        <translation>Leeren angefordert durch %1: Der Knoten beansprucht keine neuen Jobs; laufende werden innerhalb der Schonfrist beendet oder gehen zurück in den Pool.</translation>
    </message>
    <message>
        <source>Resumed by %1: it claims jobs again.</source>
        <translation>Fortsetzen angefordert durch %1: Der Knoten beansprucht wieder Jobs.</translation>
    </message>
    <message numerus="yes">
        <source>Drained: nothing runs any more; %n job(s) not finished within the grace went back to the pool.</source>
        <translation>
            <numerusform>Geleert: Es läuft nichts mehr; %n nicht innerhalb der Schonfrist beendeter Job ging zurück in den Pool.</numerusform>
            <numerusform>Geleert: Es läuft nichts mehr; %n nicht innerhalb der Schonfrist beendete Jobs gingen zurück in den Pool.</numerusform>
        </translation>
    </message>
    <message>
        <source>Drained: nothing runs any more. It can be stopped and decommissioned.</source>
        <translation>Geleert: Es läuft nichts mehr. Der Knoten kann gestoppt und außer Betrieb genommen werden.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeEvents</name>
    <message>
        <source>recording the event %1 of node %2</source>
        <translation>Aufzeichnen des Ereignisses %1 von Knoten %2</translation>
    </message>
    <message>
        <source>reading the timeline of node %1</source>
        <translation>Lesen der Zeitleiste von Knoten %1</translation>
    </message>
    <message>
        <source>Joined the cluster</source>
        <translation>Dem Cluster beigetreten</translation>
    </message>
    <message>
        <source>Marked Offline</source>
        <translation>Als Offline markiert</translation>
    </message>
    <message>
        <source>Jobs handed back</source>
        <translation>Jobs zurückgegeben</translation>
    </message>
    <message>
        <source>Upgrade required</source>
        <translation>Upgrade erforderlich</translation>
    </message>
    <message>
        <source>Local secret refused</source>
        <translation>Lokales Geheimnis abgewiesen</translation>
    </message>
    <message>
        <source>Clone refused</source>
        <translation>Klon abgewiesen</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>timeline event</comment>
        <translation>Online</translation>
    </message>
    <message>
        <source>Stopped</source>
        <comment>timeline event</comment>
        <translation>Gestoppt</translation>
    </message>
    <message>
        <source>Draining</source>
        <comment>timeline event</comment>
        <translation>Wird geleert</translation>
    </message>
    <message>
        <source>Drained</source>
        <comment>timeline event</comment>
        <translation>Geleert</translation>
    </message>
    <message>
        <source>Resumed</source>
        <comment>timeline event</comment>
        <translation>Fortgesetzt</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <comment>timeline event</comment>
        <translation>Außer Betrieb</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeEventsModel</name>
    <message>
        <source>%1 (double-click for the takeover report)</source>
        <translation>%1 (Doppelklick für den Übernahmebericht)</translation>
    </message>
    <message>
        <source>Time</source>
        <comment>column heading</comment>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <comment>column heading</comment>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>By</source>
        <comment>column heading</comment>
        <translation>Ausgelöst von</translation>
    </message>
    <message>
        <source>Details</source>
        <comment>column heading</comment>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeIdentity</name>
    <message>
        <source>Cannot read %1: %2.</source>
        <translation>%1 kann nicht gelesen werden: %2.</translation>
    </message>
    <message>
        <source>%1 does not hold a node GUID; delete it to join as a new node.</source>
        <translation>%1 enthält keine Knoten-GUID; löschen Sie die Datei, um als neuer Knoten beizutreten.</translation>
    </message>
    <message>
        <source>Cannot create the data folder %1.</source>
        <translation>Der Datenordner %1 kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation>%1 kann nicht geschrieben werden: %2.</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 existiert nicht.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeKeyring</name>
    <message>
        <source>%1 holds no cluster.</source>
        <translation>%1 enthält keinen Cluster.</translation>
    </message>
    <message>
        <source>Node %1&apos;s local secret (%2) no longer unlocks the cluster&apos;s data key: it keeps running, but will be refused when it restarts. Copy the new secret file to it.</source>
        <translation>Das lokale Geheimnis von Knoten %1 (%2) entsperrt den Datenschlüssel des Clusters nicht mehr: Der Knoten läuft weiter, wird aber beim Neustart abgewiesen. Kopieren Sie die neue Geheimnisdatei auf den Knoten.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeLinks</name>
    <message>
        <source>reading the cluster&apos;s nodes</source>
        <translation>Lesen der Knoten des Clusters</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>Lesen der Datenbankuhr</translation>
    </message>
    <message>
        <source>storing the probes of node %1</source>
        <translation>Speichern der Prüfungen von Knoten %1</translation>
    </message>
    <message>
        <source>storing the probe from node %1 to node %2</source>
        <translation>Speichern der Prüfung von Knoten %1 zu Knoten %2</translation>
    </message>
    <message>
        <source>reading the links between nodes</source>
        <translation>Lesen der Verbindungen zwischen Knoten</translation>
    </message>
</context>
<context>
    <name>Cohort::NodePropertiesDialog</name>
    <message>
        <source>Decommission…</source>
        <translation>Außer Betrieb nehmen…</translation>
    </message>
    <message>
        <source>What this node is for, where it runs…</source>
        <translation>Wofür dieser Knoten da ist, wo er läuft…</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Allgemein</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>Beschreibung:</translation>
    </message>
    <message>
        <source>GUID:</source>
        <translation>GUID:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>Version:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Gestartet:</translation>
    </message>
    <message>
        <source>Last contact:</source>
        <translation>Letzter Kontakt:</translation>
    </message>
    <message>
        <source>Time zone:</source>
        <translation>Zeitzone:</translation>
    </message>
    <message>
        <source>Jobs in the last hour:</source>
        <translation>Jobs in der letzten Stunde:</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>This node is no longer part of the cluster.</source>
        <translation>Dieser Knoten gehört nicht mehr zum Cluster.</translation>
    </message>
    <message>
        <source>Properties of %1</source>
        <translation>Eigenschaften von %1</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>You are signed in as an auditor: you can see this node but not change it.</source>
        <translation>Sie sind als Auditor angemeldet: Sie können diesen Knoten sehen, aber nicht ändern.</translation>
    </message>
    <message>
        <source>Only an Offline node can be decommissioned. Stop the node first.</source>
        <translation>Nur ein Knoten im Status Offline kann außer Betrieb genommen werden. Stoppen Sie den Knoten zuerst.</translation>
    </message>
    <message>
        <source>Removes this node from the cluster for good. Its GUID can never join again.</source>
        <translation>Entfernt diesen Knoten endgültig aus dem Cluster. Seine GUID kann nie wieder beitreten.</translation>
    </message>
    <message>
        <source>Decommission Node</source>
        <translation>Knoten außer Betrieb nehmen</translation>
    </message>
    <message>
        <source>Decommissioning…</source>
        <translation>Wird außer Betrieb genommen…</translation>
    </message>
    <message>
        <source>Clock offset:</source>
        <translation>Zeitversatz:</translation>
    </message>
    <message>
        <source>%1 (the cluster runs %2: upgrade this node)</source>
        <translation>%1 (der Cluster läuft mit %2: aktualisieren Sie diesen Knoten)</translation>
    </message>
    <message>
        <source>%1 s from the database&apos;s clock</source>
        <translation>%1 s gegenüber der Datenbankuhr</translation>
    </message>
    <message>
        <source>Ask Again</source>
        <translation>Erneut fragen</translation>
    </message>
    <message>
        <source>Reported by the Node&apos;s API</source>
        <translation>Von der API des Knotens gemeldet</translation>
    </message>
    <message>
        <source>API address:</source>
        <translation>API-Adresse:</translation>
    </message>
    <message>
        <source>Certificate (SHA-256):</source>
        <translation>Zertifikat (SHA-256):</translation>
    </message>
    <message>
        <source>This node recorded no API address: there is nothing to ask.</source>
        <translation>Dieser Knoten hat keine API-Adresse hinterlegt: Es gibt nichts zu fragen.</translation>
    </message>
    <message>
        <source>Asking https://%1%2…</source>
        <translation>Frage https://%1%2…</translation>
    </message>
    <message>
        <source>Another node answers at %1: it says it is %2.</source>
        <translation>Unter %1 antwortet ein anderer Knoten: Er gibt sich als %2 aus.</translation>
    </message>
    <message>
        <source>Asked GET %1 at %2.</source>
        <translation>GET %1 an %2 gefragt.</translation>
    </message>
    <message>
        <source>This session holds no node API token (%1).</source>
        <translation>Diese Sitzung hat kein Knoten-API-Token (%1).</translation>
    </message>
    <message>
        <source>You are signed in as an auditor, and the node API token opens only for administrators.</source>
        <translation>Sie sind als Prüfer angemeldet, und das Knoten-API-Token öffnet sich nur für Administratoren.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Refused:&lt;/b&gt; the node presented a certificate with SHA-256&lt;br&gt;%1&lt;br&gt;but the database records&lt;br&gt;%2&lt;br&gt;for this node. Nothing was sent to it.</source>
        <translation>&lt;b&gt;Abgelehnt:&lt;/b&gt; Der Knoten zeigte ein Zertifikat mit SHA-256&lt;br&gt;%1&lt;br&gt;die Datenbank hinterlegt für diesen Knoten aber&lt;br&gt;%2&lt;br&gt;Es wurde nichts an ihn gesendet.</translation>
    </message>
    <message>
        <source>GET /api/v1/node answered in %1 ms over HTTPS, the certificate pinned to the fingerprint the node recorded in the database.</source>
        <translation>GET /api/v1/node hat in %1 ms über HTTPS geantwortet, das Zertifikat an den Fingerabdruck gebunden, den der Knoten in der Datenbank hinterlegt hat.</translation>
    </message>
    <message>
        <source>Only GET /api/v1/health was asked (answered in %1 ms); it needs no token. The API address and start time come from GET /api/v1/node, which needs the node API token. %2</source>
        <translation>Nur GET /api/v1/health wurde gefragt (Antwort in %1 ms); es braucht kein Token. API-Adresse und Startzeit kommen von GET /api/v1/node, das das Knoten-API-Token braucht. %2</translation>
    </message>
    <message>
        <source>Heartbeat:</source>
        <translation>Heartbeat:</translation>
    </message>
    <message>
        <source>Offline in:</source>
        <translation>Offline in:</translation>
    </message>
    <message>
        <source>&amp;General</source>
        <translation>&amp;Allgemein</translation>
    </message>
    <message>
        <source>T&amp;imeline</source>
        <translation>&amp;Zeitleiste</translation>
    </message>
    <message>
        <source>Drained by an administrator since %1: Online, but it claims no work.</source>
        <translation>Seit %1 von einem Administrator geleert: Online, beansprucht aber keine Arbeit.</translation>
    </message>
    <message>
        <source>Checking what decommissioning would change…</source>
        <translation>Es wird geprüft, was die Außerbetriebnahme ändern würde…</translation>
    </message>
    <message>
        <source>Asking the node to drain…</source>
        <translation>Knoten wird zum Leeren aufgefordert…</translation>
    </message>
    <message>
        <source>Asking the node to resume…</source>
        <translation>Knoten wird zum Fortsetzen aufgefordert…</translation>
    </message>
    <message>
        <source>Only an Online node can be drained or resumed: the node itself is asked.</source>
        <translation>Nur ein Knoten im Status Online kann geleert oder fortgesetzt werden: Der Knoten selbst wird gefragt.</translation>
    </message>
    <message>
        <source>This session holds no node API token (%1), so the node cannot be asked.</source>
        <translation>Diese Sitzung hat kein Knoten-API-Token (%1), daher kann der Knoten nicht gefragt werden.</translation>
    </message>
    <message>
        <source>Drained since %1: it runs no new work. Resume lets it claim jobs again.</source>
        <translation>Seit %1 geleert: Der Knoten übernimmt keine neue Arbeit. Mit Fortsetzen beansprucht er wieder Jobs.</translation>
    </message>
    <message>
        <source>Drain lets the jobs it runs finish, then it claims no new work until resumed; the other nodes take the pool&apos;s jobs. It stays Online.</source>
        <translation>Beim Leeren laufen die aktuellen Jobs zu Ende, danach beansprucht der Knoten bis zum Fortsetzen keine neue Arbeit; die anderen Knoten übernehmen die Jobs des Pools. Er bleibt Online.</translation>
    </message>
    <message>
        <source>Drain Node</source>
        <translation>Knoten leeren</translation>
    </message>
    <message>
        <source>Drain %1?

The jobs it is running finish; after that it claims no new work until it is resumed, and the other Online nodes take the pool&apos;s jobs. It stays Online and keeps answering its agents. The node records this in its timeline and the audit log.</source>
        <translation>%1 leeren?

Die laufenden Jobs werden zu Ende geführt; danach beansprucht der Knoten bis zum Fortsetzen keine neue Arbeit, und die anderen Online-Knoten übernehmen die Jobs des Pools. Er bleibt Online und antwortet weiterhin seinen Agents. Der Knoten vermerkt dies in seiner Zeitleiste und im Audit-Protokoll.</translation>
    </message>
    <message>
        <source>Could not drain %1: %2</source>
        <translation>%1 konnte nicht geleert werden: %2</translation>
    </message>
    <message>
        <source>Could not resume %1: %2</source>
        <translation>%1 konnte nicht fortgesetzt werden: %2</translation>
    </message>
    <message>
        <source>%1 was already drained.</source>
        <translation>%1 wird bereits geleert.</translation>
    </message>
    <message>
        <source>%1 is drained: it finishes what it runs and claims no new work.</source>
        <translation>%1 wird geleert: Der Knoten führt laufende Jobs zu Ende und beansprucht keine neue Arbeit.</translation>
    </message>
    <message>
        <source>%1 was not drained.</source>
        <translation>%1 wurde gar nicht geleert.</translation>
    </message>
    <message>
        <source>%1 resumed: it claims work again.</source>
        <translation>%1 fortgesetzt: Der Knoten beansprucht wieder Arbeit.</translation>
    </message>
    <message>
        <source>Could not check what decommissioning would change: %1</source>
        <translation>Es konnte nicht geprüft werden, was die Außerbetriebnahme ändern würde: %1</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>und %n weiterer</numerusform>
            <numerusform>und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Agents that last checked in through it:</source>
        <translation>Agents, die sich zuletzt über ihn gemeldet haben:</translation>
    </message>
    <message>
        <source>%1 cannot be decommissioned now.

%2

%3</source>
        <translation>%1 kann jetzt nicht außer Betrieb genommen werden.

%2

%3</translation>
    </message>
    <message>
        <source>Decommission %1?

%2

The node is removed from the cluster for good and its GUID can never join again. This is recorded in the audit log.</source>
        <translation>%1 außer Betrieb nehmen?

%2

Der Knoten wird endgültig aus dem Cluster entfernt, und seine GUID kann nie wieder beitreten. Dies wird im Audit-Protokoll eingetragen.</translation>
    </message>
    <message>
        <source>Save</source>
        <comment>node description</comment>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <comment>node status</comment>
        <translation>Außer Betrieb</translation>
    </message>
    <message>
        <source>Drain…</source>
        <comment>node action</comment>
        <translation>Leeren…</translation>
    </message>
    <message>
        <source>Resume</source>
        <comment>node action</comment>
        <translation>Fortsetzen</translation>
    </message>
    <message numerus="yes">
        <source>Asked GET %1 at %2; asking again every %n second(s).</source>
        <translation>
            <numerusform>GET %1 an %2 gefragt; fragt jede Sekunde erneut.</numerusform>
            <numerusform>GET %1 an %2 gefragt; fragt alle %n Sekunden erneut.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeRegistry</name>
    <message>
        <source>finding node %1</source>
        <translation>Suchen von Knoten %1</translation>
    </message>
    <message>
        <source>No node is called &quot;%1&quot;.</source>
        <translation>Kein Knoten heißt &quot;%1&quot;.</translation>
    </message>
    <message>
        <source>Several nodes are called &quot;%1&quot;; name one by its GUID: %2.</source>
        <translation>Mehrere Knoten heißen &quot;%1&quot;; geben Sie einen über seine GUID an: %2.</translation>
    </message>
    <message>
        <source>Offline (Upgrade Required)</source>
        <translation>Offline (Upgrade Required)</translation>
    </message>
    <message>
        <source>taking the node&apos;s session lock</source>
        <translation>Setzen der Sitzungssperre des Knotens</translation>
    </message>
    <message>
        <source>reading the nodes&apos; session locks</source>
        <translation>Lesen der Sitzungssperren der Knoten</translation>
    </message>
    <message>
        <source>looking up node %1</source>
        <translation>Nachschlagen von Knoten %1</translation>
    </message>
    <message>
        <source>Node %1 (&quot;%2&quot;) was decommissioned and cannot rejoin the cluster. To join this machine as a new node, delete %3 and start again.</source>
        <translation>Knoten %1 (&quot;%2&quot;) wurde außer Betrieb genommen und kann dem Cluster nicht erneut beitreten. Um diesen Rechner als neuen Knoten beitreten zu lassen, löschen Sie %3 und starten Sie erneut.</translation>
    </message>
    <message>
        <source>Another live cohort-node (process %1 on %2, last heartbeat %3 s ago) already runs as node %4. If this machine was cloned from another, delete %5 to join as a new node.</source>
        <translation>Ein anderer laufender cohort-node (Prozess %1 auf %2, letzter Heartbeat vor %3 s) läuft bereits als Knoten %4. Wurde dieser Rechner von einem anderen geklont, löschen Sie %5, um als neuer Knoten beizutreten.</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>Lesen der Datenbankuhr</translation>
    </message>
    <message>
        <source>registering node %1</source>
        <translation>Registrieren von Knoten %1</translation>
    </message>
    <message>
        <source>Node %1 changed while it joined; try again.</source>
        <translation>Knoten %1 hat sich während des Beitritts geändert; versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>node %1 restarted while running it</source>
        <translation>Knoten %1 wurde während der Ausführung neu gestartet</translation>
    </message>
    <message>
        <source>reading the join time</source>
        <translation>Lesen des Beitrittszeitpunkts</translation>
    </message>
    <message>
        <source>recording the heartbeat</source>
        <translation>Aufzeichnen des Heartbeats</translation>
    </message>
    <message>
        <source>reading the node&apos;s state</source>
        <translation>Lesen des Knotenzustands</translation>
    </message>
    <message>
        <source>checking the peers</source>
        <translation>Prüfen der anderen Knoten</translation>
    </message>
    <message>
        <source>no heartbeat for %1 s</source>
        <translation>seit %1 s kein Heartbeat</translation>
    </message>
    <message>
        <source>marking node %1 Offline</source>
        <translation>Markieren von Knoten %1 als Offline</translation>
    </message>
    <message>
        <source>node %1 went offline while running it</source>
        <translation>Knoten %1 ging während der Ausführung offline</translation>
    </message>
    <message numerus="yes">
        <source>Manager node %1 is Offline: %2. %n job(s) went back to the pool.</source>
        <translation>
            <numerusform>Manager-Knoten %1 ist Offline: %2. %n Job ging zurück in den Pool.</numerusform>
            <numerusform>Manager-Knoten %1 ist Offline: %2. %n Jobs gingen zurück in den Pool.</numerusform>
        </translation>
    </message>
    <message>
        <source>marking this node Offline</source>
        <translation>Markieren dieses Knotens als Offline</translation>
    </message>
    <message>
        <source>recording this node&apos;s version</source>
        <translation>Speichern der Version dieses Knotens</translation>
    </message>
    <message>
        <source>decommissioning node %1</source>
        <translation>Außerbetriebnahme von Knoten %1</translation>
    </message>
    <message>
        <source>Node %1 (%2) is already decommissioned.</source>
        <translation>Knoten %1 (%2) ist bereits außer Betrieb genommen.</translation>
    </message>
    <message>
        <source>Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, or wait until its peers mark it Offline.</source>
        <translation>Knoten %1 (%2) ist Online; nur ein Knoten im Status Offline kann außer Betrieb genommen werden. Stoppen Sie ihn zuerst oder warten Sie, bis die anderen Knoten ihn als Offline markieren.</translation>
    </message>
    <message>
        <source>removing the node&apos;s links</source>
        <translation>Entfernen der Verbindungen des Knotens</translation>
    </message>
    <message>
        <source>node %1 was decommissioned</source>
        <translation>Knoten %1 wurde außer Betrieb genommen</translation>
    </message>
    <message>
        <source>listing the nodes</source>
        <translation>Auflisten der Knoten</translation>
    </message>
    <message>
        <source>reading the peers&apos; thresholds</source>
        <translation>Lesen der Schwellenwerte der anderen Knoten</translation>
    </message>
    <message>
        <source>Manager node %1 runs version %2; the cluster runs %3. Upgrade it: until then it does no work.</source>
        <translation>Manager-Knoten %1 läuft mit Version %2; der Cluster läuft mit %3. Aktualisieren Sie ihn: Bis dahin arbeitet er nicht.</translation>
    </message>
    <message>
        <source>No other node is Online to mark it Offline.</source>
        <translation>Kein anderer Knoten ist Online, der ihn als Offline markieren könnte.</translation>
    </message>
    <message>
        <source>Every other Online node is silent too: none can mark it Offline.</source>
        <translation>Alle anderen Online-Knoten schweigen ebenfalls: Keiner kann ihn als Offline markieren.</translation>
    </message>
    <message>
        <source>Past the threshold: a peer marks it Offline at its next check (every second), once its own clock has seen the heartbeat stand still that long.</source>
        <translation>Schwelle überschritten: Ein anderer Knoten markiert ihn bei seiner nächsten Prüfung (jede Sekunde) als Offline, sobald dessen eigene Uhr den Heartbeat so lange stillstehen sah.</translation>
    </message>
    <message>
        <source>Refused process %1 on %2: process %3 on %4 runs this node (last heartbeat %5 s ago).</source>
        <translation>Prozess %1 auf %2 abgewiesen: Prozess %3 auf %4 betreibt diesen Knoten (letzter Heartbeat vor %5 s).</translation>
    </message>
    <message>
        <source>First joined the cluster as %1.</source>
        <translation>Erstmals als %1 dem Cluster beigetreten.</translation>
    </message>
    <message>
        <source>Version %1 at %2, process %3 on %4.</source>
        <translation>Version %1 unter %2, Prozess %3 auf %4.</translation>
    </message>
    <message>
        <source>no API address</source>
        <translation>keine API-Adresse</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) a previous run still held went back to the pool.</source>
        <translation>
            <numerusform>%n Job, den ein früherer Lauf noch hielt, ging zurück in den Pool.</numerusform>
            <numerusform>%n Jobs, die ein früherer Lauf noch hielt, gingen zurück in den Pool.</numerusform>
        </translation>
    </message>
    <message>
        <source>Marked Offline by %1: %2.</source>
        <translation>Von %1 als Offline markiert: %2.</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) it held went back to the pool.</source>
        <translation>
            <numerusform>%n Job, den er hielt, ging zurück in den Pool.</numerusform>
            <numerusform>%n Jobs, die er hielt, gingen zurück in den Pool.</numerusform>
        </translation>
    </message>
    <message>
        <source>recording the data key node %1 holds</source>
        <translation>Speichern des Datenschlüssels, den Knoten %1 hält</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) not finished within the grace went back to the pool.</source>
        <translation>
            <numerusform>%n nicht innerhalb der Schonfrist beendeter Job ging zurück in den Pool.</numerusform>
            <numerusform>%n nicht innerhalb der Schonfrist beendete Jobs gingen zurück in den Pool.</numerusform>
        </translation>
    </message>
    <message>
        <source>Refused at start: it runs version %1, the cluster %2.</source>
        <translation>Beim Start abgewiesen: Er läuft mit Version %1, der Cluster mit %2.</translation>
    </message>
    <message>
        <source>clearing the alerts of node %1</source>
        <translation>Aufheben der Alarme von Knoten %1</translation>
    </message>
    <message>
        <source>Decommissioned by %1.</source>
        <translation>Von %1 außer Betrieb genommen.</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>node status</comment>
        <translation>Online</translation>
    </message>
    <message>
        <source>Offline</source>
        <comment>node status</comment>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <comment>node status</comment>
        <translation>Außer Betrieb</translation>
    </message>
    <message>
        <source>Draining</source>
        <comment>node status</comment>
        <translation>Wird geleert</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeService</name>
    <message>
        <source>received %1</source>
        <translation>%1 empfangen</translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>%1 enthält keinen Cluster; legen Sie mit &quot;cohortctl init&quot; einen an.</translation>
    </message>
    <message>
        <source>%1 This node shows as Offline (Upgrade Required) until it runs the cluster&apos;s version.</source>
        <translation>%1 Dieser Knoten wird als Offline (Upgrade Required) angezeigt, bis er die Version des Clusters ausführt.</translation>
    </message>
    <message>
        <source>Another live cohort-node already runs as node %1. If this machine was cloned from another, delete %2 to join as a new node.</source>
        <translation>Ein anderer laufender cohort-node läuft bereits als Knoten %1. Wurde dieser Rechner von einem anderen geklont, löschen Sie %2, um als neuer Knoten beizutreten.</translation>
    </message>
    <message>
        <source>node %1 stopped before running it</source>
        <translation>Knoten %1 wurde vor der Ausführung beendet</translation>
    </message>
    <message>
        <source>Cannot serve the node API at %1: %2.</source>
        <translation>Die Knoten-API kann nicht unter %1 bereitgestellt werden: %2.</translation>
    </message>
    <message>
        <source>Cannot serve the node API at %1 (port %2 on every address): %3.</source>
        <translation>Die Knoten-API kann nicht unter %1 (Port %2 auf jeder Adresse) bereitgestellt werden: %3.</translation>
    </message>
    <message>
        <source>Cannot open the cluster&apos;s data key: %1</source>
        <translation>Der Datenschlüssel des Clusters kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>a drain was requested through the node API</source>
        <translation>über die Knoten-API wurde ein Leeren (Drain) angefordert</translation>
    </message>
    <message>
        <source>The local secret in %1 on %2 did not unlock the cluster&apos;s data key; the node did not start.</source>
        <translation>Das lokale Geheimnis in %1 auf %2 hat den Datenschlüssel des Clusters nicht entsperrt; der Knoten wurde nicht gestartet.</translation>
    </message>
    <message>
        <source>Refused process %1 on %2: another live process holds this node&apos;s session lock.</source>
        <translation>Prozess %1 auf %2 abgewiesen: Ein anderer laufender Prozess hält die Sitzungssperre dieses Knotens.</translation>
    </message>
    <message>
        <source>Cannot start with the secret in %1: %2 Every node needs the cluster&apos;s current secret (after &quot;cohortctl masterkey rotate-secret&quot;, the new one).</source>
        <translation>Start mit dem Geheimnis in %1 nicht möglich: %2 Jeder Knoten braucht das aktuelle Geheimnis des Clusters (nach „cohortctl masterkey rotate-secret“ das neue).</translation>
    </message>
    <message>
        <source>Stopped: %1.</source>
        <translation>Angehalten: %1.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeTimelineWidget</name>
    <message>
        <source>Export &amp;CSV…</source>
        <translation>Als &amp;CSV exportieren…</translation>
    </message>
    <message>
        <source>Export &amp;JSON…</source>
        <translation>Als &amp;JSON exportieren…</translation>
    </message>
    <message>
        <source>&amp;Takeover Report…</source>
        <translation>&amp;Übernahmebericht…</translation>
    </message>
    <message>
        <source>What happened to the jobs the node held when its peers marked it Offline.</source>
        <translation>Was mit den Jobs des Knotens geschah, als die anderen Knoten ihn als Offline markierten.</translation>
    </message>
    <message>
        <source>The timeline could not be read: %1</source>
        <translation>Die Zeitleiste konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Export Timeline</source>
        <translation>Zeitleiste exportieren</translation>
    </message>
    <message>
        <source>Export Timeline as CSV</source>
        <translation>Zeitleiste als CSV exportieren</translation>
    </message>
    <message>
        <source>Export Timeline as JSON</source>
        <translation>Zeitleiste als JSON exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV-Dateien (*.csv);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON-Dateien (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Zeitleiste</translation>
    </message>
    <message>
        <source>The node&apos;s events, newest first; an offline event opens its takeover report.</source>
        <translation>Die Ereignisse des Knotens, neueste zuerst; ein Offline-Ereignis öffnet seinen Übernahmebericht.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodesCommand</name>
    <message>
        <source>Lists the manager nodes: status, last contact and jobs.</source>
        <translation>Listet die Manager-Knoten auf: Status, letzter Kontakt und Jobs.</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>No manager node has joined the cluster yet.</source>
        <translation>Noch kein Manager-Knoten ist dem Cluster beigetreten.</translation>
    </message>
    <message>
        <source>LAST CONTACT</source>
        <translation>LETZTER KONTAKT</translation>
    </message>
    <message>
        <source>JOBS (1 H)</source>
        <translation>JOBS (1 H)</translation>
    </message>
    <message>
        <source>%1 (%2 s ago)</source>
        <translation>%1 (vor %2 s)</translation>
    </message>
    <message>
        <source>TIME ZONE</source>
        <translation>ZEITZONE</translation>
    </message>
    <message>
        <source>%1 (needs %2)</source>
        <translation>%1 (benötigt %2)</translation>
    </message>
    <message>
        <source>?</source>
        <translation>?</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>list                  Every node that is not decommissioned (the default): status, last
                      contact, the time left before its peers mark it Offline, jobs.
events NODE           The node&apos;s timeline: joined, online, offline (and which peer marked
                      it, why), jobs handed back, refusals, drains, decommissioning.
                      --csv prints it as CSV, --json as JSON.
takeover NODE|ID      What happened to the jobs of a node its peers marked Offline: its
                      latest takeover (or the one with that number), every job it held,
                      the node that ran each afterwards and the gaps in between.
drain NODE            Through the node&apos;s API (needs --secret-file for its token): it claims
                      no new jobs, finishes or hands back its running ones within its
                      grace, and shows as Draining; then it can be stopped and
                      decommissioned. Recorded in its timeline and the audit log.
resume NODE           Ends a drain: the node claims jobs again.
NODE is a GUID or a name only one node has.</source>
        <translation>list                  Jeder nicht außer Betrieb genommene Knoten (Standard): Status,
                      letzter Kontakt, verbleibende Zeit, bis die anderen Knoten ihn
                      als Offline markieren, Jobs.
events NODE           Die Zeitleiste des Knotens: Beitritt, online, offline (und welcher
                      Knoten ihn warum markiert hat), zurückgegebene Jobs, Abweisungen,
                      Leerungen, Außerbetriebnahme. --csv gibt sie als CSV aus, --json
                      als JSON.
takeover NODE|ID      Was mit den Jobs eines Knotens geschah, den die anderen Knoten als
                      Offline markiert haben: seine letzte Übernahme (oder die mit dieser
                      Nummer), jeder Job, den er hielt, der Knoten, der ihn danach
                      ausführte, und die Zeitabstände dazwischen.
drain NODE            Über die API des Knotens (erfordert --secret-file für deren Token):
                      Der Knoten beansprucht keine neuen Jobs, führt laufende innerhalb
                      seiner Schonfrist zu Ende oder gibt sie zurück und wird als
                      &quot;Wird geleert&quot; angezeigt; danach kann er gestoppt und außer Betrieb
                      genommen werden. Wird in seiner Zeitleiste und im Audit-Protokoll
                      eingetragen.
resume NODE           Beendet das Leeren: Der Knoten beansprucht wieder Jobs.
NODE ist eine GUID oder ein Name, den nur ein Knoten trägt.</translation>
    </message>
    <message>
        <source>events: prints the timeline as CSV.</source>
        <translation>events: gibt die Zeitleiste als CSV aus.</translation>
    </message>
    <message>
        <source>drain, resume: who asks, for the audit log (default: %1).</source>
        <translation>drain, resume: wer anfragt, für das Audit-Protokoll (Standard: %1).</translation>
    </message>
    <message>
        <source>list (default), events or takeover.</source>
        <translation>list (Standard), events oder takeover.</translation>
    </message>
    <message>
        <source>events, takeover: the node (GUID or name); takeover: or its number.</source>
        <translation>events, takeover: der Knoten (GUID oder Name); bei takeover auch die Nummer der Übernahme.</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; use one of %2</source>
        <translation>unbekannte Aktion &quot;%1&quot;; zulässig sind %2</translation>
    </message>
    <message>
        <source>%1 needs a node: its GUID or name</source>
        <translation>%1 benötigt einen Knoten: seine GUID oder seinen Namen</translation>
    </message>
    <message>
        <source>--csv is only for events</source>
        <translation>--csv gilt nur für events</translation>
    </message>
    <message>
        <source>--csv and --json cannot be combined</source>
        <translation>--csv und --json können nicht kombiniert werden</translation>
    </message>
    <message>
        <source>%1 needs --secret-file: the node&apos;s API token is sealed with the cluster&apos;s data key</source>
        <translation>%1 benötigt --secret-file: Das API-Token des Knotens ist mit dem Datenschlüssel des Clusters versiegelt</translation>
    </message>
    <message>
        <source>--secret-file and --actor are only for drain and resume</source>
        <translation>--secret-file und --actor gelten nur für drain und resume</translation>
    </message>
    <message>
        <source>--actor must have 1 to 200 characters</source>
        <translation>--actor muss 1 bis 200 Zeichen haben</translation>
    </message>
    <message>
        <source>--actor must be one line of printable text</source>
        <translation>--actor muss eine einzelne Zeile druckbaren Texts sein</translation>
    </message>
    <message>
        <source>OFFLINE IN</source>
        <translation>OFFLINE IN</translation>
    </message>
    <message>
        <source>-</source>
        <translation>-</translation>
    </message>
    <message>
        <source>never (no peer)</source>
        <translation>nie (kein anderer Knoten)</translation>
    </message>
    <message>
        <source>Node %1 (%2) has no events within the retention.</source>
        <translation>Knoten %1 (%2) hat innerhalb der Aufbewahrungsfrist keine Ereignisse.</translation>
    </message>
    <message>
        <source>Timeline of node %1 (%2):</source>
        <translation>Zeitleiste von Knoten %1 (%2):</translation>
    </message>
    <message>
        <source>TIME (UTC)</source>
        <translation>ZEIT (UTC)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>No peer has taken over the work of node %1 (%2) within the retention.</source>
        <translation>Innerhalb der Aufbewahrungsfrist hat kein anderer Knoten die Arbeit von Knoten %1 (%2) übernommen.</translation>
    </message>
    <message>
        <source>Takeover %1: node %2 (%3), marked Offline by %4 (%5)</source>
        <translation>Übernahme %1: Knoten %2 (%3), als Offline markiert von %4 (%5)</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Grund: %1</translation>
    </message>
    <message>
        <source>Last heartbeat %1, marked Offline %2 (%3 later)</source>
        <translation>Letzter Heartbeat %1, als Offline markiert %2 (%3 später)</translation>
    </message>
    <message>
        <source>First reclaim %1 (%2 after the mark), last completion %3 (%4 after the first reclaim)</source>
        <translation>Erste Neubeanspruchung %1 (%2 nach der Markierung), letzter Abschluss %3 (%4 nach der ersten Neubeanspruchung)</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>noch keine</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n job(s) finished since.</source>
        <translation>
            <numerusform>%1 von %n Job seitdem beendet.</numerusform>
            <numerusform>%1 von %n Jobs seitdem beendet.</numerusform>
        </translation>
    </message>
    <message>
        <source>RETURNED AS</source>
        <translation>ZURÜCKGEGEBEN ALS</translation>
    </message>
    <message>
        <source>STATE NOW</source>
        <translation>AKTUELLER ZUSTAND</translation>
    </message>
    <message>
        <source>RAN BY</source>
        <translation>AUSGEFÜHRT VON</translation>
    </message>
    <message>
        <source>purged</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>Node %1 (%2) is %3; only an Online node can be %4.</source>
        <translation>Knoten %1 (%2) ist %3; nur ein Knoten im Status Online kann %4 werden.</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>Die Datenbank enthält keinen Cluster.</translation>
    </message>
    <message>
        <source>The cluster has no node API token yet; start a node once to make one.</source>
        <translation>Der Cluster hat noch kein Knoten-API-Token; starten Sie einmal einen Knoten, um eines zu erzeugen.</translation>
    </message>
    <message>
        <source>Node %1 refused: %2</source>
        <translation>Knoten %1 hat abgelehnt: %2</translation>
    </message>
    <message>
        <source>Node %1 (%2) was already draining.</source>
        <translation>Knoten %1 (%2) wurde bereits geleert.</translation>
    </message>
    <message>
        <source>Node %1 (%2) is draining: it claims no new jobs, and its running ones finish or go back within its grace. See &quot;cohortctl nodes events %1&quot; for when it is drained.</source>
        <translation>Knoten %1 (%2) wird geleert: Er beansprucht keine neuen Jobs, und seine laufenden werden innerhalb seiner Schonfrist beendet oder zurückgegeben. &quot;cohortctl nodes events %1&quot; zeigt, wann er geleert ist.</translation>
    </message>
    <message>
        <source>Node %1 (%2) was not draining.</source>
        <translation>Knoten %1 (%2) wurde gar nicht geleert.</translation>
    </message>
    <message>
        <source>Node %1 (%2) claims jobs again.</source>
        <translation>Knoten %1 (%2) beansprucht wieder Jobs.</translation>
    </message>
    <message>
        <source>NAME</source>
        <comment>table heading</comment>
        <translation>NAME</translation>
    </message>
    <message>
        <source>GUID</source>
        <comment>table heading</comment>
        <translation>GUID</translation>
    </message>
    <message>
        <source>ADDRESS</source>
        <comment>table heading</comment>
        <translation>ADRESSE</translation>
    </message>
    <message>
        <source>VERSION</source>
        <comment>table heading</comment>
        <translation>VERSION</translation>
    </message>
    <message>
        <source>STATUS</source>
        <comment>table heading</comment>
        <translation>STATUS</translation>
    </message>
    <message>
        <source>CLOCK</source>
        <comment>table heading</comment>
        <translation>ZEITVERSATZ</translation>
    </message>
    <message>
        <source>RUNNING</source>
        <comment>table heading</comment>
        <translation>LAUFEND</translation>
    </message>
    <message>
        <source>never</source>
        <comment>offline countdown without a peer</comment>
        <translation>nie</translation>
    </message>
    <message>
        <source>due</source>
        <comment>offline countdown at zero</comment>
        <translation>fällig</translation>
    </message>
    <message>
        <source>EVENT</source>
        <comment>table heading</comment>
        <translation>EREIGNIS</translation>
    </message>
    <message>
        <source>BY</source>
        <comment>table heading</comment>
        <translation>AUSGELÖST VON</translation>
    </message>
    <message>
        <source>DETAILS</source>
        <comment>table heading</comment>
        <translation>DETAILS</translation>
    </message>
    <message>
        <source>TAKEOVER</source>
        <comment>table heading</comment>
        <translation>ÜBERNAHME</translation>
    </message>
    <message>
        <source>JOB</source>
        <comment>table heading</comment>
        <translation>JOB</translation>
    </message>
    <message>
        <source>TYPE</source>
        <comment>table heading</comment>
        <translation>TYP</translation>
    </message>
    <message>
        <source>RECLAIMED</source>
        <comment>table heading</comment>
        <translation>NEU BEANSPRUCHT</translation>
    </message>
    <message>
        <source>FINISHED</source>
        <comment>table heading</comment>
        <translation>BEENDET</translation>
    </message>
    <message>
        <source>drained</source>
        <comment>action done</comment>
        <translation>geleert</translation>
    </message>
    <message>
        <source>resumed</source>
        <comment>action done</comment>
        <translation>fortgesetzt</translation>
    </message>
</context>
<context>
    <name>Cohort::NodesPage</name>
    <message>
        <source>Filter by name, status, version, address…</source>
        <translation>Nach Name, Status, Version, Adresse filtern…</translation>
    </message>
    <message>
        <source>&amp;Properties…</source>
        <translation>&amp;Eigenschaften…</translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline, %3 waiting for an upgrade</source>
        <translation>
            <numerusform>%n Knoten: %1 online, %2 offline, %3 wartend auf ein Upgrade</numerusform>
            <numerusform>%n Knoten: %1 online, %2 offline, %3 wartend auf ein Upgrade</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline</source>
        <translation>
            <numerusform>%n Knoten: %1 online, %2 offline</numerusform>
            <numerusform>%n Knoten: %1 online, %2 offline</numerusform>
        </translation>
    </message>
    <message>
        <source>Cluster version %1 · %2</source>
        <translation>Clusterversion %1 · %2</translation>
    </message>
    <message>
        <source>Filter nodes</source>
        <translation>Knoten filtern</translation>
    </message>
    <message>
        <source>Manager nodes</source>
        <translation>Manager-Knoten</translation>
    </message>
    <message>
        <source>One row per manager node; Alt+Return or a double-click opens its properties.</source>
        <translation>Eine Zeile je Manager-Knoten; Alt+Eingabe oder ein Doppelklick öffnet seine Eigenschaften.</translation>
    </message>
</context>
<context>
    <name>Cohort::NodesTableModel</name>
    <message>
        <source>This node runs version %1, older than the cluster. It does no work until it is upgraded.</source>
        <translation>Dieser Knoten läuft mit Version %1, die älter ist als die des Clusters. Bis zum Upgrade arbeitet er nicht.</translation>
    </message>
    <message>
        <source>Offline since %1</source>
        <translation>Offline seit %1</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Time Zone</source>
        <translation>Zeitzone</translation>
    </message>
    <message>
        <source>Last Contact</source>
        <translation>Letzter Kontakt</translation>
    </message>
    <message>
        <source>Jobs (Last Hour)</source>
        <translation>Jobs (letzte Stunde)</translation>
    </message>
    <message>
        <source>Running Jobs</source>
        <translation>Laufende Jobs</translation>
    </message>
    <message>
        <source>This node runs version %1; the cluster runs %2. It does no work until it is upgraded to %2.</source>
        <translation>Dieser Knoten läuft mit Version %1; der Cluster läuft mit %2. Er arbeitet nicht, bis er auf %2 aktualisiert ist.</translation>
    </message>
    <message>
        <source>This node&apos;s clock minus the database&apos;s, at its last time check.</source>
        <translation>Uhr dieses Knotens minus Uhr der Datenbank, bei der letzten Zeitprüfung.</translation>
    </message>
    <message>
        <source>UTC%1%2:%3</source>
        <translation>UTC%1%2:%3</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>Clock Offset</source>
        <translation>Zeitversatz</translation>
    </message>
    <message>
        <source>Agents online that last checked in with this node.</source>
        <translation>Online-Agents, die sich zuletzt bei diesem Knoten gemeldet haben.</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation>vor %1 s</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>vor %1 min</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>vor %1 h</translation>
    </message>
    <message>
        <source>%1 d ago</source>
        <translation>vor %1 T</translation>
    </message>
    <message>
        <source>never (no peer)</source>
        <translation>nie (kein anderer Knoten)</translation>
    </message>
    <message>
        <source>Its peers mark it Offline after %1 without a heartbeat (database clock).</source>
        <translation>Die anderen Knoten markieren ihn nach %1 ohne Heartbeat als Offline (Datenbankuhr).</translation>
    </message>
    <message>
        <source>Drained by an administrator since %1: Online, but it claims no work.</source>
        <translation>Seit %1 von einem Administrator geleert: Online, beansprucht aber keine Arbeit.</translation>
    </message>
    <message>
        <source>Offline In</source>
        <translation>Offline in</translation>
    </message>
    <message>
        <source>due</source>
        <comment>offline countdown at zero</comment>
        <translation>fällig</translation>
    </message>
    <message>
        <source>Name</source>
        <comment>column heading</comment>
        <translation>Name</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>column heading</comment>
        <translation>Status</translation>
    </message>
    <message>
        <source>Version</source>
        <comment>column heading</comment>
        <translation>Version</translation>
    </message>
    <message>
        <source>Address</source>
        <comment>column heading</comment>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <comment>column heading</comment>
        <translation>Heartbeat</translation>
    </message>
    <message>
        <source>Agents</source>
        <comment>column heading</comment>
        <translation>Agents</translation>
    </message>
</context>
<context>
    <name>Cohort::PasswordHash</name>
    <message numerus="yes">
        <source>The password must have at least %n character(s).</source>
        <translation>
            <numerusform>Das Passwort muss mindestens %n Zeichen haben.</numerusform>
            <numerusform>Das Passwort muss mindestens %n Zeichen haben.</numerusform>
        </translation>
    </message>
    <message>
        <source>The password must not start or end with spaces.</source>
        <translation>Das Passwort darf nicht mit Leerzeichen beginnen oder enden.</translation>
    </message>
</context>
<context>
    <name>Cohort::PeerProber</name>
    <message>
        <source>its address &quot;%1&quot; is not HOST:PORT</source>
        <translation>seine Adresse &quot;%1&quot; hat nicht die Form HOST:PORT</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>Verbindung abgelehnt</translation>
    </message>
    <message>
        <source>host %1 not found</source>
        <translation>Host %1 nicht gefunden</translation>
    </message>
    <message>
        <source>answered more than %1 bytes</source>
        <translation>antwortete mit mehr als %1 Bytes</translation>
    </message>
    <message>
        <source>closed the connection without answering</source>
        <translation>schloss die Verbindung ohne Antwort</translation>
    </message>
    <message>
        <source>answered something that is not HTTP</source>
        <translation>antwortete mit etwas, das kein HTTP ist</translation>
    </message>
    <message>
        <source>closed the connection in the middle of its answer</source>
        <translation>schloss die Verbindung mitten in der Antwort</translation>
    </message>
    <message>
        <source>answered HTTP %1</source>
        <translation>antwortete mit HTTP %1</translation>
    </message>
    <message>
        <source>answered HTTP %1: %2</source>
        <translation>antwortete mit HTTP %1: %2</translation>
    </message>
    <message>
        <source>answered without a node GUID</source>
        <translation>antwortete ohne Knoten-GUID</translation>
    </message>
    <message>
        <source>answered as node %1</source>
        <translation>antwortete als Knoten %1</translation>
    </message>
    <message>
        <source>host name not resolved within %1 ms</source>
        <translation>Hostname nicht innerhalb von %1 ms aufgelöst</translation>
    </message>
    <message>
        <source>no connection within %1 ms</source>
        <translation>keine Verbindung innerhalb von %1 ms</translation>
    </message>
    <message>
        <source>no answer within %1 ms</source>
        <translation>keine Antwort innerhalb von %1 ms</translation>
    </message>
    <message>
        <source>no complete answer within %1 ms</source>
        <translation>keine vollständige Antwort innerhalb von %1 ms</translation>
    </message>
    <message>
        <source>it recorded no certificate to check it by</source>
        <translation>er hat kein Zertifikat hinterlegt, an dem er zu prüfen wäre</translation>
    </message>
    <message>
        <source>it presented certificate %1, not %2 that it recorded</source>
        <translation>er zeigte Zertifikat %1, nicht das hinterlegte %2</translation>
    </message>
    <message>
        <source>the TLS handshake failed: %1</source>
        <translation>der TLS-Handshake ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>no TLS handshake within %1 ms</source>
        <translation>kein TLS-Handshake innerhalb von %1 ms</translation>
    </message>
</context>
<context>
    <name>Cohort::PersonalDataDialog</name>
    <message>
        <source>User %1</source>
        <translation>Benutzer %1</translation>
    </message>
    <message>
        <source>&amp;Full name:</source>
        <translation>&amp;Vollständiger Name:</translation>
    </message>
    <message>
        <source>&amp;E-mail address:</source>
        <translation>&amp;E-Mail-Adresse:</translation>
    </message>
    <message>
        <source>Both are stored sealed with the cluster&apos;s data key; leave a field empty to remove it.</source>
        <translation>Beide werden mit dem Datenschlüssel des Clusters versiegelt gespeichert; lassen Sie ein Feld leer, um die Angabe zu entfernen.</translation>
    </message>
</context>
<context>
    <name>Cohort::Schema</name>
    <message>
        <source>Created the schema at version %1.</source>
        <translation>Schema in Version %1 angelegt.</translation>
    </message>
    <message>
        <source>Migrated the schema from version %1 to %2.</source>
        <translation>Schema von Version %1 auf %2 migriert.</translation>
    </message>
    <message>
        <source>The schema already exists at version %1; nothing to do.</source>
        <translation>Das Schema existiert bereits in Version %1; nichts zu tun.</translation>
    </message>
    <message>
        <source>reading the schema version</source>
        <translation>Lesen der Schemaversion</translation>
    </message>
    <message>
        <source>Cannot take the migration lock: %1</source>
        <translation>Die Migrationssperre kann nicht gesetzt werden: %1</translation>
    </message>
    <message>
        <source>The database schema is at version %1, newer than this program&apos;s %2; upgrade this program.</source>
        <translation>Das Datenbankschema hat Version %1 und ist damit neuer als Version %2 dieses Programms; aktualisieren Sie dieses Programm.</translation>
    </message>
    <message>
        <source>migrating to schema version %1</source>
        <translation>Migrieren auf Schemaversion %1</translation>
    </message>
    <message>
        <source>recording schema version %1</source>
        <translation>Speichern der Schemaversion %1</translation>
    </message>
    <message>
        <source>Migrating to schema version %1: another session has held a table it changes for more than %2 s; nothing was changed.</source>
        <translation>Migration auf Schemaversion %1: Eine andere Sitzung hält seit mehr als %2 s eine Tabelle, die die Migration ändert; nichts wurde geändert.</translation>
    </message>
</context>
<context>
    <name>Cohort::SealedData</name>
    <message>
        <source>locking the cluster&apos;s data key</source>
        <translation>Sperren des Datenschlüssels des Clusters</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>Die Datenbank enthält keinen Cluster.</translation>
    </message>
    <message>
        <source>recording the data key&apos;s check value</source>
        <translation>Speichern des Prüfwerts des Datenschlüssels</translation>
    </message>
    <message>
        <source>The cluster&apos;s data key was replaced (cohortctl masterkey rotate-key) after this one was opened; nothing was written. Open the new key (sign in again) and retry.</source>
        <translation>Der Datenschlüssel des Clusters wurde ersetzt (cohortctl masterkey rotate-key), nachdem dieser hier geöffnet wurde; nichts wurde geschrieben. Öffnen Sie den neuen Schlüssel (melden Sie sich erneut an) und versuchen Sie es noch einmal.</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>Fehler beim Öffnen %1: %2</translation>
    </message>
</context>
<context>
    <name>Cohort::SecretPropertiesBox</name>
    <message>
        <source>Secret properties</source>
        <translation>Geheime Eigenschaften</translation>
    </message>
    <message>
        <source>New Value…</source>
        <translation>Neuer Wert…</translation>
    </message>
    <message>
        <source>(not set)</source>
        <translation>(nicht gesetzt)</translation>
    </message>
    <message>
        <source>Auditors cannot change secret properties.</source>
        <translation>Auditoren können geheime Eigenschaften nicht ändern.</translation>
    </message>
    <message>
        <source>New Value</source>
        <translation>Neuer Wert</translation>
    </message>
    <message>
        <source>Make a new random value for %1? Whatever uses the current one must be given the new one.</source>
        <translation>Einen neuen Zufallswert für %1 erzeugen? Alles, was den aktuellen Wert verwendet, muss den neuen erhalten.</translation>
    </message>
    <message>
        <source>Show</source>
        <comment>reveal a secret value</comment>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <source>Sealed</source>
        <comment>value not shown to an auditor</comment>
        <translation>Versiegelt</translation>
    </message>
</context>
<context>
    <name>Cohort::SessionCheck</name>
    <message>
        <source>asking which server process runs this session</source>
        <translation>Abfragen, welcher Serverprozess diese Sitzung ausführt</translation>
    </message>
    <message>
        <source>checking that the connection is a session of its own</source>
        <translation>Prüfen, ob die Verbindung eine eigene Sitzung ist</translation>
    </message>
    <message>
        <source>The connection to %1 is not a session of its own: %2. A connection pooler in transaction or statement mode (pgbouncer&apos;s pool_mode) does this, and a node cannot run through one: its liveness lock and prepared statements belong to a session. Connect the nodes to PostgreSQL directly, or through a pooler in session mode.</source>
        <translation>Die Verbindung zu %1 ist keine eigene Sitzung: %2. Das verursacht ein Connection-Pooler im Transaktions- oder Statement-Modus (pool_mode von pgbouncer), und über einen solchen kann ein Knoten nicht laufen: Seine Liveness-Sperre und seine Prepared Statements gehören zu einer Sitzung. Verbinden Sie die Knoten direkt mit PostgreSQL oder über einen Pooler im Session-Modus.</translation>
    </message>
    <message>
        <source>a transaction could not begin (%1)</source>
        <translation>eine Transaktion konnte nicht beginnen (%1)</translation>
    </message>
    <message>
        <source>one connection&apos;s statements ran in %1 different server processes</source>
        <translation>die Anweisungen einer Verbindung liefen in %1 verschiedenen Serverprozessen</translation>
    </message>
    <message>
        <source>two open connections ran their statements in the same server process</source>
        <translation>zwei offene Verbindungen führten ihre Anweisungen im selben Serverprozess aus</translation>
    </message>
</context>
<context>
    <name>Cohort::SettingsCommand</name>
    <message>
        <source>Shows or changes the cluster-wide system settings.</source>
        <translation>Zeigt oder ändert die clusterweiten Systemeinstellungen.</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>Aktionen:</translation>
    </message>
    <message>
        <source>  show                        Every setting with its value, default and allowed values.</source>
        <translation>  show                        Jede Einstellung mit Wert, Standardwert und zulässigen Werten.</translation>
    </message>
    <message>
        <source>  set NAME=VALUE [NAME=VALUE...]  Changes the named settings, checked together with the
                              others as the console&apos;s System Settings page checks them:
                              if any value is refused, nothing is changed.</source>
        <translation>  set NAME=VALUE [NAME=VALUE...]  Ändert die genannten Einstellungen, zusammen mit den
                              übrigen geprüft wie auf der Seite Systemeinstellungen der
                              Konsole: Wird ein Wert abgelehnt, ändert sich nichts.</translation>
    </message>
    <message>
        <source>Settings:</source>
        <translation>Einstellungen:</translation>
    </message>
    <message>
        <source>  %1  host:port or [IPv6]:port agents connect to; empty: the managers&apos;
      own addresses.</source>
        <translation>  %1  host:port oder [IPv6]:port, mit dem sich Agents verbinden; leer: die
      eigenen Adressen der Manager.</translation>
    </message>
    <message>
        <source>  %1  seconds between a node&apos;s heartbeats (%2 to %3).</source>
        <translation>  %1  Sekunden zwischen den Heartbeats eines Knotens (%2 bis %3).</translation>
    </message>
    <message>
        <source>  %1  seconds of silence before peers mark a node Offline (%2 to %3,
      at least two heartbeats).</source>
        <translation>  %1  Sekunden Stille, bevor die anderen Knoten einen Knoten als Offline
      markieren (%2 bis %3, mindestens zwei Heartbeats).</translation>
    </message>
    <message>
        <source>  %1  seconds a node&apos;s clock may differ from the database&apos;s (%2 to %3).</source>
        <translation>  %1  Sekunden, um die die Uhr eines Knotens von der Datenbankuhr abweichen darf (%2 bis %3).</translation>
    </message>
    <message>
        <source>A change is recorded in the audit log as &quot;settings.change&quot;, as from the console, by %1.</source>
        <translation>Eine Änderung wird wie in der Konsole als &quot;settings.change&quot; im Audit-Protokoll eingetragen, ausgeführt von %1.</translation>
    </message>
    <message>
        <source>What to do: show or set.</source>
        <translation>Was zu tun ist: show oder set.</translation>
    </message>
    <message>
        <source>set: a setting and its new value.</source>
        <translation>set: eine Einstellung und ihr neuer Wert.</translation>
    </message>
    <message>
        <source>give an action: show or set</source>
        <translation>geben Sie eine Aktion an: show oder set</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>unerwartetes Argument &quot;%1&quot;</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are show and set</source>
        <translation>unbekannte Aktion &quot;%1&quot;; die Aktionen sind show und set</translation>
    </message>
    <message>
        <source>--json does not apply to &quot;settings set&quot;</source>
        <translation>--json gilt nicht für &quot;settings set&quot;</translation>
    </message>
    <message>
        <source>set needs at least one NAME=VALUE</source>
        <translation>set benötigt mindestens ein NAME=VALUE</translation>
    </message>
    <message>
        <source>host:port, [IPv6]:port or empty</source>
        <translation>host:port, [IPv6]:port oder leer</translation>
    </message>
    <message>
        <source>%1 to %2 seconds</source>
        <translation>%1 bis %2 Sekunden</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not NAME=VALUE</source>
        <translation>&quot;%1&quot; ist nicht NAME=VALUE</translation>
    </message>
    <message>
        <source>unknown setting &quot;%1&quot;; the settings are %2</source>
        <translation>unbekannte Einstellung &quot;%1&quot;; die Einstellungen sind %2</translation>
    </message>
    <message>
        <source>%1 is set twice</source>
        <translation>%1 ist doppelt gesetzt</translation>
    </message>
    <message>
        <source>%1 must be a whole number of seconds, not &quot;%2&quot;</source>
        <translation>%1 muss eine ganze Zahl von Sekunden sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>Es wurde nichts geändert.</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n setting(s).</source>
        <translation>
            <numerusform>%n Einstellung gespeichert.</numerusform>
            <numerusform>%n Einstellungen gespeichert.</numerusform>
        </translation>
    </message>
    <message>
        <source>SETTING</source>
        <comment>table heading</comment>
        <translation>EINSTELLUNG</translation>
    </message>
    <message>
        <source>VALUE</source>
        <comment>table heading</comment>
        <translation>WERT</translation>
    </message>
    <message>
        <source>DEFAULT</source>
        <comment>table heading</comment>
        <translation>STANDARD</translation>
    </message>
    <message>
        <source>ALLOWED</source>
        <comment>table heading</comment>
        <translation>ZULÄSSIG</translation>
    </message>
</context>
<context>
    <name>Cohort::SettingsPage</name>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation>Cluster</translation>
    </message>
    <message>
        <source>Load balancer address for agents:</source>
        <translation>Load-Balancer-Adresse für Agenten:</translation>
    </message>
    <message>
        <source>Heartbeat interval (seconds):</source>
        <translation>Heartbeat-Intervall (Sekunden):</translation>
    </message>
    <message>
        <source>Offline threshold (seconds):</source>
        <translation>Offline-Schwelle (Sekunden):</translation>
    </message>
    <message>
        <source>host:port agents connect to. Leave empty to give agents the managers&apos; own addresses.</source>
        <translation>host:port, mit dem sich Agenten verbinden. Leer lassen, damit Agenten die eigenen Adressen der Manager erhalten.</translation>
    </message>
    <message>
        <source>How often each node records that it is alive.</source>
        <translation>Wie oft jeder Knoten festhält, dass er lebt.</translation>
    </message>
    <message>
        <source>A node silent this long is marked Offline and its work is taken over. At least two heartbeats.</source>
        <translation>Ein Knoten, der so lange schweigt, wird als Offline markiert, und seine Arbeit wird übernommen. Mindestens zwei Heartbeats.</translation>
    </message>
    <message>
        <source>(none: agents use the managers&apos; addresses)</source>
        <translation>(keine: Agenten verwenden die Adressen der Manager)</translation>
    </message>
    <message>
        <source>You are signed in as an auditor: the settings are read-only.</source>
        <translation>Sie sind als Auditor angemeldet: Die Einstellungen sind schreibgeschützt.</translation>
    </message>
    <message>
        <source>Enter a whole number of seconds.</source>
        <translation>Geben Sie eine ganze Zahl von Sekunden ein.</translation>
    </message>
    <message>
        <source>Nothing was saved: correct the values marked in red.</source>
        <translation>Nichts wurde gespeichert: Korrigieren Sie die rot markierten Werte.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <source>Saved. Nodes apply the new values within a minute.</source>
        <translation>Gespeichert. Die Knoten übernehmen die neuen Werte innerhalb einer Minute.</translation>
    </message>
    <message>
        <source>Clock tolerance (seconds):</source>
        <translation>Uhrentoleranz (Sekunden):</translation>
    </message>
    <message>
        <source>A node whose clock is further than this from the database&apos;s raises Manager Time Out of Sync.</source>
        <translation>Ein Knoten, dessen Uhr weiter als dieser Wert von der Datenbankuhr abweicht, löst Manager Time Out of Sync aus.</translation>
    </message>
</context>
<context>
    <name>Cohort::SoftwareVersion</name>
    <message>
        <source>reading the cluster&apos;s software version</source>
        <translation>Lesen der Softwareversion des Clusters</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a version number.</source>
        <translation>&quot;%1&quot; ist keine Versionsnummer.</translation>
    </message>
    <message>
        <source>The cluster runs version %1 and this node version %2: upgrade this node to %1. Until then it does no work.</source>
        <translation>Der Cluster läuft mit Version %1 und dieser Knoten mit Version %2: Aktualisieren Sie diesen Knoten auf %1. Bis dahin arbeitet er nicht.</translation>
    </message>
    <message>
        <source>recording the cluster&apos;s software version</source>
        <translation>Speichern der Softwareversion des Clusters</translation>
    </message>
    <message>
        <source>listing the nodes to upgrade</source>
        <translation>Auflisten der zu aktualisierenden Knoten</translation>
    </message>
    <message>
        <source>marking node %1 for upgrade</source>
        <translation>Markieren von Knoten %1 für das Upgrade</translation>
    </message>
    <message>
        <source>Manager node %1 runs version %2; the cluster now runs %3. Upgrade it: until then it does no work.</source>
        <translation>Manager-Knoten %1 läuft mit Version %2; der Cluster läuft jetzt mit %3. Aktualisieren Sie ihn: Bis dahin arbeitet er nicht.</translation>
    </message>
    <message>
        <source>%1 joined with version %2 and took over; this node runs %3.</source>
        <translation>%1 ist mit Version %2 beigetreten und hat übernommen; dieser Knoten läuft mit %3.</translation>
    </message>
</context>
<context>
    <name>Cohort::StatusBanner</name>
    <message>
        <source>Showing the data from %1.</source>
        <translation>Angezeigt werden die Daten von %1.</translation>
    </message>
    <message>
        <source>No data has been read yet.</source>
        <translation>Es wurden noch keine Daten gelesen.</translation>
    </message>
    <message>
        <source>The database is not answering. %1 %2 The console keeps waiting and recovers by itself.</source>
        <translation>Die Datenbank antwortet nicht. %1 %2 Die Konsole wartet weiter und erholt sich von selbst.</translation>
    </message>
    <message numerus="yes">
        <source>The database cannot be reached: %1 %2 Retrying in %n second(s).</source>
        <translation>
            <numerusform>Die Datenbank ist nicht erreichbar: %1 %2 Neuer Versuch in %n Sekunde.</numerusform>
            <numerusform>Die Datenbank ist nicht erreichbar: %1 %2 Neuer Versuch in %n Sekunden.</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Retry Now</source>
        <translation>&amp;Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>&amp;Stop Retrying</source>
        <translation>Versuche &amp;beenden</translation>
    </message>
    <message>
        <source>Time to the next try</source>
        <translation>Zeit bis zum nächsten Versuch</translation>
    </message>
    <message>
        <source>Stop trying to reach the database until you press Retry Now.</source>
        <translation>Keine Versuche mehr, die Datenbank zu erreichen, bis Sie „Jetzt erneut versuchen“ drücken.</translation>
    </message>
    <message>
        <source>The database cannot be reached: %1 %2 Retrying has stopped; press Retry Now to try again.</source>
        <translation>Die Datenbank ist nicht erreichbar: %1 %2 Die Versuche sind beendet; drücken Sie „Jetzt erneut versuchen“, um es noch einmal zu versuchen.</translation>
    </message>
</context>
<context>
    <name>Cohort::StatusCommand</name>
    <message>
        <source>Shows the cluster a database holds, and checks a local secret against it.</source>
        <translation>Zeigt den Cluster, den eine Datenbank enthält, und prüft ein lokales Geheimnis dagegen.</translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>%1 enthält keinen Cluster; legen Sie mit &quot;cohortctl init&quot; einen an.</translation>
    </message>
    <message>
        <source>unlocked by %1 (fingerprint %2)</source>
        <translation>entsperrt durch %1 (Fingerabdruck %2)</translation>
    </message>
    <message>
        <source>not checked (pass --secret-file)</source>
        <translation>nicht geprüft (--secret-file übergeben)</translation>
    </message>
    <message>
        <source>Cluster:         %1 (%2)</source>
        <translation>Cluster:          %1 (%2)</translation>
    </message>
    <message>
        <source>Created:         %1 by version %2</source>
        <translation>Erstellt:         %1 mit Version %2</translation>
    </message>
    <message>
        <source>Schema version:  %1 (this program: %2)</source>
        <translation>Schemaversion:    %1 (dieses Programm: %2)</translation>
    </message>
    <message>
        <source>Database:        %1</source>
        <translation>Datenbank:        %1</translation>
    </message>
    <message>
        <source>Data key:        %1</source>
        <translation>Datenschlüssel:   %1</translation>
    </message>
    <message>
        <source>cohortctl %1: error: %2</source>
        <translation>cohortctl %1: Fehler: %2</translation>
    </message>
    <message>
        <source>Runs version:    %1</source>
        <translation>Softwareversion:  %1</translation>
    </message>
    <message>
        <source>(not recorded yet)</source>
        <translation>(noch nicht gespeichert)</translation>
    </message>
    <message>
        <source>Open alerts:     %1</source>
        <translation>Offene Alarme:    %1</translation>
    </message>
</context>
<context>
    <name>Cohort::SystemInformationPage</name>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Last 6 hours</source>
        <translation>Letzte 6 Stunden</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message numerus="yes">
        <source>Last %n minute(s)</source>
        <translation>
            <numerusform>Letzte %n Minute</numerusform>
            <numerusform>Letzte %n Minuten</numerusform>
        </translation>
    </message>
    <message>
        <source>Round trip (ms)</source>
        <translation>Umlaufzeit (ms)</translation>
    </message>
    <message>
        <source>Probed at (UTC)</source>
        <translation>Geprüft um (UTC)</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>Export Image…</source>
        <translation>Bild exportieren…</translation>
    </message>
    <message>
        <source>Export Data…</source>
        <translation>Daten exportieren…</translation>
    </message>
    <message>
        <source>&amp;Graph:</source>
        <translation>&amp;Diagramm:</translation>
    </message>
    <message>
        <source>&amp;Period:</source>
        <translation>&amp;Zeitraum:</translation>
    </message>
    <message>
        <source>Network Map with Activity Graph</source>
        <translation>Netzwerkkarte mit Aktivitätsdiagramm</translation>
    </message>
    <message>
        <source>Jobs by Node</source>
        <translation>Jobs nach Knoten</translation>
    </message>
    <message>
        <source>Jobs by Type</source>
        <translation>Jobs nach Typ</translation>
    </message>
    <message>
        <source>Total jobs by node and type</source>
        <translation>Jobs insgesamt nach Knoten und Typ</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>%1 jobs finished (%2).</source>
        <translation>%1 Jobs beendet (%2).</translation>
    </message>
    <message numerus="yes">
        <source>%n probe(s) failing.</source>
        <translation>
            <numerusform>%n Prüfung schlägt fehl.</numerusform>
            <numerusform>%n Prüfungen schlagen fehl.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Export Image</source>
        <translation>Bild exportieren</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <source>Export Data</source>
        <translation>Daten exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>From</source>
        <comment>the probing node</comment>
        <translation>Von</translation>
    </message>
    <message>
        <source>To</source>
        <comment>the probed node</comment>
        <translation>Nach</translation>
    </message>
    <message>
        <source>Reachable</source>
        <comment>probe result</comment>
        <translation>Erreichbar</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Reading the statistics</source>
        <translation>Statistik wird gelesen</translation>
    </message>
    <message>
        <source>Stop reading this period and show the one before again.</source>
        <translation>Das Lesen dieses Zeitraums abbrechen und wieder den vorigen zeigen.</translation>
    </message>
    <message>
        <source>Reading the statistics (%1)…</source>
        <translation>Statistik wird gelesen (%1)…</translation>
    </message>
</context>
<context>
    <name>Cohort::SystemSettings</name>
    <message>
        <source>The load balancer address &quot;%1&quot; opens an IPv6 address with &quot;[&quot; but never closes it with &quot;]&quot;.</source>
        <translation>Die Load-Balancer-Adresse &quot;%1&quot; öffnet eine IPv6-Adresse mit &quot;[&quot;, schließt sie aber nicht mit &quot;]&quot;.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the load balancer address is not an IPv6 address.</source>
        <translation>&quot;%1&quot; in der Load-Balancer-Adresse ist keine IPv6-Adresse.</translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no port: write it as [IPv6 address]:port.</source>
        <translation>Die Load-Balancer-Adresse &quot;%1&quot; hat keinen Port: Schreiben Sie sie als [IPv6-Adresse]:port.</translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no port: write it as host:port.</source>
        <translation>Die Load-Balancer-Adresse &quot;%1&quot; hat keinen Port: Schreiben Sie sie als host:port.</translation>
    </message>
    <message>
        <source>Write an IPv6 load balancer address in brackets, as in [2001:db8::1]:443.</source>
        <translation>Schreiben Sie eine IPv6-Load-Balancer-Adresse in eckigen Klammern, etwa [2001:db8::1]:443.</translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no host before the port.</source>
        <translation>Die Load-Balancer-Adresse &quot;%1&quot; hat keinen Host vor dem Port.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the load balancer address is not a valid host name or IPv4 address.</source>
        <translation>&quot;%1&quot; in der Load-Balancer-Adresse ist weder ein gültiger Hostname noch eine gültige IPv4-Adresse.</translation>
    </message>
    <message>
        <source>The load balancer port &quot;%1&quot; is not a number from 1 to %2.</source>
        <translation>Der Load-Balancer-Port &quot;%1&quot; ist keine Zahl von 1 bis %2.</translation>
    </message>
    <message>
        <source>The heartbeat must be from %1 to %2 seconds, not %3.</source>
        <translation>Der Heartbeat muss zwischen %1 und %2 Sekunden liegen, nicht %3.</translation>
    </message>
    <message>
        <source>The offline threshold must be from %1 to %2 seconds, not %3.</source>
        <translation>Die Offline-Schwelle muss zwischen %1 und %2 Sekunden liegen, nicht %3.</translation>
    </message>
    <message>
        <source>The offline threshold (%1 s) must be at least two heartbeats (%2 s), or healthy nodes would be marked Offline.</source>
        <translation>Die Offline-Schwelle (%1 s) muss mindestens zwei Heartbeats (%2 s) betragen, sonst würden funktionierende Knoten als Offline markiert.</translation>
    </message>
    <message>
        <source>reading the cluster setting %1</source>
        <translation>Lesen der Cluster-Einstellung %1</translation>
    </message>
    <message>
        <source>The clock tolerance must be from %1 to %2 seconds, not %3.</source>
        <translation>Die Uhrentoleranz muss zwischen %1 und %2 Sekunden liegen, nicht %3.</translation>
    </message>
</context>
<context>
    <name>Cohort::TakeoverJobsModel</name>
    <message>
        <source>Purged from the jobs table since (past the retention).</source>
        <translation>Inzwischen aus der Jobtabelle gelöscht (nach Ablauf der Aufbewahrungsfrist).</translation>
    </message>
    <message>
        <source>(purged)</source>
        <translation>(gelöscht)</translation>
    </message>
    <message>
        <source>nobody yet</source>
        <translation>noch niemand</translation>
    </message>
    <message>
        <source>Returned As</source>
        <translation>Zurückgegeben als</translation>
    </message>
    <message>
        <source>State Now</source>
        <translation>Aktueller Zustand</translation>
    </message>
    <message>
        <source>Ran By</source>
        <translation>Ausgeführt von</translation>
    </message>
    <message>
        <source>Job</source>
        <comment>column heading</comment>
        <translation>Job</translation>
    </message>
    <message>
        <source>Type</source>
        <comment>column heading</comment>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Reclaimed</source>
        <comment>column heading</comment>
        <translation>Neu beansprucht</translation>
    </message>
    <message>
        <source>Finished</source>
        <comment>column heading</comment>
        <translation>Beendet</translation>
    </message>
</context>
<context>
    <name>Cohort::TakeoverReportDialog</name>
    <message>
        <source>Takeover Report</source>
        <translation>Übernahmebericht</translation>
    </message>
    <message>
        <source>Takeover</source>
        <translation>Übernahme</translation>
    </message>
    <message>
        <source>Node:</source>
        <translation>Knoten:</translation>
    </message>
    <message>
        <source>Marked Offline by:</source>
        <translation>Als Offline markiert von:</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Grund:</translation>
    </message>
    <message>
        <source>Last heartbeat:</source>
        <translation>Letzter Heartbeat:</translation>
    </message>
    <message>
        <source>Marked Offline:</source>
        <translation>Als Offline markiert:</translation>
    </message>
    <message>
        <source>First reclaim:</source>
        <translation>Erste Neubeanspruchung:</translation>
    </message>
    <message>
        <source>Last completion:</source>
        <translation>Letzter Abschluss:</translation>
    </message>
    <message>
        <source>Jobs:</source>
        <translation>Jobs:</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>Takeover Report: %1</source>
        <translation>Übernahmebericht: %1</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>noch nicht</translation>
    </message>
    <message>
        <source>%1 (%2 after %3)</source>
        <translation>%1 (%2 nach %3)</translation>
    </message>
    <message>
        <source>the last heartbeat</source>
        <translation>dem letzten Heartbeat</translation>
    </message>
    <message>
        <source>the mark</source>
        <translation>der Markierung</translation>
    </message>
    <message>
        <source>the first reclaim</source>
        <translation>der ersten Neubeanspruchung</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) held, %1 finished since</source>
        <translation>
            <numerusform>%n Job gehalten, %1 seitdem beendet</numerusform>
            <numerusform>%n Jobs gehalten, %1 seitdem beendet</numerusform>
        </translation>
    </message>
    <message>
        <source>Jobs taken over</source>
        <translation>Übernommene Jobs</translation>
    </message>
</context>
<context>
    <name>Cohort::Takeovers</name>
    <message>
        <source>recording the takeover of node %1</source>
        <translation>Speichern der Übernahme von Knoten %1</translation>
    </message>
    <message>
        <source>Node %1 is not in the cluster.</source>
        <translation>Knoten %1 gehört nicht zum Cluster.</translation>
    </message>
    <message>
        <source>recording the jobs node %1 held</source>
        <translation>Speichern der Jobs, die Knoten %1 hielt</translation>
    </message>
    <message>
        <source>reading the takeovers of node %1</source>
        <translation>Lesen der Übernahmen von Knoten %1</translation>
    </message>
    <message>
        <source>reading takeover %1</source>
        <translation>Lesen von Übernahme %1</translation>
    </message>
    <message>
        <source>There is no takeover %1.</source>
        <translation>Es gibt keine Übernahme %1.</translation>
    </message>
    <message>
        <source>reading the jobs of takeover %1</source>
        <translation>Lesen der Jobs von Übernahme %1</translation>
    </message>
</context>
<context>
    <name>Cohort::TimeCheck</name>
    <message>
        <source>its clock is %1 s ahead of the database&apos;s</source>
        <translation>seine Uhr geht gegenüber der Datenbankuhr %1 s vor</translation>
    </message>
    <message>
        <source>its clock is %1 s behind the database&apos;s</source>
        <translation>seine Uhr geht gegenüber der Datenbankuhr %1 s nach</translation>
    </message>
    <message>
        <source>reading the database&apos;s time</source>
        <translation>Lesen der Datenbankzeit</translation>
    </message>
    <message>
        <source>The database did not say what time it is.</source>
        <translation>Die Datenbank hat nicht mitgeteilt, wie spät es ist.</translation>
    </message>
    <message>
        <source>its time zone is %1 (%2), the database&apos;s %3 (%4)</source>
        <translation>seine Zeitzone ist %1 (%2), die der Datenbank %3 (%4)</translation>
    </message>
    <message>
        <source>recording this node&apos;s clock</source>
        <translation>Speichern der Uhrzeit dieses Knotens</translation>
    </message>
    <message>
        <source>Manager Time Out of Sync on node %1: %2.</source>
        <translation>Manager Time Out of Sync auf Knoten %1: %2.</translation>
    </message>
    <message>
        <source>reading the database&apos;s time zone</source>
        <translation>Lesen der Zeitzone der Datenbank</translation>
    </message>
    <message>
        <source>The database did not say which time zone it keeps.</source>
        <translation>Die Datenbank hat nicht mitgeteilt, welche Zeitzone sie verwendet.</translation>
    </message>
</context>
<context>
    <name>Cohort::Users</name>
    <message>
        <source>The user name is empty.</source>
        <translation>Der Benutzername ist leer.</translation>
    </message>
    <message>
        <source>The user name &quot;%1&quot; is not allowed: use up to 64 letters, digits, &apos;.&apos;, &apos;_&apos;, &apos;@&apos; or &apos;-&apos;, starting with a letter or digit.</source>
        <translation>Der Benutzername &quot;%1&quot; ist nicht zulässig: Verwenden Sie bis zu 64 Buchstaben, Ziffern, &apos;.&apos;, &apos;_&apos;, &apos;@&apos; oder &apos;-&apos;, beginnend mit einem Buchstaben oder einer Ziffer.</translation>
    </message>
    <message>
        <source>creating user %1</source>
        <translation>Anlegen von Benutzer %1</translation>
    </message>
    <message>
        <source>The full name has %1 characters; at most %2 are allowed.</source>
        <translation>Der vollständige Name hat %1 Zeichen; höchstens %2 sind erlaubt.</translation>
    </message>
    <message>
        <source>The full name contains a control character (a line break or tab, for example).</source>
        <translation>Der vollständige Name enthält ein Steuerzeichen (zum Beispiel einen Zeilenumbruch oder Tabulator).</translation>
    </message>
    <message>
        <source>The full name begins or ends with white space.</source>
        <translation>Der vollständige Name beginnt oder endet mit Leerzeichen.</translation>
    </message>
    <message>
        <source>The e-mail address has %1 characters; at most %2 are allowed.</source>
        <translation>Die E-Mail-Adresse hat %1 Zeichen; höchstens %2 sind erlaubt.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an e-mail address: it needs one @ with a name before it and a domain after it, and no spaces.</source>
        <translation>&quot;%1&quot; ist keine E-Mail-Adresse: Sie braucht genau ein @ mit einem Namen davor und einer Domain dahinter und darf keine Leerzeichen enthalten.</translation>
    </message>
    <message>
        <source>reading user %1&apos;s id</source>
        <translation>Lesen der ID von Benutzer %1</translation>
    </message>
    <message>
        <source>User %1 vanished right after it was created.</source>
        <translation>Benutzer %1 ist direkt nach dem Anlegen verschwunden.</translation>
    </message>
    <message>
        <source>sealing user %1&apos;s personal data</source>
        <translation>Versiegeln der personenbezogenen Daten von Benutzer %1</translation>
    </message>
    <message>
        <source>giving user %1 the data key</source>
        <translation>Übergeben des Datenschlüssels an Benutzer %1</translation>
    </message>
    <message>
        <source>reading the users</source>
        <translation>Lesen der Benutzer</translation>
    </message>
    <message>
        <source>user %1&apos;s full name</source>
        <translation>des vollständigen Namens von Benutzer %1</translation>
    </message>
    <message>
        <source>user %1&apos;s e-mail address</source>
        <translation>der E-Mail-Adresse von Benutzer %1</translation>
    </message>
    <message>
        <source>finding user %1</source>
        <translation>Suchen von Benutzer %1</translation>
    </message>
    <message>
        <source>There is no user %1.</source>
        <translation>Es gibt keinen Benutzer %1.</translation>
    </message>
    <message>
        <source>storing user %1&apos;s personal data</source>
        <translation>Speichern der personenbezogenen Daten von Benutzer %1</translation>
    </message>
    <message>
        <source>setting user %1&apos;s password</source>
        <translation>Setzen des Passworts von Benutzer %1</translation>
    </message>
    <message>
        <source>reading user %1&apos;s key</source>
        <translation>Lesen des Schlüssels von Benutzer %1</translation>
    </message>
    <message>
        <source>User %1 holds no copy of the data key; set a new password, which gives one, with &quot;cohortctl users reset-password %1&quot;.</source>
        <translation>Benutzer %1 hat keine Kopie des Datenschlüssels; setzen Sie mit &quot;cohortctl users reset-password %1&quot; ein neues Passwort, wodurch er eine erhält.</translation>
    </message>
    <message>
        <source>making user %1 an auditor</source>
        <translation>Herabstufen von Benutzer %1 zum Auditor</translation>
    </message>
    <message>
        <source>User %1 was not prepared as an administrator: there is no key pair.</source>
        <translation>Benutzer %1 wurde nicht als Administrator vorbereitet: Es gibt kein Schlüsselpaar.</translation>
    </message>
    <message>
        <source>making user %1 an administrator</source>
        <translation>Hochstufen von Benutzer %1 zum Administrator</translation>
    </message>
    <message>
        <source>locking user %1</source>
        <translation>Sperren von Benutzer %1</translation>
    </message>
    <message>
        <source>unlocking user %1</source>
        <translation>Entsperren von Benutzer %1</translation>
    </message>
</context>
<context>
    <name>Cohort::UsersCommand</name>
    <message>
        <source>add: administrator or auditor (default: auditor).</source>
        <translation>add: administrator oder auditor (Standard: auditor).</translation>
    </message>
    <message>
        <source>add, set: the user&apos;s full name.</source>
        <translation>add, set: der vollständige Name des Benutzers.</translation>
    </message>
    <message>
        <source>add, set: the user&apos;s e-mail address.</source>
        <translation>add, set: die E-Mail-Adresse des Benutzers.</translation>
    </message>
    <message>
        <source>The user (not for list).</source>
        <translation>Der Benutzer (nicht bei list).</translation>
    </message>
    <message>
        <source>list takes no NAME</source>
        <translation>list erwartet keinen Namen (NAME)</translation>
    </message>
    <message>
        <source>%1 needs exactly one NAME</source>
        <translation>%1 benötigt genau einen Namen (NAME)</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>Die Datenbank enthält keinen Cluster.</translation>
    </message>
    <message>
        <source>(sealed)</source>
        <translation>(versiegelt)</translation>
    </message>
    <message>
        <source>FULL NAME</source>
        <translation>VOLLSTÄNDIGER NAME</translation>
    </message>
    <message>
        <source>SEALED DATA</source>
        <translation>VERSIEGELTE DATEN</translation>
    </message>
    <message>
        <source>LOCKED UNTIL</source>
        <translation>GESPERRT BIS</translation>
    </message>
    <message>
        <source>opens</source>
        <translation>kann öffnen</translation>
    </message>
    <message>
        <source>no key: reset-password</source>
        <translation>kein Schlüssel: reset-password</translation>
    </message>
    <message>
        <source>--full-name and --email are for add and set</source>
        <translation>--full-name und --email gelten nur für add und set</translation>
    </message>
    <message>
        <source>set needs --full-name or --email</source>
        <translation>set benötigt --full-name oder --email</translation>
    </message>
    <message>
        <source>set does not change the password; use reset-password</source>
        <translation>set ändert das Passwort nicht; verwenden Sie reset-password</translation>
    </message>
    <message>
        <source>--role must be administrator or auditor, not &quot;%1&quot;</source>
        <translation>--role muss administrator oder auditor sein, nicht &quot;%1&quot;</translation>
    </message>
    <message>
        <source>The database&apos;s schema is at version %1; users&apos; personal data needs version 5. Run &quot;cohortctl migrate&quot; first.</source>
        <translation>Das Datenbankschema hat Version %1; personenbezogene Daten von Benutzern erfordern Version 5. Führen Sie zuerst &quot;cohortctl migrate&quot; aus.</translation>
    </message>
    <message>
        <source>There already is a user %1; nothing was changed.</source>
        <translation>Es gibt bereits einen Benutzer %1; nichts wurde geändert.</translation>
    </message>
    <message>
        <source>There is no user %1.</source>
        <translation>Es gibt keinen Benutzer %1.</translation>
    </message>
    <message>
        <source>Updated user %1.</source>
        <translation>Benutzer %1 aktualisiert.</translation>
    </message>
    <message>
        <source>Password for %1: </source>
        <translation>Passwort für %1: </translation>
    </message>
    <message>
        <source>Added %1 %2.</source>
        <translation>Benutzer %2 als %1 angelegt.</translation>
    </message>
    <message>
        <source>Set a new password for %1; the account is unlocked.</source>
        <translation>Neues Passwort für %1 gesetzt; das Konto ist entsperrt.</translation>
    </message>
    <message>
        <source>Lists the console&apos;s users, adds one, changes one&apos;s data, password or role, locks one.</source>
        <translation>Listet die Benutzer der Konsole auf, legt einen an, ändert Daten, Passwort oder Rolle eines Benutzers, sperrt einen.</translation>
    </message>
    <message>
        <source>list                  Every user. Full names and e-mail addresses are sealed with the
                      data key: they show only with --secret-file.
add NAME              A new user (--role, default auditor; --full-name, --email).
set NAME              Changes a user&apos;s --full-name or --email (an empty value removes it).
reset-password NAME   A new password; lifts a lock. An administrator also gets a new
                      key and a copy of the data key, so the console opens sealed data.
set-role NAME ROLE    administrator or auditor. An auditor made administrator gets a
                      new password (--password-file, or standard input) with a key
                      wrapped by it and a copy of the data key: this needs --secret-file.
                      An administrator made auditor loses its key and copy.
lock NAME             Locks the account: for --minutes, or until unlocked.
unlock NAME           Lifts a lock and forgets the failed logins.
add, set, reset-password and set-role NAME administrator need --secret-file; set-role
NAME auditor, lock and unlock need only --db. The last administrator who is not locked
cannot be made auditor or locked. All but list are recorded in the audit log.</source>
        <translation>list                  Jeder Benutzer. Vollständige Namen und E-Mail-Adressen sind mit dem
                      Datenschlüssel versiegelt: Sie erscheinen nur mit --secret-file.
add NAME              Ein neuer Benutzer (--role, Standard auditor; --full-name, --email).
set NAME              Ändert --full-name oder --email eines Benutzers (ein leerer Wert
                      entfernt die Angabe).
reset-password NAME   Ein neues Passwort; hebt eine Sperre auf. Ein Administrator erhält
                      außerdem einen neuen Schlüssel und eine Kopie des Datenschlüssels,
                      damit die Konsole versiegelte Daten öffnet.
set-role NAME ROLE    administrator oder auditor. Ein zum Administrator gemachter Auditor
                      erhält ein neues Passwort (--password-file oder Standardeingabe),
                      einen damit verschlüsselten Schlüssel und eine Kopie des
                      Datenschlüssels: Dafür ist --secret-file nötig. Ein zum Auditor
                      gemachter Administrator verliert seinen Schlüssel und seine Kopie.
lock NAME             Sperrt das Konto: für --minutes oder bis zur Entsperrung.
unlock NAME           Hebt eine Sperre auf und vergisst die fehlgeschlagenen Anmeldungen.
add, set, reset-password und set-role NAME administrator benötigen --secret-file;
set-role NAME auditor, lock und unlock benötigen nur --db. Der letzte nicht gesperrte
Administrator kann weder zum Auditor gemacht noch gesperrt werden. Alle Aktionen außer
list werden im Audit-Protokoll eingetragen.</translation>
    </message>
    <message>
        <source>lock: for this many minutes, from 1 to %1 (default: until unlocked).</source>
        <translation>lock: für so viele Minuten, von 1 bis %1 (Standard: bis zur Entsperrung).</translation>
    </message>
    <message>
        <source>add, reset-password, set-role NAME administrator: a file whose first line is the password (default: read it from standard input).</source>
        <translation>add, reset-password, set-role NAME administrator: eine Datei, deren erste Zeile das Passwort ist (Standard: von der Standardeingabe lesen).</translation>
    </message>
    <message>
        <source>list, add, set, reset-password, set-role, lock or unlock.</source>
        <translation>list, add, set, reset-password, set-role, lock oder unlock.</translation>
    </message>
    <message>
        <source>set-role: administrator or auditor.</source>
        <translation>set-role: administrator oder auditor.</translation>
    </message>
    <message>
        <source>give an ACTION: list, add, set, reset-password, set-role, lock or unlock</source>
        <translation>geben Sie eine Aktion (ACTION) an: list, add, set, reset-password, set-role, lock oder unlock</translation>
    </message>
    <message>
        <source>unknown ACTION &quot;%1&quot;: use list, add, set, reset-password, set-role, lock or unlock</source>
        <translation>unbekannte Aktion &quot;%1&quot;: verwenden Sie list, add, set, reset-password, set-role, lock oder unlock</translation>
    </message>
    <message>
        <source>--minutes is only for lock</source>
        <translation>--minutes gilt nur für lock</translation>
    </message>
    <message>
        <source>set-role needs a NAME and a ROLE (administrator or auditor)</source>
        <translation>set-role benötigt NAME und ROLE (administrator oder auditor)</translation>
    </message>
    <message>
        <source>until unlocked</source>
        <translation>bis zur Entsperrung</translation>
    </message>
    <message>
        <source>--role is only for add; set-role changes a user&apos;s role</source>
        <translation>--role gilt nur für add; set-role ändert die Rolle eines Benutzers</translation>
    </message>
    <message>
        <source>--%1 does not apply to set-role</source>
        <translation>--%1 gilt nicht für set-role</translation>
    </message>
    <message>
        <source>the ROLE must be administrator or auditor, not &quot;%1&quot;</source>
        <translation>die Rolle (ROLE) muss administrator oder auditor sein, nicht &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--password-file is for set-role NAME administrator; an auditor&apos;s password stays</source>
        <translation>--password-file gilt nur für set-role NAME administrator; das Passwort eines Auditors bleibt erhalten</translation>
    </message>
    <message>
        <source>%1 is now an auditor; its key and copy of the data key are gone.</source>
        <translation>%1 ist jetzt Auditor; sein Schlüssel und seine Kopie des Datenschlüssels sind entfernt.</translation>
    </message>
    <message>
        <source>%1 is already an administrator; nothing was changed.</source>
        <translation>%1 ist bereits Administrator; nichts wurde geändert.</translation>
    </message>
    <message>
        <source>New password for %1: </source>
        <translation>Neues Passwort für %1: </translation>
    </message>
    <message>
        <source>%1 is now an administrator, with a new password that opens the data key.</source>
        <translation>%1 ist jetzt Administrator, mit einem neuen Passwort, das den Datenschlüssel öffnet.</translation>
    </message>
    <message>
        <source>--%1 does not apply to %2</source>
        <translation>--%1 gilt nicht für %2</translation>
    </message>
    <message>
        <source>--minutes must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--minutes muss eine ganze Zahl von 1 bis %1 sein, nicht &quot;%2&quot;</translation>
    </message>
    <message>
        <source>Unlocked %1.</source>
        <translation>%1 entsperrt.</translation>
    </message>
    <message numerus="yes">
        <source>Locked %1 for %n minute(s).</source>
        <translation>
            <numerusform>%1 für %n Minute gesperrt.</numerusform>
            <numerusform>%1 für %n Minuten gesperrt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Locked %1 until it is unlocked.</source>
        <translation>%1 bis zur Entsperrung gesperrt.</translation>
    </message>
    <message>
        <source>NAME</source>
        <comment>table heading</comment>
        <translation>NAME</translation>
    </message>
    <message>
        <source>ROLE</source>
        <comment>table heading</comment>
        <translation>ROLLE</translation>
    </message>
    <message>
        <source>E-MAIL</source>
        <comment>table heading</comment>
        <translation>E-MAIL</translation>
    </message>
</context>
<context>
    <name>Cohort::UsersPage</name>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten…</translation>
    </message>
    <message>
        <source>A sealed value does not open: %1</source>
        <translation>Ein versiegelter Wert lässt sich nicht öffnen: %1</translation>
    </message>
    <message>
        <source>Auditors cannot change users.</source>
        <translation>Auditoren können Benutzer nicht ändern.</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>The people who may sign in to the console, with their roles.</source>
        <translation>Die Personen, die sich an der Konsole anmelden dürfen, mit ihren Rollen.</translation>
    </message>
</context>
<context>
    <name>Cohort::UsersTableModel</name>
    <message>
        <source>Sealed with the cluster&apos;s data key: only an administrator holding a copy of the key sees it.</source>
        <translation>Mit dem Datenschlüssel des Clusters versiegelt: Nur ein Administrator mit einer Kopie des Schlüssels sieht den Wert.</translation>
    </message>
    <message>
        <source>This administrator holds no copy of the data key; &quot;cohortctl users reset-password %1&quot; gives one.</source>
        <translation>Dieser Administrator hat keine Kopie des Datenschlüssels; mit &quot;cohortctl users reset-password %1&quot; erhält er eine.</translation>
    </message>
    <message>
        <source>Locked until %1</source>
        <translation>Gesperrt bis %1</translation>
    </message>
    <message numerus="yes">
        <source>Active (%n failed sign-in(s))</source>
        <translation>
            <numerusform>Aktiv (%n fehlgeschlagene Anmeldung)</numerusform>
            <numerusform>Aktiv (%n fehlgeschlagene Anmeldungen)</numerusform>
        </translation>
    </message>
    <message>
        <source>Holds a copy</source>
        <translation>Hat eine Kopie</translation>
    </message>
    <message>
        <source>No copy</source>
        <translation>Keine Kopie</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Vollständiger Name</translation>
    </message>
    <message>
        <source>Data key</source>
        <translation>Datenschlüssel</translation>
    </message>
    <message>
        <source>Administrator</source>
        <comment>role</comment>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>Auditor</source>
        <comment>role</comment>
        <translation>Auditor</translation>
    </message>
    <message>
        <source>Sealed</source>
        <comment>value not shown to an auditor</comment>
        <translation>Versiegelt</translation>
    </message>
    <message>
        <source>Active</source>
        <comment>user state</comment>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>User</source>
        <comment>column heading</comment>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Role</source>
        <comment>column heading</comment>
        <translation>Rolle</translation>
    </message>
    <message>
        <source>E-mail</source>
        <comment>column heading</comment>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>column heading</comment>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>cohort-node: error: %1 (see --help)</source>
        <translation>cohort-node: Fehler: %1 (siehe --help)</translation>
    </message>
    <message>
        <source>cohort-node: error: %1</source>
        <translation>cohort-node: Fehler: %1</translation>
    </message>
    <message>
        <source>Administers a Cohort cluster.</source>
        <translation>Verwaltet einen Cohort-Cluster.</translation>
    </message>
    <message>
        <source>The cluster&apos;s database URL.</source>
        <translation>Die Datenbank-URL des Clusters.</translation>
    </message>
    <message>
        <source>The user name to sign in as.</source>
        <translation>Der Benutzername für die Anmeldung.</translation>
    </message>
    <message>
        <source>Sign in at once with the password in this file (its first line).</source>
        <translation>Sofort mit dem Passwort aus dieser Datei (ihrer ersten Zeile) anmelden.</translation>
    </message>
    <message>
        <source>Save a picture of each page into this folder, print the files and quit.</source>
        <translation>Ein Bild jeder Seite in diesem Ordner speichern, die Dateien auflisten und beenden.</translation>
    </message>
    <message>
        <source>cohort-console: error: unknown page &quot;%1&quot;; one of: %2</source>
        <translation>cohort-console: Fehler: unbekannte Seite &quot;%1&quot;; möglich sind: %2</translation>
    </message>
    <message>
        <source>cohort-console: error: cannot read the password file %1: %2</source>
        <translation>cohort-console: Fehler: die Passwortdatei %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>cohort-console: error: --password-file needs --db, --user and a non-empty first line</source>
        <translation>cohort-console: Fehler: --password-file benötigt --db, --user und eine nicht leere erste Zeile</translation>
    </message>
    <message>
        <source>cohort-console: error: --screenshots needs --password-file</source>
        <translation>cohort-console: Fehler: --screenshots benötigt --password-file</translation>
    </message>
    <message>
        <source>Speak this language for this run (en, de, ja), not the one in the settings.</source>
        <translation>Für diesen Lauf diese Sprache sprechen (en, de, ja), nicht die aus den Einstellungen.</translation>
    </message>
    <message>
        <source>Use this theme for this run: system, light or dark.</source>
        <translation>Für diesen Lauf dieses Design verwenden: system, light oder dark.</translation>
    </message>
    <message>
        <source>cohort-console: error: no language &quot;%1&quot;; one of: %2</source>
        <translation>cohort-console: Fehler: keine Sprache „%1“; eine von: %2</translation>
    </message>
    <message>
        <source>cohort-console: error: no theme &quot;%1&quot;; one of: %2</source>
        <translation>cohort-console: Fehler: kein Design „%1“; eines von: %2</translation>
    </message>
    <message>
        <source>The page to show first: nodes, agents, system-information, alerts, audit-log, users, settings, consistency.</source>
        <translation>Die zuerst anzuzeigende Seite: nodes, agents, system-information, alerts, audit-log, users, settings, consistency.</translation>
    </message>
</context>
</TS>
