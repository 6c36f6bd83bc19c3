#include "ctloptions.h"

#include <QDateTime>
#include <QFile>
#include <QRegularExpression>
#include <QTextStream>

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace Cohort::CtlOptions {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::CtlOptions)
};

// Restores the terminal's echo when it goes out of scope.
class EchoOff
{
public:
    EchoOff()
    {
        m_active = tcgetattr(STDIN_FILENO, &m_saved) == 0;
        if (m_active) {
            termios quiet = m_saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
    }
    ~EchoOff()
    {
        if (m_active)
            tcsetattr(STDIN_FILENO, TCSANOW, &m_saved);
    }
    EchoOff(const EchoOff &) = delete;
    EchoOff &operator=(const EchoOff &) = delete;

private:
    termios m_saved{};
    bool m_active = false;
};

} // namespace

QCommandLineOption database()
{
    return {u"db"_s,
            Text::tr("The cluster's database: sqlite:PATH or postgresql://user:password@host:port/database."),
            u"URL"_s};
}

QCommandLineOption secretFile()
{
    return {u"secret-file"_s,
            Text::tr("The file holding the local secret that unlocks the cluster's data key."), u"FILE"_s};
}

QCommandLineOption json()
{
    return {u"json"_s, Text::tr("Prints the result as JSON.")};
}

Result<std::unique_ptr<Database>> openDatabase(const QString &url, Database::SqliteFile sqliteFile)
{
    return Database::fromUrl(url, sqliteFile);
}

QString actor()
{
    QString user;
    if (const passwd *entry = getpwuid(geteuid()); entry && entry->pw_name)
        user = QString::fromLocal8Bit(entry->pw_name);
    if (user.isEmpty())
        user = qEnvironmentVariable("USER");
    return user.isEmpty() ? u"cohortctl"_s : QString(u"cohortctl:"_s + user);
}

QString utcTime(qint64 ms)
{
    if (ms <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

QJsonValue jsonTime(qint64 ms)
{
    return ms > 0 ? QJsonValue(utcTime(ms)) : QJsonValue(QJsonValue::Null);
}

QJsonValue jsonMs(qint64 ms)
{
    return ms > 0 ? QJsonValue(ms) : QJsonValue(QJsonValue::Null);
}

std::optional<qint64> wholeNumber(const QString &text, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 value = text.trimmed().toLongLong(&ok);
    if (!ok || value < min || value > max)
        return std::nullopt;
    return value;
}

std::optional<qint64> duration(const QString &text, qint64 maxDays)
{
    constexpr qint64 SecondMs = 1000;
    static const QRegularExpression pattern(u"^([0-9]{1,9})([smhd])$"_s);
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return std::nullopt;
    const qint64 count = match.captured(1).toLongLong();
    const QChar unit = match.captured(2).at(0);
    const qint64 unitMs = unit == u's'   ? SecondMs
                          : unit == u'm' ? 60 * SecondMs
                          : unit == u'h' ? 3600 * SecondMs
                                         : 24 * 3600 * SecondMs;
    const qint64 ms = count * unitMs;
    if (ms < SecondMs || ms > maxDays * 24 * 3600 * SecondMs)
        return std::nullopt;
    return ms;
}

std::optional<qint64> isoTime(const QString &text)
{
    const QString trimmed = text.trimmed();
    QDateTime time = QDateTime::fromString(trimmed, Qt::ISODateWithMs);
    if (!time.isValid()) {
        const QDate date = QDate::fromString(trimmed, Qt::ISODate);
        if (!date.isValid())
            return std::nullopt;
        time = QDateTime(date, QTime(0, 0), Qt::UTC);
    } else if (time.timeSpec() == Qt::LocalTime) {
        time = QDateTime(time.date(), time.time(), Qt::UTC);
    }
    return time.toMSecsSinceEpoch();
}

Result<QString> readPassword(const QString &file, const QString &prompt)
{
    QString password;
    if (!file.isEmpty()) {
        QFile input(file);
        if (!input.exists())
            return makeError(ErrorCode::NotFound, Text::tr("The password file %1 does not exist.").arg(file));
        if (!input.open(QIODevice::ReadOnly))
            return makeError(
                ErrorCode::Io,
                Text::tr("Cannot read the password file %1: %2.").arg(file, input.errorString()));
        password = QString::fromUtf8(input.readLine(4096));
    } else if (isatty(STDIN_FILENO)) {
        // Typed unseen, so typed twice.
        QTextStream err(stderr);
        QTextStream in(stdin);
        EchoOff quiet;
        err << prompt << Qt::flush;
        password = in.readLine(4096);
        err << Qt::endl << Text::tr("Repeat the password: ") << Qt::flush;
        const QString again = in.readLine(4096);
        err << Qt::endl;
        if (again != password)
            return makeError(ErrorCode::InvalidArgument,
                             Text::tr("The two passwords differ; nothing was changed."));
    } else {
        QTextStream in(stdin);
        password = in.readLine(4096);
    }
    while (password.endsWith(u'\n') || password.endsWith(u'\r'))
        password.chop(1);
    if (password.isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         file.isEmpty() ? Text::tr(
                             "No password given on standard input; pipe it in or use --password-file.")
                                        : Text::tr("The password file %1 is empty.").arg(file));
    return password;
}

} // namespace Cohort::CtlOptions
