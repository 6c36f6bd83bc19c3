#include "timecheck.h"

#include "alerts.h"
#include "logging.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QTimeZone>

#include <ctime>
#include <sys/syscall.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

// %1: the database clock.
const QString SelectPostgresTime =
    u"SELECT %1, (SELECT reset_val FROM pg_settings WHERE name = 'TimeZone')"_s;
const QString RecordTime =
    u"UPDATE nodes SET clock_skew_ms = ?, tz_name = ?, tz_offset_seconds = ? WHERE guid = ?"_s;

constexpr qint64 HalfYearMs = 182LL * 24 * 3600 * 1000;

QTimeZone zoneOf(const QString &id)
{
    return QTimeZone(id.toUtf8());
}

QString offsetText(int seconds)
{
    const int minutes = qAbs(seconds) / 60;
    return u"UTC%1%2:%3"_s.arg(QChar(seconds < 0 ? u'-' : u'+'))
        .arg(minutes / 60, 2, 10, QChar(u'0'))
        .arg(minutes % 60, 2, 10, QChar(u'0'));
}

QString describeSkew(qint64 skewMs)
{
    const double seconds = qAbs(skewMs) / 1000.0;
    return skewMs > 0 ? TimeCheck::tr("its clock is %1 s ahead of the database's").arg(seconds, 0, 'f', 1)
                      : TimeCheck::tr("its clock is %1 s behind the database's").arg(seconds, 0, 'f', 1);
}

} // namespace

QString TimeCheck::processZone()
{
    return QString::fromUtf8(QTimeZone::systemTimeZoneId());
}

QString TimeCheck::machineZone()
{
    // /etc/localtime is a link into the zone database on Debian and most systems.
    const QString target = QFileInfo(u"/etc/localtime"_s).symLinkTarget();
    if (const qsizetype at = target.indexOf(u"zoneinfo/"_s); at >= 0)
        return target.mid(at + 9);
    QFile named(u"/etc/timezone"_s);
    if (named.open(QIODevice::ReadOnly)) {
        const QString id = QString::fromUtf8(named.readAll()).trimmed();
        if (!id.isEmpty())
            return id;
    }
    return u"UTC"_s; // what the C library assumes without /etc/localtime
}

bool TimeCheck::zonesAgree(const QString &a, const QString &b, qint64 atMs)
{
    if (a == b)
        return true;
    const QTimeZone za = zoneOf(a);
    const QTimeZone zb = zoneOf(b);
    if (!za.isValid() || !zb.isValid())
        return a.compare(b, Qt::CaseInsensitive) == 0;
    for (const qint64 at : {atMs, atMs + HalfYearMs}) {
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(at, Qt::UTC);
        if (za.offsetFromUtc(when) != zb.offsetFromUtc(when))
            return false;
    }
    return true;
}

qint64 TimeCheck::machineClockMs()
{
    timespec now{};
    if (::syscall(SYS_clock_gettime, CLOCK_REALTIME, &now) != 0)
        return QDateTime::currentMSecsSinceEpoch();
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

Result<QString> TimeCheck::databaseZone(Database &database)
{
    if (database.dialect().backend() != Backend::Postgres)
        return machineZone();
    auto query = database.exec(u"SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'"_s, {},
                               tr("reading the database's time zone"));
    if (!query)
        return query.error();
    if (!query->next())
        return makeError(ErrorCode::Database, tr("The database did not say which time zone it keeps."));
    return query->value(0).toString();
}

Result<TimeCheckOutcome> TimeCheck::run(Database &database, const QString &nodeGuid, const QString &nodeName,
                                        qint64 toleranceMs)
{
    TimeCheckOutcome outcome;
    const Dialect &dialect = database.dialect();
    // Both clocks are read as close together as possible; on PostgreSQL the node's is
    // taken halfway through the round trip.
    qint64 databaseMs = 0;
    qint64 nodeMs = 0;
    if (dialect.backend() == Backend::Postgres) {
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        auto query =
            database.exec(SelectPostgresTime.arg(dialect.nowMillis()), {}, tr("reading the database's time"));
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        if (!query)
            return query.error();
        if (!query->next())
            return makeError(ErrorCode::Database, tr("The database did not say what time it is."));
        databaseMs = query->value(0).toLongLong();
        outcome.databaseZone = query->value(1).toString();
        nodeMs = before + (after - before) / 2;
    } else {
        nodeMs = QDateTime::currentMSecsSinceEpoch();
        databaseMs = machineClockMs();
        outcome.databaseZone = machineZone();
    }
    outcome.skewMs = nodeMs - databaseMs;
    outcome.nodeZone = processZone();
    outcome.nodeOffsetSeconds = QDateTime::currentDateTime().offsetFromUtc();

    if (qAbs(outcome.skewMs) > toleranceMs)
        outcome.problems << describeSkew(outcome.skewMs);
    if (!zonesAgree(outcome.nodeZone, outcome.databaseZone, databaseMs)) {
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(databaseMs, Qt::UTC);
        const QTimeZone databaseZone = zoneOf(outcome.databaseZone);
        outcome.problems << tr("its time zone is %1 (%2), the database's %3 (%4)")
                                .arg(outcome.nodeZone, offsetText(outcome.nodeOffsetSeconds),
                                     outcome.databaseZone,
                                     databaseZone.isValid() ? offsetText(databaseZone.offsetFromUtc(now))
                                                            : u"?"_s);
    }

    auto recorded = database.write([&](QSqlDatabase &db) -> Result<void> {
        auto updated =
            execQuery(db, RecordTime, {outcome.skewMs, outcome.nodeZone, outcome.nodeOffsetSeconds, nodeGuid},
                      tr("recording this node's clock"));
        if (!updated)
            return updated.error();
        updated->finish();
        if (outcome.problems.isEmpty()) {
            auto cleared = Alerts::resolve(db, dialect, AlertKind::TimeOutOfSync, nodeGuid, nodeGuid);
            if (!cleared)
                return cleared.error();
            outcome.cleared = *cleared;
            return {};
        }
        auto raised = Alerts::raise(
            db, dialect, AlertKind::TimeOutOfSync, Alerts::Severity::Warning, nodeGuid,
            tr("Manager Time Out of Sync on node %1: %2.").arg(nodeName, outcome.problems.join(u"; "_s)));
        if (!raised)
            return raised.error();
        outcome.raised = *raised;
        return {};
    });
    if (!recorded)
        return recorded.error();
    return outcome;
}

} // namespace Cohort
