#include "consolesettings.h"

#include <QUrl>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {
const QString ProfilesGroup = u"profiles"_s;
const QString NameKey = u"name"_s;
const QString UrlKey = u"url"_s;
const QString LastProfileKey = u"login/lastProfile"_s;
const QString LastUserKey = u"login/lastUser"_s;
const QString GeometryKey = u"window/geometry"_s;
const QString StateKey = u"window/state"_s;
const QString LastPageKey = u"window/lastPage"_s;
const QString LanguageKey = u"look/language"_s;
const QString ThemeKey = u"look/theme"_s;
} // namespace

ConsoleSettings::ConsoleSettings()
    : m_settings(QSettings::IniFormat, QSettings::UserScope, u"Cohort"_s, u"cohort-console"_s)
{}

QString ConsoleSettings::withoutPassword(const QString &url)
{
    if (!url.startsWith(u"postgres"_s))
        return url;
    QUrl parsed(url);
    if (!parsed.isValid() || parsed.password().isEmpty())
        return url;
    parsed.setPassword({});
    return parsed.toString();
}

QList<ConnectionProfile> ConsoleSettings::profiles() const
{
    QList<ConnectionProfile> result;
    const int count = m_settings.beginReadArray(ProfilesGroup);
    for (int i = 0; i < count; ++i) {
        m_settings.setArrayIndex(i);
        const QString name = m_settings.value(NameKey).toString();
        if (!name.isEmpty())
            result.append({name, m_settings.value(UrlKey).toString()});
    }
    m_settings.endArray();
    return result;
}

void ConsoleSettings::saveProfile(const ConnectionProfile &profile)
{
    QList<ConnectionProfile> all = profiles();
    const ConnectionProfile kept{profile.name, withoutPassword(profile.url)};
    bool replaced = false;
    for (ConnectionProfile &existing : all) {
        if (existing.name == profile.name) {
            existing = kept;
            replaced = true;
        }
    }
    if (!replaced)
        all.append(kept);
    writeProfiles(all);
}

void ConsoleSettings::removeProfile(const QString &name)
{
    QList<ConnectionProfile> all = profiles();
    all.removeIf([&](const ConnectionProfile &profile) { return profile.name == name; });
    writeProfiles(all);
}

void ConsoleSettings::writeProfiles(const QList<ConnectionProfile> &all)
{
    m_settings.remove(ProfilesGroup);
    m_settings.beginWriteArray(ProfilesGroup, int(all.size()));
    for (int i = 0; i < all.size(); ++i) {
        m_settings.setArrayIndex(i);
        m_settings.setValue(NameKey, all.at(i).name);
        m_settings.setValue(UrlKey, all.at(i).url);
    }
    m_settings.endArray();
}

QString ConsoleSettings::lastProfile() const
{
    return m_settings.value(LastProfileKey).toString();
}

void ConsoleSettings::setLastProfile(const QString &name)
{
    m_settings.setValue(LastProfileKey, name);
}

QString ConsoleSettings::lastUser() const
{
    return m_settings.value(LastUserKey).toString();
}

void ConsoleSettings::setLastUser(const QString &user)
{
    m_settings.setValue(LastUserKey, user);
}

QByteArray ConsoleSettings::windowGeometry() const
{
    return m_settings.value(GeometryKey).toByteArray();
}

QByteArray ConsoleSettings::windowState() const
{
    return m_settings.value(StateKey).toByteArray();
}

void ConsoleSettings::setWindow(const QByteArray &geometry, const QByteArray &state)
{
    m_settings.setValue(GeometryKey, geometry);
    m_settings.setValue(StateKey, state);
}

QString ConsoleSettings::lastPage() const
{
    return m_settings.value(LastPageKey).toString();
}

void ConsoleSettings::setLastPage(const QString &page)
{
    m_settings.setValue(LastPageKey, page);
}

QString ConsoleSettings::language() const
{
    return m_settings.value(LanguageKey).toString();
}

void ConsoleSettings::setLanguage(const QString &code)
{
    m_settings.setValue(LanguageKey, code);
}

QString ConsoleSettings::theme() const
{
    return m_settings.value(ThemeKey).toString();
}

void ConsoleSettings::setTheme(const QString &key)
{
    m_settings.setValue(ThemeKey, key);
}

} // namespace Cohort
