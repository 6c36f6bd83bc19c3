// AgentsProcess: a running cohort-agents (the agent simulator) started by a test, with
// the summaries it prints (--json: one JSON object per line; the last has "final": true)
// read as they come, so a test can act on what the agents see while they run.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QStringList>

#include <functional>

namespace Cohort::Test {

class AgentsProcess
{
public:
    // The program the tests run: the one built beside them.
    static QString program();

    AgentsProcess();
    ~AgentsProcess();

    // Starts cohort-agents with arguments; --json is added.
    void start(const QStringList &arguments);
    // Waits (spinning the event loop) until a summary printed from the from-th on
    // satisfies accept; returns it, or an empty object after timeoutMs or when the process
    // ended first.
    QJsonObject waitForSummary(const std::function<bool(const QJsonObject &)> &accept, int timeoutMs = 30000,
                               qsizetype from = 0);
    // Waits for the process to end (it ends by itself with --duration); the final summary,
    // or an empty object.
    QJsonObject waitForFinal(int timeoutMs = 120000);
    int exitCode() const { return m_process.exitCode(); }
    QString errors() const { return m_errors; }
    const QList<QJsonObject> &summaries() const { return m_summaries; }

private:
    void readLines();

    QProcess m_process;
    QByteArray m_pending;
    QString m_errors;
    QList<QJsonObject> m_summaries;
};

} // namespace Cohort::Test
