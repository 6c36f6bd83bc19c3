#include "consolescenario.h"

#include "authentication.h"
#include "churnthread.h"
#include "consoleundertest.h"
#include "eventloopprobe.h"
#include "freshcluster.h"
#include "guitimeline.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "noderegistry.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "seed.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTableView>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

Q_LOGGING_CATEGORY(lcConsoleBench, "cohort.bench.console")

// --experiment stats-index: what the Manager Nodes query's per-node sum over the last
// hour of job_stats reads with an index that starts with the node.
const QString StatsIndex = u"CREATE INDEX bench_job_stats_node_minute ON job_stats (node_guid, minute)"_s;
// --experiment jit-off (PostgreSQL): the query without just-in-time compilation, which
// the planner turns on when a plan's estimated cost passes jit_above_cost. %1: the
// database, a name the harness made.
const QString JitOff = u"ALTER DATABASE %1 SET jit = off"_s;

constexpr int LoginTimeoutMs = 60000;
constexpr int RoundTimeoutMs = 30000;
constexpr int RepaintTimeoutMs = 2000;
constexpr int QuietPollMs = 3600 * 1000; // during the measured rounds only refreshNow() polls
constexpr int DirectSamples = 5;         // Authentication::login and NodeRegistry::list alone

Error benchError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

struct RunFigures
{
    // Per measured refresh.
    QList<double> readMs;      // snapshot.readMs: the round on the worker
    QList<double> deliveryMs;  // the GUI thread handling the snapshot
    QList<double> handlersMs;  // first to last snapshotChanged handler
    QList<double> repaintMs;   // the dispatch in which the Manager Nodes view repainted
    QList<double> longestMs;   // the longest GUI-thread event from refreshNow() to the repaint
    QList<double> probeLateMs; // every probe tick
    qint64 rowsChanged = 0;
    int missingRepaints = 0;

    // Login.
    double loginToPageMs = 0;
    double signInMs = 0;          // signIn() .. loginFinished
    double windowMs = 0;          // loginFinished handlers: the main window built and shown
    double toSnapshotMs = 0;      // .. the first snapshot reaches the GUI thread
    double firstRoundMs = 0;      // its readMs
    double firstDeliveryMs = 0;   // the GUI thread handling it
    double deliveryToPaintMs = 0; // .. the first paint with every node
    double loginLongestMs = 0;    // the longest GUI-thread event from signIn() to the first page
    QString loginLongestWhat;
    QString longestWhat; // the longest GUI-thread event of all refreshes

    double connectMs = 0;        // opening a connection (and its first statement), median
    double authenticationMs = 0; // Authentication::login alone, median
    double listMs = 0;           // NodeRegistry::list alone, median
};

Result<RunFigures> consoleRun(Backend backend, Test::PostgresServer *server,
                              const ConsoleBenchSettings &settings, TimedApplication &app)
{
    RunFigures figures;

    // A fresh cluster database; destroyed last, after every connection to it is closed.
    auto fresh = FreshCluster::create(backend, server, u"console"_s, consoleSeedPlan(settings.nodes));
    if (!fresh)
        return fresh.error();
    FreshCluster &cluster = **fresh;
    if (settings.experiments.contains(u"stats-index"_s)) {
        if (auto indexed = cluster.database().exec(StatsIndex); !indexed)
            return indexed.error();
    }
    if (settings.experiments.contains(u"jit-off"_s) && backend == Backend::Postgres) {
        // For the connections opened from now on: the console's and the direct ones.
        if (auto altered = cluster.database().exec(JitOff.arg(cluster.postgresName())); !altered)
            return altered.error();
    }

    ChurnThread churnThread(cluster.url(), cluster.seed().nodes);

    GuiTimeline timeline(app);
    timeline.expectedRows = settings.nodes;
    const auto console = ConsoleUnderTest::create(cluster.url(), settings.pollMs, timeline);
    ClusterClient &client = console->client();
    QObject context; // owns the benchmark's connections; declared after what they use

    // The first loginFinished handler: connected before the login dialog's, which opens
    // the main window.
    qint64 loginFinishedNs = 0;
    QObject::connect(&client, &ClusterClient::loginFinished, &context,
                     [&] { loginFinishedNs = app.nowNs(); });
    auto login = console->showLogin();
    if (!login)
        return login.error();

    bool loginDone = false;
    bool loginOk = false;
    QString loginError;
    qint64 windowShownNs = 0;
    // Runs after the login dialog's own handler, which opened the main window.
    QObject::connect(&client, &ClusterClient::loginFinished, &context, [&](bool ok, const QString &error) {
        loginDone = true;
        loginOk = ok;
        loginError = error;
        windowShownNs = app.nowNs();
        MainWindow *window = console->mainWindow();
        if (!ok || !window)
            return;
        NodesPage *page = window->nodesPage();
        timeline.viewport = page->view()->viewport();
        timeline.nodes = page->model();
        QObject::connect(page->model(), &QAbstractItemModel::dataChanged, &context,
                         [&](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                             figures.rowsChanged += bottomRight.row() - topLeft.row() + 1;
                         });
    });

    timeline.longestNs = 0;
    const qint64 signInNs = app.nowNs();
    (*login)->signIn();
    timeline.spin([&] { return (loginDone && !loginOk) || timeline.firstFullPaintEndNs > 0; },
                  LoginTimeoutMs);
    if (interrupted())
        return interruptedError();
    if (!loginDone)
        return benchError(u"the login did not finish within %1 s"_s.arg(LoginTimeoutMs / 1000));
    if (!loginOk)
        return benchError(u"the login failed: "_s + loginError);
    if (timeline.firstFullPaintEndNs == 0 || timeline.deliveryEndNs.isEmpty())
        return benchError(
            u"the Manager Nodes page did not show %1 nodes within %2 s (it has %3)"_s.arg(settings.nodes)
                .arg(LoginTimeoutMs / 1000)
                .arg(timeline.nodes ? timeline.nodes->rowCount() : -1));
    figures.loginToPageMs = ms(timeline.firstFullPaintEndNs - signInNs);
    figures.signInMs = ms(loginFinishedNs - signInNs);
    figures.windowMs = ms(windowShownNs - loginFinishedNs);
    figures.toSnapshotMs = ms(timeline.deliveryStartNs.first() - windowShownNs);
    figures.firstRoundMs = timeline.readMsList.first();
    figures.firstDeliveryMs = ms(timeline.deliveryEndNs.first() - timeline.deliveryStartNs.first());
    figures.deliveryToPaintMs = ms(timeline.firstFullPaintEndNs - timeline.deliveryEndNs.first());
    figures.loginLongestMs = ms(timeline.longestNs);
    figures.loginLongestWhat = timeline.longestWhat();

    // The refreshes: the cluster changes (on the churn thread), then one round.
    client.setPollInterval(QuietPollMs);
    EventLoopProbe probe(settings.probeMs);
    for (int round = 0; round < settings.warmupRounds + settings.rounds; ++round) {
        const bool measured = round >= settings.warmupRounds;
        if (measured && !probe.isActive()) {
            figures.rowsChanged = 0;
            probe.start();
        }
        if (auto changed = churnThread.change(round, timeline); !changed)
            return changed.error();

        const qsizetype before = timeline.deliveryEndNs.size();
        timeline.longestNs = 0;
        timeline.lastRepaintNs = 0;
        client.refreshNow();
        if (!timeline.spin([&] { return timeline.deliveryEndNs.size() > before; }, RoundTimeoutMs)) {
            return interrupted() ? interruptedError()
                                 : benchError(u"refresh %1 brought no snapshot (%2)"_s.arg(round).arg(
                                     client.stateMessage()));
        }
        const qint64 deliveredNs = timeline.deliveryEndNs.last();
        const bool repainted =
            timeline.spin([&] { return timeline.lastPaintEndNs > deliveredNs; }, RepaintTimeoutMs);
        if (interrupted())
            return interruptedError();
        if (client.snapshot().nodes.size() != settings.nodes)
            return benchError(u"a snapshot held %1 nodes, not %2"_s.arg(client.snapshot().nodes.size())
                                  .arg(settings.nodes));
        if (!measured)
            continue;
        figures.readMs.append(timeline.readMsList.last());
        figures.deliveryMs.append(ms(timeline.deliveryEndNs.last() - timeline.deliveryStartNs.last()));
        figures.handlersMs.append(ms(timeline.handlersNs.last()));
        if (figures.longestMs.isEmpty() || ms(timeline.longestNs) > maximum(figures.longestMs))
            figures.longestWhat = timeline.longestWhat();
        figures.longestMs.append(ms(timeline.longestNs));
        if (repainted)
            figures.repaintMs.append(ms(timeline.lastRepaintNs));
        else
            ++figures.missingRepaints;
        if (settings.verbose) {
            say(u"      refresh %1: worker %2 ms, GUI thread %3 ms, repaint %4 ms, longest event %5 ms"_s
                    .arg(round - settings.warmupRounds + 1)
                    .arg(formatNumber(figures.readMs.last(), 0), formatNumber(figures.deliveryMs.last(), 2),
                         repainted ? formatNumber(figures.repaintMs.last(), 2) : u"–"_s,
                         formatNumber(figures.longestMs.last(), 2)));
        }
    }
    probe.stop();
    figures.probeLateMs = probe.lateMs;
    if (figures.missingRepaints > 0)
        qCWarning(lcConsoleBench) << figures.missingRepaints
                                  << "refreshes did not repaint the Manager Nodes view";

    // The slow parts alone, on this thread's own connection (the probe is off).
    QList<double> connecting;
    std::unique_ptr<Database> direct;
    for (int i = 0; i < DirectSamples; ++i) {
        QElapsedTimer clock;
        clock.start();
        auto opened = Database::fromUrl(cluster.url());
        if (!opened)
            return opened.error();
        if (auto first = (*opened)->exec(u"SELECT 1"_s); !first)
            return first.error();
        connecting.append(ms(clock.nsecsElapsed()));
        direct = std::move(opened).value(); // the last one stays open for what follows
    }
    QList<double> authentication;
    QList<double> listing;
    for (int i = 0; i < DirectSamples; ++i) {
        QElapsedTimer clock;
        clock.start();
        auto session = Authentication::login(*direct, ConsoleUnderTest::User, ConsoleUnderTest::Password);
        authentication.append(ms(clock.nsecsElapsed()));
        if (!session)
            return session.error();
        clock.restart();
        auto nodes = NodeRegistry::list(*direct);
        listing.append(ms(clock.nsecsElapsed()));
        if (!nodes)
            return nodes.error();
    }
    figures.connectMs = median(connecting);
    figures.authenticationMs = median(authentication);
    figures.listMs = median(listing);
    return figures;
}

} // namespace

QList<QPair<QString, QString>> consoleExperiments()
{
    return {
        {u"stats-index"_s, u"an index on job_stats (node_guid, minute), which the schema does not have"_s},
        {u"jit-off"_s,
         u"PostgreSQL: jit = off for the cluster's database (ALTER DATABASE ... SET jit = off)"_s},
    };
}

QList<Measurement> consoleScenario(Backend backend, Test::PostgresServer *server,
                                   const ConsoleBenchSettings &settings, TimedApplication &app)
{
    QStringList applied = settings.experiments;
    if (backend != Backend::Postgres)
        applied.removeAll(u"jit-off"_s);
    const QString label =
        (backend == Backend::Postgres ? u"PostgreSQL"_s : u"SQLite"_s)
        + (applied.isEmpty() ? QString() : u" **[experiment: %1]**"_s.arg(applied.join(u", "_s)));
    const auto row = [&label](const QString &name, int decimals) {
        return Measurement(label + u": "_s + name, u"ms"_s, decimals);
    };
    const auto target = [&label](const QString &name, int decimals, double limit, const QString &text,
                                 bool everyRun) {
        Measurement measurement(label + u": "_s + name, u"ms"_s, decimals, Goal::AtMost, limit, text);
        measurement.everyRun = everyRun;
        return measurement;
    };
    Measurement readMedian = target(u"Manager Nodes refresh on the worker (snapshot.readMs), median"_s, 1, 50,
                                    u"< 50 ms"_s, false);
    Measurement readP95 = target(u"refresh on the worker, p95"_s, 1, 50, u"< 50 ms"_s, false);
    Measurement readMax = row(u"refresh on the worker, max"_s, 1);
    Measurement listAlone = row(u"  NodeRegistry::list alone (the nodes query of a round), median"_s, 1);
    Measurement deliveryMedian =
        row(u"GUI thread handling a snapshot (the queued call, all handlers), median"_s, 2);
    Measurement deliveryMax = target(u"GUI thread handling a snapshot, max"_s, 2, 16, u"≤ 16 ms"_s, true);
    Measurement handlersMax = row(u"  snapshotChanged handlers alone, max"_s, 2);
    Measurement repaintMedian = row(u"GUI thread repainting after a snapshot, median"_s, 2);
    Measurement longestMax = target(u"longest GUI-thread event per refresh (snapshot or repaint), max"_s, 2,
                                    16, u"≤ 16 ms"_s, true);
    Measurement probeMax = target(u"event-loop probe (%1 ms timer) lateness, max"_s.arg(settings.probeMs), 2,
                                  16, u"≤ 16 ms"_s, true);
    Measurement probeP99 = row(u"event-loop probe lateness, p99"_s, 2);
    Measurement loginToPage =
        target(u"login to first page (signIn() to the view painted with %1 nodes)"_s.arg(settings.nodes), 0,
               1000, u"< 1 s"_s, false);
    Measurement signIn = row(u"  signIn() to loginFinished (connect, scrypt check, audit entry)"_s, 0);
    Measurement window = row(u"  main window built and shown (in the loginFinished handlers)"_s, 0);
    Measurement toSnapshot = row(u"  then to the first snapshot on the GUI thread"_s, 0);
    Measurement firstRound = row(u"    of which the first round on the worker (readMs)"_s, 0);
    Measurement firstDelivery =
        row(u"  first snapshot on the GUI thread (with resizeColumnsToContents)"_s, 1);
    Measurement toPaint = row(u"  then to the first paint with every node"_s, 1);
    Measurement loginLongest = row(u"longest GUI-thread event from signIn() to the first page"_s, 1);
    Measurement connection = row(u"opening a database connection alone, median"_s, 1);
    Measurement authentication = row(u"Authentication::login alone (scrypt N=2^14), median"_s, 0);

    for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
        say(u"  %1, run %2 of %3"_s.arg(label).arg(run).arg(settings.runs));
        auto figures = consoleRun(backend, server, settings, app);
        if (!figures) {
            say(u"    failed: "_s + figures.message());
            readMedian.notes << u"run %1 failed: %2"_s.arg(run).arg(figures.message());
            continue;
        }
        const RunFigures &f = *figures;
        readMedian.runs << median(f.readMs);
        readP95.runs << percentile(f.readMs, 0.95);
        readMax.runs << maximum(f.readMs);
        listAlone.runs << f.listMs;
        deliveryMedian.runs << median(f.deliveryMs);
        deliveryMax.runs << maximum(f.deliveryMs);
        handlersMax.runs << maximum(f.handlersMs);
        repaintMedian.runs << median(f.repaintMs);
        longestMax.runs << maximum(f.longestMs);
        probeMax.runs << maximum(f.probeLateMs);
        probeP99.runs << percentile(f.probeLateMs, 0.99);
        loginToPage.runs << f.loginToPageMs;
        signIn.runs << f.signInMs;
        window.runs << f.windowMs;
        toSnapshot.runs << f.toSnapshotMs;
        firstRound.runs << f.firstRoundMs;
        firstDelivery.runs << f.firstDeliveryMs;
        toPaint.runs << f.deliveryToPaintMs;
        loginLongest.runs << f.loginLongestMs;
        connection.runs << f.connectMs;
        authentication.runs << f.authenticationMs;
        if (f.missingRepaints > 0)
            repaintMedian.notes << u"run %1: %2 of %3 refreshes did not repaint the view"_s.arg(run)
                                       .arg(f.missingRepaints)
                                       .arg(settings.rounds);
        say(u"    %1 refreshes: worker median %2 ms, p95 %3, max %4 (nodes query alone %5 ms); GUI thread "
            "per snapshot median %6 ms, max %7; repaint median %8 ms; longest GUI event %9 ms; probe max "
            "late %10 ms; %11 rows changed per refresh; the longest GUI event was %12"_s.arg(settings.rounds)
                .arg(formatNumber(median(f.readMs), 1), formatNumber(percentile(f.readMs, 0.95), 1),
                     formatNumber(maximum(f.readMs), 1), formatNumber(f.listMs, 1),
                     formatNumber(median(f.deliveryMs), 2), formatNumber(maximum(f.deliveryMs), 2),
                     formatNumber(median(f.repaintMs), 2), formatNumber(maximum(f.longestMs), 2))
                .arg(formatNumber(maximum(f.probeLateMs), 2),
                     formatNumber(double(f.rowsChanged) / settings.rounds, 0), f.longestWhat));
        say(u"    login to first page %1 ms: sign-in %2 ms (a connection alone %3 ms, Authentication::login "
            "alone %4 ms), main window %5 ms, then %6 ms to the first snapshot (its round %7 ms), %8 ms "
            "handling it, %9 ms to the paint; longest GUI event %10 ms (%11)"_s
                .arg(formatNumber(f.loginToPageMs, 0), formatNumber(f.signInMs, 0),
                     formatNumber(f.connectMs, 1), formatNumber(f.authenticationMs, 0),
                     formatNumber(f.windowMs, 0), formatNumber(f.toSnapshotMs, 0),
                     formatNumber(f.firstRoundMs, 0), formatNumber(f.firstDeliveryMs, 1),
                     formatNumber(f.deliveryToPaintMs, 1))
                .arg(formatNumber(f.loginLongestMs, 1), f.loginLongestWhat));
    }
    return {readMedian,    readP95,    readMax,       listAlone, deliveryMedian, deliveryMax, handlersMax,
            repaintMedian, longestMax, probeMax,      probeP99,  loginToPage,    signIn,      window,
            toSnapshot,    firstRound, firstDelivery, toPaint,   loginLongest,   connection,  authentication};
}

} // namespace Cohort::Bench
