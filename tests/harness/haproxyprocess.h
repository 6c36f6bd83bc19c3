// HaproxyProcess: a real HAProxy started by a test with the project's own configuration
// (deploy/haproxy.cfg, whose addresses come from the environment) in front of the given
// node API addresses, listening on a free port of 127.0.0.1.
#pragma once

#include <QProcess>
#include <QStringList>

namespace Cohort::Test {

class HaproxyProcess
{
public:
    ~HaproxyProcess();

    // Starts it and waits until it accepts connections; false with the reason in *error.
    bool start(const QStringList &nodeAddresses, QString *error);
    // Where agents connect: 127.0.0.1:PORT.
    QString address() const { return m_address; }
    // What HAProxy logged (its log goes to standard output).
    QString output();
    void stop();

private:
    QProcess m_process;
    QString m_address;
    QString m_output;
};

} // namespace Cohort::Test
