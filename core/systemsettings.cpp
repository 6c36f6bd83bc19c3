#include "systemsettings.h"

#include <QRegularExpression>

#include <algorithm>
#include <arpa/inet.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

const QString LoadBalancerAddressName = u"agents.load_balancer_address"_s;
const QString SelectText = u"SELECT value FROM cluster_settings WHERE name = ?"_s;

constexpr qint64 MaxPort = 65535;
constexpr qsizetype MaxHostNameLength = 253;

// The translation context of SystemSettings, a plain struct: the macro in the struct
// itself would make the members after it private.
class Text
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::SystemSettings)
};

bool isIpv4(const QString &host)
{
    static const QRegularExpression quad(u"^(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}$"_s);
    if (!quad.match(host).hasMatch())
        return false;
    const QStringList parts = host.split(u'.');
    return std::all_of(parts.cbegin(), parts.cend(), [](const QString &part) { return part.toInt() <= 255; });
}

bool isIpv6(const QString &host)
{
    static const QRegularExpression characters(u"^[0-9A-Fa-f:.]+$"_s);
    if (!characters.match(host).hasMatch())
        return false;
    in6_addr address;
    return ::inet_pton(AF_INET6, host.toLatin1().constData(), &address) == 1;
}

// A DNS name: letters, digits and inner hyphens in labels of 1 to 63 characters. A name
// whose last label is a number would be read as an IPv4 address, so it must be one.
bool isHostName(const QString &host)
{
    static const QRegularExpression label(u"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"_s);
    static const QRegularExpression number(u"^[0-9]+$"_s);
    if (host.isEmpty() || host.size() > MaxHostNameLength)
        return false;
    const QStringList labels = host.split(u'.');
    if (!std::all_of(labels.cbegin(), labels.cend(),
                     [](const QString &part) { return label.match(part).hasMatch(); }))
        return false;
    return !number.match(labels.constLast()).hasMatch() || isIpv4(host);
}

// Why address is not host:port or [IPv6]:port, or an empty string.
QString addressProblem(const QString &address)
{
    if (address.isEmpty())
        return {};
    QString port;
    if (address.startsWith(u'[')) {
        const qsizetype close = address.indexOf(u']');
        if (close < 0)
            return Text::tr("The load balancer address \"%1\" opens an IPv6 address with \"[\" but never "
                            "closes it with \"]\".")
                .arg(address);
        const QString host = address.mid(1, close - 1);
        if (!isIpv6(host))
            return Text::tr("\"%1\" in the load balancer address is not an IPv6 address.").arg(host);
        const QString rest = address.mid(close + 1);
        if (!rest.startsWith(u':'))
            return Text::tr("The load balancer address \"%1\" has no port: write it as [IPv6 address]:port.")
                .arg(address);
        port = rest.mid(1);
    } else {
        const qsizetype colon = address.lastIndexOf(u':');
        if (colon < 0)
            return Text::tr("The load balancer address \"%1\" has no port: write it as host:port.")
                .arg(address);
        const QString host = address.left(colon);
        port = address.mid(colon + 1);
        if (host.contains(u':'))
            return Text::tr("Write an IPv6 load balancer address in brackets, as in [2001:db8::1]:443.");
        if (host.isEmpty())
            return Text::tr("The load balancer address \"%1\" has no host before the port.").arg(address);
        if (!isHostName(host))
            return Text::tr("\"%1\" in the load balancer address is not a valid host name or IPv4 address.")
                .arg(host);
    }
    static const QRegularExpression digits(u"^[0-9]{1,5}$"_s);
    const qint64 number = digits.match(port).hasMatch() ? port.toLongLong() : 0;
    if (number < 1 || number > MaxPort)
        return Text::tr("The load balancer port \"%1\" is not a number from 1 to %2.").arg(port).arg(MaxPort);
    return {};
}

bool inRange(qint64 value, const IntegerSetting &setting)
{
    return value >= setting.minimum && value <= setting.maximum;
}

} // namespace

QString systemSettingName(SystemSettings::Field field)
{
    switch (field) {
    case SystemSettings::Field::LoadBalancerAddress:
        return LoadBalancerAddressName;
    case SystemSettings::Field::HeartbeatSeconds:
        return QString::fromUtf16(Setting::HeartbeatSeconds.name);
    case SystemSettings::Field::OfflineAfterSeconds:
        return QString::fromUtf16(Setting::OfflineAfterSeconds.name);
    case SystemSettings::Field::TimeToleranceSeconds:
        return QString::fromUtf16(Setting::TimeToleranceSeconds.name);
    }
    Q_UNREACHABLE();
}

QList<SystemSettings::Problem> SystemSettings::problems() const
{
    QList<Problem> found;
    if (const QString problem = addressProblem(loadBalancerAddress); !problem.isEmpty())
        found.append({Field::LoadBalancerAddress, problem});
    const bool heartbeatOk = inRange(heartbeatSeconds, Setting::HeartbeatSeconds);
    if (!heartbeatOk) {
        found.append(
            {Field::HeartbeatSeconds, Text::tr("The heartbeat must be from %1 to %2 seconds, not %3.")
                                          .arg(Setting::HeartbeatSeconds.minimum)
                                          .arg(Setting::HeartbeatSeconds.maximum)
                                          .arg(heartbeatSeconds)});
    }
    if (!inRange(offlineAfterSeconds, Setting::OfflineAfterSeconds)) {
        found.append({Field::OfflineAfterSeconds,
                      Text::tr("The offline threshold must be from %1 to %2 seconds, not %3.")
                          .arg(Setting::OfflineAfterSeconds.minimum)
                          .arg(Setting::OfflineAfterSeconds.maximum)
                          .arg(offlineAfterSeconds)});
    } else if (heartbeatOk && offlineAfterSeconds < 2 * heartbeatSeconds) {
        found.append(
            {Field::OfflineAfterSeconds,
             Text::tr("The offline threshold (%1 s) must be at least two heartbeats (%2 s), or healthy nodes "
                      "would be marked Offline.")
                 .arg(offlineAfterSeconds)
                 .arg(2 * heartbeatSeconds)});
    }
    if (!inRange(timeToleranceSeconds, Setting::TimeToleranceSeconds)) {
        found.append({Field::TimeToleranceSeconds,
                      Text::tr("The clock tolerance must be from %1 to %2 seconds, not %3.")
                          .arg(Setting::TimeToleranceSeconds.minimum)
                          .arg(Setting::TimeToleranceSeconds.maximum)
                          .arg(timeToleranceSeconds)});
    }
    return found;
}

Result<SystemSettings> SystemSettings::load(QSqlDatabase &db)
{
    SystemSettings settings;
    auto address = execQuery(db, SelectText, {LoadBalancerAddressName},
                             Text::tr("reading the cluster setting %1").arg(LoadBalancerAddressName));
    if (!address)
        return address.error();
    settings.loadBalancerAddress = address->next() ? address->value(0).toString() : u""_s;
    address->finish();
    auto heartbeat = ClusterSettings::integer(db, Setting::HeartbeatSeconds);
    if (!heartbeat)
        return heartbeat.error();
    settings.heartbeatSeconds = *heartbeat;
    auto offlineAfter = ClusterSettings::integer(db, Setting::OfflineAfterSeconds);
    if (!offlineAfter)
        return offlineAfter.error();
    settings.offlineAfterSeconds = *offlineAfter;
    auto tolerance = ClusterSettings::integer(db, Setting::TimeToleranceSeconds);
    if (!tolerance)
        return tolerance.error();
    settings.timeToleranceSeconds = *tolerance;
    return settings;
}

Result<SystemSettings> SystemSettings::load(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    auto settings = load(*db);
    if (!settings)
        return database.noteFailure(db, settings.error());
    return settings;
}

} // namespace Cohort
