#include "agentsoptions.h"

#include <boost/asio/ip/address_v4.hpp>

#include <QRandomGenerator>

#include <cmath>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// The largest simulation that makes sense in one process (file descriptors, memory).
constexpr int MaxAgents = 1'000'000;
constexpr int MaxThreads = 64;
constexpr int MaxTimeoutMs = 600'000;
constexpr double MaxSeconds = 365.0 * 24 * 3600;

} // namespace

AgentsOptions::AgentsOptions()
{
    m_parser.setApplicationDescription(
        tr("Simulates many agents in one process, each checking in with the Cohort nodes over HTTPS on a new "
           "connection, pinning the nodes' certificates, and reports what happened."));
    m_parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    m_parser.addOption({{u"h"_s, u"help"_s}, tr("Shows this help.")});
    m_parser.addOption({{u"v"_s, u"version"_s}, tr("Shows the version.")});
    m_parser.addOption(
        {u"managers"_s,
         tr("The managers to start with, HOST:PORT[,HOST:PORT...], until the first answer replaces them."),
         u"LIST"_s});
    m_parser.addOption(
        {u"pin"_s,
         tr("The SHA-256 (64 hex digits) of a certificate the starting managers may present; repeat "
            "it or separate several by commas."),
         u"SHA256"_s});
    m_parser.addOption({u"count"_s, tr("How many agents to simulate (default 100)."), u"N"_s, u"100"_s});
    m_parser.addOption({u"interval"_s,
                        tr("Seconds between an agent's check-ins (default 30; fractions allowed)."),
                        u"SECONDS"_s, u"30"_s});
    m_parser.addOption(
        {u"jitter"_s,
         tr("Each wait is the interval times 1 plus or minus this fraction, at random (default 0.1)."),
         u"FRACTION"_s, u"0.1"_s});
    m_parser.addOption({u"duration"_s,
                        tr("Seconds to run (default 0: until SIGINT or SIGTERM); then the final summary."),
                        u"SECONDS"_s, u"0"_s});
    m_parser.addOption(
        {u"warm-up"_s,
         tr("Leave check-ins that start in the first SECONDS out of the latency figures (default 0); "
            "they still count everywhere else."),
         u"SECONDS"_s, u"0"_s});
    m_parser.addOption({u"timeout"_s,
                        tr("Milliseconds one attempt may take: connection, TLS and answer (default 3000)."),
                        u"MS"_s, u"3000"_s});
    m_parser.addOption(
        {u"source-net"_s,
         tr("An IPv4 network, A.B.C.D/PREFIX: agent i connects from its own address in it (the "
            "first host address, the second, ...). On Linux any 127/8 address is local."),
         u"NET"_s});
    m_parser.addOption(
        {u"seed"_s, tr("Seed for the agents' GUIDs, managers and waits (default: random)."), u"N"_s});
    m_parser.addOption({u"threads"_s, tr("Threads running the connections (default 2)."), u"N"_s, u"2"_s});
    m_parser.addOption({u"summary-every"_s,
                        tr("Seconds between live summaries on stderr (default 5; 0: none)."), u"SECONDS"_s,
                        u"5"_s});
    m_parser.addOption({u"json"_s, tr("Also prints every summary as one JSON object per line on stdout.")});
    m_parser.addOption(
        {u"json-agents"_s, tr("Live JSON summaries list every agent too (the final one always does).")});
    m_parser.addOption(
        {u"full-handshakes"_s,
         tr("No TLS session resumption: every check-in makes a full handshake (by default each agent "
            "resumes the session it last had with that manager, as a real agent does).")});
}

bool AgentsOptions::fail(const QString &message)
{
    m_error = message;
    return false;
}

AgentsOptions::Outcome AgentsOptions::parse(const QStringList &arguments)
{
    if (!m_parser.parse(arguments)) {
        fail(m_parser.errorText());
        return Outcome::Usage;
    }
    if (m_parser.isSet(u"help"_s))
        return Outcome::Help;
    if (m_parser.isSet(u"version"_s))
        return Outcome::Version;
    if (!m_parser.positionalArguments().isEmpty()) {
        fail(tr("unexpected argument \"%1\"").arg(m_parser.positionalArguments().constFirst()));
        return Outcome::Usage;
    }
    if (!readNumbers() || !readSourceNet() || !readPins() || !readManagers())
        return Outcome::Usage;
    m_settings.json = m_parser.isSet(u"json"_s);
    m_settings.jsonAgents = m_parser.isSet(u"json-agents"_s);
    m_settings.resumeSessions = !m_parser.isSet(u"full-handshakes"_s);
    if (m_settings.jsonAgents && !m_settings.json) {
        fail(tr("--json-agents needs --json"));
        return Outcome::Usage;
    }
    return Outcome::Run;
}

bool AgentsOptions::readManagers()
{
    if (!m_parser.isSet(u"managers"_s))
        return fail(tr("--managers is required: HOST:PORT[,HOST:PORT...]"));
    for (const QString &list : m_parser.values(u"managers"_s)) {
        for (const QString &entry : list.split(u',')) {
            const QString text = entry.trimmed();
            if (text.isEmpty())
                return fail(tr("--managers: an empty entry in \"%1\"").arg(list));
            QString why;
            const auto endpoint = ManagerEndpoint::parse(text.toStdString(), &why);
            if (!endpoint)
                return fail(tr("--managers: %1").arg(why));
            m_settings.managers.push_back(*endpoint);
        }
    }
    return true;
}

bool AgentsOptions::readPins()
{
    if (!m_parser.isSet(u"pin"_s))
        return fail(tr("--pin is required: the SHA-256 of a starting manager's certificate, 64 hex digits"));
    for (const QString &list : m_parser.values(u"pin"_s)) {
        for (const QString &entry : list.split(u',')) {
            const QString pin = entry.trimmed().toLower();
            bool hex = pin.size() == 64;
            for (const QChar c : pin)
                hex = hex && ((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'));
            if (!hex)
                return fail(tr("--pin: \"%1\" is not a SHA-256 fingerprint (64 hex digits)").arg(entry));
            m_settings.pins.push_back(pin.toStdString());
        }
    }
    return true;
}

bool AgentsOptions::readNumbers()
{
    const auto whole = [this](const QString &option, int low, int high, int *value) {
        bool ok = false;
        const QString text = m_parser.value(option);
        const qlonglong number = text.toLongLong(&ok);
        if (!ok || number < low || number > high)
            return fail(tr("--%1 must be a whole number from %2 to %3, not \"%4\"")
                            .arg(option)
                            .arg(low)
                            .arg(high)
                            .arg(text));
        *value = int(number);
        return true;
    };
    const auto seconds = [this](const QString &option, double low, bool lowAllowed, double *value) {
        bool ok = false;
        const QString text = m_parser.value(option);
        const double number = text.toDouble(&ok);
        if (!ok || !std::isfinite(number) || number > MaxSeconds || number < low
            || (!lowAllowed && number == low)) {
            return fail(lowAllowed ? tr("--%1 must be a number of seconds, %2 or more, not \"%3\"")
                                         .arg(option)
                                         .arg(low)
                                         .arg(text)
                                   : tr("--%1 must be a number of seconds greater than %2, not \"%3\"")
                                         .arg(option)
                                         .arg(low)
                                         .arg(text));
        }
        *value = number;
        return true;
    };
    if (!whole(u"count"_s, 1, MaxAgents, &m_settings.count)
        || !seconds(u"interval"_s, 0, false, &m_settings.intervalS)
        || !seconds(u"duration"_s, 0, true, &m_settings.durationS)
        || !seconds(u"warm-up"_s, 0, true, &m_settings.warmUpS)
        || !seconds(u"summary-every"_s, 0, true, &m_settings.summaryEveryS)
        || !whole(u"timeout"_s, 1, MaxTimeoutMs, &m_settings.timeoutMs)
        || !whole(u"threads"_s, 1, MaxThreads, &m_settings.threads))
        return false;
    bool ok = false;
    const QString jitter = m_parser.value(u"jitter"_s);
    m_settings.jitter = jitter.toDouble(&ok);
    if (!ok || !(m_settings.jitter >= 0 && m_settings.jitter < 1))
        return fail(tr("--jitter must be a fraction from 0 up to (not including) 1, not \"%1\"").arg(jitter));
    if (m_parser.isSet(u"seed"_s)) {
        const QString seed = m_parser.value(u"seed"_s);
        m_settings.seed = seed.toULongLong(&ok);
        if (!ok)
            return fail(
                tr("--seed must be a whole number from 0 to 18446744073709551615, not \"%1\"").arg(seed));
    } else {
        m_settings.seed = QRandomGenerator::system()->generate64();
    }
    return true;
}

bool AgentsOptions::readSourceNet()
{
    if (!m_parser.isSet(u"source-net"_s))
        return true;
    const QString text = m_parser.value(u"source-net"_s);
    const qsizetype slash = text.indexOf(u'/');
    bool ok = slash > 0;
    const int prefix = ok ? text.mid(slash + 1).toInt(&ok) : 0;
    boost::system::error_code notAnAddress;
    const auto network = boost::asio::ip::make_address_v4(
        text.left(slash < 0 ? text.size() : slash).toStdString(), notAnAddress);
    if (!ok || notAnAddress || prefix < 8 || prefix > 30)
        return fail(
            tr("--source-net: \"%1\" is not an IPv4 network A.B.C.D/PREFIX with a prefix from 8 to 30")
                .arg(text));
    const std::uint32_t mask = ~std::uint32_t(0) << (32 - prefix);
    const std::uint32_t base = network.to_uint() & mask;
    // Host addresses only: not the network's own address, not its broadcast address.
    const qint64 hosts = (qint64(1) << (32 - prefix)) - 2;
    if (m_settings.count > hosts)
        return fail(tr("--source-net: %1 has %2 host addresses, fewer than the %3 agents")
                        .arg(text)
                        .arg(hosts)
                        .arg(m_settings.count));
    m_settings.firstSource = base + 1;
    return true;
}

} // namespace Cohort
