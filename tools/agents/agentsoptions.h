// AgentsOptions: cohort-agents' command line, checked value by value into AgentsSettings.
// Every bad value gets its own one-line message naming the option (exit code 2).
#pragma once

#include "managerendpoint.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace Cohort {

struct AgentsSettings
{
    std::vector<ManagerEndpoint> managers; // the bootstrap list
    std::vector<std::string> pins;         // its pins: SHA-256, lower-case hex
    int count = 100;
    double intervalS = 30;
    double jitter = 0.1;
    double durationS = 0; // 0: until SIGINT or SIGTERM
    // Check-ins started in the first this many seconds stay out of the latency figures.
    double warmUpS = 0;
    int timeoutMs = 3000;
    // --source-net: agent i binds to firstSource + i (host byte order); 0 when not given.
    std::uint32_t firstSource = 0;
    std::uint64_t seed = 0;
    int threads = 2;
    double summaryEveryS = 5; // 0: none
    bool json = false;
    bool jsonAgents = false;
    // Each agent keeps the TLS session of every manager it reached and resumes it on its
    // next connection to that manager, as a real agent's TLS library does.
    bool resumeSessions = true;
};

class AgentsOptions
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AgentsOptions)

public:
    enum class Outcome { Run, Help, Version, Usage };

    AgentsOptions();
    Outcome parse(const QStringList &arguments);

    const AgentsSettings &settings() const { return m_settings; }
    // Why parse() returned Usage: one line.
    QString error() const { return m_error; }
    QString helpText() const { return m_parser.helpText(); }

private:
    bool fail(const QString &message);
    bool readManagers();
    bool readPins();
    bool readNumbers();
    bool readSourceNet();

    QCommandLineParser m_parser;
    AgentsSettings m_settings;
    QString m_error;
};

} // namespace Cohort
