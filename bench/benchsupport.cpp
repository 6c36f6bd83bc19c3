#include "benchsupport.h"

#include "database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QProcess>
#include <QSysInfo>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>

#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

void say(const QString &text)
{
    QTextStream out(stdout);
    out << text << Qt::endl;
}

void publishReport(const QString &report, const QString &path)
{
    say(u"\n"_s + report);
    if (path.isEmpty())
        return;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        file.write(report.toUtf8());
        say(u"(also written to %1)"_s.arg(path));
    } else {
        say(u"cannot write %1: %2"_s.arg(path, file.errorString()));
    }
}

int exitCode(const QList<Measurement> &rows)
{
    if (interrupted())
        return 130;
    for (const Measurement &row : rows) {
        for (const QString &note : row.notes) {
            if (note.contains(u"failed"_s))
                return 1;
        }
    }
    return 0;
}

QStringList listOption(QCommandLineParser &parser, const QString &name, const QStringList &allowed,
                       const QString &kind, bool *ok)
{
    if (!parser.isSet(name))
        return allowed;
    const QStringList selected = parser.value(name).split(u',', Qt::SkipEmptyParts);
    for (const QString &value : selected) {
        if (!allowed.contains(value)) {
            say(u"unknown %1 \"%2\"; the %1s are %3"_s.arg(kind, value, allowed.join(u", "_s)));
            *ok = false;
        }
    }
    return selected;
}

int positive(QCommandLineParser &parser, const QString &name, int fallback, bool *ok)
{
    if (!parser.isSet(name))
        return fallback;
    bool valid = false;
    const int value = parser.value(name).toInt(&valid);
    if (!valid || value < 1) {
        say(u"--%1 needs a whole number above 0, not \"%2\""_s.arg(name, parser.value(name)));
        *ok = false;
    }
    return value;
}

namespace {

std::atomic_bool stopRequested{false};

extern "C" void onSignal(int)
{
    stopRequested = true;
}

QString readFirstMatch(const QString &path, const QString &prefix)
{
    // Files under /proc report size 0: read to the end rather than asking atEnd().
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    for (const QString &line : lines) {
        if (line.startsWith(prefix))
            return line.mid(line.indexOf(u':') + 1).trimmed();
    }
    return {};
}

QString run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(10000) || process.exitCode() != 0)
        return {};
    return QString::fromUtf8(process.readAllStandardOutput());
}

} // namespace

qint64 systemMicros()
{
    return qint64(std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

void installSignalHandlers()
{
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    for (int signalNumber : {SIGINT, SIGTERM, SIGHUP})
        sigaction(signalNumber, &action, nullptr);
}

bool interrupted()
{
    return stopRequested.load();
}

Error interruptedError()
{
    return makeError(ErrorCode::Unavailable, u"interrupted"_s);
}

void pause(int ms)
{
    QDeadlineTimer deadline(ms, Qt::PreciseTimer);
    while (!deadline.hasExpired() && !interrupted()) {
        QCoreApplication::processEvents();
        QThread::usleep(quint64(qBound(qint64(50), deadline.remainingTimeNSecs() / 1000, qint64(2000))));
    }
}

Result<void> waitFor(const QString &what, int timeoutMs, int intervalMs,
                     const std::function<Result<bool>()> &check)
{
    return waitFor(
        what, timeoutMs, [intervalMs] { return intervalMs; }, check);
}

Result<void> waitFor(const QString &what, int timeoutMs, const std::function<int()> &intervalMs,
                     const std::function<Result<bool>()> &check)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        if (interrupted())
            return interruptedError();
        auto done = check();
        if (!done)
            return makeError(done.code(), what + u": "_s + done.message());
        if (*done)
            return {};
        if (deadline.hasExpired())
            return makeError(ErrorCode::Unavailable,
                             u"timed out after %1 s waiting for %2"_s.arg(timeoutMs / 1000).arg(what));
        QCoreApplication::processEvents();
        QThread::msleep(quint64(intervalMs()));
    }
}

double median(QList<double> values)
{
    return percentile(std::move(values), 0.5);
}

double percentile(QList<double> values, double fraction)
{
    if (values.isEmpty())
        return std::nan("");
    std::sort(values.begin(), values.end());
    if (fraction == 0.5 && values.size() % 2 == 0)
        return (values.at(values.size() / 2 - 1) + values.at(values.size() / 2)) / 2;
    const auto rank = qsizetype(std::ceil(fraction * double(values.size())));
    return values.at(qBound<qsizetype>(0, rank - 1, values.size() - 1));
}

QString formatNumber(double value, int decimals)
{
    if (std::isnan(value))
        return u"–"_s;
    static const QLocale english(QLocale::English, QLocale::UnitedStates);
    return english.toString(value, 'f', decimals);
}

QString resultsTable(const QList<Measurement> &rows)
{
    QString table = u"| Measurement | Median | Min | Max | Runs | Target | Met? |\n"
                    "|---|--:|--:|--:|--:|---|---|\n"_s;
    for (const Measurement &row : rows) {
        const auto cell = [&row](double value) -> QString {
            return std::isnan(value) ? u"–"_s : formatNumber(value, row.decimals) + u" "_s + row.unit;
        };
        double low = std::nan("");
        double high = std::nan("");
        if (!row.runs.isEmpty()) {
            low = *std::min_element(row.runs.cbegin(), row.runs.cend());
            high = *std::max_element(row.runs.cbegin(), row.runs.cend());
        }
        const double middle = median(row.runs);
        QString target = row.targetText;
        if (target.isEmpty() && row.goal != Goal::None)
            target = (row.goal == Goal::AtLeast ? u"≥ "_s : u"≤ "_s) + formatNumber(row.target, row.decimals)
                     + u" "_s + row.unit;
        if (!target.isEmpty() && row.everyRun)
            target += u", every run"_s;
        QString met = u"–"_s;
        if (row.goal != Goal::None) {
            const double held = !row.everyRun ? middle : row.goal == Goal::AtLeast ? low : high;
            if (row.runs.isEmpty())
                met = u"no result"_s;
            else if (row.goal == Goal::AtLeast)
                met = held >= row.target ? u"yes"_s : u"**no**"_s;
            else
                met = held <= row.target ? u"yes"_s : u"**no**"_s;
        }
        table +=
            u"| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n"_s.arg(row.name, cell(middle), cell(low), cell(high))
                .arg(row.runs.size())
                .arg(target.isEmpty() ? u"–"_s : target, met);
    }
    return table;
}

QString notesList(const QList<Measurement> &rows)
{
    QString notes;
    for (const Measurement &row : rows) {
        for (const QString &note : row.notes)
            notes += u"- %1: %2\n"_s.arg(row.name, note);
    }
    return notes;
}

LogTail::LogTail(QString path)
    : m_path(std::move(path))
{}

LogTail::~LogTail()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

QList<QByteArray> LogTail::newLines()
{
    if (m_fd < 0) {
        m_fd = ::open(QFile::encodeName(m_path).constData(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0)
            return {};
    }
    char buffer[65536];
    for (;;) {
        const ssize_t got = ::pread(m_fd, buffer, sizeof buffer, off_t(m_offset));
        if (got <= 0)
            break;
        m_offset += got;
        m_partial.append(buffer, qsizetype(got));
    }
    QList<QByteArray> lines;
    qsizetype start = 0;
    for (qsizetype newline = m_partial.indexOf('\n'); newline >= 0;
         newline = m_partial.indexOf('\n', start)) {
        lines.append(m_partial.mid(start, newline - start));
        start = newline + 1;
    }
    m_partial.remove(0, start);
    return lines;
}

std::optional<Execution> parseExecution(const QByteArray &line)
{
    const QList<QByteArray> fields = line.trimmed().split(' ');
    if (fields.size() != 5)
        return std::nullopt;
    Execution execution;
    bool idOk = false;
    bool attemptOk = false;
    bool pidOk = false;
    bool startOk = false;
    execution.id = fields.at(0).toLongLong(&idOk);
    execution.attempt = fields.at(1).toInt(&attemptOk);
    execution.type = fields.at(2);
    execution.pid = fields.at(3).toLongLong(&pidOk);
    execution.startMicros = fields.at(4).toLongLong(&startOk);
    if (!idOk || !attemptOk || !pidOk || !startOk)
        return std::nullopt;
    return execution;
}

QString postgresDescription(const QString &url)
{
    auto database = Database::fromUrl(url);
    if (!database)
        return database.message();
    QStringList parts;
    for (const QString &setting : {u"server_version"_s, u"fsync"_s, u"synchronous_commit"_s,
                                   u"full_page_writes"_s, u"shared_buffers"_s, u"max_connections"_s}) {
        auto query = (*database)->exec(u"SELECT current_setting(?)"_s, {setting});
        if (!query || !query->next())
            continue;
        const QString value = query->value(0).toString();
        if (setting == u"server_version"_s)
            parts << u"PostgreSQL "_s + value;
        else
            parts << setting + u"="_s + value;
    }
    return parts.join(u", "_s);
}

Machine describeMachine()
{
    Machine machine;
    machine.cpuModel = readFirstMatch(u"/proc/cpuinfo"_s, u"model name"_s);
    machine.cpus = QThread::idealThreadCount();
    const QString memTotal = readFirstMatch(u"/proc/meminfo"_s, u"MemTotal"_s); // "24563712 kB"
    const double kib = memTotal.section(u' ', 0, 0).toDouble();
    machine.memory = kib > 0 ? formatNumber(kib / 1024 / 1024, 1) + u" GiB"_s : u"unknown"_s;
    machine.kernel = QSysInfo::prettyProductName() + u", kernel "_s + QSysInfo::kernelVersion();
    const QString source = QStringLiteral(COHORT_SOURCE_DIR);
    machine.commit = run(u"git"_s, {u"-C"_s, source, u"rev-parse"_s, u"--short"_s, u"HEAD"_s}).trimmed();
    if (machine.commit.isEmpty()) {
        machine.commit = u"unknown"_s;
    } else if (const QString changed = run(u"git"_s, {u"-C"_s, source, u"status"_s, u"--porcelain"_s});
               !changed.isEmpty()) {
        // Name the working tree too: the changed files and a fingerprint of their diff.
        const QString diff = run(u"git"_s, {u"-C"_s, source, u"diff"_s, u"HEAD"_s});
        const QByteArray fingerprint =
            QCryptographicHash::hash(diff.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
        QStringList files;
        for (const QString &line : changed.split(u'\n', Qt::SkipEmptyParts))
            files << line.mid(3).trimmed();
        machine.commit += u" with uncommitted changes (diff sha256 %1) in %2"_s.arg(
            QString::fromLatin1(fingerprint), files.join(u", "_s));
    }
    machine.date = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    return machine;
}

QString loadAverage()
{
    QFile file(u"/proc/loadavg"_s);
    if (!file.open(QIODevice::ReadOnly))
        return u"unknown"_s;
    return QString::fromUtf8(file.readAll()).section(u' ', 0, 2);
}

} // namespace Cohort::Bench
