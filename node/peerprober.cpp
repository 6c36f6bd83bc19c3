#include "peerprober.h"

#include "nodelogging.h"
#include "noderegistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSslConfiguration>
#include <QSslSocket>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// As the HealthMonitor does: a change on the System Settings page is in force within this long.
constexpr int MinimumTimeoutMs = 500;
constexpr int MaximumTimeoutMs = 5000;
// A health answer is a few hundred bytes; a peer that sends more is not one.
constexpr qsizetype MaximumAnswerBytes = 16 * 1024;
// Text a peer sent that goes into an error message is cut to this.
constexpr qsizetype MaximumQuotedChars = 80;

QString quoted(const QString &text)
{
    QString cut = text.left(MaximumQuotedChars);
    for (QChar &c : cut) {
        if (!c.isPrint())
            c = u'?';
    }
    return cut;
}

} // namespace

struct PeerProber::Probe
{
    QString guid;
    QString name;
    QString address;
    QString pin;                  // the SHA-256 of its certificate, as it recorded it when it joined
    QSslSocket *socket = nullptr; // until the probe finishes
    QElapsedTimer clock;
    QByteArray answer;
    bool done = false;
    ProbeResult result;
};

PeerProber::Endpoint PeerProber::parseAddress(QString address)
{
    Endpoint endpoint;
    if (const qsizetype scheme = address.indexOf(u"://"_s); scheme >= 0)
        address = address.mid(scheme + 3);
    const qsizetype colon = address.lastIndexOf(u':');
    if (colon <= 0)
        return endpoint;
    bool ok = false;
    const uint port = address.mid(colon + 1).toUInt(&ok);
    endpoint.host = address.left(colon);
    if (endpoint.host.startsWith(u'[') && endpoint.host.endsWith(u']'))
        endpoint.host = endpoint.host.mid(1, endpoint.host.size() - 2);
    endpoint.port = quint16(port);
    endpoint.valid = ok && port > 0 && port <= 65535 && !endpoint.host.isEmpty()
                     && std::all_of(endpoint.host.cbegin(), endpoint.host.cend(), [](QChar c) {
                            return c.isLetterOrNumber() || c == u'.' || c == u'-' || c == u'_' || c == u':';
                        });
    return endpoint;
}

PeerProber::PeerProber(Database &database, Options options, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_options(std::move(options))
{
    m_next.setSingleShot(true);
    m_deadline.setSingleShot(true);
    connect(&m_next, &QTimer::timeout, this, &PeerProber::startRound);
    connect(&m_deadline, &QTimer::timeout, this, &PeerProber::roundDeadline);
}

PeerProber::~PeerProber()
{
    stop();
}

int PeerProber::timeoutMs(int heartbeatSeconds)
{
    return qMax(MinimumTimeoutMs, qMin(heartbeatSeconds * 1000, MaximumTimeoutMs));
}

void PeerProber::start()
{
    m_stopped = false;
    m_next.start(0);
}

void PeerProber::stop()
{
    m_stopped = true;
    m_next.stop();
    m_deadline.stop();
    for (const auto &probe : m_probes) {
        if (probe->socket) {
            probe->socket->disconnect(this);
            probe->socket->abort();
            probe->socket->deleteLater();
            probe->socket = nullptr;
        }
    }
    m_probes.clear();
}

void PeerProber::startRound()
{
    if (m_stopped)
        return;
    m_roundClock.start();

    auto nodes = NodeRegistry::list(m_database);
    if (!nodes) {
        if (m_databaseOk)
            qCWarning(lcNode).noquote() << "cannot read the peers to probe:" << nodes.message();
        m_databaseOk = false;
        scheduleNext();
        return;
    }
    m_databaseOk = true;

    m_roundTimeoutMs = timeoutMs(m_options.heartbeatSeconds());
    QSet<QString> probed;
    for (const NodeInfo &node : std::as_const(*nodes)) {
        // Offline peers answer nobody, and a peer that never said where it listens cannot be asked.
        if (node.guid == m_options.selfGuid || node.status != NodeStatus::Online || node.apiAddress.isEmpty())
            continue;
        auto probe = std::make_unique<Probe>();
        probe->guid = node.guid;
        probe->name = node.name;
        probe->address = node.apiAddress;
        probe->pin = node.certSha256;
        probe->result.toNode = node.guid;
        probed.insert(node.guid);
        m_probes.push_back(std::move(probe));
    }
    // Peers that left the list (Offline, decommissioned) are logged afresh when they return.
    for (auto it = m_reachable.begin(); it != m_reachable.end();) {
        it = probed.contains(it.key()) ? std::next(it) : m_reachable.erase(it);
    }
    if (m_probes.empty()) {
        scheduleNext();
        return;
    }
    // All at once: a round takes one timeout at most, however many peers there are.
    // A socket may fail inside connectToHost(): the round ends after the loop, not in it.
    m_starting = true;
    for (const auto &probe : m_probes)
        connectProbe(probe.get());
    m_starting = false;
    if (roundDone())
        finishRound();
    else
        m_deadline.start(m_roundTimeoutMs);
}

void PeerProber::connectProbe(Probe *probe)
{
    const Endpoint endpoint = parseAddress(probe->address);
    if (!endpoint.valid) {
        fail(probe, tr("its address \"%1\" is not HOST:PORT").arg(quoted(probe->address)));
        return;
    }
    if (probe->pin.isEmpty()) {
        fail(probe, tr("it recorded no certificate to check it by"));
        return;
    }
    // A QSslSocket rather than QNetworkAccessManager: one fresh connection per probe (no
    // pooled connection hides a peer that stopped accepting), no proxy from the
    // environment, the phase a probe timed out in (lookup, connect, answer) for the error,
    // and an answer read with a bound. The certificate is pinned, not verified against an
    // authority: the peer is who the nodes table says only if it presents the certificate
    // whose SHA-256 it recorded there.
    probe->socket = new QSslSocket(this);
    probe->socket->setReadBufferSize(MaximumAnswerBytes);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    probe->socket->setSslConfiguration(tls);
    const QByteArray request = "GET /api/v1/health HTTP/1.1\r\nHost: " + probe->address.toLatin1()
                               + "\r\nUser-Agent: cohort-node/" + m_options.version.toLatin1()
                               + "\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
    connect(probe->socket, &QSslSocket::encrypted, this, [this, probe, request] {
        const QString presented =
            QString::fromLatin1(probe->socket->peerCertificate().digest(QCryptographicHash::Sha256).toHex());
        if (presented != probe->pin) {
            fail(probe, tr("it presented certificate %1, not %2 that it recorded")
                            .arg(presented.left(16), probe->pin.left(16)));
            if (roundDone())
                finishRound();
            return;
        }
        probe->socket->write(request);
    });
    connect(probe->socket, &QSslSocket::readyRead, this, [this, probe] {
        readAnswer(probe, false);
        if (roundDone())
            finishRound();
    });
    connect(probe->socket, &QSslSocket::disconnected, this, [this, probe] {
        readAnswer(probe, true);
        if (roundDone())
            finishRound();
    });
    connect(probe->socket, &QSslSocket::errorOccurred, this,
            [this, probe](QAbstractSocket::SocketError error) {
                switch (error) {
                case QAbstractSocket::RemoteHostClosedError:
                    readAnswer(probe, true);
                    break;
                case QAbstractSocket::ConnectionRefusedError:
                    fail(probe, tr("connection refused"));
                    break;
                case QAbstractSocket::SslHandshakeFailedError:
                    fail(probe, tr("the TLS handshake failed: %1").arg(probe->socket->errorString()));
                    break;
                case QAbstractSocket::HostNotFoundError:
                    fail(probe, tr("host %1 not found").arg(quoted(probe->socket->peerName())));
                    break;
                default:
                    fail(probe, probe->socket->errorString());
                    break;
                }
                if (roundDone())
                    finishRound();
            });
    probe->clock.start();
    probe->socket->connectToHostEncrypted(endpoint.host, endpoint.port);
}

void PeerProber::readAnswer(Probe *probe, bool atEnd)
{
    if (probe->done)
        return;
    probe->answer += probe->socket->read(MaximumAnswerBytes + 1 - probe->answer.size());
    if (probe->answer.size() > MaximumAnswerBytes) {
        fail(probe, tr("answered more than %1 bytes").arg(MaximumAnswerBytes));
        return;
    }
    const qsizetype headEnd = probe->answer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        if (atEnd)
            fail(probe, probe->answer.isEmpty() ? tr("closed the connection without answering")
                                                : tr("answered something that is not HTTP"));
        return;
    }
    const QList<QByteArray> lines = probe->answer.left(headEnd).split('\n');
    const QList<QByteArray> statusLine = lines.constFirst().trimmed().split(' ');
    bool statusOk = false;
    const int status = statusLine.size() >= 2 && statusLine.at(0).startsWith("HTTP/1.")
                           ? statusLine.at(1).toInt(&statusOk)
                           : 0;
    if (!statusOk) {
        fail(probe, tr("answered something that is not HTTP"));
        return;
    }
    std::optional<qsizetype> contentLength;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length") {
            bool ok = false;
            const qsizetype length = line.mid(colon + 1).trimmed().toLongLong(&ok);
            if (ok && length >= 0)
                contentLength = length;
        }
    }
    QByteArray body = probe->answer.mid(headEnd + 4);
    if (contentLength && body.size() >= *contentLength) {
        body.truncate(*contentLength);
    } else if (!atEnd) {
        return; // more to come
    } else if (contentLength) {
        fail(probe, tr("closed the connection in the middle of its answer"));
        return;
    }

    // The whole answer is in: the clock stops here, whatever it says.
    const double rttMs = double(probe->clock.nsecsElapsed()) / 1e6;
    const QJsonObject json = QJsonDocument::fromJson(body).object();
    if (status != 200) {
        const QString said = json.value(u"error"_s).toString();
        fail(probe, said.isEmpty() ? tr("answered HTTP %1").arg(status)
                                   : tr("answered HTTP %1: %2").arg(status).arg(quoted(said)));
        return;
    }
    const QString guid = json.value(u"guid"_s).toString();
    if (guid.isEmpty()) {
        fail(probe, tr("answered without a node GUID"));
        return;
    }
    // Another node (or another program) now listens at that address: the peer is not there.
    if (guid != probe->guid) {
        fail(probe, tr("answered as node %1").arg(quoted(guid)));
        return;
    }
    probe->result.reachable = true;
    probe->result.rttMs = rttMs;
    probe->result.error.clear();
    finishProbe(probe);
}

void PeerProber::fail(Probe *probe, const QString &error)
{
    if (probe->done)
        return;
    probe->result.reachable = false;
    probe->result.rttMs.reset();
    probe->result.error = error;
    finishProbe(probe);
}

void PeerProber::finishProbe(Probe *probe)
{
    probe->done = true;
    if (probe->socket) {
        probe->socket->disconnect(this);
        probe->socket->abort();
        probe->socket->deleteLater();
        probe->socket = nullptr;
    }
}

bool PeerProber::roundDone() const
{
    return !m_starting && !m_probes.empty()
           && std::all_of(m_probes.cbegin(), m_probes.cend(), [](const auto &probe) { return probe->done; });
}

void PeerProber::roundDeadline()
{
    for (const auto &probe : m_probes) {
        if (probe->done || !probe->socket)
            continue;
        switch (probe->socket->state()) {
        case QAbstractSocket::HostLookupState:
            fail(probe.get(), tr("host name not resolved within %1 ms").arg(m_roundTimeoutMs));
            break;
        case QAbstractSocket::ConnectingState:
            fail(probe.get(), tr("no connection within %1 ms").arg(m_roundTimeoutMs));
            break;
        case QAbstractSocket::ConnectedState:
            if (!probe->socket->isEncrypted()) {
                fail(probe.get(), tr("no TLS handshake within %1 ms").arg(m_roundTimeoutMs));
                break;
            }
            [[fallthrough]];
        default:
            fail(probe.get(), probe->answer.isEmpty()
                                  ? tr("no answer within %1 ms").arg(m_roundTimeoutMs)
                                  : tr("no complete answer within %1 ms").arg(m_roundTimeoutMs));
            break;
        }
    }
    finishRound();
}

void PeerProber::finishRound()
{
    m_deadline.stop();
    QList<ProbeResult> results;
    for (const auto &probe : m_probes) {
        results.append(probe->result);
        logChange(*probe);
    }
    m_probes.clear();
    auto recorded = NodeLinks::record(m_database, m_options.selfGuid, results);
    // Said once per outage: reading may work while writing does not (a full disk).
    if (!recorded) {
        if (m_recordOk)
            qCWarning(lcNode).noquote() << "cannot record the probes of the peers:" << recorded.message();
        m_recordOk = false;
    } else {
        if (!m_recordOk)
            qCInfo(lcNode) << "recording the probes of the peers again";
        m_recordOk = true;
    }
    scheduleNext();
}

void PeerProber::scheduleNext()
{
    if (m_stopped)
        return;
    const qint64 intervalMs = qint64(m_options.heartbeatSeconds()) * 1000;
    m_next.start(int(qBound<qint64>(0, intervalMs - m_roundClock.elapsed(), intervalMs)));
}

void PeerProber::logChange(const Probe &probe)
{
    const auto known = m_reachable.constFind(probe.guid);
    const bool reachable = probe.result.reachable;
    if (known != m_reachable.cend() && *known == reachable)
        return;
    if (!reachable)
        qCWarning(lcNode).noquote() << "peer" << probe.name << probe.guid << "at" << probe.address
                                    << "is unreachable:" << probe.result.error;
    else if (known != m_reachable.cend())
        qCInfo(lcNode).noquote() << "peer" << probe.name << probe.guid << "at" << probe.address
                                 << "is reachable again";
    m_reachable.insert(probe.guid, reachable);
}

} // namespace Cohort
