// The job pool benchmark's shared pieces: clocks, waiting for a condition (never a
// fixed sleep, except the deliberate idle gaps), statistics, the results table, node
// execution logs read as they grow, and a description of the machine.
#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

class QCommandLineParser;

namespace Cohort::Bench {

// A line on standard output.
void say(const QString &text);
// The value of option name as a whole number above 0, or fallback when it is not given;
// a bad value is reported and clears *ok.
int positive(QCommandLineParser &parser, const QString &name, int fallback, bool *ok);
// The comma-separated values of option name, each one of allowed (all of them when the
// option is not given); an unknown one ("kind" names what it is) is reported and clears *ok.
QStringList listOption(QCommandLineParser &parser, const QString &name, const QStringList &allowed,
                       const QString &kind, bool *ok);

// Microseconds since the epoch on the system clock: the clock cohort-node writes in
// its execution log.
qint64 systemMicros();

// SIGINT, SIGTERM and SIGHUP only set a flag that every wait checks: the benchmark then
// unwinds normally, and the harness objects kill the nodes and stop the server.
void installSignalHandlers();
bool interrupted();
Error interruptedError();

// Lets ms pass on purpose (an idle gap), reading node output meanwhile.
void pause(int ms);

// Calls check() every intervalMs until it returns true or an error; fails after
// timeoutMs or when interrupted. what names the condition in the error.
Result<void> waitFor(const QString &what, int timeoutMs, int intervalMs,
                     const std::function<Result<bool>()> &check);
// The same, asking intervalMs() before each pause how long it should be.
Result<void> waitFor(const QString &what, int timeoutMs, const std::function<int()> &intervalMs,
                     const std::function<Result<bool>()> &check);

double median(QList<double> values);
// Nearest-rank percentile, fraction in (0, 1].
double percentile(QList<double> values, double fraction);
QString formatNumber(double value, int decimals);

enum class Goal { None, AtLeast, AtMost };

// One row of the results table: a value per run; the median, min and max are reported
// and the median is held against the target (or, with everyRun, the worst run).
struct Measurement
{
    Measurement() = default;
    Measurement(QString name_, QString unit_, int decimals_ = 0, Goal goal_ = Goal::None, double target_ = 0,
                QString targetText_ = {})
        : name(std::move(name_))
        , unit(std::move(unit_))
        , decimals(decimals_)
        , goal(goal_)
        , target(target_)
        , targetText(std::move(targetText_))
    {}

    QString name;
    QString unit;
    int decimals = 0;
    Goal goal = Goal::None;
    double target = 0;
    QString targetText;    // shown instead of the plain target when set
    bool everyRun = false; // the worst run, not the median, must meet the target
    QList<double> runs;
    QStringList notes; // failed runs and remarks
};

QString resultsTable(const QList<Measurement> &rows);
// Failed runs and remarks, one bullet each; empty when there are none.
QString notesList(const QList<Measurement> &rows);

// A file another process appends lines to, read from where the last call stopped.
class LogTail
{
public:
    explicit LogTail(QString path);
    ~LogTail();
    LogTail(const LogTail &) = delete;
    LogTail &operator=(const LogTail &) = delete;

    // The complete lines written since the last call (none while the file is missing).
    QList<QByteArray> newLines();

private:
    QString m_path;
    int m_fd = -1;
    qint64 m_offset = 0;
    QByteArray m_partial;
};

// One line of a node's execution log: JOBID ATTEMPT TYPE PID START_MICROS.
struct Execution
{
    qint64 id = 0;
    int attempt = 0;
    QByteArray type;
    qint64 pid = 0;
    qint64 startMicros = 0;
};
std::optional<Execution> parseExecution(const QByteArray &line);

// The server's version and the settings that matter for the figures, in one line.
QString postgresDescription(const QString &url);

struct Machine
{
    QString cpuModel;
    int cpus = 0;
    QString memory;
    QString kernel;
    QString commit;
    QString date;
};
Machine describeMachine();
QString loadAverage();

// Prints the report and, when path is not empty, writes it there too.
void publishReport(const QString &report, const QString &path);
// 130 when interrupted, 1 when a measurement failed, else 0.
int exitCode(const QList<Measurement> &rows);

} // namespace Cohort::Bench
