#include "testcluster.h"

#include "cluster.h"
#include "configproperties.h"
#include "masterkey.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcessEnvironment>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

#include <csignal>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

QList<qint64> submitJobs(Database &database, const JobSpec &spec, int count)
{
    const qint64 before = [&] {
        // Finished before the submission's write transaction begins (SQLite).
        auto last = database.exec(u"SELECT COALESCE(MAX(id), 0) FROM jobs"_s);
        return last && last->next() ? last->value(0).toLongLong() : 0;
    }();
    auto submitted = JobPool::submit(database, QList<JobSpec>(count, spec));
    if (!submitted) {
        qWarning().noquote() << "submitting" << count << spec.type << "jobs failed:" << submitted.message();
        return {};
    }
    if (*submitted != count) {
        qWarning().noquote() << "submitted" << *submitted << "of" << count << spec.type << "jobs";
        return {};
    }
    QList<qint64> ids;
    auto query =
        database.exec(u"SELECT id FROM jobs WHERE id > ? AND type = ? ORDER BY id"_s, {before, spec.type});
    while (query && query->next())
        ids << query->value(0).toLongLong();
    return ids;
}

JobSpec jobOf(const QString &type, const QString &payload)
{
    JobSpec spec;
    spec.type = type;
    spec.payload = payload;
    return spec;
}

QString idList(const QList<qint64> &ids)
{
    QStringList parts;
    for (qint64 id : ids)
        parts << QString::number(id);
    return parts.join(u',');
}

NodeProcess::NodeProcess(QString name, QString dataDir, QString executionLog)
    : m_name(std::move(name))
    , m_dataDir(std::move(dataDir))
    , m_executionLog(std::move(executionLog))
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

NodeProcess::~NodeProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process.processId()), SIGCONT);
        m_process.kill();
        m_process.waitForFinished(10000);
    }
}

QString NodeProcess::output()
{
    m_output += QString::fromUtf8(m_process.readAll());
    return m_output;
}

QString NodeProcess::guid() const
{
    QFile file(QDir(m_dataDir).filePath(u"node.guid"_s));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll()).trimmed();
}

void NodeProcess::start(const QString &program, const QStringList &arguments,
                        const QHash<QString, QString> &extraEnvironment)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_LOGGING_RULES"_s, u"cohort.*.info=true"_s);
    for (auto it = extraEnvironment.cbegin(); it != extraEnvironment.cend(); ++it)
        environment.insert(it.key(), it.value());
    m_process.setProcessEnvironment(environment);
    // A test that ends abnormally (QtTest's watchdog, a crash) cannot kill its nodes:
    // the kernel does, so none lives on to disturb the next test.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process.start(program, arguments);
}

bool NodeProcess::waitForJoined(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (output().contains(u"joined the cluster"_s))
            return true;
        if (m_process.state() == QProcess::NotRunning) {
            output();
            return false;
        }
        m_process.waitForReadyRead(50);
        QCoreApplication::processEvents();
    }
    return false;
}

bool NodeProcess::waitForExit(int timeoutMs)
{
    const bool ended = m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
    output();
    return ended;
}

void NodeProcess::signal(int signalNumber)
{
    ::kill(pid_t(m_process.processId()), signalNumber);
}

bool NodeProcess::waitUntilStopped(int timeoutMs)
{
    // kill() returns before the target stops: every thread must show state T.
    const QDir tasks(u"/proc/%1/task"_s.arg(pid()));
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        bool all = true;
        for (const QString &task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile stat(tasks.filePath(task + u"/stat"_s));
            if (!stat.open(QIODevice::ReadOnly))
                continue; // a thread that ended
            const QByteArray text = stat.readAll();
            const qsizetype close = text.lastIndexOf(')');
            if (close < 0 || close + 2 >= text.size()
                || (text.at(close + 2) != 'T' && text.at(close + 2) != 't'))
                all = false;
        }
        if (all)
            return true;
        QThread::msleep(1);
    }
    return false;
}

bool NodeProcess::stopOutsideWriteTransaction()
{
    const QStringList arguments = m_process.arguments();
    const QString url = arguments.value(arguments.indexOf(u"--db"_s) + 1);
    if (!url.startsWith(u"sqlite:"_s)) {
        signal(SIGSTOP);
        return waitUntilStopped(5000);
    }
    const QString name = u"write-probe-%1"_s.arg(pid());
    bool stopped = false;
    {
        QSqlDatabase probe = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        probe.setDatabaseName(url.mid(7));
        probe.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=100"_s);
        if (probe.open()) {
            for (int attempt = 0; attempt < 100 && !stopped; ++attempt) {
                signal(SIGSTOP);
                if (!waitUntilStopped(5000))
                    break;
                QSqlQuery begin(probe);
                if (begin.exec(u"BEGIN IMMEDIATE"_s)) {
                    QSqlQuery(probe).exec(u"ROLLBACK"_s);
                    stopped = true;
                    break;
                }
                signal(SIGCONT);
                QThread::msleep(10);
            }
            probe.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return stopped;
}

Result<std::unique_ptr<TestCluster>> TestCluster::create(Backend backend, const QString &label,
                                                         int schemaVersion)
{
    auto database = TestDatabase::create(backend, label);
    if (!database)
        return database.error();
    std::unique_ptr<TestCluster> cluster(new TestCluster);
    cluster->m_testDatabase = std::move(database).value();
    cluster->m_url = cluster->m_testDatabase->url();
    if (auto ready = cluster->initialize(label, schemaVersion); !ready)
        return ready.error();
    return cluster;
}

Result<std::unique_ptr<TestCluster>> TestCluster::forCurrentTest(int schemaVersion)
{
    const auto *backend = static_cast<const QString *>(QTest::qGlobalData("backend", qMetaTypeId<QString>()));
    if (!backend)
        return makeError(ErrorCode::InvalidArgument, u"the test has no \"backend\" row (addBackendRows)"_s);
    return create(backendFromName(*backend), QString::fromLatin1(QTest::currentTestFunction()),
                  schemaVersion);
}

Result<std::unique_ptr<TestCluster>> TestCluster::createAt(const QString &url, const QString &label)
{
    std::unique_ptr<TestCluster> cluster(new TestCluster);
    cluster->m_url = url;
    if (auto ready = cluster->initialize(label); !ready)
        return ready.error();
    return cluster;
}

Result<void> TestCluster::initialize(const QString &label, int schemaVersion)
{
    if (!m_scratch.isValid())
        return makeError(ErrorCode::Io, u"cannot create a temporary folder"_s);
    m_secretFile = scratchPath(u"secret"_s);
    if (auto written = MasterKey::writeNewSecretFile(m_secretFile); !written)
        return written.error();
    auto secret = MasterKey::readSecretFile(m_secretFile);
    if (!secret)
        return secret.error();
    auto url = DatabaseUrl::parse(m_url);
    if (!url)
        return url.error();
    ClusterInitRequest request;
    request.name = label;
    request.secret = *secret;
    request.adminName = u"admin"_s;
    request.adminPassword = u"correct horse battery"_s;
    request.actor = u"test"_s;
    request.schemaVersion = schemaVersion;
    if (auto created = Cluster::create(*url, request); !created)
        return created.error();
    auto opened = Database::fromUrl(m_url);
    if (!opened)
        return opened.error();
    m_database = std::move(opened).value();
    return {};
}

Result<void> TestCluster::useUrl(const QString &url)
{
    auto opened = Database::fromUrl(url);
    if (!opened)
        return opened.error();
    m_database = std::move(opened).value();
    m_url = url;
    return {};
}

TestCluster::~TestCluster()
{
    m_nodes.clear(); // kills what still runs, before the database goes
    m_database.reset();
}

QStringList TestCluster::defaultArguments(Timing timing)
{
    QStringList arguments{u"--grace"_s, u"10"_s};
    if (timing == Timing::Fast)
        arguments << u"--heartbeat"_s << u"1"_s << u"--offline-after"_s << u"5"_s;
    return arguments;
}

NodeProcess *TestCluster::startNode(const QString &name, const QStringList &extraArguments, Timing timing)
{
    return startNodeIn(name, scratchPath(u"node-"_s + name), extraArguments, timing);
}

QString TestCluster::nodeProgram()
{
    const QString given = qEnvironmentVariable("COHORT_TEST_NODE");
    return given.isEmpty() ? QStringLiteral(COHORT_NODE_PATH) : given;
}

QString TestCluster::nextNodeProgram()
{
    return QStringLiteral(COHORT_NEXT_NODE_PATH);
}

QString TestCluster::nextVersion()
{
    return QStringLiteral(COHORT_NEXT_VERSION);
}

QHash<QString, QString> TestCluster::fakeClock(const QString &offset)
{
    // Debian's faketime package; the multi-threaded variant, since a node runs threads.
    QString library;
    const QDir lib(u"/usr/lib"_s);
    for (const QString &arch : lib.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString candidate = lib.filePath(arch + u"/faketime/libfaketimeMT.so.1"_s);
        if (QFile::exists(candidate))
            library = candidate;
    }
    if (library.isEmpty())
        qWarning("libfaketime is not installed (Debian package faketime): the clock is not faked");
    // Under AddressSanitizer its runtime must come first; a preloaded library comes before it.
    QString asan = qEnvironmentVariable("ASAN_OPTIONS");
    asan += (asan.isEmpty() ? u""_s : u":"_s) + u"verify_asan_link_order=0"_s;
    // Only the wall clock: a clock step (NTP, a resumed VM) never moves CLOCK_MONOTONIC,
    // which libfaketime would otherwise fake too (and Qt's timers run on).
    return {{u"LD_PRELOAD"_s, library},
            {u"FAKETIME"_s, offset},
            {u"FAKETIME_NO_CACHE"_s, u"1"_s},
            {u"FAKETIME_DONT_FAKE_MONOTONIC"_s, u"1"_s},
            {u"ASAN_OPTIONS"_s, asan}};
}

NodeProcess *TestCluster::startNodeIn(const QString &name, const QString &dataDir,
                                      const QStringList &extraArguments, Timing timing,
                                      const QHash<QString, QString> &environment, const QString &program)
{
    const QString log = scratchPath(u"executions-%1-%2.log"_s.arg(name).arg(m_nodes.size()));
    auto node = std::make_unique<NodeProcess>(name, dataDir, log);
    QStringList arguments{u"--db"_s,
                          url(),
                          u"--name"_s,
                          name,
                          u"--data-dir"_s,
                          dataDir,
                          u"--secret-file"_s,
                          m_secretFile,
                          u"--api"_s,
                          u"127.0.0.1:0"_s,
                          u"--execution-log"_s,
                          log};
    arguments << defaultArguments(timing) << extraArguments;
    node->start(program.isEmpty() ? nodeProgram() : program, arguments, environment);
    m_nodes.push_back(std::move(node));
    return m_nodes.back().get();
}

void TestCluster::printNodeOutput(int lines)
{
    for (const auto &node : m_nodes) {
        const QStringList output = node->output().split(u'\n');
        qWarning().noquote() << "---- output of node" << node->name() << "(last" << lines << "lines)";
        qWarning().noquote() << output.mid(qMax(0, int(output.size()) - lines)).join(u'\n');
    }
    // On PostgreSQL, what every session of the database is doing or waiting for, and the
    // jobs' states: a stalled node shows here.
    if (m_database && m_database->url().backend() == Backend::Postgres) {
        auto sessions =
            m_database->exec(u"SELECT pid, application_name, state, COALESCE(wait_event_type, '-'), "
                             u"COALESCE(wait_event, '-'), "
                             "LEFT(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid"_s);
        qWarning().noquote() << "---- sessions of the database";
        while (sessions && sessions->next()) {
            QStringList fields;
            for (int i = 0; i < 6; ++i)
                fields << sessions->value(i).toString();
            qWarning().noquote() << fields.join(u" | "_s);
        }
    }
    if (m_database) {
        auto jobs = m_database->exec(u"SELECT state, COALESCE(claimed_by, '-'), COUNT(*) FROM jobs "
                                     "GROUP BY state, claimed_by ORDER BY 1, 2"_s);
        qWarning().noquote() << "---- jobs by state and owner";
        while (jobs && jobs->next())
            qWarning().noquote() << jobs->value(0).toString() << jobs->value(1).toString()
                                 << jobs->value(2).toInt();
        auto nodes = m_database->exec(
            u"SELECT name, guid, state, incarnation, heartbeat_count FROM nodes ORDER BY name"_s);
        qWarning().noquote() << "---- nodes";
        while (nodes && nodes->next()) {
            qWarning().noquote() << nodes->value(0).toString() << nodes->value(1).toString()
                                 << nodes->value(2).toString() << nodes->value(3).toString()
                                 << nodes->value(4).toLongLong();
        }
    }
}

QHash<qint64, int> TestCluster::executions() const
{
    QHash<qint64, int> counts;
    for (const auto &node : m_nodes) {
        QFile file(node->executionLog());
        if (!file.open(QIODevice::ReadOnly))
            continue;
        while (!file.atEnd()) {
            const QByteArray line = file.readLine();
            bool ok = false;
            const qint64 id = line.left(line.indexOf(' ')).toLongLong(&ok);
            if (ok)
                ++counts[id];
        }
    }
    return counts;
}

QVariant TestCluster::scalar(const QString &sql, const QVariantList &values)
{
    auto query = m_database->exec(sql, values);
    if (!query || !query->next())
        return {};
    return query->value(0);
}

QString TestCluster::apiAddress(const QString &guid)
{
    return scalar(u"SELECT api_address FROM nodes WHERE guid = ?"_s, {guid}).toString();
}

QString TestCluster::apiPin(const QString &guid)
{
    return scalar(u"SELECT cert_sha256 FROM nodes WHERE guid = ?"_s, {guid}).toString();
}

QString TestCluster::apiToken()
{
    auto secret = MasterKey::readSecretFile(m_secretFile);
    if (!secret)
        return {};
    auto key = Cluster::unlock(database(), *secret);
    auto cluster = Cluster::load(database());
    auto db = database().connection();
    if (!key || !cluster || !cluster->has_value() || !db)
        return {};
    auto value = ConfigProperties::read(*db, *key, (*cluster)->keyContext(), Property::NodeApiToken);
    return value && value->has_value() ? **value : QString();
}

qint64 TestCluster::heartbeatCount(const QString &guid)
{
    return scalar(u"SELECT heartbeat_count FROM nodes WHERE guid = ?"_s, {guid}).toLongLong();
}

int TestCluster::offlineAlerts(const QString &guid)
{
    return scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = 'node-offline' AND node_guid = ?"_s, {guid})
        .toInt();
}

QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record << field;
            field.clear();
        } else if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            record << field;
            records << record;
            record.clear();
            field.clear();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !record.isEmpty())
        records << (record << field);
    return records;
}

QList<QStringList> TestCluster::nodeEventRows(const QString &guid)
{
    QList<QStringList> rows;
    auto query = m_database->exec(
        u"SELECT id, node_guid, at, kind, actor, actor_name, details, takeover_id FROM node_events "
        "WHERE node_guid = ? ORDER BY at, id"_s,
        {guid});
    if (!query)
        return rows;
    while (query->next()) {
        const qint64 at = query->value(2).toLongLong();
        rows << QStringList{query->value(0).toString(),
                            query->value(1).toString(),
                            QDateTime::fromMSecsSinceEpoch(at, Qt::UTC).toString(Qt::ISODateWithMs),
                            QString::number(at),
                            query->value(3).toString(),
                            query->value(4).toString(),
                            query->value(5).toString(),
                            query->value(6).toString(),
                            query->value(7).isNull() ? QString() : query->value(7).toString()};
    }
    return rows;
}

QString TestCluster::nodeState(const QString &guid)
{
    return scalar(u"SELECT state FROM nodes WHERE guid = ?"_s, {guid}).toString();
}

Result<void> TestCluster::addUser(const NewUser &user)
{
    auto secret = MasterKey::readSecretFile(m_secretFile);
    if (!secret)
        return secret.error();
    return Test::addUser(database(), *secret, user);
}

} // namespace Cohort::Test
