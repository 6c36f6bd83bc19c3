#include "settingscommand.h"

#include "administration.h"
#include "ctloptions.h"
#include "systemsettings.h"
#include "texttable.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

using Field = SystemSettings::Field;

const QList<Field> Fields = {Field::LoadBalancerAddress, Field::HeartbeatSeconds, Field::OfflineAfterSeconds,
                             Field::TimeToleranceSeconds};

const IntegerSetting *integerSetting(Field field)
{
    switch (field) {
    case Field::LoadBalancerAddress:
        return nullptr;
    case Field::HeartbeatSeconds:
        return &Setting::HeartbeatSeconds;
    case Field::OfflineAfterSeconds:
        return &Setting::OfflineAfterSeconds;
    case Field::TimeToleranceSeconds:
        return &Setting::TimeToleranceSeconds;
    }
    Q_UNREACHABLE();
}

qint64 SystemSettings::*integerMember(Field field)
{
    switch (field) {
    case Field::LoadBalancerAddress:
        return nullptr;
    case Field::HeartbeatSeconds:
        return &SystemSettings::heartbeatSeconds;
    case Field::OfflineAfterSeconds:
        return &SystemSettings::offlineAfterSeconds;
    case Field::TimeToleranceSeconds:
        return &SystemSettings::timeToleranceSeconds;
    }
    Q_UNREACHABLE();
}

std::optional<Field> fieldNamed(const QString &name)
{
    for (Field field : Fields) {
        if (systemSettingName(field) == name)
            return field;
    }
    return std::nullopt;
}

QStringList settingNames()
{
    QStringList names;
    for (Field field : Fields)
        names << systemSettingName(field);
    return names;
}

} // namespace

QString SettingsCommand::name() const
{
    return u"settings"_s;
}

QString SettingsCommand::summary() const
{
    return tr("Shows or changes the cluster-wide system settings.");
}

QString SettingsCommand::description() const
{
    return summary() + u"\n\n"_s + tr("Actions:") + u'\n'
           + tr("  show                        Every setting with its value, default and allowed values.")
           + u'\n'
           + tr("  set NAME=VALUE [NAME=VALUE...]  Changes the named settings, checked together with the\n"
                "                              others as the console's System Settings page checks them:\n"
                "                              if any value is refused, nothing is changed.")
           + u"\n\n"_s + tr("Settings:") + u'\n'
           + tr("  %1  host:port or [IPv6]:port agents connect to; empty: the managers'\n"
                "      own addresses.")
                 .arg(systemSettingName(Field::LoadBalancerAddress))
           + u'\n'
           + tr("  %1  seconds between a node's heartbeats (%2 to %3).")
                 .arg(systemSettingName(Field::HeartbeatSeconds))
                 .arg(Setting::HeartbeatSeconds.minimum)
                 .arg(Setting::HeartbeatSeconds.maximum)
           + u'\n'
           + tr("  %1  seconds of silence before peers mark a node Offline (%2 to %3,\n"
                "      at least two heartbeats).")
                 .arg(systemSettingName(Field::OfflineAfterSeconds))
                 .arg(Setting::OfflineAfterSeconds.minimum)
                 .arg(Setting::OfflineAfterSeconds.maximum)
           + u'\n'
           + tr("  %1  seconds a node's clock may differ from the database's (%2 to %3).")
                 .arg(systemSettingName(Field::TimeToleranceSeconds))
                 .arg(Setting::TimeToleranceSeconds.minimum)
                 .arg(Setting::TimeToleranceSeconds.maximum)
           + u"\n\n"_s
           + tr("A change is recorded in the audit log as \"settings.change\", as from the console, by %1.")
                 .arg(CtlOptions::actor());
}

void SettingsCommand::configure(QCommandLineParser &parser) const
{
    parser.addPositionalArgument(u"ACTION"_s, tr("What to do: show or set."), u"show|set"_s);
    parser.addPositionalArgument(u"NAME=VALUE"_s, tr("set: a setting and its new value."),
                                 u"[NAME=VALUE...]"_s);
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::json());
}

int SettingsCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        return usage(tr("give an action: show or set"));
    const QString action = arguments.constFirst();
    if (action == u"show"_s) {
        if (arguments.size() > 1)
            return usage(tr("unexpected argument \"%1\"").arg(arguments.at(1)));
        return show(parser);
    }
    if (action != u"set"_s)
        return usage(tr("unknown action \"%1\"; the actions are show and set").arg(action));
    if (parser.isSet(u"json"_s))
        return usage(tr("--json does not apply to \"settings set\""));
    if (arguments.size() < 2)
        return usage(tr("set needs at least one NAME=VALUE"));
    return set(arguments.mid(1), parser);
}

int SettingsCommand::show(const QCommandLineParser &parser)
{
    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    auto settings = SystemSettings::load(*database);
    if (!settings)
        return fail(settings.message());

    if (parser.isSet(u"json"_s)) {
        QJsonObject object;
        for (Field field : Fields) {
            const qint64 SystemSettings::*member = integerMember(field);
            object.insert(systemSettingName(field), member ? QJsonValue((*settings).*member)
                                                           : QJsonValue(settings->loadBalancerAddress));
        }
        m_out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
        m_out.flush();
        return ExitSuccess;
    }
    TextTable table({tr("SETTING", "table heading"), tr("VALUE", "table heading"),
                     tr("DEFAULT", "table heading"), tr("ALLOWED", "table heading")});
    for (Field field : Fields) {
        const IntegerSetting *setting = integerSetting(field);
        if (!setting) {
            table.addRow({systemSettingName(field), settings->loadBalancerAddress, u"\"\""_s,
                          tr("host:port, [IPv6]:port or empty")});
            continue;
        }
        table.addRow({systemSettingName(field), QString::number((*settings).*integerMember(field)),
                      QString::number(setting->defaultValue),
                      tr("%1 to %2 seconds").arg(setting->minimum).arg(setting->maximum)});
    }
    table.print(m_out);
    return ExitSuccess;
}

int SettingsCommand::set(const QStringList &assignments, const QCommandLineParser &parser)
{
    // Every assignment is read before the database is opened: a bad one changes nothing.
    SystemSettings wanted;
    QList<Field> fields;
    for (const QString &assignment : assignments) {
        const qsizetype equals = assignment.indexOf(u'=');
        if (equals <= 0)
            return usage(tr("\"%1\" is not NAME=VALUE").arg(assignment));
        const QString settingName = assignment.left(equals).trimmed();
        const QString value = assignment.mid(equals + 1).trimmed();
        const auto field = fieldNamed(settingName);
        if (!field)
            return invalid(tr("unknown setting \"%1\"; the settings are %2")
                               .arg(settingName, settingNames().join(u", "_s)));
        if (fields.contains(*field))
            return usage(tr("%1 is set twice").arg(settingName));
        fields << *field;
        if (const auto member = integerMember(*field)) {
            const auto number = CtlOptions::wholeNumber(value, std::numeric_limits<qint64>::min(),
                                                        std::numeric_limits<qint64>::max());
            if (!number)
                return invalid(
                    tr("%1 must be a whole number of seconds, not \"%2\"").arg(settingName, value));
            wanted.*member = *number;
        } else {
            wanted.loadBalancerAddress = value;
        }
    }

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;
    Administration administration = Administration::commandLine(*database, CtlOptions::actor());
    auto changed = administration.changeSystemSettings(wanted, fields);
    if (!changed) {
        // A value the console would refuse is a bad value, like a malformed one.
        return changed.code() == ErrorCode::InvalidArgument
                   ? invalid(changed.message() + u' ' + tr("Nothing was changed."))
                   : fail(changed.message());
    }
    m_out << tr("Saved %n setting(s).", nullptr, int(fields.size())) << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
