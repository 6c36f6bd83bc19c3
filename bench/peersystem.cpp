#include "peersystem.h"

#include "benchsupport.h"
#include "database.h"
#include "postgresserver.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <csignal>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr int SetupTimeoutMs = 180000;
constexpr int EnqueueTimeoutMs = 900000;
constexpr int ReadyTimeoutMs = 60000;
constexpr int StopTimeoutMs = 15000;

Error peerError(const QString &message)
{
    return makeError(ErrorCode::Database, message);
}

// One process of the peer's runner. Its output goes to files (a chatty worker never
// blocks on a full pipe), read back for the "ready" line and for error messages.
class RunnerProcess
{
public:
    RunnerProcess(const PeerSystem &peer, const QStringList &arguments, const QString &outputPath)
        : m_stdoutPath(outputPath + u".out"_s)
        , m_stderrPath(outputPath + u".err"_s)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"COHORT_PEERS_BUILD"_s, peer.buildDir());
        m_process.setProcessEnvironment(environment);
        m_process.setStandardInputFile(QProcess::nullDevice());
        m_process.setStandardOutputFile(m_stdoutPath);
        m_process.setStandardErrorFile(m_stderrPath);
        // The kernel kills it if the benchmark dies, so no worker lives on.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_description = QFileInfo(peer.folder()).fileName() + u' ' + arguments.value(0);
        m_process.start(peer.runner(), arguments);
    }

    ~RunnerProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QProcess &process() { return m_process; }
    qint64 pid() const { return m_process.processId(); }
    bool running() const { return m_process.state() != QProcess::NotRunning; }

    // The end of what it printed: standard error, then standard output.
    QString output() const
    {
        return QString::fromUtf8(tail(m_stderrPath, 1500) + tail(m_stdoutPath, 500)).trimmed();
    }

    bool saidReady() const
    {
        QFile file(m_stdoutPath);
        if (!file.open(QIODevice::ReadOnly))
            return false;
        return file.read(65536).split('\n').contains("ready");
    }

    // Waits for it to exit with 0; otherwise an error with what it said.
    Result<void> finish(int timeoutMs)
    {
        if (m_process.state() == QProcess::Starting && !m_process.waitForStarted(10000))
            return peerError(u"%1 did not start: %2"_s.arg(m_description, m_process.errorString()));
        if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(timeoutMs)) {
            m_process.kill();
            m_process.waitForFinished(5000);
            return peerError(u"%1 did not finish within %2 s: %3"_s.arg(m_description)
                                 .arg(timeoutMs / 1000)
                                 .arg(output()));
        }
        if (m_process.error() == QProcess::FailedToStart)
            return peerError(u"%1 did not start: %2"_s.arg(m_description, m_process.errorString()));
        if (m_process.exitStatus() != QProcess::NormalExit || m_process.exitCode() != 0)
            return peerError(
                u"%1 failed (exit code %2): %3"_s.arg(m_description).arg(m_process.exitCode()).arg(output()));
        return {};
    }

private:
    static QByteArray tail(const QString &path, qint64 bytes)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        if (file.size() > bytes)
            file.seek(file.size() - bytes);
        return file.readAll();
    }

    QProcess m_process;
    QString m_description;
    QString m_stdoutPath;
    QString m_stderrPath;
};

class PeerRun : public SystemRun
{
public:
    static Result<std::unique_ptr<SystemRun>> create(const PeerSystem &peer, const Place &place)
    {
        std::unique_ptr<PeerRun> run(new PeerRun(peer));
        if (!run->m_scratch.isValid())
            return peerError(u"cannot make a scratch folder: "_s + run->m_scratch.errorString());
        QString backend;
        if (place.server) {
            auto name = place.server->createDatabase(u"peers_"_s + QFileInfo(peer.folder()).fileName());
            if (!name)
                return name.error();
            run->m_server = place.server;
            run->m_databaseName = *name;
            run->m_url = place.server->url(*name);
            backend = u"postgres"_s;
        } else {
            run->m_url = u"sqlite:"_s + place.sqliteFile;
            backend = u"sqlite"_s;
        }
        run->m_remainingSql = peer.remainingSql(backend);
        run->m_log = run->m_scratch.filePath(u"events.log"_s);
        run->m_tail = std::make_unique<LogTail>(run->m_log);
        RunnerProcess setup(peer, {u"setup"_s, u"--db"_s, run->m_url}, run->m_scratch.filePath(u"setup"_s));
        if (auto done = setup.finish(SetupTimeoutMs); !done)
            return done.error();
        auto observer = Database::fromUrl(run->m_url);
        if (!observer)
            return observer.error();
        run->m_observer = std::move(observer).value();
        return std::unique_ptr<SystemRun>(std::move(run));
    }

    ~PeerRun() override
    {
        m_workers.clear(); // kills them
        m_observer.reset();
        if (m_server && !m_databaseName.isEmpty())
            (void)m_server->dropDatabase(m_databaseName);
    }

    Result<void> enqueue(int count, int first, int jobMs) override
    {
        RunnerProcess enqueue(m_peer,
                              {u"enqueue"_s, u"--db"_s, m_url, u"--count"_s, QString::number(count),
                               u"--first"_s, QString::number(first), u"--job-ms"_s, QString::number(jobMs)},
                              m_scratch.filePath(u"enqueue"_s));
        return enqueue.finish(EnqueueTimeoutMs);
    }

    Result<void> startWorkers(int count, int concurrency) override
    {
        QList<QString> started;
        for (int i = 0; i < count; ++i) {
            const QString name = u"worker-%1"_s.arg(m_workers.size() + 1);
            m_workers.emplace(name,
                              std::make_unique<RunnerProcess>(
                                  m_peer,
                                  QStringList{u"work"_s, u"--db"_s, m_url, u"--log"_s, m_log, u"--worker"_s,
                                              name, u"--concurrency"_s, QString::number(concurrency),
                                              u"--variant"_s, m_peer.variant()},
                                  m_scratch.filePath(name)));
            started.append(name);
        }
        return waitFor(u"the workers to be ready"_s, ReadyTimeoutMs, 5, [&]() -> Result<bool> {
            for (const QString &name : std::as_const(started)) {
                RunnerProcess &worker = *m_workers.at(name);
                if (!worker.running())
                    return peerError(u"%1 exited before it was ready: %2"_s.arg(name, worker.output()));
                if (!worker.saidReady())
                    return false;
            }
            return true;
        });
    }

    Result<qint64> remaining() override
    {
        auto query = m_observer->exec(m_remainingSql);
        ++m_ownQueries;
        if (!query)
            return query.error();
        if (!query->next())
            return peerError(u"no row from: "_s + m_remainingSql);
        return query->value(0).toLongLong();
    }

    Result<void> probe(int count, int gapMs, int first, int budgetMs) override
    {
        RunnerProcess probe(m_peer,
                            {u"probe"_s, u"--db"_s, m_url, u"--log"_s, m_log, u"--count"_s,
                             QString::number(count), u"--gap-ms"_s, QString::number(gapMs), u"--first"_s,
                             QString::number(first)},
                            m_scratch.filePath(u"probe"_s));
        QDeadlineTimer budget(budgetMs);
        while (probe.running() || probe.process().state() == QProcess::Starting) {
            if (interrupted())
                return interruptedError();
            if (budget.hasExpired()) {
                // Slow systems get the time budget, not every probe: what started counts.
                probe.process().terminate();
                probe.process().waitForFinished(5000);
                return {};
            }
            if (auto alive = workersAlive(); !alive)
                return alive.error();
            probe.process().waitForFinished(50);
        }
        return probe.finish(0);
    }

    Result<QList<JobEvent>> newEvents() override
    {
        QList<JobEvent> events;
        for (const QByteArray &line : m_tail->newLines()) {
            const QList<QByteArray> fields = line.trimmed().split(' ');
            bool keyOk = false;
            bool microsOk = false;
            JobEvent event;
            if (fields.size() == 4 && fields[0].size() == 1) {
                event.kind = fields[0][0];
                event.key = fields[1].toLongLong(&keyOk);
                event.micros = fields[2].toLongLong(&microsOk);
                event.worker = QString::fromUtf8(fields[3]);
            }
            if (!keyOk || !microsOk || (event.kind != 'S' && event.kind != 'E' && event.kind != 'Q'))
                return peerError(u"unreadable line in the events log: "_s + QString::fromUtf8(line));
            events.append(event);
        }
        return events;
    }

    Result<void> workersAlive() override
    {
        for (auto &[name, worker] : m_workers) {
            if (worker->running() || m_killed.contains(name) || m_stopped)
                continue;
            return peerError(u"%1 ended (exit code %2): %3"_s.arg(name)
                                 .arg(worker->process().exitCode())
                                 .arg(worker->output()));
        }
        return {};
    }

    QStringList workerNames() const override
    {
        QStringList names;
        for (const auto &[name, worker] : m_workers)
            names.append(name);
        return names;
    }

    void killWorker(const QString &name) override
    {
        auto it = m_workers.find(name);
        if (it == m_workers.end())
            return;
        m_killed.insert(name);
        ::kill(pid_t(it->second->pid()), SIGKILL);
        it->second->process().waitForFinished(10000);
    }

    Result<void> stopWorkers() override
    {
        m_stopped = true;
        for (auto &[name, worker] : m_workers) {
            if (worker->running())
                worker->process().terminate();
        }
        QStringList late;
        for (auto &[name, worker] : m_workers) {
            if (!worker->process().waitForFinished(StopTimeoutMs) && worker->running()) {
                late.append(name);
                worker->process().kill();
                worker->process().waitForFinished(5000);
            }
        }
        if (!late.isEmpty())
            return peerError(u"%1 did not stop within %2 s of SIGTERM"_s.arg(late.join(u", "_s))
                                 .arg(StopTimeoutMs / 1000));
        return {};
    }

    void closeConnection() override { m_observer.reset(); }
    qint64 ownQueries() const override { return m_ownQueries; }
    QString databaseName() const override { return m_databaseName; }

private:
    explicit PeerRun(const PeerSystem &peer)
        : m_peer(peer)
    {}

    const PeerSystem &m_peer;
    QTemporaryDir m_scratch;
    Test::PostgresServer *m_server = nullptr;
    QString m_databaseName;
    QString m_url;
    QString m_remainingSql;
    QString m_log;
    std::unique_ptr<LogTail> m_tail;
    std::unique_ptr<Database> m_observer;
    std::map<QString, std::unique_ptr<RunnerProcess>> m_workers;
    QSet<QString> m_killed;
    bool m_stopped = false;
    qint64 m_ownQueries = 0;
};

} // namespace

Result<QList<std::shared_ptr<PeerSystem>>> PeerSystem::load(const QString &folder, const QString &buildDir)
{
    QFile file(QDir(folder).filePath(u"peer.json"_s));
    if (!file.open(QIODevice::ReadOnly))
        return peerError(u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString()));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!document.isObject())
        return peerError(u"%1 is not a JSON object: %2"_s.arg(file.fileName(), parseError.errorString()));
    const QJsonObject manifest = document.object();
    const QJsonObject variants = manifest.value(u"variants"_s).toObject();
    if (manifest.value(u"name"_s).toString().isEmpty() || variants.isEmpty()
        || manifest.value(u"remaining"_s).toObject().isEmpty())
        return peerError(u"%1 needs a name, variants and remaining"_s.arg(file.fileName()));
    QList<std::shared_ptr<PeerSystem>> systems;
    for (auto it = variants.constBegin(); it != variants.constEnd(); ++it) {
        std::shared_ptr<PeerSystem> system(new PeerSystem);
        system->m_folder = QDir(folder).absolutePath();
        system->m_buildDir = QDir(buildDir).absolutePath();
        system->m_variant = it.key();
        system->m_manifest = manifest;
        systems.append(system);
    }
    // "default" first.
    std::stable_sort(systems.begin(), systems.end(), [](const auto &a, const auto &b) {
        return (a->variant() == u"default"_s) > (b->variant() == u"default"_s);
    });
    return systems;
}

QString PeerSystem::name() const
{
    return m_manifest.value(u"name"_s).toString() + u' ' + m_manifest.value(u"version"_s).toString();
}

QString PeerSystem::variantText() const
{
    return m_manifest.value(u"variants"_s).toObject().value(m_variant).toString();
}

QString PeerSystem::language() const
{
    return m_manifest.value(u"language"_s).toString();
}

int PeerSystem::jobsFor(int requested) const
{
    const int most = m_manifest.value(u"maxJobs"_s).toInt();
    return most > 0 ? std::min(most, requested) : requested;
}

QString PeerSystem::maxJobsWhy() const
{
    return m_manifest.value(u"maxJobsWhy"_s).toString();
}

QString PeerSystem::runner() const
{
    return QDir(m_folder).filePath(u"runner"_s);
}

QString PeerSystem::remainingSql(const QString &backend) const
{
    return m_manifest.value(u"remaining"_s).toObject().value(backend).toString();
}

Result<std::unique_ptr<SystemRun>> PeerSystem::open(const Place &place)
{
    return PeerRun::create(*this, place);
}

} // namespace Cohort::Bench
