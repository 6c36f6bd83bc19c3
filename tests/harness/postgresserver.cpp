#include "postgresserver.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

namespace {

constexpr auto ServerUser = "postgres";

Error harnessError(const QString &message)
{
    return makeError(ErrorCode::Unavailable, u"PostgreSQL test server: "_s + message);
}

QString findBinDir()
{
    QDir root(u"/usr/lib/postgresql"_s);
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &version : std::as_const(versions)) {
        const QString bin = root.filePath(version + u"/bin"_s);
        if (QFile::exists(bin + u"/initdb"_s) && QFile::exists(bin + u"/pg_ctl"_s))
            return bin;
    }
    return {};
}

int freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QString randomToken(int length)
{
    static const QString alphabet = u"abcdefghijklmnopqrstuvwxyz0123456789"_s;
    QString token;
    for (int i = 0; i < length; ++i)
        token += alphabet.at(QRandomGenerator::global()->bounded(int(alphabet.size())));
    return token;
}

bool runningAsRoot()
{
    return geteuid() == 0;
}

} // namespace

PostgresServer::~PostgresServer()
{
    if (m_owned && m_running)
        (void)stop();
    if (m_owned && !m_directory.isEmpty())
        QDir(m_directory).removeRecursively();
}

Result<void> PostgresServer::runAsServerUser(const QString &program, const QStringList &arguments,
                                             int timeoutMs) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (runningAsRoot())
        process.start(u"runuser"_s,
                      QStringList{u"-u"_s, QString::fromLatin1(ServerUser), u"--"_s, program} + arguments);
    else
        process.start(program, arguments);
    if (!process.waitForStarted(10000))
        return harnessError(u"cannot start %1: %2"_s.arg(program, process.errorString()));
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(2000);
        return harnessError(u"%1 did not finish within %2 ms"_s.arg(program).arg(timeoutMs));
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        return harnessError(u"%1 %2 failed (exit %3): %4"_s.arg(program, arguments.join(u' '))
                                .arg(process.exitCode())
                                .arg(QString::fromLocal8Bit(process.readAll()).simplified()));
    }
    return {};
}

Result<void> PostgresServer::pgCtl(const QStringList &arguments, int timeoutMs) const
{
    return runAsServerUser(m_binDir + u"/pg_ctl"_s, arguments, timeoutMs);
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(Durability durability)
{
    std::unique_ptr<PostgresServer> server(new PostgresServer);
    server->m_owned = true;
    server->m_durability = durability;
    server->m_binDir = findBinDir();
    if (server->m_binDir.isEmpty())
        return harnessError(u"no PostgreSQL server under /usr/lib/postgresql; run scripts/install-deps"_s);

    QTemporaryDir temporary(QDir::tempPath() + u"/cohort-pg-XXXXXX"_s);
    if (!temporary.isValid())
        return harnessError(u"cannot make a temporary folder: "_s + temporary.errorString());
    temporary.setAutoRemove(false);
    server->m_directory = temporary.path();

    if (runningAsRoot()) {
        const passwd *account = getpwnam(ServerUser);
        if (!account)
            return harnessError(u"running as root needs the \"postgres\" user (package postgresql)"_s);
        if (chown(QFile::encodeName(server->m_directory).constData(), account->pw_uid, account->pw_gid) != 0)
            return harnessError(u"cannot hand %1 to the postgres user"_s.arg(server->m_directory));
    }

    server->m_password = randomToken(24);
    const QString passwordFile = server->m_directory + u"/pwfile"_s;
    {
        QFile file(passwordFile);
        if (!file.open(QIODevice::WriteOnly))
            return harnessError(u"cannot write "_s + passwordFile);
        file.write(server->m_password.toUtf8() + '\n');
    }
    if (runningAsRoot()) {
        const passwd *account = getpwnam(ServerUser);
        if (chown(QFile::encodeName(passwordFile).constData(), account->pw_uid, account->pw_gid) != 0)
            return harnessError(u"cannot hand the password file to the postgres user"_s);
    }

    const QString data = server->m_directory + u"/data"_s;
    if (auto initialized = server->runAsServerUser(server->m_binDir + u"/initdb"_s,
                                                   {u"-D"_s, data, u"-U"_s, server->m_user, u"--pwfile"_s,
                                                    passwordFile, u"-A"_s, u"scram-sha-256"_s, u"--no-sync"_s,
                                                    u"-E"_s, u"UTF8"_s, u"--locale=C"_s},
                                                   120000);
        !initialized)
        return initialized.error();
    QFile::remove(passwordFile);

    // A few tries: the free port can be taken by someone else before the server binds it.
    Error lastError = harnessError(u"could not start"_s);
    for (int attempt = 0; attempt < 5; ++attempt) {
        server->m_port = freePort();
        auto started = server->restart();
        if (started)
            return server;
        lastError = started.error();
    }
    return lastError;
}

Result<void> PostgresServer::restart()
{
    const QString data = m_directory + u"/data"_s;
    // Durability is traded for speed where the databases live for one test run; a test
    // that crashes the server needs what was committed to stay committed.
    const QString durability = m_durability == Durability::Fast
                                   ? u"-c fsync=off -c synchronous_commit=off -c full_page_writes=off "_s
                                   : QString();
    const QString options =
        u"-c listen_addresses=127.0.0.1 -c port=%1 -c unix_socket_directories=%2 "_s.arg(m_port).arg(
            m_directory)
        + durability + u"-c max_connections=300 -c shared_buffers=64MB"_s;
    auto started = pgCtl({u"start"_s, u"-w"_s, u"-t"_s, u"60"_s, u"-D"_s, data, u"-l"_s,
                          m_directory + u"/server.log"_s, u"-o"_s, options},
                         90000);
    m_running = started.ok();
    return started;
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::startStandby() const
{
    std::unique_ptr<PostgresServer> standby(new PostgresServer);
    standby->m_owned = true;
    standby->m_durability = m_durability;
    standby->m_binDir = m_binDir;
    standby->m_user = m_user;
    standby->m_password = m_password;
    QTemporaryDir temporary(QDir::tempPath() + u"/cohort-pg-standby-XXXXXX"_s);
    if (!temporary.isValid())
        return harnessError(u"cannot make a temporary folder: "_s + temporary.errorString());
    temporary.setAutoRemove(false);
    standby->m_directory = temporary.path();
    if (runningAsRoot()) {
        const passwd *account = getpwnam(ServerUser);
        if (!account
            || chown(QFile::encodeName(standby->m_directory).constData(), account->pw_uid, account->pw_gid)
                   != 0)
            return harnessError(u"cannot hand %1 to the postgres user"_s.arg(standby->m_directory));
    }
    // -R writes standby.signal and the connection to this server into the copy.
    const QString source =
        u"host=127.0.0.1 port=%1 user=%2 password=%3"_s.arg(m_port).arg(m_user, m_password);
    if (auto copied = standby->runAsServerUser(m_binDir + u"/pg_basebackup"_s,
                                               {u"-D"_s, standby->m_directory + u"/data"_s, u"-R"_s, u"-X"_s,
                                                u"stream"_s, u"-c"_s, u"fast"_s, u"-d"_s, source},
                                               120000);
        !copied)
        return copied.error();
    Error lastError = harnessError(u"the standby could not start"_s);
    for (int attempt = 0; attempt < 5; ++attempt) {
        standby->m_port = freePort();
        auto started = standby->restart();
        if (started)
            return standby;
        lastError = started.error();
    }
    return lastError;
}

Result<void> PostgresServer::promote()
{
    return pgCtl({u"promote"_s, u"-w"_s, u"-t"_s, u"60"_s, u"-D"_s, m_directory + u"/data"_s}, 90000);
}

Result<void> PostgresServer::stop(StopMode mode)
{
    const QString how = mode == StopMode::Immediate ? u"immediate"_s : u"fast"_s;
    auto stopped =
        pgCtl({u"stop"_s, u"-w"_s, u"-t"_s, u"60"_s, u"-m"_s, how, u"-D"_s, m_directory + u"/data"_s}, 90000);
    if (stopped)
        m_running = false;
    return stopped;
}

qint64 PostgresServer::pid() const
{
    QFile file(m_directory + u"/data/postmaster.pid"_s);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readLine().trimmed().toLongLong();
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::attach(const QString &stateFile)
{
    QFile file(stateFile);
    if (!file.open(QIODevice::ReadOnly))
        return harnessError(u"cannot read the state file %1"_s.arg(stateFile));
    const QJsonObject state = QJsonDocument::fromJson(file.readAll()).object();
    std::unique_ptr<PostgresServer> server(new PostgresServer);
    server->m_binDir = state.value(u"bin"_s).toString();
    server->m_directory = state.value(u"directory"_s).toString();
    server->m_port = state.value(u"port"_s).toInt();
    server->m_user = state.value(u"user"_s).toString();
    server->m_password = state.value(u"password"_s).toString();
    server->m_running = true;
    if (server->m_port == 0 || server->m_directory.isEmpty())
        return harnessError(u"the state file %1 is incomplete"_s.arg(stateFile));
    return server;
}

Result<void> PostgresServer::writeState(const QString &stateFile) const
{
    QFile file(stateFile);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return harnessError(u"cannot write the state file %1"_s.arg(stateFile));
    const QJsonObject state{{u"bin"_s, m_binDir},
                            {u"directory"_s, m_directory},
                            {u"port"_s, m_port},
                            {u"user"_s, m_user},
                            {u"password"_s, m_password}};
    file.write(QJsonDocument(state).toJson());
    return {};
}

PostgresServer::Pooler::~Pooler()
{
    if (!process || process->state() == QProcess::NotRunning)
        return;
    process->terminate();
    if (!process->waitForFinished(5000)) {
        process->kill();
        process->waitForFinished(2000);
    }
}

Result<PostgresServer::Pooler> PostgresServer::startPooler(const QString &database,
                                                           const QString &poolMode) const
{
    const QString folder = m_directory + u"/pgbouncer-"_s + randomToken(8);
    if (!QDir().mkpath(folder))
        return harnessError(u"cannot make "_s + folder);
    const int port = freePort();
    const QString config = folder + u"/pgbouncer.ini"_s;
    {
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly))
            return harnessError(u"cannot write "_s + config);
        // auth_type any: clients are let in and the pooler logs in as the configured user.
        file.write(u"[databases]\n"
                   "%1 = host=127.0.0.1 port=%2 dbname=%1 user=%3 password=%4\n"
                   "[pgbouncer]\n"
                   "listen_addr = 127.0.0.1\n"
                   "listen_port = %5\n"
                   "unix_socket_dir =\n"
                   "auth_type = any\n"
                   "pool_mode = %6\n"
                   "logfile = %7/pgbouncer.log\n"_s.arg(database)
                       .arg(m_port)
                       .arg(m_user, m_password)
                       .arg(port)
                       .arg(poolMode, folder)
                       .toUtf8());
    }
    Pooler pooler;
    pooler.process = std::make_unique<QProcess>();
    pooler.process->setProcessChannelMode(QProcess::MergedChannels);
    // pgbouncer refuses to run as root; setpriv (unlike runuser) execs it, so the process
    // the object holds is pgbouncer itself and stopping it stops the pooler.
    const QString program = u"/usr/sbin/pgbouncer"_s;
    if (!QFile::exists(program))
        return harnessError(u"no /usr/sbin/pgbouncer; run scripts/install-deps"_s);
    if (runningAsRoot()) {
        const passwd *account = getpwnam(ServerUser);
        for (const QString &path : {folder, config}) {
            if (!account || chown(QFile::encodeName(path).constData(), account->pw_uid, account->pw_gid) != 0)
                return harnessError(u"cannot hand %1 to the postgres user"_s.arg(path));
        }
        pooler.process->start(u"setpriv"_s,
                              {u"--reuid=%1"_s.arg(account->pw_uid), u"--regid=%1"_s.arg(account->pw_gid),
                               u"--init-groups"_s, program, config});
    } else {
        pooler.process->start(program, {config});
    }
    if (!pooler.process->waitForStarted(10000))
        return harnessError(u"cannot start pgbouncer: "_s + pooler.process->errorString());
    // Up when it accepts connections.
    QDeadlineTimer deadline(15000);
    for (;;) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(port));
        if (socket.waitForConnected(500))
            break;
        if (deadline.hasExpired() || pooler.process->state() == QProcess::NotRunning) {
            QFile log(folder + u"/pgbouncer.log"_s);
            (void)log.open(QIODevice::ReadOnly);
            return harnessError(u"pgbouncer did not start: %1 %2"_s
                                    .arg(QString::fromLocal8Bit(pooler.process->readAll()),
                                         QString::fromLocal8Bit(log.readAll()))
                                    .simplified());
        }
        QThread::msleep(50);
    }
    QUrl url;
    url.setScheme(u"postgresql"_s);
    url.setUserName(m_user);
    url.setPassword(m_password);
    url.setHost(host());
    url.setPort(port);
    url.setPath(u"/"_s + database);
    pooler.url = url.toString();
    return pooler;
}

QString PostgresServer::url(const QString &database) const
{
    QUrl url;
    url.setScheme(u"postgresql"_s);
    url.setUserName(m_user);
    url.setPassword(m_password);
    url.setHost(host());
    url.setPort(m_port);
    url.setPath(u"/"_s + database);
    return url.toString();
}

Result<void> PostgresServer::adminExec(const QString &sql)
{
    static std::atomic<int> counter{0};
    const QString name = u"cohort-test-admin-%1"_s.arg(counter++);
    Result<void> result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        db.setHostName(host());
        db.setPort(m_port);
        db.setUserName(m_user);
        db.setPassword(m_password);
        db.setDatabaseName(u"postgres"_s);
        if (!db.open()) {
            result = harnessError(db.lastError().text());
        } else {
            QSqlQuery query(db);
            if (!query.exec(sql))
                result = harnessError(sql + u": "_s + query.lastError().text());
        }
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

Result<QString> PostgresServer::createDatabase(const QString &prefix)
{
    QString name = prefix.toLower();
    name.replace(QRegularExpression(u"[^a-z0-9_]"_s), u"_"_s);
    name = name.left(40) + u"_"_s + randomToken(10);
    // The name is ours, made only of [a-z0-9_]: an identifier cannot be a bound value.
    if (auto created = adminExec(u"CREATE DATABASE "_s + name); !created)
        return created.error();
    return name;
}

Result<void> PostgresServer::dropDatabase(const QString &name)
{
    return adminExec(u"DROP DATABASE IF EXISTS %1 WITH (FORCE)"_s.arg(name));
}

} // namespace Cohort::Test
