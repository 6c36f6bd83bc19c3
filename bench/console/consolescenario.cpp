#include "consolescenario.h"

#include "authentication.h"
#include "churn.h"
#include "clusterclient.h"
#include "consolesettings.h"
#include "consoleshell.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "noderegistry.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "postgresserver.h"
#include "seed.h"
#include "testcluster.h"
#include "timedapplication.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QScopeGuard>
#include <QSettings>
#include <QTableView>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

Q_LOGGING_CATEGORY(lcConsoleBench, "cohort.bench.console")

// TestCluster's first administrator (tests/harness/testcluster.cpp).
const QString AdminUser = u"admin"_s;
const QString AdminPassword = u"correct horse battery"_s;

// --experiment stats-index: what the Manager Nodes query's per-node sum over the last
// hour of job_stats reads with an index that starts with the node.
const QString StatsIndex = u"CREATE INDEX bench_job_stats_node_minute ON job_stats (node_guid, minute)"_s;
// --experiment jit-off (PostgreSQL): the query without just-in-time compilation, which
// the planner turns on when a plan's estimated cost passes jit_above_cost. %1: the
// database, a name the harness made.
const QString JitOff = u"ALTER DATABASE %1 SET jit = off"_s;

constexpr int SettleMs = 300; // the login dialog shows and paints before the clock starts
constexpr int LoginTimeoutMs = 60000;
constexpr int RoundTimeoutMs = 30000;
constexpr int RepaintTimeoutMs = 2000;
constexpr int QuietPollMs = 3600 * 1000; // during the measured rounds only refreshNow() polls
constexpr int DirectSamples = 5;         // Authentication::login and NodeRegistry::list alone

void progress(const QString &line)
{
    QTextStream out(stdout);
    out << line << Qt::endl;
}

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

double maximum(const QList<double> &values)
{
    return values.isEmpty() ? std::nan("") : *std::max_element(values.cbegin(), values.cend());
}

Error benchError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

// What the GUI thread did, as TimedApplication reports it: each snapshot handed over by
// the worker (the queued call into ClusterClient that emits snapshotChanged), each paint
// of the Manager Nodes view, and the longest event since the caller last reset it.
class GuiTimeline
{
public:
    explicit GuiTimeline(TimedApplication &app)
        : m_app(app)
    {
        m_app.setObserver([this](const TimedApplication::Dispatch &dispatch) { observe(dispatch); });
    }
    ~GuiTimeline() { m_app.setObserver({}); }
    GuiTimeline(const GuiTimeline &) = delete;
    GuiTimeline &operator=(const GuiTimeline &) = delete;

    // Set by the first and the last snapshotChanged handler.
    void handlersStarted(qint64 readMs)
    {
        m_snapshotPending = true;
        m_handlersStartNs = m_app.nowNs();
        readMsList.append(double(readMs));
    }
    void handlersEnded() { m_handlersEndNs = m_app.nowNs(); }

    // Runs the event loop until done() holds (checked after each event), the timeout
    // passes or the benchmark is interrupted. Returns done().
    bool spin(const std::function<bool()> &done, int timeoutMs)
    {
        if (done())
            return true;
        QEventLoop loop;
        QTimer timeout;
        timeout.setSingleShot(true);
        QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
        QTimer watchdog;
        QObject::connect(&watchdog, &QTimer::timeout, &loop, [&loop] {
            if (interrupted())
                loop.quit();
        });
        timeout.start(timeoutMs);
        watchdog.start(100);
        m_loop = &loop;
        m_until = done;
        loop.exec();
        m_loop = nullptr;
        m_until = nullptr;
        return done();
    }

    QWidget *viewport = nullptr;
    const QAbstractItemModel *nodes = nullptr;
    int expectedRows = 0;

    // One entry per snapshot handed over.
    QList<double> readMsList;
    QList<qint64> deliveryStartNs;
    QList<qint64> deliveryEndNs;
    QList<qint64> handlersNs;

    qint64 lastPaintEndNs = 0;      // the view's latest paint event
    qint64 lastRepaintNs = 0;       // the event loop's dispatch that contained it
    qint64 firstFullPaintEndNs = 0; // the first paint with every node in the model
    qint64 longestNs = 0;           // the longest dispatch since the caller reset it

    // The longest dispatch's event type and receiver class, as "UpdateRequest to QWidgetWindow".
    QString longestWhat() const
    {
        if (!m_longestClass)
            return {};
        const QMetaEnum types =
            QEvent::staticMetaObject.enumerator(QEvent::staticMetaObject.indexOfEnumerator("Type"));
        const char *type = types.valueToKey(m_longestType);
        return u"%1 to %2"_s.arg(type ? QString::fromLatin1(type) : QString::number(int(m_longestType)),
                                 QString::fromLatin1(m_longestClass));
    }

private:
    void observe(const TimedApplication::Dispatch &dispatch)
    {
        if (viewport && dispatch.receiver == viewport && dispatch.type == QEvent::Paint) {
            lastPaintEndNs = dispatch.endNs;
            m_paintedInDispatch = true;
            if (firstFullPaintEndNs == 0 && nodes && nodes->rowCount() >= expectedRows)
                firstFullPaintEndNs = dispatch.endNs;
        }
        if (dispatch.depth > 0)
            return;
        const qint64 tookNs = dispatch.endNs - dispatch.startNs;
        if (tookNs > longestNs) {
            longestNs = tookNs;
            m_longestType = dispatch.type;
            m_longestClass = dispatch.className;
        }
        if (m_paintedInDispatch) {
            m_paintedInDispatch = false;
            lastRepaintNs = tookNs;
        }
        if (m_snapshotPending) {
            // The dispatch that ran the snapshotChanged handlers: ClusterClient's queued
            // call from the worker, with the copy of the snapshot and every handler.
            m_snapshotPending = false;
            deliveryStartNs.append(dispatch.startNs);
            deliveryEndNs.append(dispatch.endNs);
            handlersNs.append(m_handlersEndNs > m_handlersStartNs ? m_handlersEndNs - m_handlersStartNs : 0);
        }
        if (m_loop && m_until && m_until())
            m_loop->quit();
    }

    TimedApplication &m_app;
    QEvent::Type m_longestType = QEvent::None;
    const char *m_longestClass = nullptr; // a class name: static, outlives the object
    bool m_snapshotPending = false;
    bool m_paintedInDispatch = false;
    qint64 m_handlersStartNs = 0;
    qint64 m_handlersEndNs = 0;
    QEventLoop *m_loop = nullptr;
    std::function<bool()> m_until;
};

// ClusterChurn on a thread of its own, stopped (connection closed) on the way out.
class ChurnThread
{
public:
    ChurnThread(const QString &url, const QList<SeededNode> &nodes)
        : m_churn(new ClusterChurn(url, nodes))
    {
        m_thread.setObjectName(u"bench-churn"_s);
        m_churn->moveToThread(&m_thread);
        m_thread.start();
    }
    ~ChurnThread()
    {
        QMetaObject::invokeMethod(
            m_churn.get(), [churn = m_churn.get()] { churn->close(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    ChurnThread(const ChurnThread &) = delete;
    ChurnThread &operator=(const ChurnThread &) = delete;

    ClusterChurn *churn() const { return m_churn.get(); }

private:
    QThread m_thread;
    std::unique_ptr<ClusterChurn> m_churn; // deleted after the thread ended
};

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
    std::unique_ptr<Test::TestCluster> cluster;
    QString postgresName;
    const auto dropCluster = qScopeGuard([&] {
        cluster.reset();
        if (server && !postgresName.isEmpty())
            (void)server->dropDatabase(postgresName);
    });
    QElapsedTimer setupClock;
    setupClock.start();
    if (backend == Backend::Postgres) {
        auto name = server->createDatabase(u"console"_s);
        if (!name)
            return name.error();
        postgresName = *name;
        auto created = Test::TestCluster::createAt(server->url(postgresName), u"console"_s);
        if (!created)
            return created.error();
        cluster = std::move(created).value();
    } else {
        auto created = Test::TestCluster::create(Backend::Sqlite, u"console"_s);
        if (!created)
            return created.error();
        cluster = std::move(created).value();
    }
    auto seed = seedCluster(cluster->database(), settings.nodes);
    if (!seed)
        return seed.error();
    if (settings.experiments.contains(u"stats-index"_s)) {
        if (auto indexed = cluster->database().exec(StatsIndex); !indexed)
            return indexed.error();
    }
    if (settings.experiments.contains(u"jit-off"_s) && backend == Backend::Postgres) {
        // For the connections opened from now on: the console's and the direct ones.
        if (auto altered = cluster->database().exec(JitOff.arg(postgresName)); !altered)
            return altered.error();
    }
    if (backend == Backend::Postgres) {
        // What autovacuum has long done in a cluster that has been running for a while.
        if (auto analyzed = cluster->database().exec(u"ANALYZE"_s); !analyzed)
            return analyzed.error();
    }
    progress(u"    cluster: %1 (set up in %2 s)"_s.arg(
        seed->describe(), formatNumber(ms(setupClock.nsecsElapsed()) / 1000, 1)));

    ChurnThread churnThread(cluster->url(), seed->nodes);
    bool churned = false;
    QString churnError;

    // The console as its users get it, with nothing remembered from an earlier run.
    QFile::remove(
        QSettings(QSettings::IniFormat, QSettings::UserScope, u"Cohort"_s, u"cohort-console"_s).fileName());
    GuiTimeline timeline(app);
    timeline.expectedRows = settings.nodes;
    ClusterClient client;
    client.setPollInterval(settings.pollMs);
    ConsoleSettings consoleSettings;
    ConsoleShell::Options options;
    options.databaseUrl = cluster->url();
    options.user = AdminUser;
    auto shell = std::make_unique<ConsoleShell>(client, consoleSettings, options);
    QObject context; // owns the benchmark's connections; declared after what they use
    const auto closeWindows = qScopeGuard([&] {
        timeline.viewport = nullptr;
        timeline.nodes = nullptr;
        client.logout();
        shell.reset();
    });

    QObject::connect(churnThread.churn(), &ClusterChurn::churned, &context, [&](int, const QString &error) {
        churned = true;
        churnError = error;
    });
    // The first snapshotChanged handler: connected before the main window's.
    QObject::connect(&client, &ClusterClient::snapshotChanged, &context,
                     [&] { timeline.handlersStarted(client.snapshot().readMs); });
    // The first loginFinished handler: connected before the login dialog's, which opens
    // the main window.
    qint64 loginFinishedNs = 0;
    QObject::connect(&client, &ClusterClient::loginFinished, &context,
                     [&] { loginFinishedNs = app.nowNs(); });
    shell->start();
    timeline.spin([] { return false; }, SettleMs);
    LoginDialog *login = shell->loginDialog();
    if (!login)
        return benchError(u"the console showed no login dialog"_s);

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
        MainWindow *window = shell->mainWindow();
        if (!ok || !window)
            return;
        NodesPage *page = window->nodesPage();
        timeline.viewport = page->view()->viewport();
        timeline.nodes = page->model();
        // The last snapshotChanged handler: after the main window's.
        QObject::connect(&client, &ClusterClient::snapshotChanged, &context,
                         [&] { timeline.handlersEnded(); });
        QObject::connect(page->model(), &QAbstractItemModel::dataChanged, &context,
                         [&](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                             figures.rowsChanged += bottomRight.row() - topLeft.row() + 1;
                         });
    });

    login->setPassword(AdminPassword);
    timeline.longestNs = 0;
    const qint64 signInNs = app.nowNs();
    login->signIn();
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
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(settings.probeMs);
    qint64 lastTickNs = 0;
    QObject::connect(&probe, &QTimer::timeout, &context, [&] {
        const qint64 now = app.nowNs();
        if (lastTickNs > 0)
            figures.probeLateMs.append(qMax(0.0, ms(now - lastTickNs) - settings.probeMs));
        lastTickNs = now;
    });
    for (int round = 0; round < settings.warmupRounds + settings.rounds; ++round) {
        const bool measured = round >= settings.warmupRounds;
        if (measured && !probe.isActive()) {
            figures.rowsChanged = 0;
            probe.start();
        }
        churned = false;
        QMetaObject::invokeMethod(churnThread.churn(),
                                  [churn = churnThread.churn(), round] { churn->churn(round); });
        if (!timeline.spin([&] { return churned; }, RoundTimeoutMs))
            return interrupted() ? interruptedError() : benchError(u"the cluster did not change in time"_s);
        if (!churnError.isEmpty())
            return benchError(u"changing the cluster: "_s + churnError);

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
            progress(u"      refresh %1: worker %2 ms, GUI thread %3 ms, repaint %4 ms, longest event %5 ms"_s
                         .arg(round - settings.warmupRounds + 1)
                         .arg(formatNumber(figures.readMs.last(), 0),
                              formatNumber(figures.deliveryMs.last(), 2),
                              repainted ? formatNumber(figures.repaintMs.last(), 2) : u"–"_s,
                              formatNumber(figures.longestMs.last(), 2)));
        }
    }
    probe.stop();
    if (figures.missingRepaints > 0)
        qCWarning(lcConsoleBench) << figures.missingRepaints
                                  << "refreshes did not repaint the Manager Nodes view";

    // The slow parts alone, on this thread's own connection (the probe is off).
    QList<double> connecting;
    std::unique_ptr<Database> direct;
    for (int i = 0; i < DirectSamples; ++i) {
        QElapsedTimer clock;
        clock.start();
        auto opened = Database::fromUrl(cluster->url());
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
        auto session = Authentication::login(*direct, AdminUser, AdminPassword);
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
        (backend == Backend::Postgres ? u"PostgreSQL"_s : u"SQLite"_s) +
        (applied.isEmpty() ? QString() : u" **[experiment: %1]**"_s.arg(applied.join(u", "_s)));
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
        progress(u"  %1, run %2 of %3"_s.arg(label).arg(run).arg(settings.runs));
        auto figures = consoleRun(backend, server, settings, app);
        if (!figures) {
            progress(u"    failed: "_s + figures.message());
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
        progress(
            u"    %1 refreshes: worker median %2 ms, p95 %3, max %4 (nodes query alone %5 ms); GUI thread "
            "per snapshot median %6 ms, max %7; repaint median %8 ms; longest GUI event %9 ms; probe max "
            "late %10 ms; %11 rows changed per refresh; the longest GUI event was %12"_s.arg(settings.rounds)
                .arg(formatNumber(median(f.readMs), 1), formatNumber(percentile(f.readMs, 0.95), 1),
                     formatNumber(maximum(f.readMs), 1), formatNumber(f.listMs, 1),
                     formatNumber(median(f.deliveryMs), 2), formatNumber(maximum(f.deliveryMs), 2),
                     formatNumber(median(f.repaintMs), 2), formatNumber(maximum(f.longestMs), 2))
                .arg(formatNumber(maximum(f.probeLateMs), 2),
                     formatNumber(double(f.rowsChanged) / settings.rounds, 0), f.longestWhat));
        progress(
            u"    login to first page %1 ms: sign-in %2 ms (a connection alone %3 ms, Authentication::login "
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
