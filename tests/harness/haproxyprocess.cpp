#include "haproxyprocess.h"

#include <QDeadlineTimer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

HaproxyProcess::~HaproxyProcess()
{
    stop();
}

bool HaproxyProcess::start(const QStringList &nodeAddresses, QString *error)
{
    const QString program = QStandardPaths::findExecutable(u"haproxy"_s, {u"/usr/sbin"_s, u"/usr/bin"_s});
    if (program.isEmpty()) {
        *error = u"haproxy is not installed (Debian package haproxy; scripts/install-deps)"_s;
        return false;
    }
    if (nodeAddresses.size() != 3) {
        *error = u"deploy/haproxy.cfg balances three nodes"_s;
        return false;
    }
    // A free port: taken and given back. Another process could take it in between; the
    // start then fails and says so.
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        *error = probe.errorString();
        return false;
    }
    const quint16 port = probe.serverPort();
    probe.close();
    m_address = u"127.0.0.1:%1"_s.arg(port);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"COHORT_LB_BIND"_s, m_address);
    for (int i = 0; i < 3; ++i)
        environment.insert(u"COHORT_NODE%1"_s.arg(i + 1), nodeAddresses.at(i));
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    // -db: in the foreground, so the test owns the process.
    m_process.start(program, {u"-db"_s, u"-f"_s, QStringLiteral(COHORT_SOURCE_DIR "/deploy/haproxy.cfg")});
    if (!m_process.waitForStarted(10000)) {
        *error = m_process.errorString();
        return false;
    }
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (m_process.state() == QProcess::NotRunning) {
            *error = u"haproxy exited: %1"_s.arg(output());
            return false;
        }
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (socket.waitForConnected(500))
            return true;
        QTest::qWait(50);
    }
    *error = u"haproxy does not listen on %1: %2"_s.arg(m_address, output());
    return false;
}

QString HaproxyProcess::output()
{
    m_output += QString::fromUtf8(m_process.readAll());
    return m_output;
}

void HaproxyProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

} // namespace Cohort::Test
