<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>AgentsTableModel</name>
    <message>
        <source>Gone quiet</source>
        <translation>応答なし</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>agent state</comment>
        <translation>オンライン</translation>
    </message>
    <message>
        <source>Offline</source>
        <comment>agent state</comment>
        <translation>オフライン</translation>
    </message>
</context>
<context>
    <name>Cohort::ActivityGraph</name>
    <message>
        <source>Jobs finished per minute over the last hour</source>
        <translation>過去 1 時間の 1 分あたりの完了ジョブ数</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n job(s)</source>
        <translation>
            <numerusform>%1: %n 件のジョブ</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::Administration</name>
    <message>
        <source>reading alert %1</source>
        <translation>アラート %1 の読み取り</translation>
    </message>
    <message>
        <source>There is no alert %1.</source>
        <translation>アラート %1 はありません。</translation>
    </message>
    <message>
        <source>checking the role of %1</source>
        <translation>%1 のロールの確認</translation>
    </message>
    <message>
        <source>The user %1 no longer exists and may not change the cluster.</source>
        <translation>ユーザー %1 はもう存在しないため、クラスターを変更できません。</translation>
    </message>
    <message>
        <source>%1 is an auditor and may not change the cluster.</source>
        <translation>%1 は監査者のため、クラスターを変更できません。</translation>
    </message>
    <message>
        <source>The description has %1 characters; at most %2 are allowed.</source>
        <translation>説明が %1 文字あります。最大 %2 文字までです。</translation>
    </message>
    <message>
        <source>finding node %1</source>
        <translation>ノード %1 の検索</translation>
    </message>
    <message>
        <source>There is no node %1.</source>
        <translation>ノード %1 はありません。</translation>
    </message>
    <message>
        <source>describing node %1</source>
        <translation>ノード %1 の説明の更新</translation>
    </message>
    <message>
        <source>Alert %1 is already cleared.</source>
        <translation>アラート %1 はすでにクリアされています。</translation>
    </message>
    <message>
        <source>Alert %1 is already acknowledged.</source>
        <translation>アラート %1 はすでに確認済みです。</translation>
    </message>
    <message>
        <source>clearing alert %1</source>
        <translation>アラート %1 のクリア</translation>
    </message>
    <message>
        <source>acknowledging alert %1</source>
        <translation>アラート %1 の確認</translation>
    </message>
    <message>
        <source>Alert %1 changed meanwhile; look again.</source>
        <translation>アラート %1 はその間に変更されました。もう一度確認してください。</translation>
    </message>
    <message>
        <source>%1: the stored value &quot;%2&quot; is not a whole number; set it too.</source>
        <translation>%1: 保存されている値 &quot;%2&quot; は整数ではありません。この値も設定してください。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>reading the system settings</source>
        <translation>システム設定の読み取り</translation>
    </message>
    <message>
        <source>There is no user %1.</source>
        <translation>ユーザー %1 はありません。</translation>
    </message>
    <message>
        <source>A lock lasts a whole number of minutes from 1, not %1.</source>
        <translation>ロック時間は 1 以上の整数 (分) で指定してください。%1 は指定できません。</translation>
    </message>
    <message>
        <source>reading the administrators</source>
        <translation>管理者の読み取り</translation>
    </message>
    <message>
        <source>%1 is already an auditor.</source>
        <translation>%1 はすでに監査者です。</translation>
    </message>
    <message>
        <source>No administrator but %1 is unlocked: making %1 an auditor would leave none. Add or unlock another administrator first.</source>
        <translation>ロックされていない管理者は %1 だけです。%1 を監査者にすると管理者がいなくなります。先に別の管理者を追加するか、ロックを解除してください。</translation>
    </message>
    <message>
        <source>%1 is already an administrator.</source>
        <translation>%1 はすでに管理者です。</translation>
    </message>
    <message>
        <source>No administrator but %1 is unlocked: locking %1 would leave none. Add or unlock another administrator first.</source>
        <translation>ロックされていない管理者は %1 だけです。%1 をロックすると管理者がいなくなります。先に別の管理者を追加するか、ロックを解除してください。</translation>
    </message>
    <message>
        <source>%1 is not locked.</source>
        <translation>%1 はロックされていません。</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentDistributionView</name>
    <message>
        <source>No manager nodes.</source>
        <translation>マネージャーノードがありません。</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentRecorder</name>
    <message>
        <source>the node holds no data key</source>
        <translation>ノードにデータキーがありません</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentSimulator</name>
    <message>
        <source>Final: %1</source>
        <translation>最終: %1</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentStatistics</name>
    <message>
        <source>%1 s: %2 agents, %3 check-ins ok, %4 failed rounds, failed attempts: %5; %6 failovers; list versions: %7; per node: %8</source>
        <translation>%1 s: エージェント %2、チェックイン成功 %3、失敗ラウンド %4、失敗した試行: %5、フェイルオーバー %6、リストのバージョン: %7、ノードごと: %8</translation>
    </message>
    <message>
        <source>none</source>
        <translation>なし</translation>
    </message>
</context>
<context>
    <name>Cohort::Agents</name>
    <message>
        <source>&quot;%1&quot; is not an agent GUID (8-4-4-4-12 hexadecimal digits).</source>
        <translation>&quot;%1&quot; はエージェントの GUID (8-4-4-4-12 桁の 16 進数) ではありません。</translation>
    </message>
    <message>
        <source>host_name is longer than %1 characters.</source>
        <translation>host_name が %1 文字を超えています。</translation>
    </message>
    <message>
        <source>host_name holds control characters.</source>
        <translation>host_name に制御文字が含まれています。</translation>
    </message>
    <message>
        <source>addresses lists more than %1 addresses.</source>
        <translation>addresses に %1 個を超えるアドレスが含まれています。</translation>
    </message>
    <message>
        <source>addresses holds an entry that is empty, longer than %1 characters or not printable.</source>
        <translation>addresses に、空のエントリ、%1 文字を超えるエントリ、または印字できないエントリが含まれています。</translation>
    </message>
    <message>
        <source>addresses holds an entry with a line break.</source>
        <translation>addresses に改行を含むエントリがあります。</translation>
    </message>
    <message>
        <source>version is longer than %1 characters or not printable.</source>
        <translation>version が %1 文字を超えているか、印字できない文字を含んでいます。</translation>
    </message>
    <message>
        <source>list_version is longer than %1 characters or not printable.</source>
        <translation>list_version が %1 文字を超えているか、印字できない文字を含んでいます。</translation>
    </message>
    <message>
        <source>preparing to record agent check-ins</source>
        <translation>エージェントのチェックインの記録の準備</translation>
    </message>
    <message>
        <source>recording agent %1&apos;s check-in</source>
        <translation>エージェント %1 のチェックインの記録</translation>
    </message>
    <message>
        <source>reading the agents</source>
        <translation>エージェントの読み取り</translation>
    </message>
    <message>
        <source>agent %1&apos;s host name</source>
        <translation>エージェント %1 のホスト名</translation>
    </message>
    <message>
        <source>agent %1&apos;s addresses</source>
        <translation>エージェント %1 のアドレス</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsMain</name>
    <message>
        <source>cohort-agents: %1 (see &quot;cohort-agents --help&quot;)</source>
        <translation>cohort-agents: %1 (&quot;cohort-agents --help&quot; を参照してください)</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsOptions</name>
    <message>
        <source>Simulates many agents in one process, each checking in with the Cohort nodes over HTTPS on a new connection, pinning the nodes&apos; certificates, and reports what happened.</source>
        <translation>1 つのプロセスで多数のエージェントをシミュレートします。各エージェントは新しい接続で HTTPS 経由で Cohort ノードにチェックインし、ノードの証明書をピン留めします。結果をレポートします。</translation>
    </message>
    <message>
        <source>Shows this help.</source>
        <translation>このヘルプを表示します。</translation>
    </message>
    <message>
        <source>Shows the version.</source>
        <translation>バージョンを表示します。</translation>
    </message>
    <message>
        <source>The managers to start with, HOST:PORT[,HOST:PORT...], until the first answer replaces them.</source>
        <translation>最初に接続するマネージャー (HOST:PORT[,HOST:PORT...])。最初の応答で置き換えられます。</translation>
    </message>
    <message>
        <source>The SHA-256 (64 hex digits) of a certificate the starting managers may present; repeat it or separate several by commas.</source>
        <translation>最初に接続するマネージャーが提示する可能性のある証明書の SHA-256 (16 進数 64 桁)。繰り返し指定するか、複数をカンマで区切って指定します。</translation>
    </message>
    <message>
        <source>How many agents to simulate (default 100).</source>
        <translation>シミュレートするエージェントの数 (既定値 100)。</translation>
    </message>
    <message>
        <source>Seconds between an agent&apos;s check-ins (default 30; fractions allowed).</source>
        <translation>エージェントのチェックイン間隔の秒数 (既定値 30、小数も可)。</translation>
    </message>
    <message>
        <source>Each wait is the interval times 1 plus or minus this fraction, at random (default 0.1).</source>
        <translation>各待機時間は、間隔に 1 ± この割合をランダムに掛けた値です (既定値 0.1)。</translation>
    </message>
    <message>
        <source>Seconds to run (default 0: until SIGINT or SIGTERM); then the final summary.</source>
        <translation>実行する秒数 (既定値 0: SIGINT または SIGTERM まで)。その後、最終サマリーを出力します。</translation>
    </message>
    <message>
        <source>Leave check-ins that start in the first SECONDS out of the latency figures (default 0); they still count everywhere else.</source>
        <translation>最初の SECONDS 秒以内に開始したチェックインをレイテンシの集計から除外します (既定値 0)。それ以外の集計には含まれます。</translation>
    </message>
    <message>
        <source>Milliseconds one attempt may take: connection, TLS and answer (default 3000).</source>
        <translation>1 回の試行にかけられるミリ秒数: 接続、TLS、応答を含みます (既定値 3000)。</translation>
    </message>
    <message>
        <source>An IPv4 network, A.B.C.D/PREFIX: agent i connects from its own address in it (the first host address, the second, ...). On Linux any 127/8 address is local.</source>
        <translation>IPv4 ネットワーク (A.B.C.D/PREFIX)。エージェント i はその中の専用アドレス (1 番目のホストアドレス、2 番目、...) から接続します。Linux では 127/8 のアドレスはすべてローカルです。</translation>
    </message>
    <message>
        <source>Seed for the agents&apos; GUIDs, managers and waits (default: random).</source>
        <translation>エージェントの GUID、マネージャー、待機時間のシード (既定値: ランダム)。</translation>
    </message>
    <message>
        <source>Threads running the connections (default 2).</source>
        <translation>接続を処理するスレッド数 (既定値 2)。</translation>
    </message>
    <message>
        <source>Seconds between live summaries on stderr (default 5; 0: none).</source>
        <translation>stderr にライブサマリーを出力する間隔の秒数 (既定値 5、0: 出力しない)。</translation>
    </message>
    <message>
        <source>Also prints every summary as one JSON object per line on stdout.</source>
        <translation>各サマリーを 1 行 1 つの JSON オブジェクトとして stdout にも出力します。</translation>
    </message>
    <message>
        <source>Live JSON summaries list every agent too (the final one always does).</source>
        <translation>ライブの JSON サマリーにも全エージェントを含めます (最終サマリーには常に含まれます)。</translation>
    </message>
    <message>
        <source>No TLS session resumption: every check-in makes a full handshake (by default each agent resumes the session it last had with that manager, as a real agent does).</source>
        <translation>TLS セッション再開を使用しません。すべてのチェックインで完全なハンドシェイクを行います (既定では、実際のエージェントと同様に、各エージェントはそのマネージャーとの前回のセッションを再開します)。</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--json-agents needs --json</source>
        <translation>--json-agents には --json が必要です</translation>
    </message>
    <message>
        <source>--managers is required: HOST:PORT[,HOST:PORT...]</source>
        <translation>--managers は必須です: HOST:PORT[,HOST:PORT...]</translation>
    </message>
    <message>
        <source>--managers: an empty entry in &quot;%1&quot;</source>
        <translation>--managers: &quot;%1&quot; に空のエントリがあります</translation>
    </message>
    <message>
        <source>--managers: %1</source>
        <translation>--managers: %1</translation>
    </message>
    <message>
        <source>--pin is required: the SHA-256 of a starting manager&apos;s certificate, 64 hex digits</source>
        <translation>--pin は必須です: 最初に接続するマネージャーの証明書の SHA-256 (16 進数 64 桁)</translation>
    </message>
    <message>
        <source>--pin: &quot;%1&quot; is not a SHA-256 fingerprint (64 hex digits)</source>
        <translation>--pin: &quot;%1&quot; は SHA-256 フィンガープリント (16 進数 64 桁) ではありません</translation>
    </message>
    <message>
        <source>--%1 must be a whole number from %2 to %3, not &quot;%4&quot;</source>
        <translation>--%1 は %2 から %3 までの整数で指定してください (&quot;%4&quot; は無効です)</translation>
    </message>
    <message>
        <source>--%1 must be a number of seconds, %2 or more, not &quot;%3&quot;</source>
        <translation>--%1 は %2 以上の秒数で指定してください (&quot;%3&quot; は無効です)</translation>
    </message>
    <message>
        <source>--%1 must be a number of seconds greater than %2, not &quot;%3&quot;</source>
        <translation>--%1 は %2 より大きい秒数で指定してください (&quot;%3&quot; は無効です)</translation>
    </message>
    <message>
        <source>--jitter must be a fraction from 0 up to (not including) 1, not &quot;%1&quot;</source>
        <translation>--jitter は 0 以上 1 未満の小数で指定してください (&quot;%1&quot; は無効です)</translation>
    </message>
    <message>
        <source>--seed must be a whole number from 0 to 18446744073709551615, not &quot;%1&quot;</source>
        <translation>--seed は 0 から 18446744073709551615 までの整数で指定してください (&quot;%1&quot; は無効です)</translation>
    </message>
    <message>
        <source>--source-net: &quot;%1&quot; is not an IPv4 network A.B.C.D/PREFIX with a prefix from 8 to 30</source>
        <translation>--source-net: &quot;%1&quot; はプレフィックスが 8 から 30 の IPv4 ネットワーク A.B.C.D/PREFIX ではありません</translation>
    </message>
    <message>
        <source>--source-net: %1 has %2 host addresses, fewer than the %3 agents</source>
        <translation>--source-net: %1 のホストアドレスは %2 個で、エージェント数 %3 より少なくなっています</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsPage</name>
    <message>
        <source>Show only agents gone &amp;quiet</source>
        <translation>応答のないエージェントのみ表示(&amp;q)</translation>
    </message>
    <message>
        <source>Filter by GUID, host name, address, version, node…</source>
        <translation>GUID、ホスト名、アドレス、バージョン、ノードで絞り込み…</translation>
    </message>
    <message>
        <source>Online Agents per Node</source>
        <translation>ノードごとのオンラインエージェント</translation>
    </message>
    <message>
        <source>This cluster&apos;s schema predates agents: upgrade a node to see them.</source>
        <translation>このクラスターのスキーマはエージェント導入前のものです。エージェントを表示するにはノードをアップグレードしてください。</translation>
    </message>
    <message>
        <source>Host names and addresses are sealed. %1</source>
        <translation>ホスト名とアドレスは暗号化されています。%1</translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s), %1 online</source>
        <translation>
            <numerusform>エージェント %n 台、オンライン %1 台</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>· %n gone quiet</source>
        <translation>
            <numerusform>· 応答なし %n 台</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Flagged offline, or no check-in for longer than %n second(s).</source>
        <translation>
            <numerusform>オフラインと判定済み、または %n 秒を超えてチェックインがありません。</numerusform>
        </translation>
    </message>
    <message>
        <source>· none gone quiet</source>
        <translation>· 応答なしのエージェントなし</translation>
    </message>
    <message>
        <source>Filter agents</source>
        <translation>エージェントを絞り込み</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>エージェント</translation>
    </message>
    <message>
        <source>One row per agent that has checked in.</source>
        <translation>チェックインしたエージェントごとに 1 行。</translation>
    </message>
</context>
<context>
    <name>Cohort::AgentsTableModel</name>
    <message>
        <source>%1… (not listed)</source>
        <translation>%1… (一覧にありません)</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>たった今</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation>%1 秒前</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>%1 分前</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>%1 時間前</translation>
    </message>
    <message>
        <source>%1 d ago</source>
        <translation>%1 日前</translation>
    </message>
    <message>
        <source>Sealed with the cluster&apos;s data key: only an administrator holding a copy of the key sees it.</source>
        <translation>クラスターのデータキーで暗号化されています。キーのコピーを持つ管理者だけが表示できます。</translation>
    </message>
    <message>
        <source>%1 (database time); first check-in %2</source>
        <translation>%1 (データベースの時刻)、初回チェックイン %2</translation>
    </message>
    <message numerus="yes">
        <source>Flagged offline: silent for longer than %n second(s).</source>
        <translation>
            <numerusform>オフラインと判定済み: %n 秒を超えて応答がありません。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>No check-in for longer than %n second(s); not flagged offline yet.</source>
        <translation>
            <numerusform>%n 秒を超えてチェックインがありません。まだオフラインとは判定されていません。</numerusform>
        </translation>
    </message>
    <message>
        <source>Gone quiet</source>
        <translation>応答なし</translation>
    </message>
    <message>
        <source>The manager node the agent last checked in with.</source>
        <translation>エージェントが最後にチェックインしたマネージャーノード。</translation>
    </message>
    <message>
        <source>Host Name</source>
        <translation>ホスト名</translation>
    </message>
    <message>
        <source>Last Check-In</source>
        <translation>最終チェックイン</translation>
    </message>
    <message>
        <source>Sealed</source>
        <comment>value not shown to an auditor</comment>
        <translation>暗号化済み</translation>
    </message>
    <message>
        <source>Offline</source>
        <comment>agent state</comment>
        <translation>オフライン</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>agent state</comment>
        <translation>オンライン</translation>
    </message>
    <message>
        <source>GUID</source>
        <comment>column heading</comment>
        <translation>GUID</translation>
    </message>
    <message>
        <source>Addresses</source>
        <comment>column heading</comment>
        <translation>アドレス</translation>
    </message>
    <message>
        <source>Version</source>
        <comment>column heading</comment>
        <translation>バージョン</translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>State</source>
        <comment>column heading</comment>
        <translation>状態</translation>
    </message>
    <message>
        <source>Check-Ins</source>
        <comment>column heading</comment>
        <translation>チェックイン回数</translation>
    </message>
</context>
<context>
    <name>Cohort::Alerts</name>
    <message>
        <source>clearing the %1 alerts</source>
        <translation>%1 アラートのクリア</translation>
    </message>
    <message>
        <source>looking for an open %1 alert</source>
        <translation>未解決の %1 アラートの検索</translation>
    </message>
    <message>
        <source>raising a %1 alert</source>
        <translation>%1 アラートの発行</translation>
    </message>
    <message>
        <source>reading the alerts</source>
        <translation>アラートの読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsCommand</name>
    <message>
        <source>Lists the cluster&apos;s alerts, acknowledges or clears one.</source>
        <translation>クラスターのアラートを一覧表示し、1 件を確認済みにするかクリアします。</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>アクション:</translation>
    </message>
    <message>
        <source>  list [--all]    The open alerts (not cleared), newest first; with --all the
                  cleared ones too.</source>
        <translation>  list [--all]    未解決の (クリアされていない) アラートを新しい順に表示します。
                  --all を指定するとクリア済みのアラートも表示します。</translation>
    </message>
    <message>
        <source>  acknowledge ID  Marks an open alert as seen; it stays open.</source>
        <translation>  acknowledge ID  未解決のアラートを確認済みにします。アラートは未解決のままです。</translation>
    </message>
    <message>
        <source>  clear ID        Closes an alert, acknowledged or not.</source>
        <translation>  clear ID        確認済みかどうかにかかわらず、アラートをクローズします。</translation>
    </message>
    <message>
        <source>Acknowledging and clearing are recorded in the audit log as &quot;alert.acknowledge&quot; and
&quot;alert.clear&quot;, as from the console, by %1.</source>
        <translation>確認とクリアは、コンソールから行った場合と同様に、%1 による &quot;alert.acknowledge&quot; および
&quot;alert.clear&quot; として監査ログに記録されます。</translation>
    </message>
    <message>
        <source>What to do: list, acknowledge or clear.</source>
        <translation>実行する操作: list、acknowledge、clear のいずれか。</translation>
    </message>
    <message>
        <source>acknowledge, clear: the alert&apos;s id (see &quot;alerts list&quot;).</source>
        <translation>acknowledge、clear: アラートの ID (&quot;alerts list&quot; を参照)。</translation>
    </message>
    <message>
        <source>list: the cleared alerts too.</source>
        <translation>list: クリア済みのアラートも表示します。</translation>
    </message>
    <message>
        <source>give an action: list, acknowledge or clear</source>
        <translation>アクションを指定してください: list、acknowledge、clear のいずれか</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are list, acknowledge and clear</source>
        <translation>不明なアクション &quot;%1&quot; です。アクションは list、acknowledge、clear のいずれかです</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--%1 does not apply to &quot;alerts %2&quot;</source>
        <translation>--%1 は &quot;alerts %2&quot; には適用されません</translation>
    </message>
    <message>
        <source>%1 needs exactly one ID</source>
        <translation>%1 には ID を 1 つだけ指定してください</translation>
    </message>
    <message>
        <source>No alerts.</source>
        <translation>アラートはありません。</translation>
    </message>
    <message>
        <source>No open alerts.</source>
        <translation>未解決のアラートはありません。</translation>
    </message>
    <message>
        <source>the alert ID must be a whole number from 1, not &quot;%1&quot;</source>
        <translation>アラート ID は 1 以上の整数で指定してください (&quot;%1&quot; は無効です)</translation>
    </message>
    <message>
        <source>Cleared alert %1.</source>
        <translation>アラート %1 をクリアしました。</translation>
    </message>
    <message>
        <source>Acknowledged alert %1.</source>
        <translation>アラート %1 を確認済みにしました。</translation>
    </message>
    <message>
        <source>ID</source>
        <comment>table heading</comment>
        <translation>ID</translation>
    </message>
    <message>
        <source>STATE</source>
        <comment>table heading</comment>
        <translation>状態</translation>
    </message>
    <message>
        <source>SEVERITY</source>
        <comment>table heading</comment>
        <translation>重要度</translation>
    </message>
    <message>
        <source>KIND</source>
        <comment>table heading</comment>
        <translation>種類</translation>
    </message>
    <message>
        <source>NODE</source>
        <comment>table heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>RAISED</source>
        <comment>table heading</comment>
        <translation>発生日時</translation>
    </message>
    <message>
        <source>MESSAGE</source>
        <comment>table heading</comment>
        <translation>メッセージ</translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsPage</name>
    <message>
        <source>Show &amp;cleared alerts</source>
        <translation>クリア済みのアラートを表示(&amp;c)</translation>
    </message>
    <message>
        <source>Open &amp;Takeover Report</source>
        <translation>引き継ぎレポートを開く(&amp;T)</translation>
    </message>
    <message>
        <source>For a node-offline alert: what happened to the jobs the node held.</source>
        <translation>ノードのオフラインアラートの場合: ノードが保持していたジョブがどうなったかを表示します。</translation>
    </message>
    <message>
        <source>Open Takeover Report</source>
        <translation>引き継ぎレポートを開く</translation>
    </message>
    <message>
        <source>Auditors cannot change alerts.</source>
        <translation>監査者はアラートを変更できません。</translation>
    </message>
    <message>
        <source>&amp;Acknowledge</source>
        <comment>alert action</comment>
        <translation>確認(&amp;A)</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <comment>alert action</comment>
        <translation>クリア(&amp;l)</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>アラート</translation>
    </message>
    <message>
        <source>One row per alert, newest first; select one to acknowledge or clear it.</source>
        <translation>アラートごとに 1 行 (新しい順)。選択すると確認またはクリアできます。</translation>
    </message>
</context>
<context>
    <name>Cohort::AlertsTableModel</name>
    <message>
        <source>Cleared by %1</source>
        <translation>クリア済み (%1)</translation>
    </message>
    <message>
        <source>Acknowledged by %1</source>
        <translation>確認済み (%1)</translation>
    </message>
    <message>
        <source>Critical</source>
        <comment>alert severity</comment>
        <translation>重大</translation>
    </message>
    <message>
        <source>Warning</source>
        <comment>alert severity</comment>
        <translation>警告</translation>
    </message>
    <message>
        <source>Information</source>
        <comment>alert severity</comment>
        <translation>情報</translation>
    </message>
    <message>
        <source>Open</source>
        <comment>alert state</comment>
        <translation>未解決</translation>
    </message>
    <message>
        <source>Raised</source>
        <comment>column heading</comment>
        <translation>発生日時</translation>
    </message>
    <message>
        <source>Severity</source>
        <comment>column heading</comment>
        <translation>重要度</translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>Message</source>
        <comment>column heading</comment>
        <translation>メッセージ</translation>
    </message>
    <message>
        <source>State</source>
        <comment>column heading</comment>
        <translation>状態</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditCommand</name>
    <message>
        <source>Shows the audit log, newest first, filtered as on the console.</source>
        <translation>監査ログを新しい順に、コンソールと同じ条件で絞り込んで表示します。</translation>
    </message>
    <message>
        <source>Who did what to the cluster, and when (database time, shown in UTC). Filters
combine: --actor and --target match exactly, --action matches a prefix (&quot;node.&quot;
matches &quot;node.decommission&quot;). A time without an offset is UTC.</source>
        <translation>誰がいつクラスターに何をしたか (データベースの時刻、UTC で表示)。フィルターは
組み合わせて使用できます: --actor と --target は完全一致、--action は前方一致です (&quot;node.&quot; は
&quot;node.decommission&quot; に一致します)。オフセットのない時刻は UTC とみなされます。</translation>
    </message>
    <message>
        <source>Entries at or after this time (ISO 8601, e.g. 2024-05-01T12:00:00Z).</source>
        <translation>この時刻以降のエントリ (ISO 8601、例: 2024-05-01T12:00:00Z)。</translation>
    </message>
    <message>
        <source>Entries of the last while, like 30m, 1h, 24h or 7d (instead of --since).</source>
        <translation>直近の期間のエントリ。30m、1h、24h、7d など (--since の代わりに指定)。</translation>
    </message>
    <message>
        <source>Entries before this time (ISO 8601).</source>
        <translation>この時刻より前のエントリ (ISO 8601)。</translation>
    </message>
    <message>
        <source>Only this actor: a user, or cohortctl:&lt;os user&gt;.</source>
        <translation>このアクターのみ: ユーザー、または cohortctl:&lt;os user&gt;。</translation>
    </message>
    <message>
        <source>Only actions starting with this, like node. or user.login.</source>
        <translation>この文字列で始まるアクションのみ。node. や user.login など。</translation>
    </message>
    <message>
        <source>Only this target: a node&apos;s GUID, an alert&apos;s id, a user, ...</source>
        <translation>この対象のみ: ノードの GUID、アラートの ID、ユーザーなど。</translation>
    </message>
    <message>
        <source>At most this many entries, from 1 to %1 (default: %2).</source>
        <translation>最大エントリ数。1 から %1 まで (既定値: %2)。</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>give --since or --last, not both</source>
        <translation>--since と --last は同時に指定できません</translation>
    </message>
    <message>
        <source>--%1 cannot be empty</source>
        <translation>--%1 は空にできません</translation>
    </message>
    <message>
        <source>--limit must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--limit は 1 から %1 までの整数で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>--%1 must be a time like 2024-05-01T12:00:00Z, not &quot;%2&quot;</source>
        <translation>--%1 は 2024-05-01T12:00:00Z のような時刻で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>--last must be a duration like 30s, 15m, 1h, 24h or 7d (at most %1d), not &quot;%2&quot;</source>
        <translation>--last は 30s、15m、1h、24h、7d のような期間で指定してください (最大 %1d、&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>--since must be before --until</source>
        <translation>--since は --until より前にしてください</translation>
    </message>
    <message>
        <source>No audit entries match.</source>
        <translation>一致する監査エントリはありません。</translation>
    </message>
    <message numerus="yes">
        <source>Showing the newest %n entry(s); --limit shows more.</source>
        <translation>
            <numerusform>最新の %n 件のエントリを表示しています。さらに表示するには --limit を指定してください。</numerusform>
        </translation>
    </message>
    <message>
        <source>TIME</source>
        <comment>table heading</comment>
        <translation>時刻</translation>
    </message>
    <message>
        <source>ACTOR</source>
        <comment>table heading</comment>
        <translation>アクター</translation>
    </message>
    <message>
        <source>ACTION</source>
        <comment>table heading</comment>
        <translation>アクション</translation>
    </message>
    <message>
        <source>TARGET</source>
        <comment>table heading</comment>
        <translation>対象</translation>
    </message>
    <message>
        <source>DETAILS</source>
        <comment>table heading</comment>
        <translation>詳細</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLog</name>
    <message>
        <source>recording %1 in the audit log</source>
        <translation>監査ログへの %1 の記録</translation>
    </message>
    <message>
        <source>reading the audit log</source>
        <translation>監査ログの読み取り</translation>
    </message>
    <message>
        <source>The audit log can only be read a positive number of entries at a time, not %1.</source>
        <translation>監査ログは一度に正の数のエントリしか読み取れません。%1 は指定できません。</translation>
    </message>
    <message>
        <source>searching the audit log</source>
        <translation>監査ログの検索</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogModel</name>
    <message>
        <source>Time</source>
        <comment>column heading</comment>
        <translation>時刻</translation>
    </message>
    <message>
        <source>User</source>
        <comment>column heading</comment>
        <translation>ユーザー</translation>
    </message>
    <message>
        <source>Action</source>
        <comment>column heading</comment>
        <translation>アクション</translation>
    </message>
    <message>
        <source>Target</source>
        <comment>column heading</comment>
        <translation>対象</translation>
    </message>
    <message>
        <source>Details</source>
        <comment>column heading</comment>
        <translation>詳細</translation>
    </message>
</context>
<context>
    <name>Cohort::AuditLogPage</name>
    <message>
        <source>Any user</source>
        <translation>すべてのユーザー</translation>
    </message>
    <message>
        <source>Any action (a prefix such as node.)</source>
        <translation>すべてのアクション (node. などの前方一致)</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>ユーザー:</translation>
    </message>
    <message>
        <source>Action:</source>
        <translation>アクション:</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s) shown</source>
        <translation>
            <numerusform>%n 件のエントリを表示</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <comment>start of a time range</comment>
        <translation>開始(&amp;F):</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <comment>end of a time range</comment>
        <translation>終了(&amp;T):</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <comment>filter</comment>
        <translation>適用(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Reset</source>
        <comment>filter</comment>
        <translation>リセット(&amp;R)</translation>
    </message>
    <message>
        <source>Filter by user</source>
        <translation>ユーザーで絞り込み</translation>
    </message>
    <message>
        <source>Filter by action</source>
        <translation>操作で絞り込み</translation>
    </message>
    <message>
        <source>From date and time</source>
        <translation>開始日時</translation>
    </message>
    <message>
        <source>To date and time</source>
        <translation>終了日時</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>監査ログ</translation>
    </message>
    <message>
        <source>Who did what and when, newest first.</source>
        <translation>誰が何をいつ行ったか (新しい順)。</translation>
    </message>
</context>
<context>
    <name>Cohort::Authentication</name>
    <message>
        <source>looking up user %1</source>
        <translation>ユーザー %1 の検索</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>ユーザー名またはパスワードが正しくありません。</translation>
    </message>
    <message>
        <source>The account %1 is locked until an administrator unlocks it.</source>
        <translation>アカウント %1 はロックされています。管理者がロックを解除するまで使用できません。</translation>
    </message>
    <message numerus="yes">
        <source>The account %1 is locked after too many wrong passwords; try again in %n minute(s).</source>
        <translation>
            <numerusform>パスワードの誤りが多すぎるため、アカウント %1 はロックされています。%n 分後にもう一度お試しください。</numerusform>
        </translation>
    </message>
    <message>
        <source>counting a failed login of %1</source>
        <translation>%1 のログイン失敗の記録</translation>
    </message>
    <message>
        <source>locking the account %1</source>
        <translation>アカウント %1 のロック</translation>
    </message>
    <message>
        <source>recording the login of %1</source>
        <translation>%1 のログインの記録</translation>
    </message>
    <message>
        <source>User %1 has the unknown role &quot;%2&quot;.</source>
        <translation>ユーザー %1 のロール &quot;%2&quot; は不明です。</translation>
    </message>
</context>
<context>
    <name>Cohort::Cluster</name>
    <message>
        <source>reading the cluster record</source>
        <translation>クラスターレコードの読み取り</translation>
    </message>
    <message>
        <source>This database already holds cluster &quot;%1&quot; (%2), created %3; nothing was changed.</source>
        <translation>このデータベースにはすでにクラスター &quot;%1&quot; (%2、作成日時 %3) があります。何も変更されていません。</translation>
    </message>
    <message>
        <source>The cluster name is empty.</source>
        <translation>クラスター名が空です。</translation>
    </message>
    <message>
        <source>creating the cluster record</source>
        <translation>クラスターレコードの作成</translation>
    </message>
    <message>
        <source>creating user %1</source>
        <translation>ユーザー %1 の作成</translation>
    </message>
    <message>
        <source>The cluster record vanished right after it was created.</source>
        <translation>クラスターレコードが作成直後に消えました。</translation>
    </message>
    <message>
        <source>Another process created %1 meanwhile; this init changed nothing.</source>
        <translation>その間に別のプロセスが %1 を作成しました。この init では何も変更されていません。</translation>
    </message>
    <message>
        <source>Cannot move the new database into place at %1: %2.</source>
        <translation>新しいデータベースを %1 に配置できません: %2。</translation>
    </message>
    <message>
        <source>The database %1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>データベース %1 にはクラスターがありません。&quot;cohortctl init&quot; で作成してください。</translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterClient</name>
    <message numerus="yes">
        <source>The database has not answered for %n second(s).</source>
        <translation>
            <numerusform>データベースが %n 秒間応答していません。</numerusform>
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
        <translation>まだクラスターに参加しているマネージャーノードはありません。</translation>
    </message>
    <message numerus="yes">
        <source>All %n node(s) agree: version %1, schema %2, one data key, time zone %3, clocks within %4 s, one configuration.</source>
        <translation>
            <numerusform>%n 個のノードすべてが一致しています: バージョン %1、スキーマ %2、共通のデータキー、タイムゾーン %3、時刻のずれ %4 s 以内、共通の構成。</numerusform>
        </translation>
    </message>
    <message>
        <source>(none recorded)</source>
        <translation>(記録なし)</translation>
    </message>
    <message numerus="yes">
        <source>%n value(s) differ from the cluster&apos;s on %1 of %2 nodes.</source>
        <translation>
            <numerusform>%2 個中 %1 個のノードで、%n 個の値がクラスターの値と異なります。</numerusform>
        </translation>
    </message>
    <message>
        <source>Data key</source>
        <translation>データキー</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>タイムゾーン</translation>
    </message>
    <message>
        <source>Clock offset</source>
        <translation>時刻のずれ</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>データベースにクラスターがありません。</translation>
    </message>
    <message>
        <source>Runs version %1; the cluster runs %2. Upgrade it: until then it does no work.</source>
        <translation>バージョン %1 を実行していますが、クラスターはバージョン %2 です。アップグレードしてください。アップグレードするまで、このノードは処理を行いません。</translation>
    </message>
    <message>
        <source>Runs version %1, newer than the cluster&apos;s %2.</source>
        <translation>バージョン %1 を実行しています。クラスターのバージョン %2 より新しいバージョンです。</translation>
    </message>
    <message>
        <source>Built for schema version %1; the database is at %2.</source>
        <translation>スキーマバージョン %1 用にビルドされていますが、データベースはバージョン %2 です。</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>不明</translation>
    </message>
    <message>
        <source>It has not said which data key it holds: it has not run since the cluster&apos;s schema version 8.</source>
        <translation>保持しているデータキーが報告されていません。クラスターのスキーマバージョン 8 以降、このノードは実行されていません。</translation>
    </message>
    <message>
        <source>Holds data key %1; the cluster&apos;s key is %2. It opens the new key at its next time check, if its local secret unlocks it.</source>
        <translation>データキー %1 を保持していますが、クラスターのキーは %2 です。ローカルシークレットで新しいキーのロックを解除できる場合、次回の時刻確認時に新しいキーを開きます。</translation>
    </message>
    <message>
        <source>It has not reported its time zone.</source>
        <translation>タイムゾーンが報告されていません。</translation>
    </message>
    <message>
        <source>Keeps local time in %1; the database in %2. Every node must keep the database&apos;s zone (Manager Time Out of Sync).</source>
        <translation>ローカル時刻のタイムゾーンは %1 ですが、データベースは %2 です。すべてのノードはデータベースと同じタイムゾーンにする必要があります (マネージャーの時刻が同期していません)。</translation>
    </message>
    <message>
        <source>Its clock was %1 %2 the database&apos;s at its last check; the tolerance is %3 s.</source>
        <translation>前回の確認時、このノードの時刻はデータベースより %1 %2。許容範囲は %3 s です。</translation>
    </message>
    <message>
        <source>ahead of</source>
        <translation>進んでいました</translation>
    </message>
    <message>
        <source>behind</source>
        <translation>遅れていました</translation>
    </message>
    <message>
        <source>It has not reported its configuration: it has not run since the cluster&apos;s schema version 8.</source>
        <translation>構成が報告されていません。クラスターのスキーマバージョン 8 以降、このノードは実行されていません。</translation>
    </message>
    <message numerus="yes">
        <source>The nodes run %n different sets of shared settings (timing overrides, grace, migration wait, trusted proxies) and no set is the majority; compare their configuration files.</source>
        <translation>
            <numerusform>ノード間で共有設定 (タイミングの上書き、猶予期間、移行の待機時間、信頼済みプロキシ) が %n 通りに分かれており、過半数を占める設定がありません。各ノードの構成ファイルを比較してください。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Its shared settings (timing overrides, grace, migration wait, trusted proxies) differ from those of the %n other node(s) that agree; compare its configuration file with theirs.</source>
        <translation>
            <numerusform>このノードの共有設定 (タイミングの上書き、猶予期間、移行の待機時間、信頼済みプロキシ) は、設定が一致している他の %n 個のノードと異なります。このノードの構成ファイルを他のノードのものと比較してください。</numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation>なし</translation>
    </message>
    <message>
        <source>No API certificate recorded: peers, agents and the console cannot pin it.</source>
        <translation>API 証明書が記録されていません。ピア、エージェント、コンソールが証明書ピンを設定できません。</translation>
    </message>
    <message>
        <source>Presents the same certificate as %1: a data folder copied from another node? Delete its key and certificate to have a new pair made.</source>
        <translation>%1 と同じ証明書を提示しています。別のノードからデータフォルダーをコピーしましたか? 新しいペアを作成するには、このノードのキーと証明書を削除してください。</translation>
    </message>
    <message>
        <source>Version</source>
        <comment>column heading</comment>
        <translation>バージョン</translation>
    </message>
    <message>
        <source>Schema</source>
        <comment>column heading</comment>
        <translation>スキーマ</translation>
    </message>
    <message>
        <source>Configuration</source>
        <comment>column heading</comment>
        <translation>構成</translation>
    </message>
    <message>
        <source>Certificate</source>
        <comment>column heading</comment>
        <translation>証明書</translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterSettings</name>
    <message>
        <source>The cluster setting %1 holds &quot;%2&quot;, not a whole number from %3 to %4.</source>
        <translation>クラスター設定 %1 の値 &quot;%2&quot; は、%3 から %4 までの整数ではありません。</translation>
    </message>
    <message>
        <source>reading the cluster setting %1</source>
        <translation>クラスター設定 %1 の読み取り</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>データベースの時刻の読み取り</translation>
    </message>
    <message>
        <source>storing the cluster setting %1</source>
        <translation>クラスター設定 %1 の保存</translation>
    </message>
</context>
<context>
    <name>Cohort::ClusterWorker</name>
    <message>
        <source>Personal data and secret properties are sealed: only administrators open them.</source>
        <translation>個人データと機密プロパティは暗号化されています。管理者だけが開くことができます。</translation>
    </message>
    <message>
        <source>The cluster&apos;s schema predates sealed personal data.</source>
        <translation>このクラスターのスキーマは、個人データの暗号化に対応する前のものです。</translation>
    </message>
    <message>
        <source>Not logged in.</source>
        <translation>ログインしていません。</translation>
    </message>
    <message>
        <source>No takeover of this node is recorded.</source>
        <translation>このノードの引き継ぎは記録されていません。</translation>
    </message>
    <message>
        <source>This session holds no data key.</source>
        <translation>このセッションはデータキーを保持していません。</translation>
    </message>
    <message>
        <source>Node %1 was decommissioned.</source>
        <translation>ノード %1 を廃止しました。</translation>
    </message>
    <message>
        <source>The description was saved.</source>
        <translation>説明を保存しました。</translation>
    </message>
    <message>
        <source>The alert was acknowledged.</source>
        <translation>アラートを確認済みにしました。</translation>
    </message>
    <message>
        <source>The alert was cleared.</source>
        <translation>アラートをクリアしました。</translation>
    </message>
    <message>
        <source>Unknown action.</source>
        <translation>不明なアクションです。</translation>
    </message>
    <message>
        <source>The settings were saved.</source>
        <translation>設定を保存しました。</translation>
    </message>
    <message>
        <source>User %1 was updated.</source>
        <translation>ユーザー %1 を更新しました。</translation>
    </message>
    <message>
        <source>A new value for %1 was made and stored sealed.</source>
        <translation>%1 の新しい値を生成し、暗号化して保存しました。</translation>
    </message>
</context>
<context>
    <name>Cohort::ConfigProperties</name>
    <message>
        <source>The token nodes and agents present to a node&apos;s API.</source>
        <translation>ノードとエージェントがノードの API に提示するトークン。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a generated property.</source>
        <translation>&quot;%1&quot; は生成されるプロパティではありません。</translation>
    </message>
    <message>
        <source>There is no property &quot;%1&quot;.</source>
        <translation>プロパティ &quot;%1&quot; はありません。</translation>
    </message>
    <message>
        <source>The property &quot;%1&quot; cannot be empty.</source>
        <translation>プロパティ &quot;%1&quot; は空にできません。</translation>
    </message>
    <message>
        <source>storing the property %1</source>
        <translation>プロパティ %1 の保存</translation>
    </message>
    <message>
        <source>reading the property %1</source>
        <translation>プロパティ %1 の読み取り</translation>
    </message>
    <message>
        <source>the property %1</source>
        <translation>プロパティ %1</translation>
    </message>
    <message>
        <source>reading the properties</source>
        <translation>プロパティの読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsistencyModel</name>
    <message numerus="yes">
        <source>%n value(s) of this node differ from the cluster&apos;s.</source>
        <translation>
            <numerusform>このノードの %n 個の値がクラスターの値と異なります。</numerusform>
        </translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>column heading</comment>
        <translation>ステータス</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsistencyPage</name>
    <message>
        <source>Checking the nodes…</source>
        <translation>ノードを確認しています…</translation>
    </message>
    <message>
        <source>The nodes could not be compared: %1</source>
        <translation>ノードを比較できませんでした: %1</translation>
    </message>
    <message>
        <source>Consistency of the nodes</source>
        <translation>ノードの整合性</translation>
    </message>
    <message>
        <source>One row per node; a value that differs from the cluster&apos;s is marked in bold, with the reason in its tooltip.</source>
        <translation>ノードごとに 1 行。クラスターと異なる値は太字で示され、理由はツールチップに表示されます。</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsolePreferencesBox</name>
    <message>
        <source>This console</source>
        <translation>このコンソール</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>言語</translation>
    </message>
    <message>
        <source>As the desktop (%1)</source>
        <translation>デスクトップに合わせる (%1)</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>テーマ</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>言語(&amp;L):</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>テーマ(&amp;T):</translation>
    </message>
    <message>
        <source>Kept for this console on this computer, not in the cluster.</source>
        <translation>クラスターではなく、このコンピューターのこのコンソールに保存されます。</translation>
    </message>
    <message>
        <source>Dates, times and numbers are written as in this language.</source>
        <translation>日付、時刻、数値はこの言語の形式で表示されます。</translation>
    </message>
    <message>
        <source>The console speaks %1 the next time it starts.</source>
        <translation>次回の起動時から %1 で表示されます。</translation>
    </message>
    <message>
        <source>As the desktop</source>
        <translation>デスクトップに合わせる</translation>
    </message>
</context>
<context>
    <name>Cohort::ConsoleTheme</name>
    <message>
        <source>Light</source>
        <comment>theme</comment>
        <translation>ライト</translation>
    </message>
    <message>
        <source>Dark</source>
        <comment>theme</comment>
        <translation>ダーク</translation>
    </message>
    <message>
        <source>As the desktop</source>
        <comment>theme</comment>
        <translation>デスクトップに合わせる</translation>
    </message>
</context>
<context>
    <name>Cohort::Crypto</name>
    <message>
        <source>OpenSSL failed in %1: %2</source>
        <translation>%1 で OpenSSL が失敗しました: %2</translation>
    </message>
    <message>
        <source>The sealed data is truncated.</source>
        <translation>暗号化されたデータが途中で切れています。</translation>
    </message>
    <message>
        <source>The data does not authenticate with this key.</source>
        <translation>このキーではデータを認証できません。</translation>
    </message>
    <message>
        <source>An X25519 key has %1 bytes, not %2.</source>
        <translation>X25519 キーが %1 バイトです (%2 バイトである必要があります)。</translation>
    </message>
    <message>
        <source>The wrapped key is malformed.</source>
        <translation>ラップされたキーの形式が正しくありません。</translation>
    </message>
</context>
<context>
    <name>Cohort::CtlApplication</name>
    <message>
        <source>Usage: cohortctl COMMAND [OPTIONS]</source>
        <translation>使い方: cohortctl COMMAND [OPTIONS]</translation>
    </message>
    <message>
        <source>Administers a Cohort cluster through its shared database.</source>
        <translation>共有データベースを通じて Cohort クラスターを管理します。</translation>
    </message>
    <message>
        <source>Commands:</source>
        <translation>コマンド:</translation>
    </message>
    <message>
        <source>Database URLs: sqlite:/path/to/cohort.db or postgresql://user:password@host:port/database</source>
        <translation>データベース URL: sqlite:/path/to/cohort.db または postgresql://user:password@host:port/database</translation>
    </message>
    <message>
        <source>Run &quot;cohortctl COMMAND --help&quot; for the options of a command.</source>
        <translation>コマンドのオプションについては &quot;cohortctl COMMAND --help&quot; を実行してください。</translation>
    </message>
    <message>
        <source>cohortctl: unknown command &quot;%1&quot; (see &quot;cohortctl --help&quot;)</source>
        <translation>cohortctl: 不明なコマンド &quot;%1&quot; (&quot;cohortctl --help&quot; を参照してください)</translation>
    </message>
    <message>
        <source>Shows this help.</source>
        <translation>このヘルプを表示します。</translation>
    </message>
    <message>
        <source>cohortctl %1: %2 (see &quot;cohortctl %1 --help&quot;)</source>
        <translation>cohortctl %1: %2 (&quot;cohortctl %1 --help&quot; を参照してください)</translation>
    </message>
    <message>
        <source>Usage: cohortctl %1 [options]</source>
        <translation>使い方: cohortctl %1 [options]</translation>
    </message>
</context>
<context>
    <name>Cohort::CtlCommand</name>
    <message>
        <source>cohortctl %1: error: %2</source>
        <translation>cohortctl %1: エラー: %2</translation>
    </message>
    <message>
        <source>cohortctl %1: %2 (see &quot;cohortctl %1 --help&quot;)</source>
        <translation>cohortctl %1: %2 (&quot;cohortctl %1 --help&quot; を参照してください)</translation>
    </message>
    <message>
        <source>the option --%1 is required</source>
        <translation>オプション --%1 は必須です</translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>%1 にはクラスターがありません。&quot;cohortctl init&quot; で作成してください。</translation>
    </message>
</context>
<context>
    <name>Cohort::CtlOptions</name>
    <message>
        <source>The cluster&apos;s database: sqlite:PATH or postgresql://user:password@host:port/database.</source>
        <translation>クラスターのデータベース: sqlite:PATH または postgresql://user:password@host:port/database。</translation>
    </message>
    <message>
        <source>The file holding the local secret that unlocks the cluster&apos;s data key.</source>
        <translation>クラスターのデータキーのロックを解除するローカルシークレットを保持するファイル。</translation>
    </message>
    <message>
        <source>Prints the result as JSON.</source>
        <translation>結果を JSON で出力します。</translation>
    </message>
    <message>
        <source>The password file %1 does not exist.</source>
        <translation>パスワードファイル %1 が存在しません。</translation>
    </message>
    <message>
        <source>Cannot read the password file %1: %2.</source>
        <translation>パスワードファイル %1 を読み取れません: %2。</translation>
    </message>
    <message>
        <source>Repeat the password: </source>
        <translation>パスワードをもう一度入力してください: </translation>
    </message>
    <message>
        <source>The two passwords differ; nothing was changed.</source>
        <translation>2 つのパスワードが一致しません。何も変更されていません。</translation>
    </message>
    <message>
        <source>No password given on standard input; pipe it in or use --password-file.</source>
        <translation>標準入力にパスワードが指定されていません。パイプで渡すか、--password-file を使用してください。</translation>
    </message>
    <message>
        <source>The password file %1 is empty.</source>
        <translation>パスワードファイル %1 が空です。</translation>
    </message>
</context>
<context>
    <name>Cohort::Database</name>
    <message>
        <source>Qt&apos;s PostgreSQL driver (QPSQL) is not installed; install libqt6sql6-psql.</source>
        <translation>Qt の PostgreSQL ドライバー (QPSQL) がインストールされていません。libqt6sql6-psql をインストールしてください。</translation>
    </message>
    <message>
        <source>Qt&apos;s SQLite driver (QSQLITE) is not installed; install libqt6sql6-sqlite.</source>
        <translation>Qt の SQLite ドライバー (QSQLITE) がインストールされていません。libqt6sql6-sqlite をインストールしてください。</translation>
    </message>
    <message>
        <source>The folder %1 of the SQLite database does not exist.</source>
        <translation>SQLite データベースのフォルダー %1 が存在しません。</translation>
    </message>
    <message>
        <source>The SQLite database %1 does not exist; create a cluster with &quot;cohortctl init&quot;.</source>
        <translation>SQLite データベース %1 が存在しません。&quot;cohortctl init&quot; でクラスターを作成してください。</translation>
    </message>
    <message>
        <source>Cannot open the SQLite database %1</source>
        <translation>SQLite データベース %1 を開けません</translation>
    </message>
    <message>
        <source>Cannot connect to PostgreSQL at %1 (database %2, user %3)</source>
        <translation>%1 の PostgreSQL に接続できません (データベース %2、ユーザー %3)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>Cohort::DatabaseUrl</name>
    <message>
        <source>The database URL is empty.</source>
        <translation>データベース URL が空です。</translation>
    </message>
    <message>
        <source>The SQLite URL &quot;%1&quot; names no file; write sqlite:/path/to/cohort.db.</source>
        <translation>SQLite URL &quot;%1&quot; にファイルが指定されていません。sqlite:/path/to/cohort.db の形式で指定してください。</translation>
    </message>
    <message>
        <source>An in-memory SQLite database cannot be shared by nodes and threads; give a file path.</source>
        <translation>インメモリの SQLite データベースはノードやスレッド間で共有できません。ファイルパスを指定してください。</translation>
    </message>
    <message>
        <source>The SQLite URL &quot;%1&quot; has options; Cohort sets them itself.</source>
        <translation>SQLite URL &quot;%1&quot; にオプションが含まれています。オプションは Cohort が自動で設定します。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL&apos;s server list has an invalid entry &quot;%1&quot;; write host:port,host:port.</source>
        <translation>PostgreSQL URL のサーバーリストに無効なエントリ &quot;%1&quot; があります。host:port,host:port の形式で指定してください。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a database URL; write sqlite:PATH or postgresql://user:password@host:port/database.</source>
        <translation>&quot;%1&quot; はデータベース URL ではありません。sqlite:PATH または postgresql://user:password@host:port/database の形式で指定してください。</translation>
    </message>
    <message>
        <source>Unsupported database URL scheme &quot;%1&quot;; use sqlite: or postgresql://.</source>
        <translation>サポートされていないデータベース URL スキーム &quot;%1&quot; です。sqlite: または postgresql:// を使用してください。</translation>
    </message>
    <message>
        <source>Malformed PostgreSQL URL: check the port (1 to 65535) and percent-encode special characters in the user name and password (%40 for @, %25 for %).</source>
        <translation>PostgreSQL URL の形式が正しくありません。ポート (1 から 65535) を確認し、ユーザー名とパスワードの特殊文字をパーセントエンコードしてください (@ は %40、% は %25)。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no host; write postgresql://user:password@host:port/database.</source>
        <translation>PostgreSQL URL にホストが指定されていません。postgresql://user:password@host:port/database の形式で指定してください。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL has port 0; give a port from 1 to 65535.</source>
        <translation>PostgreSQL URL のポートが 0 です。1 から 65535 までのポートを指定してください。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no user; write postgresql://user:password@host:port/database.</source>
        <translation>PostgreSQL URL にユーザーが指定されていません。postgresql://user:password@host:port/database の形式で指定してください。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no database; add /database after the host and port.</source>
        <translation>PostgreSQL URL にデータベースが指定されていません。ホストとポートの後に /database を追加してください。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL path &quot;%1&quot; must be a single database name.</source>
        <translation>PostgreSQL URL のパス &quot;%1&quot; は単一のデータベース名である必要があります。</translation>
    </message>
    <message>
        <source>The PostgreSQL URL must not have a #fragment.</source>
        <translation>PostgreSQL URL に #fragment を含めることはできません。</translation>
    </message>
    <message>
        <source>Unknown PostgreSQL URL option &quot;%1&quot;; known options: %2.</source>
        <translation>不明な PostgreSQL URL オプション &quot;%1&quot; です。使用できるオプション: %2。</translation>
    </message>
    <message>
        <source>The value of %1 may only hold letters, digits and . _ / : @ + -.</source>
        <translation>%1 の値に使用できるのは、英字、数字、および . _ / : @ + - のみです。</translation>
    </message>
    <message>
        <source>Invalid value &quot;%1&quot; for %2; use one of: %3.</source>
        <translation>%2 の値 &quot;%1&quot; は無効です。次のいずれかを使用してください: %3。</translation>
    </message>
    <message>
        <source>connect_timeout must be a whole number of seconds above 0, not &quot;%1&quot;.</source>
        <translation>connect_timeout は 0 より大きい整数 (秒) で指定してください (&quot;%1&quot; は無効です)。</translation>
    </message>
</context>
<context>
    <name>Cohort::DecommissionCommand</name>
    <message>
        <source>Removes an Offline manager node from the cluster for good.</source>
        <translation>オフラインのマネージャーノードをクラスターから完全に削除します。</translation>
    </message>
    <message>
        <source>Only an Offline node can be decommissioned: stop it first, or wait until its peers
mark it Offline. Its GUID can never rejoin the cluster. The change is recorded in
the audit log. Before it, --dry-run lists what it will change: the agents whose last
check-in went to the node and the manager list version they then get, the local job
runs recorded for it and the open alerts about it, which are cleared.</source>
        <translation>廃止できるのはオフラインのノードだけです。先にノードを停止するか、ピアがノードを
オフラインと判定するまで待ってください。廃止したノードの GUID はクラスターに再参加できません。
変更は監査ログに記録されます。--dry-run を指定すると、実行前に変更内容を一覧表示します:
最後にこのノードにチェックインしたエージェントと、それらが受け取るマネージャーリストのバージョン、
このノードについて記録されたローカルジョブの実行、およびこのノードに関する未解決のアラート (クリアされます)。</translation>
    </message>
    <message>
        <source>Who decommissions the node, for the audit log (default: %1).</source>
        <translation>監査ログに記録する、ノードを廃止するユーザー (既定値: %1)。</translation>
    </message>
    <message>
        <source>Lists what decommissioning the node would change, and changes nothing.</source>
        <translation>ノードを廃止した場合に変更される内容を一覧表示します。何も変更しません。</translation>
    </message>
    <message>
        <source>The node to decommission: its GUID, or a name only one node has.</source>
        <translation>廃止するノード: GUID、または 1 つのノードだけが持つ名前。</translation>
    </message>
    <message>
        <source>give exactly one NODE to decommission</source>
        <translation>廃止する NODE を 1 つだけ指定してください</translation>
    </message>
    <message>
        <source>the NODE to decommission cannot be empty</source>
        <translation>廃止する NODE は空にできません</translation>
    </message>
    <message>
        <source>--actor cannot be empty</source>
        <translation>--actor は空にできません</translation>
    </message>
    <message>
        <source>--actor is longer than %1 characters</source>
        <translation>--actor が %1 文字を超えています</translation>
    </message>
    <message>
        <source>--actor must be one line of printable text</source>
        <translation>--actor は印字可能な文字の 1 行で指定してください</translation>
    </message>
    <message>
        <source>agent %1, last check-in %2, %3</source>
        <translation>エージェント %1、最終チェックイン %2、%3</translation>
    </message>
    <message>
        <source>alert %1 (%2): %3</source>
        <translation>アラート %1 (%2): %3</translation>
    </message>
    <message>
        <source>Decommissioning node %1 (%2) would change:</source>
        <translation>ノード %1 (%2) を廃止すると、次の内容が変更されます:</translation>
    </message>
    <message>
        <source>Decommissioned node %1 (%2).</source>
        <translation>ノード %1 (%2) を廃止しました。</translation>
    </message>
</context>
<context>
    <name>Cohort::DecommissionPreflight</name>
    <message numerus="yes">
        <source>%n agent(s) last checked in through %1; at their next check-in they get manager list %2 (now %3), without it.</source>
        <translation>
            <numerusform>%n 台のエージェントが最後に %1 経由でチェックインしました。次回のチェックイン時に、このノードを含まないマネージャーリスト %2 (現在は %3) を受け取ります。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n local job run(s) are recorded for it; %1 still running will end.</source>
        <translation>
            <numerusform>このノードについて %n 件のローカルジョブの実行が記録されています。実行中の %1 件は終了します。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open alert(s) about it will be cleared.</source>
        <translation>
            <numerusform>このノードに関する %n 件の未解決のアラートがクリアされます。</numerusform>
        </translation>
    </message>
    <message>
        <source>Node %1 (%2) is already decommissioned.</source>
        <translation>ノード %1 (%2) はすでに廃止済みです。</translation>
    </message>
    <message>
        <source>Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, or wait until its peers mark it Offline.</source>
        <translation>ノード %1 (%2) はオンラインです。廃止できるのはオフラインのノードだけです。先にノードを停止するか、ピアがノードをオフラインと判定するまで待ってください。</translation>
    </message>
    <message>
        <source>reading the agents of node %1</source>
        <translation>ノード %1 のエージェントの読み取り</translation>
    </message>
    <message>
        <source>reading the local job runs of node %1</source>
        <translation>ノード %1 のローカルジョブの実行の読み取り</translation>
    </message>
    <message>
        <source>reading the open alerts of node %1</source>
        <translation>ノード %1 の未解決のアラートの読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::Dialect</name>
    <message>
        <source>SQLite cannot use WAL mode for this file (it stays in &quot;%1&quot; mode)</source>
        <translation>このファイルでは SQLite の WAL モードを使用できません (&quot;%1&quot; モードのままです)</translation>
    </message>
    <message>
        <source>switching SQLite to WAL mode</source>
        <translation>SQLite の WAL モードへの切り替え</translation>
    </message>
    <message>
        <source>switching SQLite to WAL mode: the database stayed locked for %1 s</source>
        <translation>SQLite の WAL モードへの切り替え: データベースが %1 s 間ロックされたままでした</translation>
    </message>
    <message>
        <source>reading SQLite&apos;s busy timeout</source>
        <translation>SQLite のビジータイムアウトの読み取り</translation>
    </message>
    <message>
        <source>taking the migration lock</source>
        <translation>移行ロックの取得</translation>
    </message>
    <message>
        <source>another process has held the database&apos;s write lock for more than %1 s</source>
        <translation>別のプロセスがデータベースの書き込みロックを %1 s 以上保持しています</translation>
    </message>
    <message>
        <source>another process has held the migration lock for more than %1 s</source>
        <translation>別のプロセスが移行ロックを %1 s 以上保持しています</translation>
    </message>
    <message>
        <source>listing tables</source>
        <translation>テーブルの一覧取得</translation>
    </message>
</context>
<context>
    <name>Cohort::ExportFile</name>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 に書き込めません: %2</translation>
    </message>
    <message>
        <source>nothing to write</source>
        <translation>書き込む内容がありません</translation>
    </message>
</context>
<context>
    <name>Cohort::ExportProgress</name>
    <message>
        <source>Writing %1…</source>
        <translation>%1 を書き込んでいます…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
</context>
<context>
    <name>Cohort::FinishedJobsDialog</name>
    <message>
        <source>Jobs: %1</source>
        <translation>ジョブ: %1</translation>
    </message>
    <message>
        <source>Reading the jobs…</source>
        <translation>ジョブを読み取っています…</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最後のエラー</translation>
    </message>
    <message>
        <source>The jobs could not be read: %1</source>
        <translation>ジョブを読み取れませんでした: %1</translation>
    </message>
    <message>
        <source>%1 (local)</source>
        <translation>%1 (ローカル)</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>The latest %1 of %2 jobs.</source>
        <translation>%2 件中最新の %1 件のジョブ。</translation>
    </message>
    <message>
        <source>%1 of %2 jobs are still kept in the database; older finished jobs are removed after the retention period.</source>
        <translation>%2 件中 %1 件のジョブがデータベースに残っています。完了した古いジョブは保持期間の経過後に削除されます。</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s).</source>
        <translation>
            <numerusform>%n 件のジョブ。</numerusform>
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
        <translation>種類</translation>
    </message>
    <message>
        <source>Node</source>
        <comment>column heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>State</source>
        <comment>column heading</comment>
        <translation>状態</translation>
    </message>
    <message>
        <source>Attempts</source>
        <comment>column heading</comment>
        <translation>試行回数</translation>
    </message>
    <message>
        <source>Finished</source>
        <comment>column heading</comment>
        <translation>完了日時</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <comment>job state</comment>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed</source>
        <comment>job state</comment>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Finished jobs</source>
        <translation>完了したジョブ</translation>
    </message>
</context>
<context>
    <name>Cohort::GenSecretCommand</name>
    <message>
        <source>Writes a new random local secret to a new file (mode 600).</source>
        <translation>新しいランダムなローカルシークレットを新しいファイル (モード 600) に書き込みます。</translation>
    </message>
    <message>
        <source>The file to create; an existing file is never overwritten.</source>
        <translation>作成するファイル。既存のファイルは上書きされません。</translation>
    </message>
    <message>
        <source>give exactly one FILE to write</source>
        <translation>書き込む FILE を 1 つだけ指定してください</translation>
    </message>
    <message>
        <source>Wrote a new local secret to %1. Copy it to every node of the cluster; without it the cluster&apos;s data key cannot be unlocked.</source>
        <translation>新しいローカルシークレットを %1 に書き込みました。クラスターのすべてのノードにコピーしてください。このシークレットがないと、クラスターのデータキーのロックを解除できません。</translation>
    </message>
</context>
<context>
    <name>Cohort::HealthCommand</name>
    <message>
        <source>Shows whether the nodes agree: version, schema, data key, time zone, clock, configuration, certificate.</source>
        <translation>ノード間で次の値が一致しているかどうかを表示します: バージョン、スキーマ、データキー、タイムゾーン、時刻、構成、証明書。</translation>
    </message>
    <message>
        <source>Every node that is not decommissioned, with the values that must be the same across the cluster. A value that differs is marked with &quot;!&quot; and explained below the table (with --json: &quot;mismatch&quot; and &quot;reason&quot;). The data key is named by its check value, never the key itself. Exits 0 when the report was made, whether or not the nodes agree.</source>
        <translation>廃止済みでないすべてのノードを、クラスター全体で同じである必要がある値とともに表示します。異なる値には &quot;!&quot; が付き、表の下に説明が表示されます (--json の場合: &quot;mismatch&quot; と &quot;reason&quot;)。データキーはキー自体ではなく、そのチェック値で示されます。ノードが一致しているかどうかにかかわらず、レポートを作成できた場合は 0 で終了します。</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>%1, %2: %3</source>
        <translation>%1、%2: %3</translation>
    </message>
    <message>
        <source>NODE</source>
        <comment>table heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>STATUS</source>
        <comment>table heading</comment>
        <translation>ステータス</translation>
    </message>
</context>
<context>
    <name>Cohort::HealthMonitor</name>
    <message>
        <source>A node of version %1 took over the cluster; this node (version %2) claims nothing more and stops. It shows as Offline (Upgrade Required) until it runs version %1.</source>
        <translation>バージョン %1 のノードがクラスターを引き継ぎました。このノード (バージョン %2) はこれ以上ジョブを取得せずに停止します。バージョン %1 を実行するまで、オフライン (アップグレードが必要) と表示されます。</translation>
    </message>
    <message>
        <source>The cluster was upgraded to schema version %1; this node (schema %2, version %3) must be upgraded too, and stops.</source>
        <translation>クラスターはスキーマバージョン %1 にアップグレードされました。このノード (スキーマ %2、バージョン %3) もアップグレードする必要があるため、停止します。</translation>
    </message>
    <message>
        <source>Another process now runs as node %1; this one stops. If this machine was cloned, delete %2 to join it as a new node.</source>
        <translation>別のプロセスがノード %1 として実行されています。このプロセスは停止します。このマシンを複製した場合は、%2 を削除すると新しいノードとして参加できます。</translation>
    </message>
    <message>
        <source>This node was decommissioned; it stops and cannot rejoin. To run this machine as a new node, delete %1.</source>
        <translation>このノードは廃止されました。停止し、再参加することはできません。このマシンを新しいノードとして実行するには、%1 を削除してください。</translation>
    </message>
    <message>
        <source>its database session ended and nothing listens on its API port (%1)</source>
        <translation>データベースセッションが終了し、API ポート (%1) で待ち受けているプロセスがありません</translation>
    </message>
    <message>
        <source>its database session ended %1 s ago and its API (%2) cannot be reached</source>
        <translation>データベースセッションが %1 s 前に終了し、API (%2) に到達できません</translation>
    </message>
    <message>
        <source>its process %1 ended</source>
        <translation>プロセス %1 が終了しました</translation>
    </message>
</context>
<context>
    <name>Cohort::InitCommand</name>
    <message>
        <source>Creates a cluster: the schema, the data key and the first administrator.</source>
        <translation>クラスターを作成します: スキーマ、データキー、最初の管理者。</translation>
    </message>
    <message>
        <source>The first administrator&apos;s user name.</source>
        <translation>最初の管理者のユーザー名。</translation>
    </message>
    <message>
        <source>A file whose first line is the administrator&apos;s password (default: read it from standard input).</source>
        <translation>1 行目に管理者のパスワードが書かれたファイル (既定: 標準入力から読み取り)。</translation>
    </message>
    <message>
        <source>The administrator&apos;s full name (stored sealed).</source>
        <translation>管理者のフルネーム (暗号化して保存)。</translation>
    </message>
    <message>
        <source>The administrator&apos;s e-mail address (stored sealed).</source>
        <translation>管理者のメールアドレス (暗号化して保存)。</translation>
    </message>
    <message>
        <source>The cluster&apos;s display name (default: Cohort).</source>
        <translation>クラスターの表示名 (既定値: Cohort)。</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>Password for %1: </source>
        <translation>%1 のパスワード: </translation>
    </message>
    <message>
        <source>Created cluster &quot;%1&quot; (%2) in %3: schema version %4, administrator %5.</source>
        <translation>%3 にクラスター &quot;%1&quot; (%2) を作成しました: スキーマバージョン %4、管理者 %5。</translation>
    </message>
</context>
<context>
    <name>Cohort::JobChartView</name>
    <message>
        <source>Jobs finished</source>
        <translation>完了したジョブ</translation>
    </message>
    <message>
        <source>No jobs finished in this period.</source>
        <translation>この期間に完了したジョブはありません。</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2: %3 of %4 jobs</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2: %4 件中 %3 件のジョブ</translation>
    </message>
    <message>
        <source>Job chart</source>
        <translation>ジョブのグラフ</translation>
    </message>
    <message>
        <source>Stacked bars of finished jobs; click a bar to list its jobs. Export Data writes the same numbers as CSV.</source>
        <translation>完了したジョブの積み上げ棒グラフ。棒をクリックするとジョブの一覧を表示します。「データをエクスポート」で同じ数値を CSV に書き出せます。</translation>
    </message>
</context>
<context>
    <name>Cohort::JobCountsModel</name>
    <message>
        <source>Job type</source>
        <translation>ジョブの種類</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>ノード</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合計</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <comment>column heading</comment>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed</source>
        <comment>column heading</comment>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>Cohort::JobPool</name>
    <message>
        <source>recording the heartbeat</source>
        <translation>ハートビートの記録</translation>
    </message>
    <message>
        <source>locking this node&apos;s row</source>
        <translation>このノードの行のロック</translation>
    </message>
    <message>
        <source>completing jobs</source>
        <translation>ジョブの完了処理</translation>
    </message>
    <message>
        <source>locking local jobs</source>
        <translation>ローカルジョブのロック</translation>
    </message>
    <message>
        <source>completing local job %1</source>
        <translation>ローカルジョブ %1 の完了処理</translation>
    </message>
    <message>
        <source>finishing local jobs</source>
        <translation>ローカルジョブの終了処理</translation>
    </message>
    <message>
        <source>adding to the job statistics</source>
        <translation>ジョブ統計への追加</translation>
    </message>
    <message>
        <source>preparing %1</source>
        <translation>%1 の準備</translation>
    </message>
    <message>
        <source>claiming jobs</source>
        <translation>ジョブの取得</translation>
    </message>
    <message>
        <source>finding local jobs</source>
        <translation>ローカルジョブの検索</translation>
    </message>
    <message>
        <source>starting a local job</source>
        <translation>ローカルジョブの開始</translation>
    </message>
    <message>
        <source>failing job %1</source>
        <translation>ジョブ %1 の失敗処理</translation>
    </message>
    <message>
        <source>handing jobs back</source>
        <translation>ジョブの返却</translation>
    </message>
    <message>
        <source>handing a local job back</source>
        <translation>ローカルジョブの返却</translation>
    </message>
    <message>
        <source>finding this node&apos;s claims</source>
        <translation>このノードが取得したジョブの検索</translation>
    </message>
    <message>
        <source>finding this node&apos;s local jobs</source>
        <translation>このノードのローカルジョブの検索</translation>
    </message>
    <message>
        <source>returning a node&apos;s jobs to the pool</source>
        <translation>ノードのジョブのジョブプールへの返却</translation>
    </message>
    <message>
        <source>ending a node&apos;s local jobs</source>
        <translation>ノードのローカルジョブの終了</translation>
    </message>
    <message>
        <source>Unknown job state &quot;%1&quot;; use one of %2.</source>
        <translation>不明なジョブの状態 &quot;%1&quot; です。%2 のいずれかを使用してください。</translation>
    </message>
    <message>
        <source>listing jobs</source>
        <translation>ジョブの一覧取得</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>データベースの時刻の読み取り</translation>
    </message>
    <message>
        <source>The database did not tell its time.</source>
        <translation>データベースが時刻を返しませんでした。</translation>
    </message>
    <message>
        <source>preparing to submit jobs</source>
        <translation>ジョブ投入の準備</translation>
    </message>
    <message>
        <source>submitting jobs</source>
        <translation>ジョブの投入</translation>
    </message>
    <message>
        <source>waking the nodes</source>
        <translation>ノードの起動通知</translation>
    </message>
    <message>
        <source>A job needs a type.</source>
        <translation>ジョブには種類が必要です。</translation>
    </message>
    <message>
        <source>Unknown job type &quot;%1&quot;: no node could run it.</source>
        <translation>不明なジョブの種類 &quot;%1&quot; です。このジョブを実行できるノードがありません。</translation>
    </message>
    <message>
        <source>A job needs at least one attempt.</source>
        <translation>ジョブには 1 回以上の試行回数が必要です。</translation>
    </message>
    <message>
        <source>A job&apos;s delay cannot be negative.</source>
        <translation>ジョブの遅延時間を負の値にすることはできません。</translation>
    </message>
    <message>
        <source>refreshing the job table&apos;s statistics</source>
        <translation>ジョブテーブルの統計情報の更新</translation>
    </message>
    <message>
        <source>submitting a job</source>
        <translation>ジョブの投入</translation>
    </message>
</context>
<context>
    <name>Cohort::JobRunner</name>
    <message>
        <source>no job type &quot;%1&quot; on this node (version %2)</source>
        <translation>このノード (バージョン %2) にはジョブの種類 &quot;%1&quot; がありません</translation>
    </message>
    <message>
        <source>its outcome could not be recorded: %1</source>
        <translation>結果を記録できませんでした: %1</translation>
    </message>
    <message>
        <source>The database refuses to record job %1 and to take it back (%2); this node stops so that its peers take over its jobs.</source>
        <translation>データベースがジョブ %1 の記録も返却も拒否しています (%2)。ピアがジョブを引き継げるよう、このノードは停止します。</translation>
    </message>
</context>
<context>
    <name>Cohort::JobStatistics</name>
    <message>
        <source>The end of the time range (%1) is before its start (%2).</source>
        <translation>時間範囲の終了 (%1) が開始 (%2) より前です。</translation>
    </message>
    <message numerus="yes">
        <source>Job statistics are read at most %n day(s) at a time.</source>
        <translation>
            <numerusform>ジョブ統計は一度に最大 %n 日分まで読み取れます。</numerusform>
        </translation>
    </message>
    <message>
        <source>reading the job statistics</source>
        <translation>ジョブ統計の読み取り</translation>
    </message>
    <message>
        <source>A bucket of %1 ms is not a whole number of minutes that divides the time range.</source>
        <translation>%1 ms のバケットは、時間範囲を割り切れる整数の分数ではありません。</translation>
    </message>
    <message>
        <source>reading the activity of the nodes</source>
        <translation>ノードのアクティビティの読み取り</translation>
    </message>
    <message>
        <source>listing finished jobs</source>
        <translation>完了したジョブの一覧取得</translation>
    </message>
    <message>
        <source>reading the job statistics of node %1</source>
        <translation>ノード %1 のジョブ統計の読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::JobTypes</name>
    <message>
        <source>reading the database clock</source>
        <translation>データベースの時刻の読み取り</translation>
    </message>
    <message>
        <source>a sleep job needs &quot;ms&quot;, the time to sleep in milliseconds</source>
        <translation>sleep ジョブには &quot;ms&quot; (スリープする時間のミリ秒数) が必要です</translation>
    </message>
    <message>
        <source>&quot;ms&quot; must be a whole number of milliseconds from 0 to %1</source>
        <translation>&quot;ms&quot; は 0 から %1 までの整数のミリ秒数で指定してください</translation>
    </message>
    <message>
        <source>cancelled: the node is stopping</source>
        <translation>キャンセルされました: ノードが停止中です</translation>
    </message>
    <message>
        <source>the job failed as asked</source>
        <translation>指示どおりジョブが失敗しました</translation>
    </message>
    <message numerus="yes">
        <source>cleared %n cached value(s)</source>
        <translation>
            <numerusform>キャッシュされた %n 個の値をクリアしました</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>purged %1 jobs, %2 alerts, %3 audit entries, %4 statistics rows, %5 node events and %6 takeovers older than %n day(s)</source>
        <translation>
            <numerusform>%n 日より古いジョブ %1 件、アラート %2 件、監査エントリ %3 件、統計行 %4 件、ノードイベント %5 件、引き継ぎ %6 件を削除しました</numerusform>
        </translation>
    </message>
    <message>
        <source>cancelled between batches: the node is stopping (so far %1)</source>
        <translation>バッチ間でキャンセルされました: ノードが停止中です (ここまでの結果: %1)</translation>
    </message>
    <message>
        <source>; the rest waits for the next run (at most %1 batches of %2 rows per table in a run)</source>
        <translation> (残りは次回の実行で処理されます。1 回の実行で処理するのはテーブルごとに最大 %2 行 × %1 バッチです)</translation>
    </message>
    <message>
        <source>rolling up job statistics</source>
        <translation>ジョブ統計の集約</translation>
    </message>
    <message>
        <source>rolled %1 per-minute rows into %2 hourly rows</source>
        <translation>1 分ごとの行 %1 件を 1 時間ごとの行 %2 件に集約しました</translation>
    </message>
    <message>
        <source>flagging silent agents</source>
        <translation>応答のないエージェントの判定</translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s) stopped checking in.</source>
        <translation>
            <numerusform>%n 台のエージェントがチェックインしなくなりました。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>flagged %n silent agent(s) offline</source>
        <translation>
            <numerusform>応答のない %n 台のエージェントをオフラインと判定しました</numerusform>
        </translation>
    </message>
    <message>
        <source>Does nothing; for tests and benchmarks.</source>
        <translation>何もしません。テストとベンチマーク用です。</translation>
    </message>
    <message>
        <source>Waits {&quot;ms&quot;: N} milliseconds; for tests.</source>
        <translation>{&quot;ms&quot;: N} ミリ秒待機します。テスト用です。</translation>
    </message>
    <message>
        <source>Fails with {&quot;error&quot;: TEXT}; for tests.</source>
        <translation>{&quot;error&quot;: TEXT} で失敗します。テスト用です。</translation>
    </message>
    <message>
        <source>Drops each node&apos;s cached cluster settings.</source>
        <translation>各ノードでキャッシュされているクラスター設定を破棄します。</translation>
    </message>
    <message>
        <source>Deletes finished jobs, cleared alerts, audit entries, statistics, node events and takeovers past the retention.</source>
        <translation>保持期間を過ぎた完了済みのジョブ、クリア済みのアラート、監査エントリ、統計、ノードイベント、引き継ぎを削除します。</translation>
    </message>
    <message>
        <source>Compacts old per-minute job statistics into hours.</source>
        <translation>古い 1 分ごとのジョブ統計を 1 時間単位に集約します。</translation>
    </message>
    <message>
        <source>Flags agents that stopped checking in.</source>
        <translation>チェックインしなくなったエージェントを判定します。</translation>
    </message>
    <message>
        <source>Unknown job type &quot;%1&quot;; the types are %2.</source>
        <translation>不明なジョブの種類 &quot;%1&quot; です。使用できる種類: %2。</translation>
    </message>
    <message>
        <source>The payload is not valid JSON: %1 at offset %2.</source>
        <translation>ペイロードが有効な JSON ではありません: オフセット %2 で %1。</translation>
    </message>
    <message>
        <source>The payload must be a JSON object, like {&quot;ms&quot;: 100}.</source>
        <translation>ペイロードは {&quot;ms&quot;: 100} のような JSON オブジェクトである必要があります。</translation>
    </message>
    <message>
        <source>Bad payload for %1: %2.</source>
        <translation>%1 のペイロードが正しくありません: %2。</translation>
    </message>
    <message>
        <source>purging old records</source>
        <translation>古いレコードの削除</translation>
    </message>
</context>
<context>
    <name>Cohort::JobsCommand</name>
    <message>
        <source>Submits jobs to the pool, lists them, and counts finished jobs.</source>
        <translation>ジョブをジョブプールに投入し、一覧表示し、完了したジョブを集計します。</translation>
    </message>
    <message>
        <source>Runs on every node.</source>
        <translation>すべてのノードで実行されます。</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>アクション:</translation>
    </message>
    <message>
        <source>  submit  Adds jobs to the pool: --type (required), --count, --payload, --local,
          --priority, --delay, --max-attempts.</source>
        <translation>  submit  ジョブをジョブプールに追加します: --type (必須)、--count、--payload、--local、
          --priority、--delay、--max-attempts。</translation>
    </message>
    <message>
        <source>  list    Lists jobs, newest first: --state, --node, --limit.</source>
        <translation>  list    ジョブを新しい順に一覧表示します: --state、--node、--limit。</translation>
    </message>
    <message>
        <source>  stats   Counts finished jobs by node and type: --since.</source>
        <translation>  stats   完了したジョブをノード別、種類別に集計します: --since。</translation>
    </message>
    <message>
        <source>Job types:</source>
        <translation>ジョブの種類:</translation>
    </message>
    <message>
        <source>What to do: submit, list or stats.</source>
        <translation>実行する操作: submit、list、stats のいずれか。</translation>
    </message>
    <message>
        <source>submit: the job type (see &quot;Job types&quot; above).</source>
        <translation>submit: ジョブの種類 (上記の「ジョブの種類」を参照)。</translation>
    </message>
    <message>
        <source>submit: how many jobs, from 1 to %1 (default: 1).</source>
        <translation>submit: ジョブの数。1 から %1 まで (既定値: 1)。</translation>
    </message>
    <message>
        <source>submit: the jobs&apos; payload, a JSON object (default: {}).</source>
        <translation>submit: ジョブのペイロード。JSON オブジェクトで指定します (既定値: {})。</translation>
    </message>
    <message>
        <source>submit: runs each job once on every online node instead of on one node (always so for the types that run on every node).</source>
        <translation>submit: 各ジョブを 1 つのノードではなく、オンラインのすべてのノードで 1 回ずつ実行します (すべてのノードで実行される種類では常にこの動作になります)。</translation>
    </message>
    <message>
        <source>submit: higher runs first (default: 0).</source>
        <translation>submit: 値が大きいほど先に実行されます (既定値: 0)。</translation>
    </message>
    <message>
        <source>submit: not before this many seconds from now, from 0 to %1 (30 days; default: 0).</source>
        <translation>submit: 現在からこの秒数が経過するまで実行しません。0 から %1 まで (30 日、既定値: 0)。</translation>
    </message>
    <message>
        <source>submit: how often a failing job is tried, from 1 to %1 (default: 5).</source>
        <translation>submit: 失敗したジョブを試行する回数。1 から %1 まで (既定値: 5)。</translation>
    </message>
    <message>
        <source>list: only jobs in this state: queued, running, succeeded or failed.</source>
        <translation>list: この状態のジョブのみ: queued、running、succeeded、failed のいずれか。</translation>
    </message>
    <message>
        <source>list: only jobs claimed by this node (GUID or name).</source>
        <translation>list: このノード (GUID または名前) が取得したジョブのみ。</translation>
    </message>
    <message>
        <source>list: at most this many jobs, from 1 to %1 (default: 100).</source>
        <translation>list: 最大ジョブ数。1 から %1 まで (既定値: 100)。</translation>
    </message>
    <message>
        <source>stats: the window, like 30s, 15m, 1h, 6h, 24h or 7d (default: 1h).</source>
        <translation>stats: 集計期間。30s、15m、1h、6h、24h、7d など (既定値: 1h)。</translation>
    </message>
    <message>
        <source>give an action: submit, list or stats</source>
        <translation>アクションを指定してください: submit、list、stats のいずれか</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are submit, list and stats</source>
        <translation>不明なアクション &quot;%1&quot; です。アクションは submit、list、stats のいずれかです</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--%1 does not apply to &quot;jobs %2&quot;</source>
        <translation>--%1 は &quot;jobs %2&quot; には適用されません</translation>
    </message>
    <message>
        <source>--count must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--count は 1 から %1 までの整数で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>--priority must be a whole number from %1 to %2, not &quot;%3&quot;</source>
        <translation>--priority は %1 から %2 までの整数で指定してください (&quot;%3&quot; は無効です)</translation>
    </message>
    <message>
        <source>--delay must be a number of seconds from 0 to %1 (30 days), not &quot;%2&quot;</source>
        <translation>--delay は 0 から %1 (30 日) までの秒数で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>--max-attempts must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--max-attempts は 1 から %1 までの整数で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>%1 (%2 of the %3 jobs had been submitted before)</source>
        <translation>%1 (%3 件中 %2 件のジョブはそれより前に投入済みです)</translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n job(s) of type %1.</source>
        <translation>
            <numerusform>種類 %1 のジョブを %n 件投入しました。</numerusform>
        </translation>
    </message>
    <message>
        <source>--limit must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--limit は 1 から %1 までの整数で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>No jobs match.</source>
        <translation>一致するジョブはありません。</translation>
    </message>
    <message>
        <source>LAST ERROR</source>
        <translation>最後のエラー</translation>
    </message>
    <message numerus="yes">
        <source>Showing the newest %n job(s); --limit shows more.</source>
        <translation>
            <numerusform>最新の %n 件のジョブを表示しています。さらに表示するには --limit を指定してください。</numerusform>
        </translation>
    </message>
    <message>
        <source>--since must be a duration like 30s, 15m, 1h, 6h, 24h or 7d (at most %1d), not &quot;%2&quot;</source>
        <translation>--since は 30s、15m、1h、6h、24h、7d のような期間で指定してください (最大 %1d、&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>No jobs finished since %1.</source>
        <translation>%1 以降に完了したジョブはありません。</translation>
    </message>
    <message>
        <source>AVERAGE MS</source>
        <translation>平均 ms</translation>
    </message>
    <message>
        <source>Finished jobs by node and type since %1:</source>
        <translation>%1 以降に完了したジョブ (ノード別、種類別):</translation>
    </message>
    <message>
        <source>Totals by node:</source>
        <translation>ノード別の合計:</translation>
    </message>
    <message>
        <source>ID</source>
        <comment>table heading</comment>
        <translation>ID</translation>
    </message>
    <message>
        <source>TYPE</source>
        <comment>table heading</comment>
        <translation>種類</translation>
    </message>
    <message>
        <source>SCOPE</source>
        <comment>table heading</comment>
        <translation>スコープ</translation>
    </message>
    <message>
        <source>STATE</source>
        <comment>table heading</comment>
        <translation>状態</translation>
    </message>
    <message>
        <source>ATTEMPTS</source>
        <comment>table heading</comment>
        <translation>試行回数</translation>
    </message>
    <message>
        <source>NODE</source>
        <comment>table heading</comment>
        <translation>ノード</translation>
    </message>
    <message>
        <source>CREATED</source>
        <comment>table heading</comment>
        <translation>作成日時</translation>
    </message>
    <message>
        <source>FINISHED</source>
        <comment>table heading</comment>
        <translation>完了日時</translation>
    </message>
    <message>
        <source>SUCCEEDED</source>
        <comment>table heading</comment>
        <translation>成功</translation>
    </message>
    <message>
        <source>FAILED</source>
        <comment>table heading</comment>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>Cohort::KeyPair</name>
    <message>
        <source>The stored public key is malformed.</source>
        <translation>保存されている公開鍵の形式が正しくありません。</translation>
    </message>
    <message>
        <source>The password does not open this user&apos;s key.</source>
        <translation>このパスワードではこのユーザーのキーを開けません。</translation>
    </message>
    <message>
        <source>The user&apos;s stored key is malformed.</source>
        <translation>保存されているユーザーのキーの形式が正しくありません。</translation>
    </message>
</context>
<context>
    <name>Cohort::KeyRotation</name>
    <message>
        <source>The data key was changed by someone else meanwhile; nothing was changed. Run the command again.</source>
        <translation>その間にデータキーが他のユーザーによって変更されました。何も変更されていません。コマンドをもう一度実行してください。</translation>
    </message>
    <message>
        <source>The database %1 holds no cluster.</source>
        <translation>データベース %1 にはクラスターがありません。</translation>
    </message>
    <message>
        <source>The database&apos;s schema is at version %1; rotating keys needs version 5. Start a node of this version (or run &quot;cohortctl migrate&quot;) first.</source>
        <translation>データベースのスキーマはバージョン %1 です。キーのローテーションにはバージョン 5 が必要です。先にこのバージョンのノードを起動してください (または &quot;cohortctl migrate&quot; を実行してください)。</translation>
    </message>
    <message>
        <source>The current secret does not unlock the data key; nothing was changed.</source>
        <translation>現在のシークレットではデータキーのロックを解除できません。何も変更されていません。</translation>
    </message>
    <message>
        <source>The new secret is the current one; nothing to do.</source>
        <translation>新しいシークレットは現在のシークレットと同じです。何もする必要はありません。</translation>
    </message>
    <message>
        <source>storing the re-wrapped data key</source>
        <translation>再ラップしたデータキーの保存</translation>
    </message>
    <message>
        <source>storing the new data key</source>
        <translation>新しいデータキーの保存</translation>
    </message>
    <message>
        <source>reading the secret properties</source>
        <translation>機密プロパティの読み取り</translation>
    </message>
    <message>
        <source>the property %1</source>
        <translation>プロパティ %1</translation>
    </message>
    <message>
        <source>reading the users</source>
        <translation>ユーザーの読み取り</translation>
    </message>
    <message>
        <source>user %1&apos;s full name</source>
        <translation>ユーザー %1 のフルネーム</translation>
    </message>
    <message>
        <source>user %1&apos;s e-mail address</source>
        <translation>ユーザー %1 のメールアドレス</translation>
    </message>
    <message>
        <source>User %1: %2</source>
        <translation>ユーザー %1: %2</translation>
    </message>
</context>
<context>
    <name>Cohort::LivenessLock</name>
    <message>
        <source>checking this node&apos;s session</source>
        <translation>このノードのセッションの確認</translation>
    </message>
</context>
<context>
    <name>Cohort::LoginDialog</name>
    <message>
        <source>Sign In to Cohort</source>
        <translation>Cohort にログイン</translation>
    </message>
    <message>
        <source>A name for this database, to pick it again next time</source>
        <translation>このデータベースの名前 (次回に再び選択するため)</translation>
    </message>
    <message>
        <source>sqlite:/path/to/cluster.db or postgresql://user@host/db</source>
        <translation>sqlite:/path/to/cluster.db または postgresql://user@host/db</translation>
    </message>
    <message>
        <source>The cluster&apos;s database. A database password in the URL is not kept; PostgreSQL can also take it from ~/.pgpass.</source>
        <translation>クラスターのデータベース。URL に含まれるデータベースのパスワードは保存されません。PostgreSQL では ~/.pgpass からパスワードを取得することもできます。</translation>
    </message>
    <message>
        <source>Sign In</source>
        <translation>ログイン</translation>
    </message>
    <message>
        <source>&amp;Profile:</source>
        <translation>プロファイル(&amp;P):</translation>
    </message>
    <message>
        <source>&amp;Database:</source>
        <translation>データベース(&amp;D):</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>ユーザー名(&amp;U):</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>パスワード(&amp;w):</translation>
    </message>
    <message>
        <source>Enter the cluster&apos;s database URL.</source>
        <translation>クラスターのデータベース URL を入力してください。</translation>
    </message>
    <message>
        <source>Enter your user name.</source>
        <translation>ユーザー名を入力してください。</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>パスワードを入力してください。</translation>
    </message>
    <message>
        <source>Signing In…</source>
        <translation>ログインしています…</translation>
    </message>
</context>
<context>
    <name>Cohort::MainWindow</name>
    <message>
        <source>Manager Nodes</source>
        <translation>マネージャーノード</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>エージェント</translation>
    </message>
    <message>
        <source>System Information</source>
        <translation>システム情報</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>アラート</translation>
    </message>
    <message>
        <source>Audit Log</source>
        <translation>監査ログ</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>ユーザー</translation>
    </message>
    <message>
        <source>Consistency</source>
        <translation>整合性</translation>
    </message>
    <message>
        <source>System Settings</source>
        <translation>システム設定</translation>
    </message>
    <message>
        <source>Cohort Console — %1</source>
        <translation>Cohort コンソール — %1</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>更新(&amp;R)</translation>
    </message>
    <message>
        <source>Sign &amp;Out</source>
        <translation>ログアウト(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Properties…</source>
        <translation>プロパティ(&amp;P)…</translation>
    </message>
    <message>
        <source>&amp;About Cohort Console</source>
        <translation>Cohort コンソールについて(&amp;A)</translation>
    </message>
    <message>
        <source>About Cohort Console</source>
        <translation>Cohort コンソールについて</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Cohort Console&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Administers a cluster of Cohort manager nodes that share one database.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Cohort コンソール&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;1 つのデータベースを共有する Cohort マネージャーノードのクラスターを管理します。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Node %1 was decommissioned.</source>
        <translation>ノード %1 を廃止しました。</translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation>ログアウトしました</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>接続しています…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>接続済み</translation>
    </message>
    <message>
        <source>Database unreachable</source>
        <translation>データベースに到達できません</translation>
    </message>
    <message>
        <source>Database not answering</source>
        <translation>データベースが応答していません</translation>
    </message>
    <message>
        <source>Last refresh: %1</source>
        <translation>最終更新: %1</translation>
    </message>
    <message>
        <source>Not refreshed yet</source>
        <translation>未更新</translation>
    </message>
    <message>
        <source>Alerts (%1)</source>
        <translation>アラート (%1)</translation>
    </message>
    <message>
        <source>Agents (%1 gone quiet)</source>
        <translation>エージェント (応答なし %1)</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>検索(&amp;F)</translation>
    </message>
    <message>
        <source>Administrator</source>
        <comment>role</comment>
        <translation>管理者</translation>
    </message>
    <message>
        <source>Auditor</source>
        <comment>role</comment>
        <translation>監査者</translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <comment>menu</comment>
        <translation>コンソール(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <comment>menu</comment>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Node</source>
        <comment>menu</comment>
        <translation>ノード(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <comment>menu</comment>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>ページ</translation>
    </message>
    <message>
        <source>The console&apos;s pages; Ctrl+1 to Ctrl+8 open them.</source>
        <translation>コンソールのページ。Ctrl+1 から Ctrl+8 で開きます。</translation>
    </message>
</context>
<context>
    <name>Cohort::ManagerEndpoint</name>
    <message>
        <source>&quot;%1&quot; is not HOST:PORT</source>
        <translation>&quot;%1&quot; は HOST:PORT の形式ではありません</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not HOST:PORT with a port from 1 to 65535</source>
        <translation>&quot;%1&quot; は、ポートが 1 から 65535 の HOST:PORT の形式ではありません</translation>
    </message>
    <message>
        <source>the host name in &quot;%1&quot; does not resolve</source>
        <translation>&quot;%1&quot; のホスト名を解決できません</translation>
    </message>
</context>
<context>
    <name>Cohort::ManagerList</name>
    <message>
        <source>reading the managers for agents</source>
        <translation>エージェント向けマネージャーの読み取り</translation>
    </message>
    <message>
        <source>reading the load balancer address</source>
        <translation>ロードバランサーのアドレスの読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::MasterKey</name>
    <message>
        <source>No secret file given; pass --secret-file FILE.</source>
        <translation>シークレットファイルが指定されていません。--secret-file FILE を指定してください。</translation>
    </message>
    <message>
        <source>The secret file %1 does not exist; create one with &quot;cohortctl gen-secret %1&quot;.</source>
        <translation>シークレットファイル %1 が存在しません。&quot;cohortctl gen-secret %1&quot; で作成してください。</translation>
    </message>
    <message>
        <source>Cannot read the secret file %1: %2.</source>
        <translation>シークレットファイル %1 を読み取れません: %2。</translation>
    </message>
    <message numerus="yes">
        <source>The secret file %1 holds %n byte(s); a secret needs at least %2.</source>
        <translation>
            <numerusform>シークレットファイル %1 は %n バイトです。シークレットには %2 バイト以上必要です。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 already exists; a secret file is never overwritten.</source>
        <translation>%1 はすでに存在します。シークレットファイルは上書きされません。</translation>
    </message>
    <message>
        <source>Cannot create %1: %2.</source>
        <translation>%1 を作成できません: %2。</translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation>%1 に書き込めません: %2。</translation>
    </message>
    <message>
        <source>The local secret does not unlock this cluster&apos;s data key: the secret file is not the one the cluster was created with.</source>
        <translation>ローカルシークレットでこのクラスターのデータキーのロックを解除できません。シークレットファイルがクラスター作成時のものではありません。</translation>
    </message>
    <message>
        <source>The stored data key is malformed; the cluster record is damaged.</source>
        <translation>保存されているデータキーの形式が正しくありません。クラスターレコードが破損しています。</translation>
    </message>
    <message>
        <source>The user&apos;s copy of the data key is malformed.</source>
        <translation>ユーザーが保持するデータキーのコピーの形式が正しくありません。</translation>
    </message>
    <message>
        <source>The user&apos;s copy of the data key does not open with the user&apos;s key.</source>
        <translation>ユーザーが保持するデータキーのコピーを、そのユーザーのキーで開けません。</translation>
    </message>
    <message>
        <source>The sealed value is malformed.</source>
        <translation>暗号化された値の形式が正しくありません。</translation>
    </message>
    <message>
        <source>The sealed value does not open with this cluster&apos;s data key (tampered or foreign).</source>
        <translation>暗号化された値をこのクラスターのデータキーで開けません (改ざんされているか、別のクラスターの値です)。</translation>
    </message>
</context>
<context>
    <name>Cohort::MasterKeyCommand</name>
    <message>
        <source>Rotates the local secret or the data key.</source>
        <translation>ローカルシークレットまたはデータキーをローテーションします。</translation>
    </message>
    <message>
        <source>rotate-secret  Wraps the data key for the secret in --new-secret-file (make one with
               &quot;cohortctl gen-secret&quot;). Nothing sealed changes. Then copy the new file to
               every node and restart them one by one: a node started with the old
               secret is refused, and a running one raises an alert until it has the
               new file.
rotate-key     Makes a new data key and re-seals every sealed value with it, in one
               transaction. Running nodes and consoles pick it up by themselves.</source>
        <translation>rotate-secret  データキーを --new-secret-file のシークレットでラップします (シークレットは
               &quot;cohortctl gen-secret&quot; で作成します)。暗号化された値は変更されません。その後、新しい
               ファイルをすべてのノードにコピーし、ノードを 1 つずつ再起動してください: 古い
               シークレットで起動したノードは拒否され、実行中のノードは新しいファイルを受け取る
               までアラートを発行します。
rotate-key     新しいデータキーを作成し、1 つのトランザクションですべての暗号化された値を
               再暗号化します。実行中のノードとコンソールは自動的に新しいキーを取得します。</translation>
    </message>
    <message>
        <source>rotate-secret: the file holding the new secret.</source>
        <translation>rotate-secret: 新しいシークレットを保持するファイル。</translation>
    </message>
    <message>
        <source>rotate-secret or rotate-key.</source>
        <translation>rotate-secret または rotate-key。</translation>
    </message>
    <message>
        <source>give one ACTION: rotate-secret or rotate-key</source>
        <translation>ACTION を 1 つ指定してください: rotate-secret または rotate-key</translation>
    </message>
    <message>
        <source>unknown ACTION &quot;%1&quot;: use rotate-secret or rotate-key</source>
        <translation>不明な ACTION &quot;%1&quot; です: rotate-secret または rotate-key を使用してください</translation>
    </message>
    <message>
        <source>--new-secret-file is for rotate-secret; rotate-key keeps the secret</source>
        <translation>--new-secret-file は rotate-secret 用です。rotate-key ではシークレットは変更されません</translation>
    </message>
    <message>
        <source>The data key is now wrapped by the secret in %1. Copy that file to every node in place of the old one and restart the nodes one at a time; a node still on the old secret is refused when it starts.</source>
        <translation>データキーは %1 のシークレットでラップされました。このファイルを古いファイルの代わりにすべてのノードにコピーし、ノードを 1 つずつ再起動してください。古いシークレットのままのノードは起動時に拒否されます。</translation>
    </message>
    <message>
        <source>Made a new data key and re-sealed every value with it: secret properties: %1, personal values: %2, administrators&apos; copies of the key: %3. Running nodes pick it up by themselves.</source>
        <translation>新しいデータキーを作成し、すべての値を再暗号化しました: 機密プロパティ: %1、個人データの値: %2、管理者が保持するキーのコピー: %3。実行中のノードは自動的に新しいキーを取得します。</translation>
    </message>
</context>
<context>
    <name>Cohort::MigrateCommand</name>
    <message>
        <source>Creates or upgrades the database schema to this program&apos;s version.</source>
        <translation>データベーススキーマを作成するか、このプログラムのバージョンにアップグレードします。</translation>
    </message>
    <message>
        <source>Creates the SQLite database file when it does not exist.</source>
        <translation>SQLite データベースファイルが存在しない場合は作成します。</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapActivityItem</name>
    <message>
        <source>Jobs: %1</source>
        <translation>ジョブ: %1</translation>
    </message>
    <message>
        <source>No jobs</source>
        <translation>ジョブなし</translation>
    </message>
    <message numerus="yes">
        <source>%1: %Ln job(s) finished in the last %2 minutes</source>
        <translation>
            <numerusform>%1: 過去 %2 分間に完了したジョブ %Ln 件</numerusform>
        </translation>
    </message>
    <message>
        <source>Busiest: %1 jobs/min</source>
        <translation>最多: %1 ジョブ/分</translation>
    </message>
    <message>
        <source>Every node&apos;s graph has the same scale: 0 to %1 jobs/min</source>
        <translation>すべてのノードのグラフは同じスケールです: 0 から %1 ジョブ/分</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapHubItem</name>
    <message>
        <source>The shared database</source>
        <translation>共有データベース</translation>
    </message>
    <message>
        <source>The shared database: %1</source>
        <translation>共有データベース: %1</translation>
    </message>
    <message>
        <source>No nodes</source>
        <translation>ノードなし</translation>
    </message>
    <message>
        <source>Online: %1 of %2</source>
        <translation>オンライン: %1 / %2</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>データベース</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapLinkItem</name>
    <message>
        <source>%1 → %2: not probed</source>
        <translation>%1 → %2: 未確認</translation>
    </message>
    <message>
        <source>%1 → %2: reachable, %3 ms (probed %4)</source>
        <translation>%1 → %2: 到達可能、%3 ms (確認: %4)</translation>
    </message>
    <message>
        <source>%1 → %2: reachable (probed %3)</source>
        <translation>%1 → %2: 到達可能 (確認: %3)</translation>
    </message>
    <message>
        <source>%1 → %2: unreachable: %3 (probed %4)</source>
        <translation>%1 → %2: 到達不能: %3 (確認: %4)</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>応答なし</translation>
    </message>
    <message>
        <source>%1 ↔ %2</source>
        <translation>%1 ↔ %2</translation>
    </message>
    <message>
        <source>Out of date: %1 is %2.</source>
        <translation>情報が古い可能性があります: %1 の状態は「%2」です。</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapNodeItem</name>
    <message>
        <source>(unknown)</source>
        <translation>(不明)</translation>
    </message>
    <message>
        <source>%1 (the cluster runs %2: upgrade this node)</source>
        <translation>%1 (クラスターは %2 を実行しています: このノードをアップグレードしてください)</translation>
    </message>
    <message>
        <source>%1
Status: %2
Address: %3
Version: %4
Last contact: %5</source>
        <translation>%1
ステータス: %2
アドレス: %3
バージョン: %4
最終通信: %5</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(なし)</translation>
    </message>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
</context>
<context>
    <name>Cohort::NetworkMapView</name>
    <message>
        <source>Nodes</source>
        <translation>ノード</translation>
    </message>
    <message>
        <source>Links</source>
        <translation>リンク</translation>
    </message>
    <message>
        <source>Stale (a node is offline)</source>
        <translation>古い情報 (オフラインのノードあり)</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>アクティビティ</translation>
    </message>
    <message>
        <source>Jobs/min, last %1 min, peak %2</source>
        <translation>ジョブ/分、過去 %1 分、ピーク %2</translation>
    </message>
    <message>
        <source>Jobs/min, peak %1</source>
        <translation>ジョブ/分、ピーク %1</translation>
    </message>
    <message>
        <source>Network map</source>
        <translation>ネットワークマップ</translation>
    </message>
    <message>
        <source>No manager nodes to show.</source>
        <translation>表示するマネージャーノードがありません。</translation>
    </message>
    <message>
        <source>Reachable</source>
        <comment>probe result</comment>
        <translation>到達可能</translation>
    </message>
    <message>
        <source>Unreachable</source>
        <comment>probe result</comment>
        <translation>到達不能</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeApiCall</name>
    <message>
        <source>HTTP status %1</source>
        <translation>HTTP ステータス %1</translation>
    </message>
    <message>
        <source>The node&apos;s API address &quot;%1&quot; is not HOST:PORT.</source>
        <translation>ノードの API アドレス &quot;%1&quot; は HOST:PORT の形式ではありません。</translation>
    </message>
    <message>
        <source>The node recorded no certificate fingerprint to check it by; it was not asked.</source>
        <translation>ノードに確認用の証明書フィンガープリントが記録されていないため、問い合わせませんでした。</translation>
    </message>
    <message>
        <source>The node at %1 cannot be reached: %2</source>
        <translation>%1 のノードに到達できません: %2</translation>
    </message>
    <message>
        <source>Refused: the node at %1 presented a certificate with SHA-256 %2, but the database records %3 for it. Nothing was sent to it.</source>
        <translation>拒否しました: %1 のノードが SHA-256 %2 の証明書を提示しましたが、データベースには %3 が記録されています。このノードには何も送信していません。</translation>
    </message>
    <message>
        <source>The node at %1 did not answer within %2 s.</source>
        <translation>%1 のノードが %2 s 以内に応答しませんでした。</translation>
    </message>
    <message>
        <source>The node at %1 sent an answer over 1 MiB.</source>
        <translation>%1 のノードが 1 MiB を超える応答を送信しました。</translation>
    </message>
    <message>
        <source>The node at %1 did not answer in HTTP.</source>
        <translation>%1 のノードが HTTP で応答しませんでした。</translation>
    </message>
    <message>
        <source>The node at %1 answered with no valid status.</source>
        <translation>%1 のノードが有効なステータスを返しませんでした。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeApiClient</name>
    <message>
        <source>The node&apos;s API address &quot;%1&quot; is not HOST:PORT.</source>
        <translation>ノードの API アドレス &quot;%1&quot; が HOST:PORT の形式ではありません。</translation>
    </message>
    <message>
        <source>The node recorded no certificate fingerprint to check it by; it was not asked.</source>
        <translation>ノードが照合用の証明書フィンガープリントを記録していないため、問い合わせませんでした。</translation>
    </message>
    <message>
        <source>Refused: the node presented a certificate with SHA-256 %1, but the database records %2 for this node. Nothing was sent to it.</source>
        <translation>拒否しました: ノードが提示した証明書の SHA-256 は %1 ですが、データベースにはこのノードについて %2 が記録されています。ノードには何も送信していません。</translation>
    </message>
    <message>
        <source>The node is unreachable: %1 refused the connection.</source>
        <translation>ノードに到達できません: %1 が接続を拒否しました。</translation>
    </message>
    <message>
        <source>The node is unreachable: host %1 not found.</source>
        <translation>ノードに到達できません: ホスト %1 が見つかりません。</translation>
    </message>
    <message>
        <source>The TLS handshake with the node failed: %1</source>
        <translation>ノードとの TLS ハンドシェイクに失敗しました: %1</translation>
    </message>
    <message>
        <source>The node is unreachable: %1</source>
        <translation>ノードに到達できません: %1</translation>
    </message>
    <message numerus="yes">
        <source>The node did not answer within %n second(s).</source>
        <translation>
            <numerusform>ノードが %n 秒以内に応答しませんでした。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The node accepted the connection but did not complete the TLS handshake within %n second(s).</source>
        <translation>
            <numerusform>ノードは接続を受け付けましたが、%n 秒以内に TLS ハンドシェイクを完了しませんでした。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The node could not be reached within %n second(s).</source>
        <translation>
            <numerusform>%n 秒以内にノードに到達できませんでした。</numerusform>
        </translation>
    </message>
    <message>
        <source>The node answered more than %1 bytes.</source>
        <translation>ノードの応答が %1 バイトを超えました。</translation>
    </message>
    <message>
        <source>The node closed the connection without answering.</source>
        <translation>ノードが応答せずに接続を閉じました。</translation>
    </message>
    <message>
        <source>The node answered something that is not HTTP.</source>
        <translation>ノードが HTTP ではない応答を返しました。</translation>
    </message>
    <message>
        <source>The node closed the connection in the middle of its answer.</source>
        <translation>ノードが応答の途中で接続を閉じました。</translation>
    </message>
    <message>
        <source>The node answered HTTP %1.</source>
        <translation>ノードが HTTP %1 を返しました。</translation>
    </message>
    <message>
        <source>The node answered HTTP %1: %2</source>
        <translation>ノードが HTTP %1 を返しました: %2</translation>
    </message>
    <message>
        <source>The node&apos;s answer is not a JSON object.</source>
        <translation>ノードの応答が JSON オブジェクトではありません。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeCertificate</name>
    <message>
        <source>Cannot read %1: %2.</source>
        <translation>%1 を読み取れません: %2。</translation>
    </message>
    <message>
        <source>%1 does not hold a private key (%2).</source>
        <translation>%1 に秘密鍵が含まれていません (%2)。</translation>
    </message>
    <message>
        <source>%1 does not hold a certificate (%2).</source>
        <translation>%1 に証明書が含まれていません (%2)。</translation>
    </message>
    <message>
        <source>The certificate in %1 does not belong to the key in %2.</source>
        <translation>%1 の証明書は %2 の鍵に対応していません。</translation>
    </message>
    <message>
        <source>Cannot make the node&apos;s certificate: %1 (%2).</source>
        <translation>ノードの証明書を作成できません: %1 (%2)。</translation>
    </message>
    <message>
        <source>Cannot create the data folder %1.</source>
        <translation>データフォルダー %1 を作成できません。</translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation>%1 に書き込めません: %2。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeConfig</name>
    <message>
        <source>The cluster database: sqlite:/path/cohort.db or postgresql://user:pass@host:port/db.</source>
        <translation>クラスターのデータベース: sqlite:/path/cohort.db または postgresql://user:pass@host:port/db。</translation>
    </message>
    <message>
        <source>This node&apos;s name (default: the host name).</source>
        <translation>このノードの名前 (既定値: ホスト名)。</translation>
    </message>
    <message>
        <source>The address peers and agents reach this node at (default: HOSTNAME:8443). The node API listens on PORT, on HOST when it is an IP address and on every address otherwise. Port 0 picks a free port, which the node records as its address.</source>
        <translation>ピアとエージェントがこのノードに接続するアドレス (既定値: HOSTNAME:8443)。ノード API は PORT で待ち受けます。HOST が IP アドレスの場合はそのアドレスで、それ以外の場合はすべてのアドレスで待ち受けます。ポート 0 を指定すると空きポートが選ばれ、ノードはそれを自身のアドレスとして記録します。</translation>
    </message>
    <message>
        <source>The folder that holds node.guid, this node&apos;s identity (created if missing).</source>
        <translation>このノードの識別情報である node.guid を格納するフォルダー (存在しない場合は作成されます)。</translation>
    </message>
    <message>
        <source>The cluster&apos;s local secret, which unlocks its data key (required).</source>
        <translation>クラスターのデータキーのロックを解除するローカルシークレット (必須)。</translation>
    </message>
    <message>
        <source>Jobs run at once, 1 to 256 (default: 4).</source>
        <translation>同時に実行するジョブ数。1 から 256 まで (既定値: 4)。</translation>
    </message>
    <message>
        <source>Seconds between heartbeats, 1 to 300. Overrides the cluster setting (System Settings, default 10) for this node only; without it the node follows the cluster setting.</source>
        <translation>ハートビートの間隔の秒数。1 から 300 まで。このノードに限りクラスター設定 (システム設定、既定値 10) を上書きします。指定しない場合、ノードはクラスター設定に従います。</translation>
    </message>
    <message>
        <source>A peer silent this long is marked Offline and its jobs taken over, 2 to 86400 and at least twice the heartbeat. Overrides the cluster setting (System Settings, default 180) for this node only; without it the node follows the cluster setting.</source>
        <translation>ピアがこの秒数応答しないとオフラインと判定され、そのジョブが引き継がれます。2 から 86400 までで、ハートビートの 2 倍以上。このノードに限りクラスター設定 (システム設定、既定値 180) を上書きします。指定しない場合、ノードはクラスター設定に従います。</translation>
    </message>
    <message>
        <source>On SIGTERM, how long running jobs may finish, 0 to 3600 (default: 30).</source>
        <translation>SIGTERM の受信時に、実行中のジョブの完了を待つ秒数。0 から 3600 まで (既定値: 30)。</translation>
    </message>
    <message>
        <source>Jobs claimed at once, 1 to 1000 (default: 64).</source>
        <translation>一度に取得するジョブ数。1 から 1000 まで (既定値: 64)。</translation>
    </message>
    <message>
        <source>IP addresses of load balancers, comma-separated, that name the agent they forward with a PROXY protocol v2 header (HAProxy: send-proxy-v2); a connection from one counts as that agent&apos;s for the per-client limits. A header from any other address is refused.</source>
        <translation>転送元のエージェントを PROXY protocol v2 ヘッダーで示すロードバランサーの IP アドレス (カンマ区切り、HAProxy では send-proxy-v2)。これらのアドレスからの接続は、クライアントごとの制限においてそのエージェントの接続として扱われます。それ以外のアドレスからのヘッダーは拒否されます。</translation>
    </message>
    <message>
        <source>Threads serving the node API, 1 to 64 (default: 1). One thread answers thousands of check-ins a second; more help only on a machine with cores to spare (docs/BENCHMARKS.md).</source>
        <translation>ノード API を処理するスレッド数。1 から 64 まで (既定値: 1)。1 スレッドで毎秒数千件のチェックインに応答できます。スレッドを増やして効果があるのは、CPU コアに余裕のあるマシンだけです (docs/BENCHMARKS.md)。</translation>
    </message>
    <message>
        <source>At start, how long to wait for another process&apos;s schema migration or lock, 1 to 3600 (default: 120); then the node exits and changes nothing.</source>
        <translation>起動時に、他のプロセスによるスキーマの移行やロックを待つ秒数。1 から 3600 まで (既定値: 120)。この時間を過ぎると、ノードは何も変更せずに終了します。</translation>
    </message>
    <message>
        <source>Append one line per job execution to FILE: job id, attempt, type, process id, start time in microseconds since the epoch.</source>
        <translation>ジョブの実行ごとに 1 行を FILE に追記します: ジョブ ID、試行回数、種類、プロセス ID、開始時刻 (エポックからのマイクロ秒)。</translation>
    </message>
    <message>
        <source>Runs one Cohort manager node: joins the cluster in the shared database, heartbeats, watches its peers and runs jobs.</source>
        <translation>Cohort のマネージャーノードを 1 つ実行します: 共有データベース上のクラスターに参加し、ハートビートを送信し、ピアを監視し、ジョブを実行します。</translation>
    </message>
    <message>
        <source>An INI file with the same settings, in a [node] section; flags win.</source>
        <translation>同じ設定を [node] セクションに記述した INI ファイル。フラグが優先されます。</translation>
    </message>
    <message>
        <source>--%1 must be a whole number from %2 to %3, not &quot;%4&quot;.</source>
        <translation>--%1 は %2 から %3 までの整数である必要があります。&quot;%4&quot; は無効です。</translation>
    </message>
    <message>
        <source>Unexpected argument &quot;%1&quot;; every setting is a --flag.</source>
        <translation>予期しない引数 &quot;%1&quot; です。設定はすべて --flag の形式で指定します。</translation>
    </message>
    <message>
        <source>The configuration file %1 does not exist.</source>
        <translation>設定ファイル %1 が存在しません。</translation>
    </message>
    <message>
        <source>The configuration file %1 is not a valid INI file.</source>
        <translation>設定ファイル %1 は有効な INI ファイルではありません。</translation>
    </message>
    <message>
        <source>Unknown setting &quot;%1&quot; in %2; the [node] section takes: %3.</source>
        <translation>%2 に不明な設定 &quot;%1&quot; があります。[node] セクションで使用できる設定: %3。</translation>
    </message>
    <message>
        <source>Name the cluster database with --db URL (or db= in --config).</source>
        <translation>クラスターのデータベースを --db URL (または --config の db=) で指定してください。</translation>
    </message>
    <message>
        <source>--name must be 1 to 64 printable characters.</source>
        <translation>--name は 1 から 64 文字までの印字可能な文字である必要があります。</translation>
    </message>
    <message>
        <source>--api must be HOST:PORT with a port from 0 (any free port) to 65535, not &quot;%1&quot;.</source>
        <translation>--api は HOST:PORT の形式で、ポートは 0 (任意の空きポート) から 65535 までである必要があります。&quot;%1&quot; は無効です。</translation>
    </message>
    <message>
        <source>--trusted-proxy must list IP addresses separated by commas; &quot;%1&quot; is not one.</source>
        <translation>--trusted-proxy にはカンマ区切りの IP アドレスを指定してください。&quot;%1&quot; は IP アドレスではありません。</translation>
    </message>
    <message>
        <source>Name the cluster&apos;s local secret with --secret-file FILE (or secret-file= in --config).</source>
        <translation>クラスターのローカルシークレットを --secret-file FILE (または --config の secret-file=) で指定してください。</translation>
    </message>
    <message>
        <source>--offline-after (%1 s) must be at least twice --heartbeat (%2 s), or a late heartbeat would get a live node marked Offline.</source>
        <translation>--offline-after (%1 s) は --heartbeat (%2 s) の 2 倍以上にしてください。そうしないと、ハートビートが遅れただけで稼働中のノードがオフラインと判定されます。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeDrain</name>
    <message>
        <source>recording the drain</source>
        <translation>ドレインの記録</translation>
    </message>
    <message>
        <source>recording the resume</source>
        <translation>再開の記録</translation>
    </message>
    <message>
        <source>reading the node&apos;s name</source>
        <translation>ノードの名前の読み取り</translation>
    </message>
    <message>
        <source>an administrator</source>
        <translation>管理者</translation>
    </message>
    <message>
        <source>Drained by %1: it claims no new jobs; running ones finish or go back within the grace.</source>
        <translation>%1 によりドレイン: 新しいジョブを取得せず、実行中のジョブは猶予期間内に完了するかプールに戻ります。</translation>
    </message>
    <message>
        <source>Resumed by %1: it claims jobs again.</source>
        <translation>%1 により再開: 再びジョブを取得します。</translation>
    </message>
    <message numerus="yes">
        <source>Drained: nothing runs any more; %n job(s) not finished within the grace went back to the pool.</source>
        <translation>
            <numerusform>ドレイン完了: 実行中の処理はありません。猶予期間内に完了しなかった %n 件のジョブはプールに戻りました。</numerusform>
        </translation>
    </message>
    <message>
        <source>Drained: nothing runs any more. It can be stopped and decommissioned.</source>
        <translation>ドレイン完了: 実行中の処理はありません。停止して廃止できます。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeEvents</name>
    <message>
        <source>recording the event %1 of node %2</source>
        <translation>ノード %2 のイベント %1 の記録</translation>
    </message>
    <message>
        <source>reading the timeline of node %1</source>
        <translation>ノード %1 のタイムラインの読み取り</translation>
    </message>
    <message>
        <source>Joined the cluster</source>
        <translation>クラスターに参加</translation>
    </message>
    <message>
        <source>Marked Offline</source>
        <translation>オフラインと判定</translation>
    </message>
    <message>
        <source>Jobs handed back</source>
        <translation>ジョブを返却</translation>
    </message>
    <message>
        <source>Upgrade required</source>
        <translation>アップグレードが必要</translation>
    </message>
    <message>
        <source>Local secret refused</source>
        <translation>ローカルシークレットを拒否</translation>
    </message>
    <message>
        <source>Clone refused</source>
        <translation>クローンを拒否</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>timeline event</comment>
        <translation>オンライン</translation>
    </message>
    <message>
        <source>Stopped</source>
        <comment>timeline event</comment>
        <translation>停止</translation>
    </message>
    <message>
        <source>Draining</source>
        <comment>timeline event</comment>
        <translation>ドレイン中</translation>
    </message>
    <message>
        <source>Drained</source>
        <comment>timeline event</comment>
        <translation>ドレイン完了</translation>
    </message>
    <message>
        <source>Resumed</source>
        <comment>timeline event</comment>
        <translation>再開</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <comment>timeline event</comment>
        <translation>廃止済み</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeEventsModel</name>
    <message>
        <source>%1 (double-click for the takeover report)</source>
        <translation>%1 (ダブルクリックで引き継ぎレポートを表示)</translation>
    </message>
    <message>
        <source>Time</source>
        <comment>column heading</comment>
        <translation>時刻</translation>
    </message>
    <message>
        <source>Event</source>
        <comment>column heading</comment>
        <translation>イベント</translation>
    </message>
    <message>
        <source>By</source>
        <comment>column heading</comment>
        <translation>実行者</translation>
    </message>
    <message>
        <source>Details</source>
        <comment>column heading</comment>
        <translation>詳細</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeIdentity</name>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 が存在しません。</translation>
    </message>
    <message>
        <source>Cannot read %1: %2.</source>
        <translation>%1 を読み取れません: %2。</translation>
    </message>
    <message>
        <source>%1 does not hold a node GUID; delete it to join as a new node.</source>
        <translation>%1 にノード GUID が含まれていません。新しいノードとして参加するには、このファイルを削除してください。</translation>
    </message>
    <message>
        <source>Cannot create the data folder %1.</source>
        <translation>データフォルダー %1 を作成できません。</translation>
    </message>
    <message>
        <source>Cannot write %1: %2.</source>
        <translation>%1 に書き込めません: %2。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeKeyring</name>
    <message>
        <source>%1 holds no cluster.</source>
        <translation>%1 にクラスターがありません。</translation>
    </message>
    <message>
        <source>Node %1&apos;s local secret (%2) no longer unlocks the cluster&apos;s data key: it keeps running, but will be refused when it restarts. Copy the new secret file to it.</source>
        <translation>ノード %1 のローカルシークレット (%2) では、クラスターのデータキーのロックを解除できなくなりました。ノードは実行を続けますが、再起動すると拒否されます。新しいシークレットファイルをノードにコピーしてください。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeLinks</name>
    <message>
        <source>reading the cluster&apos;s nodes</source>
        <translation>クラスターのノードの読み取り</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>データベースの時刻の読み取り</translation>
    </message>
    <message>
        <source>storing the probes of node %1</source>
        <translation>ノード %1 の到達確認結果の保存</translation>
    </message>
    <message>
        <source>storing the probe from node %1 to node %2</source>
        <translation>ノード %1 からノード %2 への到達確認結果の保存</translation>
    </message>
    <message>
        <source>reading the links between nodes</source>
        <translation>ノード間のリンクの読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::NodePropertiesDialog</name>
    <message>
        <source>Decommission…</source>
        <translation>廃止…</translation>
    </message>
    <message>
        <source>Ask Again</source>
        <translation>再度問い合わせ</translation>
    </message>
    <message>
        <source>What this node is for, where it runs…</source>
        <translation>このノードの用途、実行場所など…</translation>
    </message>
    <message>
        <source>General</source>
        <translation>全般</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名前:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>説明:</translation>
    </message>
    <message>
        <source>GUID:</source>
        <translation>GUID:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>アドレス:</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>バージョン:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>ステータス:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>開始時刻:</translation>
    </message>
    <message>
        <source>Last contact:</source>
        <translation>最終通信:</translation>
    </message>
    <message>
        <source>Heartbeat:</source>
        <translation>ハートビート:</translation>
    </message>
    <message>
        <source>Offline in:</source>
        <translation>オフラインまで:</translation>
    </message>
    <message>
        <source>Time zone:</source>
        <translation>タイムゾーン:</translation>
    </message>
    <message>
        <source>Clock offset:</source>
        <translation>時刻のずれ:</translation>
    </message>
    <message>
        <source>Jobs in the last hour:</source>
        <translation>過去 1 時間のジョブ:</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>オプション</translation>
    </message>
    <message>
        <source>Reported by the Node&apos;s API</source>
        <translation>ノードの API による報告</translation>
    </message>
    <message>
        <source>API address:</source>
        <translation>API アドレス:</translation>
    </message>
    <message>
        <source>Certificate (SHA-256):</source>
        <translation>証明書 (SHA-256):</translation>
    </message>
    <message>
        <source>&amp;General</source>
        <translation>全般(&amp;G)</translation>
    </message>
    <message>
        <source>T&amp;imeline</source>
        <translation>タイムライン(&amp;I)</translation>
    </message>
    <message>
        <source>This node is no longer part of the cluster.</source>
        <translation>このノードはもうクラスターに属していません。</translation>
    </message>
    <message>
        <source>Properties of %1</source>
        <translation>%1 のプロパティ</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(なし)</translation>
    </message>
    <message>
        <source>%1 (the cluster runs %2: upgrade this node)</source>
        <translation>%1 (クラスターは %2 を実行中: このノードをアップグレードしてください)</translation>
    </message>
    <message>
        <source>Drained by an administrator since %1: Online, but it claims no work.</source>
        <translation>%1 から管理者によりドレイン中: オンラインですが、作業を取得しません。</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 s from the database&apos;s clock</source>
        <translation>データベースの時刻との差 %1 s</translation>
    </message>
    <message>
        <source>Checking what decommissioning would change…</source>
        <translation>廃止による影響を確認しています…</translation>
    </message>
    <message>
        <source>Decommissioning…</source>
        <translation>廃止しています…</translation>
    </message>
    <message>
        <source>You are signed in as an auditor: you can see this node but not change it.</source>
        <translation>監査者としてログインしているため、このノードの表示のみ可能で、変更はできません。</translation>
    </message>
    <message>
        <source>Only an Offline node can be decommissioned. Stop the node first.</source>
        <translation>廃止できるのはオフラインのノードだけです。先にノードを停止してください。</translation>
    </message>
    <message>
        <source>Removes this node from the cluster for good. Its GUID can never join again.</source>
        <translation>このノードをクラスターから完全に削除します。この GUID で再び参加することはできません。</translation>
    </message>
    <message>
        <source>Asking the node to drain…</source>
        <translation>ノードにドレインを要求しています…</translation>
    </message>
    <message>
        <source>Asking the node to resume…</source>
        <translation>ノードに再開を要求しています…</translation>
    </message>
    <message>
        <source>Only an Online node can be drained or resumed: the node itself is asked.</source>
        <translation>ドレインまたは再開できるのはオンラインのノードだけです (ノード自体に要求するため)。</translation>
    </message>
    <message>
        <source>This session holds no node API token (%1), so the node cannot be asked.</source>
        <translation>このセッションはノード API トークンを保持していないため (%1)、ノードに要求できません。</translation>
    </message>
    <message>
        <source>Drained since %1: it runs no new work. Resume lets it claim jobs again.</source>
        <translation>%1 からドレイン中: 新しい作業は実行しません。再開すると再びジョブを取得します。</translation>
    </message>
    <message>
        <source>Drain lets the jobs it runs finish, then it claims no new work until resumed; the other nodes take the pool&apos;s jobs. It stays Online.</source>
        <translation>ドレインすると、実行中のジョブの完了を待ち、その後は再開されるまで新しい作業を取得しません。プールのジョブは他のノードが取得します。ノードはオンラインのままです。</translation>
    </message>
    <message>
        <source>Drain Node</source>
        <translation>ノードのドレイン</translation>
    </message>
    <message>
        <source>Drain %1?

The jobs it is running finish; after that it claims no new work until it is resumed, and the other Online nodes take the pool&apos;s jobs. It stays Online and keeps answering its agents. The node records this in its timeline and the audit log.</source>
        <translation>%1 をドレインしますか?

実行中のジョブは完了まで実行され、その後は再開されるまで新しい作業を取得しません。プールのジョブは他のオンラインのノードが取得します。ノードはオンラインのままで、エージェントへの応答を続けます。この操作はノードのタイムラインと監査ログに記録されます。</translation>
    </message>
    <message>
        <source>Could not drain %1: %2</source>
        <translation>%1 をドレインできませんでした: %2</translation>
    </message>
    <message>
        <source>Could not resume %1: %2</source>
        <translation>%1 を再開できませんでした: %2</translation>
    </message>
    <message>
        <source>%1 was already drained.</source>
        <translation>%1 はすでにドレイン中でした。</translation>
    </message>
    <message>
        <source>%1 is drained: it finishes what it runs and claims no new work.</source>
        <translation>%1 をドレインしました: 実行中の作業を完了し、新しい作業は取得しません。</translation>
    </message>
    <message>
        <source>%1 was not drained.</source>
        <translation>%1 はドレイン中ではありませんでした。</translation>
    </message>
    <message>
        <source>%1 resumed: it claims work again.</source>
        <translation>%1 を再開しました: 再び作業を取得します。</translation>
    </message>
    <message>
        <source>This node recorded no API address: there is nothing to ask.</source>
        <translation>このノードは API アドレスを記録していないため、問い合わせできません。</translation>
    </message>
    <message>
        <source>Asking https://%1%2…</source>
        <translation>https://%1%2 に問い合わせています…</translation>
    </message>
    <message>
        <source>Another node answers at %1: it says it is %2.</source>
        <translation>%1 では別のノードが応答しています (%2 と名乗っています)。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Refused:&lt;/b&gt; the node presented a certificate with SHA-256&lt;br&gt;%1&lt;br&gt;but the database records&lt;br&gt;%2&lt;br&gt;for this node. Nothing was sent to it.</source>
        <translation>&lt;b&gt;拒否しました:&lt;/b&gt; ノードが提示した証明書の SHA-256 は&lt;br&gt;%1&lt;br&gt;ですが、データベースにはこのノードについて&lt;br&gt;%2&lt;br&gt;が記録されています。ノードには何も送信していません。</translation>
    </message>
    <message>
        <source>Asked GET %1 at %2.</source>
        <translation>GET %1 を問い合わせました (%2)。</translation>
    </message>
    <message>
        <source>GET /api/v1/node answered in %1 ms over HTTPS, the certificate pinned to the fingerprint the node recorded in the database.</source>
        <translation>GET /api/v1/node は HTTPS で %1 ms で応答しました。証明書ピンには、ノードがデータベースに記録したフィンガープリントを使用しています。</translation>
    </message>
    <message>
        <source>This session holds no node API token (%1).</source>
        <translation>このセッションはノード API トークンを保持していません (%1)。</translation>
    </message>
    <message>
        <source>You are signed in as an auditor, and the node API token opens only for administrators.</source>
        <translation>監査者としてログインしています。ノード API トークンを開けるのは管理者だけです。</translation>
    </message>
    <message>
        <source>Only GET /api/v1/health was asked (answered in %1 ms); it needs no token. The API address and start time come from GET /api/v1/node, which needs the node API token. %2</source>
        <translation>GET /api/v1/health のみ問い合わせました (%1 ms で応答)。これにはトークンは不要です。API アドレスと開始時刻は GET /api/v1/node から取得しますが、これにはノード API トークンが必要です。%2</translation>
    </message>
    <message>
        <source>Could not check what decommissioning would change: %1</source>
        <translation>廃止による影響を確認できませんでした: %1</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>ほか %n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>Agents that last checked in through it:</source>
        <translation>このノード経由で最後にチェックインしたエージェント:</translation>
    </message>
    <message>
        <source>%1 cannot be decommissioned now.

%2

%3</source>
        <translation>%1 は現在廃止できません。

%2

%3</translation>
    </message>
    <message>
        <source>Decommission Node</source>
        <translation>ノードの廃止</translation>
    </message>
    <message>
        <source>Decommission %1?

%2

The node is removed from the cluster for good and its GUID can never join again. This is recorded in the audit log.</source>
        <translation>%1 を廃止しますか?

%2

ノードはクラスターから完全に削除され、その GUID で再び参加することはできません。この操作は監査ログに記録されます。</translation>
    </message>
    <message>
        <source>Save</source>
        <comment>node description</comment>
        <translation>保存</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <comment>node status</comment>
        <translation>廃止済み</translation>
    </message>
    <message>
        <source>Drain…</source>
        <comment>node action</comment>
        <translation>ドレイン…</translation>
    </message>
    <message>
        <source>Resume</source>
        <comment>node action</comment>
        <translation>再開</translation>
    </message>
    <message numerus="yes">
        <source>Asked GET %1 at %2; asking again every %n second(s).</source>
        <translation>
            <numerusform>GET %1 を問い合わせました (%2)。%n 秒ごとに再試行します。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Cohort::NodeRegistry</name>
    <message>
        <source>No other node is Online to mark it Offline.</source>
        <translation>このノードをオフラインと判定できる、オンラインの他のノードがありません。</translation>
    </message>
    <message>
        <source>Every other Online node is silent too: none can mark it Offline.</source>
        <translation>他のオンラインのノードもすべて応答していないため、どのノードもオフラインと判定できません。</translation>
    </message>
    <message>
        <source>Past the threshold: a peer marks it Offline at its next check (every second), once its own clock has seen the heartbeat stand still that long.</source>
        <translation>しきい値を超えています: ピア自身の時刻で、ハートビートがその時間止まっていることを確認した時点で、ピアが次回のチェック (毎秒) でオフラインと判定します。</translation>
    </message>
    <message>
        <source>finding node %1</source>
        <translation>ノード %1 の検索</translation>
    </message>
    <message>
        <source>No node is called &quot;%1&quot;.</source>
        <translation>&quot;%1&quot; という名前のノードはありません。</translation>
    </message>
    <message>
        <source>Several nodes are called &quot;%1&quot;; name one by its GUID: %2.</source>
        <translation>&quot;%1&quot; という名前のノードが複数あります。GUID で 1 つ指定してください: %2。</translation>
    </message>
    <message>
        <source>taking the node&apos;s session lock</source>
        <translation>ノードのセッションロックの取得</translation>
    </message>
    <message>
        <source>reading the nodes&apos; session locks</source>
        <translation>ノードのセッションロックの読み取り</translation>
    </message>
    <message>
        <source>looking up node %1</source>
        <translation>ノード %1 の検索</translation>
    </message>
    <message>
        <source>Node %1 (&quot;%2&quot;) was decommissioned and cannot rejoin the cluster. To join this machine as a new node, delete %3 and start again.</source>
        <translation>ノード %1 (&quot;%2&quot;) は廃止済みのため、クラスターに再参加できません。このマシンを新しいノードとして参加させるには、%3 を削除してから再度起動してください。</translation>
    </message>
    <message>
        <source>Refused process %1 on %2: process %3 on %4 runs this node (last heartbeat %5 s ago).</source>
        <translation>%2 のプロセス %1 を拒否しました: %4 のプロセス %3 がこのノードを実行しています (最後のハートビートは %5 s 前)。</translation>
    </message>
    <message>
        <source>Another live cohort-node (process %1 on %2, last heartbeat %3 s ago) already runs as node %4. If this machine was cloned from another, delete %5 to join as a new node.</source>
        <translation>稼働中の別の cohort-node (%2 のプロセス %1、最後のハートビートは %3 s 前) がすでにノード %4 として実行されています。このマシンが別のマシンから複製された場合は、%5 を削除して新しいノードとして参加してください。</translation>
    </message>
    <message>
        <source>reading the database clock</source>
        <translation>データベースの時刻の読み取り</translation>
    </message>
    <message>
        <source>registering node %1</source>
        <translation>ノード %1 の登録</translation>
    </message>
    <message>
        <source>Node %1 changed while it joined; try again.</source>
        <translation>参加処理中にノード %1 が変更されました。もう一度実行してください。</translation>
    </message>
    <message>
        <source>node %1 restarted while running it</source>
        <translation>実行中にノード %1 が再起動しました</translation>
    </message>
    <message>
        <source>First joined the cluster as %1.</source>
        <translation>%1 として初めてクラスターに参加しました。</translation>
    </message>
    <message>
        <source>Version %1 at %2, process %3 on %4.</source>
        <translation>バージョン %1、アドレス %2、%4 のプロセス %3。</translation>
    </message>
    <message>
        <source>no API address</source>
        <translation>API アドレスなし</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) a previous run still held went back to the pool.</source>
        <translation>
            <numerusform>前回の実行で保持されていた %n 件のジョブがプールに戻りました。</numerusform>
        </translation>
    </message>
    <message>
        <source>reading the join time</source>
        <translation>参加時刻の読み取り</translation>
    </message>
    <message>
        <source>recording the heartbeat</source>
        <translation>ハートビートの記録</translation>
    </message>
    <message>
        <source>reading the node&apos;s state</source>
        <translation>ノードの状態の読み取り</translation>
    </message>
    <message>
        <source>reading the peers&apos; thresholds</source>
        <translation>ピアのしきい値の読み取り</translation>
    </message>
    <message>
        <source>checking the peers</source>
        <translation>ピアの確認</translation>
    </message>
    <message>
        <source>marking node %1 Offline</source>
        <translation>ノード %1 のオフライン判定</translation>
    </message>
    <message>
        <source>node %1 went offline while running it</source>
        <translation>実行中にノード %1 がオフラインになりました</translation>
    </message>
    <message>
        <source>Marked Offline by %1: %2.</source>
        <translation>%1 がオフラインと判定しました: %2。</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) it held went back to the pool.</source>
        <translation>
            <numerusform>保持していた %n 件のジョブがプールに戻りました。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Manager node %1 is Offline: %2. %n job(s) went back to the pool.</source>
        <translation>
            <numerusform>マネージャーノード %1 はオフラインです: %2。%n 件のジョブがプールに戻りました。</numerusform>
        </translation>
    </message>
    <message>
        <source>recording the data key node %1 holds</source>
        <translation>ノード %1 が保持するデータキーの記録</translation>
    </message>
    <message>
        <source>marking this node Offline</source>
        <translation>このノードのオフライン判定</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) not finished within the grace went back to the pool.</source>
        <translation>
            <numerusform>猶予期間内に完了しなかった %n 件のジョブがプールに戻りました。</numerusform>
        </translation>
    </message>
    <message>
        <source>recording this node&apos;s version</source>
        <translation>このノードのバージョンの記録</translation>
    </message>
    <message>
        <source>Manager node %1 runs version %2; the cluster runs %3. Upgrade it: until then it does no work.</source>
        <translation>マネージャーノード %1 はバージョン %2 を実行していますが、クラスターは %3 です。アップグレードしてください。それまでこのノードは処理を行いません。</translation>
    </message>
    <message>
        <source>Refused at start: it runs version %1, the cluster %2.</source>
        <translation>起動時に拒否されました: ノードはバージョン %1、クラスターは %2 です。</translation>
    </message>
    <message>
        <source>decommissioning node %1</source>
        <translation>ノード %1 の廃止</translation>
    </message>
    <message>
        <source>Node %1 (%2) is already decommissioned.</source>
        <translation>ノード %1 (%2) はすでに廃止済みです。</translation>
    </message>
    <message>
        <source>Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, or wait until its peers mark it Offline.</source>
        <translation>ノード %1 (%2) はオンラインです。廃止できるのはオフラインのノードだけです。先にノードを停止するか、ピアがオフラインと判定するまで待ってください。</translation>
    </message>
    <message>
        <source>removing the node&apos;s links</source>
        <translation>ノードのリンクの削除</translation>
    </message>
    <message>
        <source>node %1 was decommissioned</source>
        <translation>ノード %1 が廃止されました</translation>
    </message>
    <message>
        <source>clearing the alerts of node %1</source>
        <translation>ノード %1 のアラートのクリア</translation>
    </message>
    <message>
        <source>Decommissioned by %1.</source>
        <translation>%1 により廃止されました。</translation>
    </message>
    <message>
        <source>listing the nodes</source>
        <translation>ノードの一覧取得</translation>
    </message>
    <message>
        <source>Offline (Upgrade Required)</source>
        <translation>オフライン (アップグレードが必要)</translation>
    </message>
    <message>
        <source>no heartbeat for %1 s</source>
        <translation>%1 s 間ハートビートなし</translation>
    </message>
    <message>
        <source>Online</source>
        <comment>node status</comment>
        <translation>オンライン</translation>
    </message>
    <message>
        <source>Offline</source>
        <comment>node status</comment>
        <translation>オフライン</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <comment>node status</comment>
        <translation>廃止済み</translation>
    </message>
    <message>
        <source>Draining</source>
        <comment>node status</comment>
        <translation>ドレイン中</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeService</name>
    <message>
        <source>received %1</source>
        <translation>%1 を受信しました</translation>
    </message>
    <message>
        <source>a drain was requested through the node API</source>
        <translation>ノード API を通じてドレインが要求されました</translation>
    </message>
    <message>
        <source>Cannot serve the node API at %1: %2.</source>
        <translation>%1 でノード API を提供できません: %2。</translation>
    </message>
    <message>
        <source>Cannot serve the node API at %1 (port %2 on every address): %3.</source>
        <translation>%1 (すべてのアドレスのポート %2) でノード API を提供できません: %3。</translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>%1 にクラスターがありません。&quot;cohortctl init&quot; で作成してください。</translation>
    </message>
    <message>
        <source>The local secret in %1 on %2 did not unlock the cluster&apos;s data key; the node did not start.</source>
        <translation>%2 の %1 にあるローカルシークレットでは、クラスターのデータキーのロックを解除できなかったため、ノードは起動しませんでした。</translation>
    </message>
    <message>
        <source>Cannot open the cluster&apos;s data key: %1</source>
        <translation>クラスターのデータキーを開けません: %1</translation>
    </message>
    <message>
        <source>%1 This node shows as Offline (Upgrade Required) until it runs the cluster&apos;s version.</source>
        <translation>%1 このノードは、クラスターのバージョンを実行するまで「オフライン (アップグレードが必要)」と表示されます。</translation>
    </message>
    <message>
        <source>Another live cohort-node already runs as node %1. If this machine was cloned from another, delete %2 to join as a new node.</source>
        <translation>稼働中の別の cohort-node がすでにノード %1 として実行されています。このマシンが別のマシンから複製された場合は、%2 を削除して新しいノードとして参加してください。</translation>
    </message>
    <message>
        <source>Refused process %1 on %2: another live process holds this node&apos;s session lock.</source>
        <translation>%2 のプロセス %1 を拒否しました: 稼働中の別のプロセスがこのノードのセッションロックを保持しています。</translation>
    </message>
    <message>
        <source>node %1 stopped before running it</source>
        <translation>実行前にノード %1 が停止しました</translation>
    </message>
    <message>
        <source>Cannot start with the secret in %1: %2 Every node needs the cluster&apos;s current secret (after &quot;cohortctl masterkey rotate-secret&quot;, the new one).</source>
        <translation>%1 のシークレットでは起動できません: %2 すべてのノードにクラスターの現在のシークレットが必要です (&quot;cohortctl masterkey rotate-secret&quot; の後は新しいもの)。</translation>
    </message>
    <message>
        <source>Stopped: %1.</source>
        <translation>停止しました: %1。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodeTimelineWidget</name>
    <message>
        <source>Export &amp;CSV…</source>
        <translation>CSV にエクスポート(&amp;C)…</translation>
    </message>
    <message>
        <source>Export &amp;JSON…</source>
        <translation>JSON にエクスポート(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Takeover Report…</source>
        <translation>引き継ぎレポート(&amp;T)…</translation>
    </message>
    <message>
        <source>What happened to the jobs the node held when its peers marked it Offline.</source>
        <translation>ピアがこのノードをオフラインと判定したときに、ノードが保持していたジョブがどうなったかを表示します。</translation>
    </message>
    <message>
        <source>The timeline could not be read: %1</source>
        <translation>タイムラインを読み取れませんでした: %1</translation>
    </message>
    <message>
        <source>Export Timeline</source>
        <translation>タイムラインのエクスポート</translation>
    </message>
    <message>
        <source>Export Timeline as CSV</source>
        <translation>タイムラインを CSV としてエクスポート</translation>
    </message>
    <message>
        <source>Export Timeline as JSON</source>
        <translation>タイムラインを JSON としてエクスポート</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV ファイル (*.csv);;すべてのファイル (*)</translation>
    </message>
    <message>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON ファイル (*.json);;すべてのファイル (*)</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>タイムライン</translation>
    </message>
    <message>
        <source>The node&apos;s events, newest first; an offline event opens its takeover report.</source>
        <translation>ノードのイベント (新しい順)。オフラインのイベントからは引き継ぎレポートを開けます。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodesCommand</name>
    <message>
        <source>Lists the manager nodes: status, last contact and jobs.</source>
        <translation>マネージャーノードを一覧表示します: ステータス、最終通信、ジョブ。</translation>
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
        <translation>list                  廃止されていないすべてのノード (既定値): 状態、最終通信、
                      ピアがオフラインと判定するまでの残り時間、ジョブ。
events NODE           ノードのタイムライン: 参加、オンライン、オフライン (判定した
                      ピアとその理由)、ジョブの返却、拒否、ドレイン、廃止。
                      --csv で CSV として、--json で JSON として出力します。
takeover NODE|ID      ピアがオフラインと判定したノードのジョブがどうなったか:
                      最新の引き継ぎ (または指定した番号の引き継ぎ)、保持していた
                      すべてのジョブ、その後各ジョブを実行したノード、その間の空白時間。
drain NODE            ノードの API を通じて実行します (トークンに --secret-file が必要)。
                      新しいジョブを取得せず、実行中のジョブは猶予期間内に完了または返却し、
                      「ドレイン中」と表示されます。その後は停止して廃止できます。
                      タイムラインと監査ログに記録されます。
resume NODE           ドレインを終了します: ノードは再びジョブを取得します。
NODE は GUID、または 1 つのノードだけが持つ名前です。</translation>
    </message>
    <message>
        <source>events: prints the timeline as CSV.</source>
        <translation>events: タイムラインを CSV として出力します。</translation>
    </message>
    <message>
        <source>drain, resume: who asks, for the audit log (default: %1).</source>
        <translation>drain、resume: 監査ログに記録する要求者 (既定値: %1)。</translation>
    </message>
    <message>
        <source>list (default), events or takeover.</source>
        <translation>list (既定値)、events または takeover。</translation>
    </message>
    <message>
        <source>events, takeover: the node (GUID or name); takeover: or its number.</source>
        <translation>events、takeover: ノード (GUID または名前)。takeover では引き継ぎの番号も指定できます。</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; use one of %2</source>
        <translation>不明なアクション &quot;%1&quot; です。次のいずれかを使用してください: %2</translation>
    </message>
    <message>
        <source>%1 needs a node: its GUID or name</source>
        <translation>%1 にはノード (GUID または名前) の指定が必要です</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>--csv is only for events</source>
        <translation>--csv は events でのみ使用できます</translation>
    </message>
    <message>
        <source>--csv and --json cannot be combined</source>
        <translation>--csv と --json は同時に指定できません</translation>
    </message>
    <message>
        <source>%1 needs --secret-file: the node&apos;s API token is sealed with the cluster&apos;s data key</source>
        <translation>%1 には --secret-file が必要です: ノードの API トークンはクラスターのデータキーで暗号化されています</translation>
    </message>
    <message>
        <source>--secret-file and --actor are only for drain and resume</source>
        <translation>--secret-file と --actor は drain と resume でのみ使用できます</translation>
    </message>
    <message>
        <source>--actor must have 1 to 200 characters</source>
        <translation>--actor は 1 から 200 文字までである必要があります</translation>
    </message>
    <message>
        <source>--actor must be one line of printable text</source>
        <translation>--actor は印字可能な文字による 1 行である必要があります</translation>
    </message>
    <message>
        <source>No manager node has joined the cluster yet.</source>
        <translation>クラスターに参加したマネージャーノードはまだありません。</translation>
    </message>
    <message>
        <source>LAST CONTACT</source>
        <translation>最終通信</translation>
    </message>
    <message>
        <source>OFFLINE IN</source>
        <translation>オフラインまで</translation>
    </message>
    <message>
        <source>TIME ZONE</source>
        <translation>タイムゾーン</translation>
    </message>
    <message>
        <source>JOBS (1 H)</source>
        <translation>ジョブ (1 h)</translation>
    </message>
    <message>
        <source>%1 (%2 s ago)</source>
        <translation>%1 (%2 s 前)</translation>
    </message>
    <message>
        <source>%1 (needs %2)</source>
        <translation>%1 (%2 が必要)</translation>
    </message>
    <message>
        <source>-</source>
        <translation>-</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>never (no peer)</source>
        <translation>なし (ピアなし)</translation>
    </message>
    <message>
        <source>?</source>
        <translation>?</translation>
    </message>
    <message>
        <source>Node %1 (%2) has no events within the retention.</source>
        <translation>ノード %1 (%2) には保持期間内のイベントがありません。</translation>
    </message>
    <message>
        <source>Timeline of node %1 (%2):</source>
        <translation>ノード %1 (%2) のタイムライン:</translation>
    </message>
    <message>
        <source>TIME (UTC)</source>
        <translation>時刻 (UTC)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>No peer has taken over the work of node %1 (%2) within the retention.</source>
        <translation>保持期間内に、ノード %1 (%2) の作業を引き継いだピアはありません。</translation>
    </message>
    <message>
        <source>Takeover %1: node %2 (%3), marked Offline by %4 (%5)</source>
        <translation>引き継ぎ %1: ノード %2 (%3)、%4 (%5) がオフラインと判定</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>理由: %1</translation>
    </message>
    <message>
        <source>Last heartbeat %1, marked Offline %2 (%3 later)</source>
        <translation>最後のハートビート %1、オフライン判定 %2 (%3 後)</translation>
    </message>
    <message>
        <source>First reclaim %1 (%2 after the mark), last completion %3 (%4 after the first reclaim)</source>
        <translation>最初の再取得 %1 (判定の %2 後)、最後の完了 %3 (最初の再取得の %4 後)</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>まだなし</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n job(s) finished since.</source>
        <translation>
            <numerusform>%n 件のジョブのうち %1 件がその後完了しました。</numerusform>
        </translation>
    </message>
    <message>
        <source>RETURNED AS</source>
        <translation>返却時の状態</translation>
    </message>
    <message>
        <source>STATE NOW</source>
        <translation>現在の状態</translation>
    </message>
    <message>
        <source>RAN BY</source>
        <translation>実行ノード</translation>
    </message>
    <message>
        <source>purged</source>
        <translation>削除済み</translation>
    </message>
    <message>
        <source>Node %1 (%2) is %3; only an Online node can be %4.</source>
        <translation>ノード %1 (%2) は %3 です。%4 できるのはオンラインのノードだけです。</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>データベースにクラスターがありません。</translation>
    </message>
    <message>
        <source>The cluster has no node API token yet; start a node once to make one.</source>
        <translation>クラスターにはまだノード API トークンがありません。ノードを一度起動すると作成されます。</translation>
    </message>
    <message>
        <source>Node %1 refused: %2</source>
        <translation>ノード %1 が拒否しました: %2</translation>
    </message>
    <message>
        <source>Node %1 (%2) was already draining.</source>
        <translation>ノード %1 (%2) はすでにドレイン中でした。</translation>
    </message>
    <message>
        <source>Node %1 (%2) is draining: it claims no new jobs, and its running ones finish or go back within its grace. See &quot;cohortctl nodes events %1&quot; for when it is drained.</source>
        <translation>ノード %1 (%2) はドレイン中です: 新しいジョブを取得せず、実行中のジョブは猶予期間内に完了するかプールに戻ります。ドレインの完了時刻は &quot;cohortctl nodes events %1&quot; で確認できます。</translation>
    </message>
    <message>
        <source>Node %1 (%2) was not draining.</source>
        <translation>ノード %1 (%2) はドレイン中ではありませんでした。</translation>
    </message>
    <message>
        <source>Node %1 (%2) claims jobs again.</source>
        <translation>ノード %1 (%2) は再びジョブを取得します。</translation>
    </message>
    <message>
        <source>NAME</source>
        <comment>table heading</comment>
        <translation>名前</translation>
    </message>
    <message>
        <source>GUID</source>
        <comment>table heading</comment>
        <translation>GUID</translation>
    </message>
    <message>
        <source>ADDRESS</source>
        <comment>table heading</comment>
        <translation>アドレス</translation>
    </message>
    <message>
        <source>VERSION</source>
        <comment>table heading</comment>
        <translation>バージョン</translation>
    </message>
    <message>
        <source>STATUS</source>
        <comment>table heading</comment>
        <translation>ステータス</translation>
    </message>
    <message>
        <source>CLOCK</source>
        <comment>table heading</comment>
        <translation>時刻のずれ</translation>
    </message>
    <message>
        <source>RUNNING</source>
        <comment>table heading</comment>
        <translation>実行中</translation>
    </message>
    <message>
        <source>never</source>
        <comment>offline countdown without a peer</comment>
        <translation>なし</translation>
    </message>
    <message>
        <source>due</source>
        <comment>offline countdown at zero</comment>
        <translation>まもなく</translation>
    </message>
    <message>
        <source>EVENT</source>
        <comment>table heading</comment>
        <translation>イベント</translation>
    </message>
    <message>
        <source>BY</source>
        <comment>table heading</comment>
        <translation>実行者</translation>
    </message>
    <message>
        <source>DETAILS</source>
        <comment>table heading</comment>
        <translation>詳細</translation>
    </message>
    <message>
        <source>TAKEOVER</source>
        <comment>table heading</comment>
        <translation>引き継ぎ</translation>
    </message>
    <message>
        <source>JOB</source>
        <comment>table heading</comment>
        <translation>ジョブ</translation>
    </message>
    <message>
        <source>TYPE</source>
        <comment>table heading</comment>
        <translation>種類</translation>
    </message>
    <message>
        <source>RECLAIMED</source>
        <comment>table heading</comment>
        <translation>再取得</translation>
    </message>
    <message>
        <source>FINISHED</source>
        <comment>table heading</comment>
        <translation>完了</translation>
    </message>
    <message>
        <source>drained</source>
        <comment>action done</comment>
        <translation>ドレイン</translation>
    </message>
    <message>
        <source>resumed</source>
        <comment>action done</comment>
        <translation>再開</translation>
    </message>
</context>
<context>
    <name>Cohort::NodesPage</name>
    <message>
        <source>Filter by name, status, version, address…</source>
        <translation>名前、ステータス、バージョン、アドレスで絞り込み…</translation>
    </message>
    <message>
        <source>&amp;Properties…</source>
        <translation>プロパティ(&amp;P)…</translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline, %3 waiting for an upgrade</source>
        <translation>
            <numerusform>ノード %n 個: オンライン %1、オフライン %2、アップグレード待ち %3</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n node(s): %1 online, %2 offline</source>
        <translation>
            <numerusform>ノード %n 個: オンライン %1、オフライン %2</numerusform>
        </translation>
    </message>
    <message>
        <source>Cluster version %1 · %2</source>
        <translation>クラスターのバージョン %1 · %2</translation>
    </message>
    <message>
        <source>Filter nodes</source>
        <translation>ノードを絞り込み</translation>
    </message>
    <message>
        <source>Manager nodes</source>
        <translation>マネージャーノード</translation>
    </message>
    <message>
        <source>One row per manager node; Alt+Return or a double-click opens its properties.</source>
        <translation>マネージャーノードごとに 1 行。Alt+Return またはダブルクリックでプロパティを開きます。</translation>
    </message>
</context>
<context>
    <name>Cohort::NodesTableModel</name>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation>%1 秒前</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>%1 分前</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>%1 時間前</translation>
    </message>
    <message>
        <source>%1 d ago</source>
        <translation>%1 日前</translation>
    </message>
    <message>
        <source>never (no peer)</source>
        <translation>なし (ピアなし)</translation>
    </message>
    <message>
        <source>Offline since %1</source>
        <translation>%1 からオフライン</translation>
    </message>
    <message>
        <source>Its peers mark it Offline after %1 without a heartbeat (database clock).</source>
        <translation>ハートビートが %1 途絶えると、ピアがこのノードをオフラインと判定します (データベースの時刻基準)。</translation>
    </message>
    <message>
        <source>This node runs version %1, older than the cluster. It does no work until it is upgraded.</source>
        <translation>このノードはクラスターより古いバージョン %1 を実行しています。アップグレードされるまで処理を行いません。</translation>
    </message>
    <message>
        <source>This node runs version %1; the cluster runs %2. It does no work until it is upgraded to %2.</source>
        <translation>このノードはバージョン %1 を実行していますが、クラスターは %2 です。%2 にアップグレードされるまで処理を行いません。</translation>
    </message>
    <message>
        <source>This node&apos;s clock minus the database&apos;s, at its last time check.</source>
        <translation>前回の時刻確認時の、このノードの時刻とデータベースの時刻の差。</translation>
    </message>
    <message>
        <source>Agents online that last checked in with this node.</source>
        <translation>このノードに最後にチェックインした、オンラインのエージェント。</translation>
    </message>
    <message>
        <source>Drained by an administrator since %1: Online, but it claims no work.</source>
        <translation>%1 から管理者によりドレイン中: オンラインですが、作業を取得しません。</translation>
    </message>
    <message>
        <source>UTC%1%2:%3</source>
        <translation>UTC%1%2:%3</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(なし)</translation>
    </message>
    <message>
        <source>Time Zone</source>
        <translation>タイムゾーン</translation>
    </message>
    <message>
        <source>Clock Offset</source>
        <translation>時刻のずれ</translation>
    </message>
    <message>
        <source>Last Contact</source>
        <translation>最終通信</translation>
    </message>
    <message>
        <source>Offline In</source>
        <translation>オフラインまで</translation>
    </message>
    <message>
        <source>Jobs (Last Hour)</source>
        <translation>ジョブ (過去 1 時間)</translation>
    </message>
    <message>
        <source>Running Jobs</source>
        <translation>実行中のジョブ</translation>
    </message>
    <message>
        <source>due</source>
        <comment>offline countdown at zero</comment>
        <translation>まもなく</translation>
    </message>
    <message>
        <source>Name</source>
        <comment>column heading</comment>
        <translation>名前</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>column heading</comment>
        <translation>ステータス</translation>
    </message>
    <message>
        <source>Version</source>
        <comment>column heading</comment>
        <translation>バージョン</translation>
    </message>
    <message>
        <source>Address</source>
        <comment>column heading</comment>
        <translation>アドレス</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <comment>column heading</comment>
        <translation>ハートビート</translation>
    </message>
    <message>
        <source>Agents</source>
        <comment>column heading</comment>
        <translation>エージェント</translation>
    </message>
</context>
<context>
    <name>Cohort::PasswordHash</name>
    <message numerus="yes">
        <source>The password must have at least %n character(s).</source>
        <translation>
            <numerusform>パスワードは %n 文字以上である必要があります。</numerusform>
        </translation>
    </message>
    <message>
        <source>The password must not start or end with spaces.</source>
        <translation>パスワードの先頭と末尾にスペースは使用できません。</translation>
    </message>
</context>
<context>
    <name>Cohort::PeerProber</name>
    <message>
        <source>its address &quot;%1&quot; is not HOST:PORT</source>
        <translation>アドレス &quot;%1&quot; が HOST:PORT の形式ではありません</translation>
    </message>
    <message>
        <source>it recorded no certificate to check it by</source>
        <translation>照合用の証明書が記録されていません</translation>
    </message>
    <message>
        <source>it presented certificate %1, not %2 that it recorded</source>
        <translation>記録されている %2 ではなく、証明書 %1 を提示しました</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>接続が拒否されました</translation>
    </message>
    <message>
        <source>the TLS handshake failed: %1</source>
        <translation>TLS ハンドシェイクに失敗しました: %1</translation>
    </message>
    <message>
        <source>host %1 not found</source>
        <translation>ホスト %1 が見つかりません</translation>
    </message>
    <message>
        <source>answered more than %1 bytes</source>
        <translation>応答が %1 バイトを超えました</translation>
    </message>
    <message>
        <source>closed the connection without answering</source>
        <translation>応答せずに接続を閉じました</translation>
    </message>
    <message>
        <source>answered something that is not HTTP</source>
        <translation>HTTP ではない応答を返しました</translation>
    </message>
    <message>
        <source>closed the connection in the middle of its answer</source>
        <translation>応答の途中で接続を閉じました</translation>
    </message>
    <message>
        <source>answered HTTP %1</source>
        <translation>HTTP %1 を返しました</translation>
    </message>
    <message>
        <source>answered HTTP %1: %2</source>
        <translation>HTTP %1 を返しました: %2</translation>
    </message>
    <message>
        <source>answered without a node GUID</source>
        <translation>ノード GUID なしで応答しました</translation>
    </message>
    <message>
        <source>answered as node %1</source>
        <translation>ノード %1 として応答しました</translation>
    </message>
    <message>
        <source>host name not resolved within %1 ms</source>
        <translation>%1 ms 以内にホスト名を解決できませんでした</translation>
    </message>
    <message>
        <source>no connection within %1 ms</source>
        <translation>%1 ms 以内に接続できませんでした</translation>
    </message>
    <message>
        <source>no TLS handshake within %1 ms</source>
        <translation>%1 ms 以内に TLS ハンドシェイクが完了しませんでした</translation>
    </message>
    <message>
        <source>no answer within %1 ms</source>
        <translation>%1 ms 以内に応答がありませんでした</translation>
    </message>
    <message>
        <source>no complete answer within %1 ms</source>
        <translation>%1 ms 以内に応答が完了しませんでした</translation>
    </message>
</context>
<context>
    <name>Cohort::PersonalDataDialog</name>
    <message>
        <source>User %1</source>
        <translation>ユーザー %1</translation>
    </message>
    <message>
        <source>&amp;Full name:</source>
        <translation>フルネーム(&amp;F):</translation>
    </message>
    <message>
        <source>&amp;E-mail address:</source>
        <translation>メールアドレス(&amp;E):</translation>
    </message>
    <message>
        <source>Both are stored sealed with the cluster&apos;s data key; leave a field empty to remove it.</source>
        <translation>どちらもクラスターのデータキーで暗号化して保存されます。削除するにはフィールドを空にしてください。</translation>
    </message>
</context>
<context>
    <name>Cohort::Schema</name>
    <message>
        <source>Created the schema at version %1.</source>
        <translation>スキーマをバージョン %1 で作成しました。</translation>
    </message>
    <message>
        <source>Migrated the schema from version %1 to %2.</source>
        <translation>スキーマをバージョン %1 から %2 に移行しました。</translation>
    </message>
    <message>
        <source>The schema already exists at version %1; nothing to do.</source>
        <translation>スキーマはすでにバージョン %1 で存在します。行う処理はありません。</translation>
    </message>
    <message>
        <source>reading the schema version</source>
        <translation>スキーマのバージョンの読み取り</translation>
    </message>
    <message>
        <source>Cannot take the migration lock: %1</source>
        <translation>移行ロックを取得できません: %1</translation>
    </message>
    <message>
        <source>The database schema is at version %1, newer than this program&apos;s %2; upgrade this program.</source>
        <translation>データベースのスキーマはバージョン %1 で、このプログラムの %2 より新しいです。このプログラムをアップグレードしてください。</translation>
    </message>
    <message>
        <source>migrating to schema version %1</source>
        <translation>スキーマのバージョン %1 への移行</translation>
    </message>
    <message>
        <source>Migrating to schema version %1: another session has held a table it changes for more than %2 s; nothing was changed.</source>
        <translation>スキーマのバージョン %1 への移行: 変更対象のテーブルを別のセッションが %2 s 以上保持しているため、何も変更しませんでした。</translation>
    </message>
    <message>
        <source>recording schema version %1</source>
        <translation>スキーマのバージョン %1 の記録</translation>
    </message>
</context>
<context>
    <name>Cohort::SealedData</name>
    <message>
        <source>locking the cluster&apos;s data key</source>
        <translation>クラスターのデータキーのロック</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>データベースにクラスターがありません。</translation>
    </message>
    <message>
        <source>recording the data key&apos;s check value</source>
        <translation>データキーのチェック値の記録</translation>
    </message>
    <message>
        <source>The cluster&apos;s data key was replaced (cohortctl masterkey rotate-key) after this one was opened; nothing was written. Open the new key (sign in again) and retry.</source>
        <translation>このデータキーを開いた後に、クラスターのデータキーが置き換えられました (cohortctl masterkey rotate-key)。何も書き込んでいません。新しいキーを開いて (再度ログインして) やり直してください。</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>%1 を開けません: %2</translation>
    </message>
</context>
<context>
    <name>Cohort::SecretPropertiesBox</name>
    <message>
        <source>Secret properties</source>
        <translation>機密プロパティ</translation>
    </message>
    <message>
        <source>New Value…</source>
        <translation>新しい値…</translation>
    </message>
    <message>
        <source>(not set)</source>
        <translation>(未設定)</translation>
    </message>
    <message>
        <source>Auditors cannot change secret properties.</source>
        <translation>監査者は機密プロパティを変更できません。</translation>
    </message>
    <message>
        <source>New Value</source>
        <translation>新しい値</translation>
    </message>
    <message>
        <source>Make a new random value for %1? Whatever uses the current one must be given the new one.</source>
        <translation>%1 の新しいランダムな値を作成しますか? 現在の値を使用しているものには、新しい値を設定する必要があります。</translation>
    </message>
    <message>
        <source>Show</source>
        <comment>reveal a secret value</comment>
        <translation>表示</translation>
    </message>
    <message>
        <source>Sealed</source>
        <comment>value not shown to an auditor</comment>
        <translation>暗号化済み</translation>
    </message>
</context>
<context>
    <name>Cohort::SessionCheck</name>
    <message>
        <source>asking which server process runs this session</source>
        <translation>このセッションを実行しているサーバープロセスの照会</translation>
    </message>
    <message>
        <source>checking that the connection is a session of its own</source>
        <translation>接続が独立したセッションであることの確認</translation>
    </message>
    <message>
        <source>The connection to %1 is not a session of its own: %2. A connection pooler in transaction or statement mode (pgbouncer&apos;s pool_mode) does this, and a node cannot run through one: its liveness lock and prepared statements belong to a session. Connect the nodes to PostgreSQL directly, or through a pooler in session mode.</source>
        <translation>%1 への接続は独立したセッションではありません: %2。トランザクションモードまたはステートメントモードのコネクションプーラー (pgbouncer の pool_mode) がこの状態を引き起こします。ノードの生存ロックとプリペアドステートメントはセッションに属するため、ノードはそのようなプーラーを経由して実行できません。ノードを PostgreSQL に直接接続するか、セッションモードのプーラーを経由して接続してください。</translation>
    </message>
    <message>
        <source>a transaction could not begin (%1)</source>
        <translation>トランザクションを開始できませんでした (%1)</translation>
    </message>
    <message>
        <source>one connection&apos;s statements ran in %1 different server processes</source>
        <translation>1 つの接続のステートメントが %1 個の異なるサーバープロセスで実行されました</translation>
    </message>
    <message>
        <source>two open connections ran their statements in the same server process</source>
        <translation>開いている 2 つの接続のステートメントが同じサーバープロセスで実行されました</translation>
    </message>
</context>
<context>
    <name>Cohort::SettingsCommand</name>
    <message>
        <source>Shows or changes the cluster-wide system settings.</source>
        <translation>クラスター全体のシステム設定を表示または変更します。</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>アクション:</translation>
    </message>
    <message>
        <source>  show                        Every setting with its value, default and allowed values.</source>
        <translation>  show                        すべての設定とその値、既定値、許容値を表示します。</translation>
    </message>
    <message>
        <source>  set NAME=VALUE [NAME=VALUE...]  Changes the named settings, checked together with the
                              others as the console&apos;s System Settings page checks them:
                              if any value is refused, nothing is changed.</source>
        <translation>  set NAME=VALUE [NAME=VALUE...]  指定した設定を変更します。コンソールの
                              システム設定ページと同様に、他の設定と合わせて検証されます。
                              拒否された値が 1 つでもあれば、何も変更されません。</translation>
    </message>
    <message>
        <source>Settings:</source>
        <translation>設定:</translation>
    </message>
    <message>
        <source>  %1  host:port or [IPv6]:port agents connect to; empty: the managers&apos;
      own addresses.</source>
        <translation>  %1  エージェントの接続先の host:port または [IPv6]:port。空の場合は
      マネージャー自身のアドレス。</translation>
    </message>
    <message>
        <source>  %1  seconds between a node&apos;s heartbeats (%2 to %3).</source>
        <translation>  %1  ノードのハートビートの間隔の秒数 (%2 から %3 まで)。</translation>
    </message>
    <message>
        <source>  %1  seconds of silence before peers mark a node Offline (%2 to %3,
      at least two heartbeats).</source>
        <translation>  %1  ピアがノードをオフラインと判定するまでの無応答の秒数 (%2 から
      %3 まで、ハートビート 2 回分以上)。</translation>
    </message>
    <message>
        <source>  %1  seconds a node&apos;s clock may differ from the database&apos;s (%2 to %3).</source>
        <translation>  %1  ノードの時刻とデータベースの時刻の許容差の秒数 (%2 から %3 まで)。</translation>
    </message>
    <message>
        <source>A change is recorded in the audit log as &quot;settings.change&quot;, as from the console, by %1.</source>
        <translation>変更は、コンソールからの変更と同様に、%1 による &quot;settings.change&quot; として監査ログに記録されます。</translation>
    </message>
    <message>
        <source>What to do: show or set.</source>
        <translation>実行する操作: show または set。</translation>
    </message>
    <message>
        <source>set: a setting and its new value.</source>
        <translation>set: 設定とその新しい値。</translation>
    </message>
    <message>
        <source>give an action: show or set</source>
        <translation>アクションを指定してください: show または set</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;</source>
        <translation>予期しない引数 &quot;%1&quot;</translation>
    </message>
    <message>
        <source>unknown action &quot;%1&quot;; the actions are show and set</source>
        <translation>不明なアクション &quot;%1&quot; です。アクションは show、set のいずれかです</translation>
    </message>
    <message>
        <source>--json does not apply to &quot;settings set&quot;</source>
        <translation>--json は &quot;settings set&quot; には使用できません</translation>
    </message>
    <message>
        <source>set needs at least one NAME=VALUE</source>
        <translation>set には NAME=VALUE を 1 つ以上指定する必要があります</translation>
    </message>
    <message>
        <source>host:port, [IPv6]:port or empty</source>
        <translation>host:port、[IPv6]:port または空</translation>
    </message>
    <message>
        <source>%1 to %2 seconds</source>
        <translation>%1 秒から %2 秒</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not NAME=VALUE</source>
        <translation>&quot;%1&quot; は NAME=VALUE の形式ではありません</translation>
    </message>
    <message>
        <source>unknown setting &quot;%1&quot;; the settings are %2</source>
        <translation>不明な設定 &quot;%1&quot; です。設定は次のとおりです: %2</translation>
    </message>
    <message>
        <source>%1 is set twice</source>
        <translation>%1 が 2 回指定されています</translation>
    </message>
    <message>
        <source>%1 must be a whole number of seconds, not &quot;%2&quot;</source>
        <translation>%1 には秒数を整数で指定してください (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>何も変更されませんでした。</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n setting(s).</source>
        <translation>
            <numerusform>%n 件の設定を保存しました。</numerusform>
        </translation>
    </message>
    <message>
        <source>SETTING</source>
        <comment>table heading</comment>
        <translation>設定</translation>
    </message>
    <message>
        <source>VALUE</source>
        <comment>table heading</comment>
        <translation>値</translation>
    </message>
    <message>
        <source>DEFAULT</source>
        <comment>table heading</comment>
        <translation>既定値</translation>
    </message>
    <message>
        <source>ALLOWED</source>
        <comment>table heading</comment>
        <translation>許容値</translation>
    </message>
</context>
<context>
    <name>Cohort::SettingsPage</name>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation>元に戻す(&amp;V)</translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation>クラスター</translation>
    </message>
    <message>
        <source>Load balancer address for agents:</source>
        <translation>エージェント用のロードバランサーのアドレス:</translation>
    </message>
    <message>
        <source>Heartbeat interval (seconds):</source>
        <translation>ハートビートの間隔 (秒):</translation>
    </message>
    <message>
        <source>Offline threshold (seconds):</source>
        <translation>オフラインのしきい値 (秒):</translation>
    </message>
    <message>
        <source>Clock tolerance (seconds):</source>
        <translation>時刻の許容差 (秒):</translation>
    </message>
    <message>
        <source>host:port agents connect to. Leave empty to give agents the managers&apos; own addresses.</source>
        <translation>エージェントの接続先の host:port。空にすると、エージェントにはマネージャー自身のアドレスが渡されます。</translation>
    </message>
    <message>
        <source>How often each node records that it is alive.</source>
        <translation>各ノードが稼働していることを記録する間隔。</translation>
    </message>
    <message>
        <source>A node silent this long is marked Offline and its work is taken over. At least two heartbeats.</source>
        <translation>この時間応答のないノードはオフラインと判定され、その作業は引き継がれます。ハートビート 2 回分以上にしてください。</translation>
    </message>
    <message>
        <source>A node whose clock is further than this from the database&apos;s raises Manager Time Out of Sync.</source>
        <translation>時刻がデータベースの時刻とこれ以上ずれているノードは、「マネージャーの時刻が同期していません」アラートを発生させます。</translation>
    </message>
    <message>
        <source>(none: agents use the managers&apos; addresses)</source>
        <translation>(なし: エージェントはマネージャーのアドレスを使用)</translation>
    </message>
    <message>
        <source>You are signed in as an auditor: the settings are read-only.</source>
        <translation>監査者としてログインしているため、設定は読み取り専用です。</translation>
    </message>
    <message>
        <source>Enter a whole number of seconds.</source>
        <translation>秒数を整数で入力してください。</translation>
    </message>
    <message>
        <source>Nothing was saved: correct the values marked in red.</source>
        <translation>保存されませんでした: 赤で示された値を修正してください。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>保存しています…</translation>
    </message>
    <message>
        <source>Saved. Nodes apply the new values within a minute.</source>
        <translation>保存しました。ノードは 1 分以内に新しい値を適用します。</translation>
    </message>
</context>
<context>
    <name>Cohort::SoftwareVersion</name>
    <message>
        <source>reading the cluster&apos;s software version</source>
        <translation>クラスターのソフトウェアバージョンの読み取り</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a version number.</source>
        <translation>&quot;%1&quot; はバージョン番号ではありません。</translation>
    </message>
    <message>
        <source>The cluster runs version %1 and this node version %2: upgrade this node to %1. Until then it does no work.</source>
        <translation>クラスターはバージョン %1、このノードはバージョン %2 を実行しています。このノードを %1 にアップグレードしてください。それまでこのノードは処理を行いません。</translation>
    </message>
    <message>
        <source>recording the cluster&apos;s software version</source>
        <translation>クラスターのソフトウェアバージョンの記録</translation>
    </message>
    <message>
        <source>listing the nodes to upgrade</source>
        <translation>アップグレードするノードの一覧取得</translation>
    </message>
    <message>
        <source>marking node %1 for upgrade</source>
        <translation>ノード %1 のアップグレード対象への設定</translation>
    </message>
    <message>
        <source>Manager node %1 runs version %2; the cluster now runs %3. Upgrade it: until then it does no work.</source>
        <translation>マネージャーノード %1 はバージョン %2 を実行していますが、クラスターは現在 %3 です。アップグレードしてください。それまでこのノードは処理を行いません。</translation>
    </message>
    <message>
        <source>%1 joined with version %2 and took over; this node runs %3.</source>
        <translation>%1 がバージョン %2 で参加し、引き継ぎました。このノードは %3 を実行しています。</translation>
    </message>
</context>
<context>
    <name>Cohort::StatusBanner</name>
    <message>
        <source>Showing the data from %1.</source>
        <translation>%1 時点のデータを表示しています。</translation>
    </message>
    <message>
        <source>No data has been read yet.</source>
        <translation>まだデータを読み取っていません。</translation>
    </message>
    <message>
        <source>The database is not answering. %1 %2 The console keeps waiting and recovers by itself.</source>
        <translation>データベースが応答していません。%1 %2 コンソールは待機を続け、自動的に復旧します。</translation>
    </message>
    <message numerus="yes">
        <source>The database cannot be reached: %1 %2 Retrying in %n second(s).</source>
        <translation>
            <numerusform>データベースに接続できません: %1 %2 %n 秒後に再試行します。</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Retry Now</source>
        <translation>今すぐ再試行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Stop Retrying</source>
        <translation>再試行を停止(&amp;S)</translation>
    </message>
    <message>
        <source>Time to the next try</source>
        <translation>次の試行までの時間</translation>
    </message>
    <message>
        <source>Stop trying to reach the database until you press Retry Now.</source>
        <translation>「今すぐ再試行」を押すまで、データベースへの接続を試みません。</translation>
    </message>
    <message>
        <source>The database cannot be reached: %1 %2 Retrying has stopped; press Retry Now to try again.</source>
        <translation>データベースに接続できません: %1 %2 再試行は停止しました。再度試すには「今すぐ再試行」を押してください。</translation>
    </message>
</context>
<context>
    <name>Cohort::StatusCommand</name>
    <message>
        <source>Shows the cluster a database holds, and checks a local secret against it.</source>
        <translation>データベース内のクラスターを表示し、ローカルシークレットを照合します。</translation>
    </message>
    <message>
        <source>%1 holds no cluster; create one with &quot;cohortctl init&quot;.</source>
        <translation>%1 にクラスターがありません。&quot;cohortctl init&quot; で作成してください。</translation>
    </message>
    <message>
        <source>unlocked by %1 (fingerprint %2)</source>
        <translation>%1 でロック解除済み (フィンガープリント %2)</translation>
    </message>
    <message>
        <source>not checked (pass --secret-file)</source>
        <translation>未確認 (--secret-file を指定してください)</translation>
    </message>
    <message>
        <source>Cluster:         %1 (%2)</source>
        <translation>クラスター:          %1 (%2)</translation>
    </message>
    <message>
        <source>Created:         %1 by version %2</source>
        <translation>作成:                %1 (バージョン %2)</translation>
    </message>
    <message>
        <source>Runs version:    %1</source>
        <translation>実行バージョン:      %1</translation>
    </message>
    <message>
        <source>(not recorded yet)</source>
        <translation>(まだ記録されていません)</translation>
    </message>
    <message>
        <source>Schema version:  %1 (this program: %2)</source>
        <translation>スキーマバージョン:  %1 (このプログラム: %2)</translation>
    </message>
    <message>
        <source>Database:        %1</source>
        <translation>データベース:        %1</translation>
    </message>
    <message>
        <source>Data key:        %1</source>
        <translation>データキー:          %1</translation>
    </message>
    <message>
        <source>Open alerts:     %1</source>
        <translation>未解決のアラート:    %1</translation>
    </message>
    <message>
        <source>cohortctl %1: error: %2</source>
        <translation>cohortctl %1: エラー: %2</translation>
    </message>
</context>
<context>
    <name>Cohort::SystemInformationPage</name>
    <message>
        <source>Last hour</source>
        <translation>過去 1 時間</translation>
    </message>
    <message>
        <source>Last 6 hours</source>
        <translation>過去 6 時間</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>過去 24 時間</translation>
    </message>
    <message numerus="yes">
        <source>Last %n minute(s)</source>
        <translation>
            <numerusform>過去 %n 分</numerusform>
        </translation>
    </message>
    <message>
        <source>Round trip (ms)</source>
        <translation>往復時間 (ms)</translation>
    </message>
    <message>
        <source>Probed at (UTC)</source>
        <translation>確認時刻 (UTC)</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最後のエラー</translation>
    </message>
    <message>
        <source>Export Image…</source>
        <translation>画像をエクスポート…</translation>
    </message>
    <message>
        <source>Export Data…</source>
        <translation>データをエクスポート…</translation>
    </message>
    <message>
        <source>&amp;Graph:</source>
        <translation>グラフ(&amp;G):</translation>
    </message>
    <message>
        <source>&amp;Period:</source>
        <translation>期間(&amp;P):</translation>
    </message>
    <message>
        <source>Network Map with Activity Graph</source>
        <translation>ネットワークマップとアクティビティグラフ</translation>
    </message>
    <message>
        <source>Jobs by Node</source>
        <translation>ノード別ジョブ</translation>
    </message>
    <message>
        <source>Jobs by Type</source>
        <translation>種類別ジョブ</translation>
    </message>
    <message>
        <source>Total jobs by node and type</source>
        <translation>ノード別・種類別のジョブ合計</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>%1 jobs finished (%2).</source>
        <translation>%1 件のジョブが完了しました (%2)。</translation>
    </message>
    <message numerus="yes">
        <source>%n probe(s) failing.</source>
        <translation>
            <numerusform>%n 件の到達確認が失敗しています。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1、%2</translation>
    </message>
    <message>
        <source>Export Image</source>
        <translation>画像のエクスポート</translation>
    </message>
    <message>
        <source>Export Data</source>
        <translation>データのエクスポート</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 画像 (*.png)</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV ファイル (*.csv)</translation>
    </message>
    <message>
        <source>From</source>
        <comment>the probing node</comment>
        <translation>送信元</translation>
    </message>
    <message>
        <source>To</source>
        <comment>the probed node</comment>
        <translation>送信先</translation>
    </message>
    <message>
        <source>Reachable</source>
        <comment>probe result</comment>
        <translation>到達可能</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Reading the statistics</source>
        <translation>統計を読み込んでいます</translation>
    </message>
    <message>
        <source>Stop reading this period and show the one before again.</source>
        <translation>この期間の読み込みを中止し、前の期間を再び表示します。</translation>
    </message>
    <message>
        <source>Reading the statistics (%1)…</source>
        <translation>統計を読み込んでいます (%1)…</translation>
    </message>
</context>
<context>
    <name>Cohort::SystemSettings</name>
    <message>
        <source>The load balancer address &quot;%1&quot; opens an IPv6 address with &quot;[&quot; but never closes it with &quot;]&quot;.</source>
        <translation>ロードバランサーのアドレス &quot;%1&quot; は IPv6 アドレスを &quot;[&quot; で開始していますが、&quot;]&quot; で閉じていません。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the load balancer address is not an IPv6 address.</source>
        <translation>ロードバランサーのアドレス内の &quot;%1&quot; は IPv6 アドレスではありません。</translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no port: write it as [IPv6 address]:port.</source>
        <translation>ロードバランサーのアドレス &quot;%1&quot; にポートがありません。[IPv6 アドレス]:port の形式で指定してください。</translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no port: write it as host:port.</source>
        <translation>ロードバランサーのアドレス &quot;%1&quot; にポートがありません。host:port の形式で指定してください。</translation>
    </message>
    <message>
        <source>Write an IPv6 load balancer address in brackets, as in [2001:db8::1]:443.</source>
        <translation>IPv6 のロードバランサーアドレスは、[2001:db8::1]:443 のように角かっこで囲んで指定してください。</translation>
    </message>
    <message>
        <source>The load balancer address &quot;%1&quot; has no host before the port.</source>
        <translation>ロードバランサーのアドレス &quot;%1&quot; にはポートの前にホストがありません。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the load balancer address is not a valid host name or IPv4 address.</source>
        <translation>ロードバランサーのアドレス内の &quot;%1&quot; は有効なホスト名または IPv4 アドレスではありません。</translation>
    </message>
    <message>
        <source>The load balancer port &quot;%1&quot; is not a number from 1 to %2.</source>
        <translation>ロードバランサーのポート &quot;%1&quot; は 1 から %2 までの数値ではありません。</translation>
    </message>
    <message>
        <source>The heartbeat must be from %1 to %2 seconds, not %3.</source>
        <translation>ハートビートは %1 から %2 秒までで指定してください。%3 は範囲外です。</translation>
    </message>
    <message>
        <source>The offline threshold must be from %1 to %2 seconds, not %3.</source>
        <translation>オフラインのしきい値は %1 から %2 秒までで指定してください。%3 は範囲外です。</translation>
    </message>
    <message>
        <source>The offline threshold (%1 s) must be at least two heartbeats (%2 s), or healthy nodes would be marked Offline.</source>
        <translation>オフラインのしきい値 (%1 s) はハートビート 2 回分 (%2 s) 以上にしてください。そうしないと、正常なノードがオフラインと判定されます。</translation>
    </message>
    <message>
        <source>The clock tolerance must be from %1 to %2 seconds, not %3.</source>
        <translation>時刻の許容差は %1 から %2 秒までで指定してください。%3 は範囲外です。</translation>
    </message>
    <message>
        <source>reading the cluster setting %1</source>
        <translation>クラスター設定 %1 の読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::TakeoverJobsModel</name>
    <message>
        <source>Purged from the jobs table since (past the retention).</source>
        <translation>その後、ジョブテーブルから削除されました (保持期間の経過)。</translation>
    </message>
    <message>
        <source>(purged)</source>
        <translation>(削除済み)</translation>
    </message>
    <message>
        <source>nobody yet</source>
        <translation>まだなし</translation>
    </message>
    <message>
        <source>Returned As</source>
        <translation>返却時の状態</translation>
    </message>
    <message>
        <source>State Now</source>
        <translation>現在の状態</translation>
    </message>
    <message>
        <source>Ran By</source>
        <translation>実行ノード</translation>
    </message>
    <message>
        <source>Job</source>
        <comment>column heading</comment>
        <translation>ジョブ</translation>
    </message>
    <message>
        <source>Type</source>
        <comment>column heading</comment>
        <translation>種類</translation>
    </message>
    <message>
        <source>Reclaimed</source>
        <comment>column heading</comment>
        <translation>再取得</translation>
    </message>
    <message>
        <source>Finished</source>
        <comment>column heading</comment>
        <translation>完了</translation>
    </message>
</context>
<context>
    <name>Cohort::TakeoverReportDialog</name>
    <message>
        <source>Takeover Report</source>
        <translation>引き継ぎレポート</translation>
    </message>
    <message>
        <source>Takeover</source>
        <translation>引き継ぎ</translation>
    </message>
    <message>
        <source>Node:</source>
        <translation>ノード:</translation>
    </message>
    <message>
        <source>Marked Offline by:</source>
        <translation>オフラインと判定したノード:</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>理由:</translation>
    </message>
    <message>
        <source>Last heartbeat:</source>
        <translation>最後のハートビート:</translation>
    </message>
    <message>
        <source>Marked Offline:</source>
        <translation>オフライン判定:</translation>
    </message>
    <message>
        <source>First reclaim:</source>
        <translation>最初の再取得:</translation>
    </message>
    <message>
        <source>Last completion:</source>
        <translation>最後の完了:</translation>
    </message>
    <message>
        <source>Jobs:</source>
        <translation>ジョブ:</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>Takeover Report: %1</source>
        <translation>引き継ぎレポート: %1</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>まだなし</translation>
    </message>
    <message>
        <source>%1 (%2 after %3)</source>
        <translation>%1 (%3 の %2 後)</translation>
    </message>
    <message>
        <source>the last heartbeat</source>
        <translation>最後のハートビート</translation>
    </message>
    <message>
        <source>the mark</source>
        <translation>判定</translation>
    </message>
    <message>
        <source>the first reclaim</source>
        <translation>最初の再取得</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) held, %1 finished since</source>
        <translation>
            <numerusform>保持していたジョブ %n 件、その後 %1 件が完了</numerusform>
        </translation>
    </message>
    <message>
        <source>Jobs taken over</source>
        <translation>引き継がれたジョブ</translation>
    </message>
</context>
<context>
    <name>Cohort::Takeovers</name>
    <message>
        <source>recording the takeover of node %1</source>
        <translation>ノード %1 の引き継ぎの記録</translation>
    </message>
    <message>
        <source>Node %1 is not in the cluster.</source>
        <translation>ノード %1 はクラスターに属していません。</translation>
    </message>
    <message>
        <source>recording the jobs node %1 held</source>
        <translation>ノード %1 が保持していたジョブの記録</translation>
    </message>
    <message>
        <source>reading the takeovers of node %1</source>
        <translation>ノード %1 の引き継ぎの読み取り</translation>
    </message>
    <message>
        <source>reading takeover %1</source>
        <translation>引き継ぎ %1 の読み取り</translation>
    </message>
    <message>
        <source>There is no takeover %1.</source>
        <translation>引き継ぎ %1 はありません。</translation>
    </message>
    <message>
        <source>reading the jobs of takeover %1</source>
        <translation>引き継ぎ %1 のジョブの読み取り</translation>
    </message>
</context>
<context>
    <name>Cohort::TimeCheck</name>
    <message>
        <source>its clock is %1 s ahead of the database&apos;s</source>
        <translation>時刻がデータベースより %1 s 進んでいます</translation>
    </message>
    <message>
        <source>its clock is %1 s behind the database&apos;s</source>
        <translation>時刻がデータベースより %1 s 遅れています</translation>
    </message>
    <message>
        <source>reading the database&apos;s time zone</source>
        <translation>データベースのタイムゾーンの読み取り</translation>
    </message>
    <message>
        <source>The database did not say which time zone it keeps.</source>
        <translation>データベースがタイムゾーンを返しませんでした。</translation>
    </message>
    <message>
        <source>reading the database&apos;s time</source>
        <translation>データベースの時刻の読み取り</translation>
    </message>
    <message>
        <source>The database did not say what time it is.</source>
        <translation>データベースが現在時刻を返しませんでした。</translation>
    </message>
    <message>
        <source>its time zone is %1 (%2), the database&apos;s %3 (%4)</source>
        <translation>タイムゾーンが %1 (%2) ですが、データベースは %3 (%4) です</translation>
    </message>
    <message>
        <source>recording this node&apos;s clock</source>
        <translation>このノードの時刻の記録</translation>
    </message>
    <message>
        <source>Manager Time Out of Sync on node %1: %2.</source>
        <translation>ノード %1 でマネージャーの時刻が同期していません: %2。</translation>
    </message>
</context>
<context>
    <name>Cohort::Users</name>
    <message>
        <source>The user name is empty.</source>
        <translation>ユーザー名が空です。</translation>
    </message>
    <message>
        <source>The user name &quot;%1&quot; is not allowed: use up to 64 letters, digits, &apos;.&apos;, &apos;_&apos;, &apos;@&apos; or &apos;-&apos;, starting with a letter or digit.</source>
        <translation>ユーザー名 &quot;%1&quot; は使用できません。英字、数字、&apos;.&apos;、&apos;_&apos;、&apos;@&apos;、&apos;-&apos; を 64 文字以内で使用し、英字または数字で始めてください。</translation>
    </message>
    <message>
        <source>The full name has %1 characters; at most %2 are allowed.</source>
        <translation>フルネームが %1 文字あります。最大 %2 文字までです。</translation>
    </message>
    <message>
        <source>The full name contains a control character (a line break or tab, for example).</source>
        <translation>フルネームに制御文字 (改行やタブなど) が含まれています。</translation>
    </message>
    <message>
        <source>The full name begins or ends with white space.</source>
        <translation>フルネームの先頭または末尾に空白があります。</translation>
    </message>
    <message>
        <source>The e-mail address has %1 characters; at most %2 are allowed.</source>
        <translation>メールアドレスが %1 文字あります。最大 %2 文字までです。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an e-mail address: it needs one @ with a name before it and a domain after it, and no spaces.</source>
        <translation>&quot;%1&quot; はメールアドレスではありません。@ を 1 つ含み、その前に名前、後にドメインが必要で、空白は使用できません。</translation>
    </message>
    <message>
        <source>creating user %1</source>
        <translation>ユーザー %1 の作成</translation>
    </message>
    <message>
        <source>reading user %1&apos;s id</source>
        <translation>ユーザー %1 の ID の読み取り</translation>
    </message>
    <message>
        <source>User %1 vanished right after it was created.</source>
        <translation>ユーザー %1 は作成直後に消えました。</translation>
    </message>
    <message>
        <source>sealing user %1&apos;s personal data</source>
        <translation>ユーザー %1 の個人データの暗号化</translation>
    </message>
    <message>
        <source>giving user %1 the data key</source>
        <translation>ユーザー %1 へのデータキーの付与</translation>
    </message>
    <message>
        <source>reading the users</source>
        <translation>ユーザーの読み取り</translation>
    </message>
    <message>
        <source>user %1&apos;s full name</source>
        <translation>ユーザー %1 のフルネーム</translation>
    </message>
    <message>
        <source>user %1&apos;s e-mail address</source>
        <translation>ユーザー %1 のメールアドレス</translation>
    </message>
    <message>
        <source>finding user %1</source>
        <translation>ユーザー %1 の検索</translation>
    </message>
    <message>
        <source>There is no user %1.</source>
        <translation>ユーザー %1 は存在しません。</translation>
    </message>
    <message>
        <source>storing user %1&apos;s personal data</source>
        <translation>ユーザー %1 の個人データの保存</translation>
    </message>
    <message>
        <source>setting user %1&apos;s password</source>
        <translation>ユーザー %1 のパスワードの設定</translation>
    </message>
    <message>
        <source>making user %1 an auditor</source>
        <translation>ユーザー %1 の監査者への変更</translation>
    </message>
    <message>
        <source>User %1 was not prepared as an administrator: there is no key pair.</source>
        <translation>ユーザー %1 は管理者として準備されていません: キーペアがありません。</translation>
    </message>
    <message>
        <source>making user %1 an administrator</source>
        <translation>ユーザー %1 の管理者への変更</translation>
    </message>
    <message>
        <source>locking user %1</source>
        <translation>ユーザー %1 のロック</translation>
    </message>
    <message>
        <source>unlocking user %1</source>
        <translation>ユーザー %1 のロック解除</translation>
    </message>
    <message>
        <source>reading user %1&apos;s key</source>
        <translation>ユーザー %1 のキーの読み取り</translation>
    </message>
    <message>
        <source>User %1 holds no copy of the data key; set a new password, which gives one, with &quot;cohortctl users reset-password %1&quot;.</source>
        <translation>ユーザー %1 はデータキーのコピーを保持していません。&quot;cohortctl users reset-password %1&quot; で新しいパスワードを設定すると、コピーが付与されます。</translation>
    </message>
</context>
<context>
    <name>Cohort::UsersCommand</name>
    <message>
        <source>Lists the console&apos;s users, adds one, changes one&apos;s data, password or role, locks one.</source>
        <translation>コンソールのユーザーの一覧表示、追加、データ・パスワード・ロールの変更、ロックを行います。</translation>
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
        <translation>list                  すべてのユーザー。フルネームとメールアドレスはデータキーで
                      暗号化されているため、--secret-file を指定した場合にのみ表示されます。
add NAME              新しいユーザー (--role、既定値は auditor。--full-name、--email)。
set NAME              ユーザーの --full-name または --email を変更します (空の値で削除)。
reset-password NAME   新しいパスワード。ロックも解除します。管理者には新しいキーと
                      データキーのコピーも付与され、コンソールで暗号化データを開けます。
set-role NAME ROLE    administrator または auditor。監査者を管理者にすると、新しい
                      パスワード (--password-file または標準入力)、それで保護された
                      キー、データキーのコピーが付与されます。--secret-file が必要です。
                      管理者を監査者にすると、キーとコピーは失われます。
lock NAME             アカウントをロックします: --minutes の間、またはロック解除まで。
unlock NAME           ロックを解除し、ログイン失敗の記録を消去します。
add、set、reset-password、set-role NAME administrator には --secret-file が必要です。
set-role NAME auditor、lock、unlock には --db だけが必要です。ロックされていない最後の
管理者は監査者への変更もロックもできません。list 以外はすべて監査ログに記録されます。</translation>
    </message>
    <message>
        <source>add: administrator or auditor (default: auditor).</source>
        <translation>add: administrator または auditor (既定値: auditor)。</translation>
    </message>
    <message>
        <source>lock: for this many minutes, from 1 to %1 (default: until unlocked).</source>
        <translation>lock: ロックする分数。1 から %1 まで (既定値: ロック解除まで)。</translation>
    </message>
    <message>
        <source>add, set: the user&apos;s full name.</source>
        <translation>add、set: ユーザーのフルネーム。</translation>
    </message>
    <message>
        <source>add, set: the user&apos;s e-mail address.</source>
        <translation>add、set: ユーザーのメールアドレス。</translation>
    </message>
    <message>
        <source>add, reset-password, set-role NAME administrator: a file whose first line is the password (default: read it from standard input).</source>
        <translation>add、reset-password、set-role NAME administrator: 1 行目がパスワードであるファイル (既定値: 標準入力から読み取り)。</translation>
    </message>
    <message>
        <source>list, add, set, reset-password, set-role, lock or unlock.</source>
        <translation>list、add、set、reset-password、set-role、lock または unlock。</translation>
    </message>
    <message>
        <source>The user (not for list).</source>
        <translation>対象のユーザー (list 以外)。</translation>
    </message>
    <message>
        <source>set-role: administrator or auditor.</source>
        <translation>set-role: administrator または auditor。</translation>
    </message>
    <message>
        <source>give an ACTION: list, add, set, reset-password, set-role, lock or unlock</source>
        <translation>ACTION を指定してください: list、add、set、reset-password、set-role、lock または unlock</translation>
    </message>
    <message>
        <source>unknown ACTION &quot;%1&quot;: use list, add, set, reset-password, set-role, lock or unlock</source>
        <translation>不明な ACTION &quot;%1&quot; です: list、add、set、reset-password、set-role、lock または unlock を使用してください</translation>
    </message>
    <message>
        <source>--minutes is only for lock</source>
        <translation>--minutes は lock でのみ使用できます</translation>
    </message>
    <message>
        <source>list takes no NAME</source>
        <translation>list には NAME を指定できません</translation>
    </message>
    <message>
        <source>set-role needs a NAME and a ROLE (administrator or auditor)</source>
        <translation>set-role には NAME と ROLE (administrator または auditor) が必要です</translation>
    </message>
    <message>
        <source>%1 needs exactly one NAME</source>
        <translation>%1 には NAME を 1 つだけ指定する必要があります</translation>
    </message>
    <message>
        <source>The database holds no cluster.</source>
        <translation>データベースにクラスターがありません。</translation>
    </message>
    <message>
        <source>The database&apos;s schema is at version %1; users&apos; personal data needs version 5. Run &quot;cohortctl migrate&quot; first.</source>
        <translation>データベースのスキーマはバージョン %1 です。ユーザーの個人データにはバージョン 5 が必要です。先に &quot;cohortctl migrate&quot; を実行してください。</translation>
    </message>
    <message>
        <source>(sealed)</source>
        <translation>(暗号化済み)</translation>
    </message>
    <message>
        <source>FULL NAME</source>
        <translation>フルネーム</translation>
    </message>
    <message>
        <source>SEALED DATA</source>
        <translation>暗号化データ</translation>
    </message>
    <message>
        <source>LOCKED UNTIL</source>
        <translation>ロック期限</translation>
    </message>
    <message>
        <source>opens</source>
        <translation>復号可能</translation>
    </message>
    <message>
        <source>no key: reset-password</source>
        <translation>キーなし: reset-password</translation>
    </message>
    <message>
        <source>until unlocked</source>
        <translation>ロック解除まで</translation>
    </message>
    <message>
        <source>--role is only for add; set-role changes a user&apos;s role</source>
        <translation>--role は add でのみ使用できます。ユーザーのロールの変更には set-role を使用します</translation>
    </message>
    <message>
        <source>--full-name and --email are for add and set</source>
        <translation>--full-name と --email は add と set で使用します</translation>
    </message>
    <message>
        <source>set needs --full-name or --email</source>
        <translation>set には --full-name または --email が必要です</translation>
    </message>
    <message>
        <source>set does not change the password; use reset-password</source>
        <translation>set ではパスワードを変更しません。reset-password を使用してください</translation>
    </message>
    <message>
        <source>--role must be administrator or auditor, not &quot;%1&quot;</source>
        <translation>--role は administrator または auditor である必要があります (&quot;%1&quot; は無効です)</translation>
    </message>
    <message>
        <source>There already is a user %1; nothing was changed.</source>
        <translation>ユーザー %1 はすでに存在します。何も変更されませんでした。</translation>
    </message>
    <message>
        <source>There is no user %1.</source>
        <translation>ユーザー %1 は存在しません。</translation>
    </message>
    <message>
        <source>Updated user %1.</source>
        <translation>ユーザー %1 を更新しました。</translation>
    </message>
    <message>
        <source>Password for %1: </source>
        <translation>%1 のパスワード: </translation>
    </message>
    <message>
        <source>Added %1 %2.</source>
        <translation>%1 %2 を追加しました。</translation>
    </message>
    <message>
        <source>Set a new password for %1; the account is unlocked.</source>
        <translation>%1 に新しいパスワードを設定しました。アカウントのロックは解除されています。</translation>
    </message>
    <message>
        <source>--%1 does not apply to set-role</source>
        <translation>--%1 は set-role には使用できません</translation>
    </message>
    <message>
        <source>the ROLE must be administrator or auditor, not &quot;%1&quot;</source>
        <translation>ROLE は administrator または auditor である必要があります (&quot;%1&quot; は無効です)</translation>
    </message>
    <message>
        <source>--password-file is for set-role NAME administrator; an auditor&apos;s password stays</source>
        <translation>--password-file は set-role NAME administrator 用です。監査者のパスワードは変更されません</translation>
    </message>
    <message>
        <source>%1 is now an auditor; its key and copy of the data key are gone.</source>
        <translation>%1 は監査者になりました。キーとデータキーのコピーは削除されました。</translation>
    </message>
    <message>
        <source>%1 is already an administrator; nothing was changed.</source>
        <translation>%1 はすでに管理者です。何も変更されませんでした。</translation>
    </message>
    <message>
        <source>New password for %1: </source>
        <translation>%1 の新しいパスワード: </translation>
    </message>
    <message>
        <source>%1 is now an administrator, with a new password that opens the data key.</source>
        <translation>%1 は管理者になりました。新しいパスワードでデータキーを開けます。</translation>
    </message>
    <message>
        <source>--%1 does not apply to %2</source>
        <translation>--%1 は %2 には使用できません</translation>
    </message>
    <message>
        <source>--minutes must be a whole number from 1 to %1, not &quot;%2&quot;</source>
        <translation>--minutes は 1 から %1 までの整数である必要があります (&quot;%2&quot; は無効です)</translation>
    </message>
    <message>
        <source>Unlocked %1.</source>
        <translation>%1 のロックを解除しました。</translation>
    </message>
    <message numerus="yes">
        <source>Locked %1 for %n minute(s).</source>
        <translation>
            <numerusform>%1 を %n 分間ロックしました。</numerusform>
        </translation>
    </message>
    <message>
        <source>Locked %1 until it is unlocked.</source>
        <translation>%1 をロック解除までロックしました。</translation>
    </message>
    <message>
        <source>NAME</source>
        <comment>table heading</comment>
        <translation>名前</translation>
    </message>
    <message>
        <source>ROLE</source>
        <comment>table heading</comment>
        <translation>ロール</translation>
    </message>
    <message>
        <source>E-MAIL</source>
        <comment>table heading</comment>
        <translation>メール</translation>
    </message>
</context>
<context>
    <name>Cohort::UsersPage</name>
    <message>
        <source>&amp;Edit…</source>
        <translation>編集(&amp;E)…</translation>
    </message>
    <message>
        <source>A sealed value does not open: %1</source>
        <translation>暗号化された値を復号できません: %1</translation>
    </message>
    <message>
        <source>Auditors cannot change users.</source>
        <translation>監査者はユーザーを変更できません。</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>ユーザー</translation>
    </message>
    <message>
        <source>The people who may sign in to the console, with their roles.</source>
        <translation>コンソールにログインできるユーザーとそのロール。</translation>
    </message>
</context>
<context>
    <name>Cohort::UsersTableModel</name>
    <message>
        <source>Sealed with the cluster&apos;s data key: only an administrator holding a copy of the key sees it.</source>
        <translation>クラスターのデータキーで暗号化されています。キーのコピーを保持する管理者だけが表示できます。</translation>
    </message>
    <message>
        <source>This administrator holds no copy of the data key; &quot;cohortctl users reset-password %1&quot; gives one.</source>
        <translation>この管理者はデータキーのコピーを保持していません。&quot;cohortctl users reset-password %1&quot; で付与できます。</translation>
    </message>
    <message>
        <source>Locked until %1</source>
        <translation>%1 までロック</translation>
    </message>
    <message numerus="yes">
        <source>Active (%n failed sign-in(s))</source>
        <translation>
            <numerusform>有効 (ログイン失敗 %n 回)</numerusform>
        </translation>
    </message>
    <message>
        <source>Holds a copy</source>
        <translation>コピーあり</translation>
    </message>
    <message>
        <source>No copy</source>
        <translation>コピーなし</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>フルネーム</translation>
    </message>
    <message>
        <source>Data key</source>
        <translation>データキー</translation>
    </message>
    <message>
        <source>Administrator</source>
        <comment>role</comment>
        <translation>管理者</translation>
    </message>
    <message>
        <source>Auditor</source>
        <comment>role</comment>
        <translation>監査者</translation>
    </message>
    <message>
        <source>Sealed</source>
        <comment>value not shown to an auditor</comment>
        <translation>暗号化済み</translation>
    </message>
    <message>
        <source>Active</source>
        <comment>user state</comment>
        <translation>有効</translation>
    </message>
    <message>
        <source>User</source>
        <comment>column heading</comment>
        <translation>ユーザー</translation>
    </message>
    <message>
        <source>Role</source>
        <comment>column heading</comment>
        <translation>ロール</translation>
    </message>
    <message>
        <source>E-mail</source>
        <comment>column heading</comment>
        <translation>メール</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>column heading</comment>
        <translation>ステータス</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Administers a Cohort cluster.</source>
        <translation>Cohort クラスターを管理します。</translation>
    </message>
    <message>
        <source>The cluster&apos;s database URL.</source>
        <translation>クラスターのデータベース URL。</translation>
    </message>
    <message>
        <source>The user name to sign in as.</source>
        <translation>ログインするユーザー名。</translation>
    </message>
    <message>
        <source>Sign in at once with the password in this file (its first line).</source>
        <translation>このファイルのパスワード (1 行目) ですぐにログインします。</translation>
    </message>
    <message>
        <source>Save a picture of each page into this folder, print the files and quit.</source>
        <translation>各ページの画像をこのフォルダーに保存し、ファイル名を出力して終了します。</translation>
    </message>
    <message>
        <source>cohort-console: error: unknown page &quot;%1&quot;; one of: %2</source>
        <translation>cohort-console: エラー: 不明なページ &quot;%1&quot; です。次のいずれかを指定してください: %2</translation>
    </message>
    <message>
        <source>cohort-console: error: cannot read the password file %1: %2</source>
        <translation>cohort-console: エラー: パスワードファイル %1 を読み取れません: %2</translation>
    </message>
    <message>
        <source>cohort-console: error: --password-file needs --db, --user and a non-empty first line</source>
        <translation>cohort-console: エラー: --password-file には --db、--user、および空でない 1 行目が必要です</translation>
    </message>
    <message>
        <source>cohort-console: error: --screenshots needs --password-file</source>
        <translation>cohort-console: エラー: --screenshots には --password-file が必要です</translation>
    </message>
    <message>
        <source>cohort-node: error: %1 (see --help)</source>
        <translation>cohort-node: エラー: %1 (--help を参照してください)</translation>
    </message>
    <message>
        <source>cohort-node: error: %1</source>
        <translation>cohort-node: エラー: %1</translation>
    </message>
    <message>
        <source>Speak this language for this run (en, de, ja), not the one in the settings.</source>
        <translation>この実行でのみ、設定の言語の代わりにこの言語 (en、de、ja) を使用します。</translation>
    </message>
    <message>
        <source>Use this theme for this run: system, light or dark.</source>
        <translation>この実行でのみ、このテーマを使用します: system、light、dark。</translation>
    </message>
    <message>
        <source>cohort-console: error: no language &quot;%1&quot;; one of: %2</source>
        <translation>cohort-console: エラー: 言語「%1」はありません。次のいずれかを指定してください: %2</translation>
    </message>
    <message>
        <source>cohort-console: error: no theme &quot;%1&quot;; one of: %2</source>
        <translation>cohort-console: エラー: テーマ「%1」はありません。次のいずれかを指定してください: %2</translation>
    </message>
    <message>
        <source>The page to show first: nodes, agents, system-information, alerts, audit-log, users, settings, consistency.</source>
        <translation>最初に表示するページ: nodes、agents、system-information、alerts、audit-log、users、settings、consistency。</translation>
    </message>
</context>
</TS>
