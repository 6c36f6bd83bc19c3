#include "systeminformationscenario.h"

#include "churnthread.h"
#include "consoleundertest.h"
#include "eventloopprobe.h"
#include "freshcluster.h"
#include "guitimeline.h"
#include "jobchartview.h"
#include "jobstatistics.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "networkmapview.h"
#include "nodelinks.h"
#include "noderegistry.h"
#include "seed.h"
#include "systeminformationpage.h"
#include "timedapplication.h"

#include <QChartView>
#include <QElapsedTimer>
#include <QTimer>

#include <array>
#include <cmath>
#include <functional>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

using Graph = SystemInformationPage::Graph;

constexpr int HourMinutes = 60;
constexpr qint64 MinuteMs = 60 * 1000;
constexpr int ActivityBuckets = 60; // the worker draws every period in this many buckets
constexpr int LoginTimeoutMs = 60000;
constexpr int RoundTimeoutMs = 60000; // a day of statistics on SQLite takes seconds
constexpr int RepaintTimeoutMs = 2000;
constexpr int QuietPollMs = 3600 * 1000; // during the measured rounds only the benchmark polls
constexpr int DirectSamples = 5;
const QSize WindowSize(1280, 800);
const std::array<int, 3> Periods = {HourMinutes, 6 * HourMinutes, 24 * HourMinutes};
const std::array<Graph, SystemInformationPage::GraphCount> Graphs = {
    SystemInformationPage::NetworkMap, SystemInformationPage::JobsByNode, SystemInformationPage::JobsByType,
    SystemInformationPage::JobsByNodeAndType};
// Which graph run N (from 1) makes sure to refresh once just after the minute turned, when
// the last hour's window slides and every count changes: the costliest graph first.
const std::array<size_t, SystemInformationPage::GraphCount> MinuteTurnOrder = {3, 0, 1, 2};
constexpr int MinuteTurnAttempts = 3;
constexpr qint64 TurnMarginMs = 300; // after the minute turned on the database's clock

Error benchError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

QString periodName(int minutes)
{
    return minutes % HourMinutes == 0 ? u"%1 h"_s.arg(minutes / HourMinutes) : u"%1 min"_s.arg(minutes);
}

// One measured refresh: the worker's round and what the GUI thread did with it.
struct Refresh
{
    double statisticsMs = 0;         // statistics->readMs: JobStatistics::byNodeAndType and activity
    double roundMs = 0;              // snapshot.readMs: the whole round on the worker
    double deliveryMs = 0;           // the queued call: the copy, the state, every snapshotChanged handler
    double handlersMs = 0;           // first to last snapshotChanged handler (apply() among them)
    double syncMs = std::nan("");    // charts: the deferred JobChartView::sync
    double paintMs = std::nan("");   // the graph's viewport painting itself
    double repaintMs = std::nan(""); // the event loop's dispatch that contained that paint
    double longestMs = 0;            // the longest GUI-thread event from the request to the repaint
    QString longestWhat;
    bool updated = false;     // the graph changed and repainted
    bool windowMoved = false; // the minute turned since the last refresh: every count changed
};

// The refreshes of one graph or one period.
struct Series
{
    QList<double> statisticsMs;
    QList<double> roundMs;
    QList<double> handlersMs;
    QList<double> syncMs;
    QList<double> repaintMs;
    QList<double> longestMs;
    QString longestWhat;
    int missingUpdates = 0;
    // The refreshes in which the window moved a minute.
    QList<double> turnSyncMs;
    QList<double> turnLongestMs;

    void add(const Refresh &refresh)
    {
        if (refresh.windowMoved) {
            if (!std::isnan(refresh.syncMs))
                turnSyncMs << refresh.syncMs;
            turnLongestMs << refresh.longestMs;
        }
        statisticsMs << refresh.statisticsMs;
        roundMs << refresh.roundMs;
        handlersMs << refresh.handlersMs;
        if (!std::isnan(refresh.syncMs))
            syncMs << refresh.syncMs;
        if (!std::isnan(refresh.repaintMs))
            repaintMs << refresh.repaintMs;
        if (longestMs.isEmpty() || refresh.longestMs > maximum(longestMs))
            longestWhat = refresh.longestWhat;
        longestMs << refresh.longestMs;
        missingUpdates += refresh.updated ? 0 : 1;
    }
};

struct RunFigures
{
    std::array<Series, SystemInformationPage::GraphCount> graphs; // the last hour, per graph shown
    // The longest event switching to it; NaN for the graph the page opened with.
    std::array<double, SystemInformationPage::GraphCount> switchMs{};
    Series lastHour;              // every graph's refreshes: the worker's side
    std::array<Series, 2> longer; // 6 h and 24 h
    QList<double> probeLateMs;    // during the last hour's refreshes
    qsizetype counts = 0;         // (node, type) counts in the last hour's statistics
    qsizetype links = 0;
    // Each query alone on the benchmark's own connection, median of DirectSamples.
    double nodesListMs = 0;
    double linksListMs = 0;
    std::array<double, 3> byNodeAndTypeMs{}; // per period
    std::array<double, 3> activityMs{};
};

// What one run's refreshes drive.
struct PageUnderTest
{
    TimedApplication &app;
    GuiTimeline &timeline;
    ChurnThread &churn;
    ClusterClient &client;
    SystemInformationPage &page;
    qint64 windowFromMs = 0; // the statistics window of the last refresh
    qint64 databaseTime = 0; // and its database time
};

// Shows graph the way a user picks it (the page's drop-down, from the event loop) and
// waits until it painted. Returns the longest GUI-thread event meanwhile (NaN when the
// page already showed it).
double showGraph(PageUnderTest &under, Graph graph)
{
    GuiTimeline &timeline = under.timeline;
    JobChartView *chart = under.page.chartView(graph);
    timeline.viewport = chart ? chart->chartView()->viewport() : under.page.mapView()->viewport();
    // The chart's coalescing timer: its dispatch is JobChartView::sync.
    timeline.timedReceiver =
        chart ? chart->findChild<QTimer *>(QString(), Qt::FindDirectChildrenOnly) : nullptr;
    if (under.page.graph() == graph)
        return std::nan("");
    timeline.longestNs = 0;
    const qint64 startNs = under.app.nowNs();
    QMetaObject::invokeMethod(
        &under.page, [page = &under.page, graph] { page->setGraph(graph); }, Qt::QueuedConnection);
    timeline.spin(
        [&] { return timeline.lastPaintEndNs > startNs && (!chart || timeline.lastTimedEndNs > startNs); },
        RepaintTimeoutMs);
    return ms(timeline.longestNs);
}

// One refresh: the cluster changes, the worker reads everything the page shows (the job
// statistics of period included), and the GUI thread takes it in and repaints the graph.
Result<Refresh> refresh(PageUnderTest &under, int round, int period)
{
    if (auto changed = under.churn.change(round, under.timeline); !changed)
        return changed.error();
    GuiTimeline &timeline = under.timeline;
    const qsizetype before = timeline.deliveryEndNs.size();
    timeline.longestNs = 0;
    timeline.lastRepaintNs = 0;
    // The worker reads the statistics again only every 5 s. Asking for them anew, as a change
    // of period does, makes this round read them.
    under.client.watchSystemInformation(0);
    under.client.watchSystemInformation(period);
    if (!timeline.spin([&] { return timeline.deliveryEndNs.size() > before; }, RoundTimeoutMs))
        return interrupted() ? interruptedError()
                             : benchError(u"refresh %1 brought no snapshot (%2)"_s.arg(round).arg(
                                 under.client.stateMessage()));
    const ClusterSnapshot &snapshot = under.client.snapshot();
    if (!snapshot.statistics || snapshot.statistics->periodMinutes != period)
        return benchError(
            u"refresh %1 brought no statistics of the last %2"_s.arg(round).arg(periodName(period)));
    Refresh figures;
    figures.windowMoved = under.windowFromMs != 0 && snapshot.statistics->window.fromMs != under.windowFromMs;
    under.windowFromMs = snapshot.statistics->window.fromMs;
    under.databaseTime = snapshot.databaseTime;
    figures.statisticsMs = double(snapshot.statistics->readMs);
    figures.roundMs = double(snapshot.readMs);
    figures.deliveryMs = ms(timeline.deliveryEndNs.last() - timeline.deliveryStartNs.last());
    figures.handlersMs = ms(timeline.handlersNs.last());

    // A chart updates its bars in a deferred sync, then repaints; the map at once.
    const qint64 deliveredNs = timeline.deliveryEndNs.last();
    const bool chart = timeline.timedReceiver != nullptr;
    figures.updated = timeline.spin(
        [&] {
            if (!chart)
                return timeline.lastPaintEndNs > deliveredNs;
            return timeline.lastTimedEndNs > deliveredNs && timeline.lastPaintEndNs > timeline.lastTimedEndNs;
        },
        RepaintTimeoutMs);
    if (interrupted())
        return interruptedError();
    if (chart && timeline.lastTimedEndNs > deliveredNs)
        figures.syncMs = ms(timeline.lastTimedNs);
    if (figures.updated) {
        figures.paintMs = ms(timeline.lastPaintNs);
        figures.repaintMs = ms(timeline.lastRepaintNs);
    }
    figures.longestMs = ms(timeline.longestNs);
    figures.longestWhat = timeline.longestWhat();
    return figures;
}

void printRefresh(const QString &what, int index, const Refresh &figures)
{
    say(u"      %1 refresh %2%12: statistics %3 ms, round %4 ms; GUI: snapshot %5 ms (handlers %6), chart "
        u"sync %7 ms, "
        "paint %8 ms (repaint %9 ms), longest event %10 ms (%11)"_s.arg(what)
            .arg(index)
            .arg(formatNumber(figures.statisticsMs, 0), formatNumber(figures.roundMs, 0),
                 formatNumber(figures.deliveryMs, 2), formatNumber(figures.handlersMs, 2),
                 formatNumber(figures.syncMs, 2), formatNumber(figures.paintMs, 2),
                 formatNumber(figures.repaintMs, 2), formatNumber(figures.longestMs, 2))
            .arg(figures.longestWhat, figures.windowMoved ? u" (the minute turned)"_s : QString()));
}

// Each query of a round alone, on this thread's own connection.
Result<void> measureQueries(const QString &url, RunFigures &figures)
{
    auto opened = Database::fromUrl(url);
    if (!opened)
        return opened.error();
    Database &database = **opened;
    QList<double> nodes;
    QList<double> links;
    std::array<QList<double>, 3> counts;
    std::array<QList<double>, 3> activity;
    const auto timed = [](QList<double> &into, const auto &call) -> Result<void> {
        QElapsedTimer clock;
        clock.start();
        auto result = call();
        into << ms(clock.nsecsElapsed());
        if (!result)
            return result.error();
        return {};
    };
    for (int sample = 0; sample < DirectSamples; ++sample) {
        if (auto done = timed(nodes, [&] { return NodeRegistry::list(database); }); !done)
            return done;
        if (auto done = timed(links, [&] { return NodeLinks::list(database); }); !done)
            return done;
        auto now = JobPool::now(database);
        if (!now)
            return now.error();
        for (size_t i = 0; i < Periods.size(); ++i) {
            const StatisticsWindow window = StatisticsWindow::lastMinutes(*now, Periods.at(i));
            if (auto done =
                    timed(counts.at(i), [&] { return JobStatistics::byNodeAndType(database, window); });
                !done)
                return done;
            const qint64 bucketMs = qMax(1, Periods.at(i) / ActivityBuckets) * MinuteMs;
            if (auto done = timed(activity.at(i),
                                  [&] { return JobStatistics::activity(database, window, bucketMs); });
                !done)
                return done;
        }
    }
    figures.nodesListMs = median(nodes);
    figures.linksListMs = median(links);
    for (size_t i = 0; i < Periods.size(); ++i) {
        figures.byNodeAndTypeMs.at(i) = median(counts.at(i));
        figures.activityMs.at(i) = median(activity.at(i));
    }
    database.resetConnection();
    return {};
}

// runIndex: from 0; picks the graph that waits for the minute to turn (MinuteTurnOrder).
Result<RunFigures> systemInformationRun(Backend backend, Test::PostgresServer *server,
                                        const SystemInformationBenchSettings &settings, TimedApplication &app,
                                        int runIndex)
{
    RunFigures figures;

    SeedPlan plan;
    plan.nodes = settings.nodes;
    plan.statistics.jobTypes = seededJobTypes(settings.jobTypes);
    plan.statistics.minutes = settings.hours * HourMinutes;
    plan.statistics.stoppedNodesIdle = false;
    plan.statistics.lastHourJobs = settings.hourJobs;
    plan.links = true;
    auto fresh = FreshCluster::create(backend, server, u"sysinfo"_s, plan);
    if (!fresh)
        return fresh.error();
    FreshCluster &cluster = **fresh;

    ChurnThread churnThread(cluster.url(), cluster.seed().nodes,
                            ClusterChurn::SystemInformation{plan.statistics.jobTypes, settings.hourJobs});
    GuiTimeline timeline(app);
    const auto console = ConsoleUnderTest::create(cluster.url(), settings.pollMs, timeline,
                                                  MainWindow::pageKey(MainWindow::SystemInformation));
    ClusterClient &client = console->client();
    QObject context; // owns the benchmark's connections; declared after what they use
    auto login = console->showLogin();
    if (!login)
        return login.error();
    bool loginDone = false;
    QString loginError;
    QObject::connect(&client, &ClusterClient::loginFinished, &context, [&](bool ok, const QString &error) {
        loginDone = true;
        loginError = ok ? QString() : error;
    });
    (*login)->signIn();
    const auto pageReady = [&] {
        return loginDone
               && (!loginError.isEmpty()
                   || (client.snapshot().statistics
                       && client.snapshot().statistics->periodMinutes == HourMinutes));
    };
    timeline.spin(pageReady, LoginTimeoutMs);
    if (interrupted())
        return interruptedError();
    if (!loginError.isEmpty())
        return benchError(u"the login failed: "_s + loginError);
    MainWindow *window = console->mainWindow();
    if (!pageReady() || !window)
        return benchError(
            u"the System Information page had no statistics within %1 s"_s.arg(LoginTimeoutMs / 1000));
    window->resize(WindowSize);
    SystemInformationPage &page = *window->systemInformationPage();
    if (!page.isVisible())
        return benchError(u"the main window did not open on the System Information page"_s);

    // From now on only the benchmark starts rounds: one more, which re-arms the worker's
    // timer with the long interval.
    client.setPollInterval(QuietPollMs);
    const qsizetype delivered = timeline.deliveryEndNs.size();
    client.refreshNow();
    timeline.spin([&] { return timeline.deliveryEndNs.size() > delivered; }, RoundTimeoutMs);

    PageUnderTest under{app, timeline, churnThread, client, page};
    EventLoopProbe probe(settings.probeMs);
    int round = 0;
    for (size_t g = 0; g < Graphs.size(); ++g) {
        const Graph graph = Graphs.at(g);
        figures.switchMs.at(g) = showGraph(under, graph);
        Series &series = figures.graphs.at(g);
        const auto measure = [&](int i) -> Result<void> {
            auto refreshed = refresh(under, round++, HourMinutes);
            if (!refreshed)
                return refreshed.error();
            if (i < settings.warmupRounds)
                return {};
            series.add(*refreshed);
            figures.lastHour.add(*refreshed);
            if (settings.verbose)
                printRefresh(SystemInformationPage::graphKey(graph), i - settings.warmupRounds + 1,
                             *refreshed);
            return {};
        };
        for (int i = 0; i < settings.warmupRounds + settings.rounds; ++i) {
            if (i == settings.warmupRounds)
                probe.start();
            if (auto measured = measure(i); !measured)
                return measured.error();
        }
        // This run's graph for the minute's turn: unless a refresh already saw it, wait for
        // it (the event loop idle) and refresh just after.
        const bool turnDue = g == MinuteTurnOrder.at(size_t(runIndex) % MinuteTurnOrder.size());
        for (int attempt = 0; turnDue && series.turnLongestMs.isEmpty() && attempt < MinuteTurnAttempts;
             ++attempt) {
            const qint64 waitMs = MinuteMs - under.databaseTime % MinuteMs + TurnMarginMs;
            timeline.spin([] { return false; }, int(waitMs));
            if (interrupted())
                return interruptedError();
            if (auto measured = measure(settings.warmupRounds + settings.rounds); !measured)
                return measured.error();
        }
        probe.stop(); // switching graphs is not a refresh
        figures.probeLateMs += probe.lateMs;
        probe.lateMs.clear();
    }
    figures.counts = client.snapshot().statistics->counts.size();
    figures.links = client.snapshot().links.size();

    // The longer periods, on the last graph, as the period drop-down asks for them.
    for (size_t p = 1; p < Periods.size(); ++p) {
        const int period = Periods.at(p);
        QMetaObject::invokeMethod(
            &page, [&page, period] { page.setPeriodMinutes(period); }, Qt::QueuedConnection);
        timeline.spin(
            [&] {
                return client.snapshot().statistics && client.snapshot().statistics->periodMinutes == period;
            },
            RoundTimeoutMs);
        for (int i = 0; i < settings.warmupRounds + settings.rounds; ++i, ++round) {
            auto refreshed = refresh(under, round, period);
            if (!refreshed)
                return refreshed.error();
            if (i < settings.warmupRounds)
                continue;
            figures.longer.at(p - 1).add(*refreshed);
            if (settings.verbose)
                printRefresh(periodName(period), i - settings.warmupRounds + 1, *refreshed);
        }
    }

    if (auto measured = measureQueries(cluster.url(), figures); !measured)
        return measured.error();
    return figures;
}

// A row of the results table and how a run's figures give its value.
struct Row
{
    Measurement measurement;
    std::function<double(const RunFigures &)> value;
};

} // namespace

QList<Measurement> systemInformationScenario(Backend backend, Test::PostgresServer *server,
                                             const SystemInformationBenchSettings &settings,
                                             TimedApplication &app)
{
    const QString label = backend == Backend::Postgres ? u"PostgreSQL"_s : u"SQLite"_s;
    QList<Row> rows;
    // limit > 0: a target the median must meet (everyRun: every run's value).
    const auto add = [&](const QString &name, int decimals, std::function<double(const RunFigures &)> value,
                         double limit = 0, const QString &limitText = {}, bool everyRun = false) {
        Measurement measurement(label + u": "_s + name, u"ms"_s, decimals,
                                limit > 0 ? Goal::AtMost : Goal::None, limit, limitText);
        measurement.everyRun = everyRun;
        rows.append({measurement, std::move(value)});
    };
    constexpr double Budget = 200; // off the GUI thread, per refresh
    constexpr double FrameMs = 16; // the longest the GUI thread may block
    const QString budget = u"< 200 ms"_s;
    const QString frame = u"≤ 16 ms"_s;

    add(
        u"statistics read on the worker (statistics.readMs), last hour, median"_s, 1,
        [](const RunFigures &f) { return median(f.lastHour.statisticsMs); }, Budget, budget);
    add(
        u"statistics read, last hour, p95"_s, 1,
        [](const RunFigures &f) { return percentile(f.lastHour.statisticsMs, 0.95); }, Budget, budget);
    add(u"statistics read, last hour, max"_s, 1,
        [](const RunFigures &f) { return maximum(f.lastHour.statisticsMs); });
    add(
        u"whole round on the worker (snapshot.readMs, with nodes, links, alerts...), last hour, median"_s, 1,
        [](const RunFigures &f) { return median(f.lastHour.roundMs); }, Budget, budget);
    add(
        u"whole round, last hour, p95"_s, 1,
        [](const RunFigures &f) { return percentile(f.lastHour.roundMs, 0.95); }, Budget, budget);
    add(u"whole round, last hour, max"_s, 1, [](const RunFigures &f) { return maximum(f.lastHour.roundMs); });
    for (size_t p = 1; p < Periods.size(); ++p) {
        const QString period = periodName(Periods.at(p));
        add(u"statistics read, last %1, median"_s.arg(period), 1,
            [p](const RunFigures &f) { return median(f.longer.at(p - 1).statisticsMs); });
        add(u"statistics read, last %1, p95"_s.arg(period), 1,
            [p](const RunFigures &f) { return percentile(f.longer.at(p - 1).statisticsMs, 0.95); });
        add(u"statistics read, last %1, max"_s.arg(period), 1,
            [p](const RunFigures &f) { return maximum(f.longer.at(p - 1).statisticsMs); });
        add(u"whole round, last %1, median"_s.arg(period), 1,
            [p](const RunFigures &f) { return median(f.longer.at(p - 1).roundMs); });
    }
    add(u"  NodeRegistry::list alone, median"_s, 1, [](const RunFigures &f) { return f.nodesListMs; });
    add(u"  NodeLinks::list alone, median"_s, 1, [](const RunFigures &f) { return f.linksListMs; });
    for (size_t p = 0; p < Periods.size(); ++p) {
        const QString period = periodName(Periods.at(p));
        add(u"  JobStatistics::byNodeAndType alone, last %1, median"_s.arg(period), 1,
            [p](const RunFigures &f) { return f.byNodeAndTypeMs.at(p); });
        add(u"  JobStatistics::activity alone, last %1, median"_s.arg(period), 1,
            [p](const RunFigures &f) { return f.activityMs.at(p); });
    }

    for (size_t g = 0; g < Graphs.size(); ++g) {
        const QString graph = SystemInformationPage::graphTitle(Graphs.at(g));
        const bool chart = Graphs.at(g) != SystemInformationPage::NetworkMap;
        // A median and a max row of one list of a graph's refreshes.
        const auto both = [&](const QString &what, QList<double> Series::*list) {
            add(u"%1: %2, median"_s.arg(graph, what), 2,
                [g, list](const RunFigures &f) { return median(f.graphs.at(g).*list); });
            add(u"%1: %2, max"_s.arg(graph, what), 2,
                [g, list](const RunFigures &f) { return maximum(f.graphs.at(g).*list); });
        };
        both(u"apply() and the other snapshotChanged handlers"_s, &Series::handlersMs);
        if (chart)
            both(u"chart update (JobChartView::sync, deferred)"_s, &Series::syncMs);
        both(u"repaint"_s, &Series::repaintMs);
        if (chart) {
            add(u"%1: chart update in a refresh in which the minute turned (every count changes), max"_s.arg(
                    graph),
                2, [g](const RunFigures &f) { return maximum(f.graphs.at(g).turnSyncMs); });
        }
        add(u"%1: longest GUI-thread event in a refresh in which the minute turned, max"_s.arg(graph), 2,
            [g](const RunFigures &f) { return maximum(f.graphs.at(g).turnLongestMs); });
        add(u"%1: longest GUI-thread event per refresh, p95"_s.arg(graph), 2,
            [g](const RunFigures &f) { return percentile(f.graphs.at(g).longestMs, 0.95); });
        add(
            u"%1: longest GUI-thread event per refresh, max"_s.arg(graph), 2,
            [g](const RunFigures &f) { return maximum(f.graphs.at(g).longestMs); }, FrameMs, frame, true);
        add(u"%1: switching to it (longest event)"_s.arg(graph), 1,
            [g](const RunFigures &f) { return f.switchMs.at(g); });
    }
    add(
        u"event-loop probe (%1 ms timer) lateness during the refreshes, max"_s.arg(settings.probeMs), 2,
        [](const RunFigures &f) { return maximum(f.probeLateMs); }, FrameMs, frame, true);
    add(u"event-loop probe lateness, p99"_s, 2,
        [](const RunFigures &f) { return percentile(f.probeLateMs, 0.99); });
    for (size_t p = 1; p < Periods.size(); ++p) {
        add(u"longest GUI-thread event per refresh, last %1 (%2), max"_s.arg(
                periodName(Periods.at(p)), SystemInformationPage::graphTitle(Graphs.back())),
            2, [p](const RunFigures &f) { return maximum(f.longer.at(p - 1).longestMs); });
    }

    for (int run = 1; run <= settings.runs && !interrupted(); ++run) {
        say(u"  %1, run %2 of %3"_s.arg(label).arg(run).arg(settings.runs));
        auto figures = systemInformationRun(backend, server, settings, app, run - 1);
        if (!figures) {
            say(u"    failed: "_s + figures.message());
            rows.first().measurement.notes << u"run %1 failed: %2"_s.arg(run).arg(figures.message());
            continue;
        }
        const RunFigures &f = *figures;
        for (Row &row : rows) {
            // NaN: this run has no such figure (a graph it did not see the minute turn on).
            if (const double value = row.value(f); !std::isnan(value))
                row.measurement.runs << value;
        }
        for (size_t g = 0; g < Graphs.size(); ++g) {
            const Series &series = f.graphs.at(g);
            const QString graph = SystemInformationPage::graphTitle(Graphs.at(g));
            say(u"    %1: statistics median %2 ms (max %3), round median %4 ms; GUI handlers median %5 ms, "
                u"chart sync "
                "median %6 ms, repaint median %7 ms, longest event max %8 ms (%9)"_s.arg(graph)
                    .arg(formatNumber(median(series.statisticsMs), 0),
                         formatNumber(maximum(series.statisticsMs), 0),
                         formatNumber(median(series.roundMs), 0), formatNumber(median(series.handlersMs), 2),
                         formatNumber(median(series.syncMs), 2), formatNumber(median(series.repaintMs), 2),
                         formatNumber(maximum(series.longestMs), 2), series.longestWhat));
            if (series.missingUpdates > 0) {
                const QString note =
                    u"run %1: %2 of %3 refreshes of %4 did not update and repaint the graph"_s.arg(run)
                        .arg(series.missingUpdates)
                        .arg(settings.rounds)
                        .arg(graph);
                say(u"    "_s + note);
                rows.first().measurement.notes << note;
            }
        }
        for (size_t p = 1; p < Periods.size(); ++p) {
            const Series &series = f.longer.at(p - 1);
            say(u"    last %1: statistics median %2 ms (max %3), round median %4 ms; longest GUI event max %5 ms (%6)"_s
                    .arg(periodName(Periods.at(p)), formatNumber(median(series.statisticsMs), 0),
                         formatNumber(maximum(series.statisticsMs), 0),
                         formatNumber(median(series.roundMs), 0), formatNumber(maximum(series.longestMs), 2),
                         series.longestWhat));
        }
        say(u"    %1 (node, type) counts and %2 links a snapshot; alone: nodes %3 ms, links %4 ms, by node "
            u"and type "
            "%5 / %6 / %7 ms, activity %8 / %9 / %10 ms (1 h / 6 h / 24 h); probe max late %11 ms"_s
                .arg(f.counts)
                .arg(f.links)
                .arg(formatNumber(f.nodesListMs, 1), formatNumber(f.linksListMs, 1),
                     formatNumber(f.byNodeAndTypeMs.at(0), 1), formatNumber(f.byNodeAndTypeMs.at(1), 1),
                     formatNumber(f.byNodeAndTypeMs.at(2), 1), formatNumber(f.activityMs.at(0), 1),
                     formatNumber(f.activityMs.at(1), 1), formatNumber(f.activityMs.at(2), 1))
                .arg(formatNumber(maximum(f.probeLateMs), 2)));
    }

    QList<Measurement> measurements;
    for (const Row &row : std::as_const(rows))
        measurements << row.measurement;
    return measurements;
}

} // namespace Cohort::Bench
