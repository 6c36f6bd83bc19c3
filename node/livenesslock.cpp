#include "livenesslock.h"

#include "nodelogging.h"
#include "noderegistry.h"

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int CheckHeldMs = 1000;
constexpr int RetakeMs = 200;

} // namespace

LivenessLock::LivenessLock(Database &database, QString guid, ClaimLease &lease, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_guid(std::move(guid))
    , m_lease(lease)
    , m_timer(this)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &LivenessLock::check);
}

Result<bool> LivenessLock::acquire()
{
    auto db = m_database.connection();
    if (!db)
        return db.error();
    auto locked = NodeRegistry::tryLivenessLock(*db, m_guid);
    if (!locked)
        return m_database.noteFailure(db, locked.error());
    if (*locked) {
        m_heldSince = ClaimLease::nowMs();
        m_lease.setSessionLock(true);
    }
    return *locked;
}

void LivenessLock::start()
{
    m_timer.start(m_heldSince >= 0 ? CheckHeldMs : 0);
}

void LivenessLock::release()
{
    m_timer.stop();
    m_heldSince = -1;
    m_database.resetConnection(); // ending the session releases the lock
}

qint64 LivenessLock::heldForMs() const
{
    const qint64 since = m_heldSince.load();
    return since < 0 ? -1 : ClaimLease::nowMs() - since;
}

void LivenessLock::check()
{
    if (m_heldSince >= 0) {
        // A statement on the lock's own session: an error here means it is gone (the
        // server restarted, an administrator ended it, the network cut it off).
        auto alive = m_database.exec(u"SELECT 1"_s, {}, tr("checking this node's session"));
        if (alive) {
            m_timer.start(CheckHeldMs);
            return;
        }
        lost(alive.message());
    }
    m_timer.start(take() ? CheckHeldMs : RetakeMs);
}

void LivenessLock::lost(const QString &why)
{
    qCWarning(lcHealth).noquote() << "lost this node's session lock; taking it again:" << why;
    m_heldSince = -1;
    m_lease.setSessionLock(false);
    m_database.resetConnection();
}

bool LivenessLock::take()
{
    auto db = m_database.connection();
    if (!db)
        return false;
    auto locked = NodeRegistry::tryLivenessLock(*db, m_guid);
    if (!locked) {
        m_database.noteFailure(db, locked.error());
        return false;
    }
    if (!*locked) {
        // Most likely this node's own previous session, which the server has not noticed
        // is gone yet (TCP keepalives end it); or a cloned GUID, which the heartbeat finds.
        if (!m_otherHolderLogged)
            qCWarning(lcHealth) << "another session holds this node's lock; retrying";
        m_otherHolderLogged = true;
        return false;
    }
    m_otherHolderLogged = false;
    m_heldSince = ClaimLease::nowMs();
    m_lease.setSessionLock(true);
    qCInfo(lcHealth) << "holding this node's session lock again";
    return true;
}

} // namespace Cohort
