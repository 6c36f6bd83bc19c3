// ConsoleSettings: what the console remembers between runs, through QSettings: connection
// profiles (a name and a database URL; never a password), the last profile and user, the
// window geometry and the last page, the language and the theme.
#pragma once

#include <QByteArray>
#include <QList>
#include <QSettings>
#include <QString>

namespace Cohort {

struct ConnectionProfile
{
    QString name;
    QString url; // as typed; a password inside it is removed before it is kept

    friend bool operator==(const ConnectionProfile &, const ConnectionProfile &) = default;
};

class ConsoleSettings
{
public:
    ConsoleSettings();

    QList<ConnectionProfile> profiles() const;
    // Adds or replaces the profile of that name. Any password in the URL is dropped.
    void saveProfile(const ConnectionProfile &profile);
    void removeProfile(const QString &name);

    QString lastProfile() const;
    void setLastProfile(const QString &name);
    QString lastUser() const;
    void setLastUser(const QString &user);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray &geometry, const QByteArray &state);
    QString lastPage() const;
    void setLastPage(const QString &page);

    // The console's own look and language: a language code ("" follows the desktop) and a
    // ConsoleTheme key ("system", "light", "dark").
    QString language() const;
    void setLanguage(const QString &code);
    QString theme() const;
    void setTheme(const QString &key);

    // The URL with any password removed: what may be written to disk.
    static QString withoutPassword(const QString &url);

private:
    void writeProfiles(const QList<ConnectionProfile> &all);

    mutable QSettings m_settings;
};

} // namespace Cohort
