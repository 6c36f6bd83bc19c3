#include "ctladminfixture.h"

#include "alerts.h"
#include "ctlrun.h"
#include "masterkey.h"

#include <QFile>
#include <QSqlRecord>
#include <QTest>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

namespace {

void writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
}

} // namespace

void CtlAdminFixture::createCluster(const QString &backend)
{
    m_database.reset();
    m_testDatabase.reset();
    m_sharedFor.clear();
    auto made = TestDatabase::create(backendFromName(backend), u"ctladmin"_s);
    QVERIFY2(made.ok(), qPrintable(made.message()));
    m_testDatabase = std::move(made).value();
    m_secretFile = m_testDatabase->scratchPath(u"secret.key"_s);
    const QString passwordFile = m_testDatabase->scratchPath(u"password"_s);
    m_newPasswordFile = m_testDatabase->scratchPath(u"new-password"_s);
    m_weakPasswordFile = m_testDatabase->scratchPath(u"weak-password"_s);
    QVERIFY(MasterKey::writeNewSecretFile(m_secretFile).ok());
    auto secret = MasterKey::readSecretFile(m_secretFile);
    QVERIFY(secret.ok());
    m_secret = *secret;
    writeFile(passwordFile, AdminPassword.toUtf8() + '\n');
    writeFile(m_newPasswordFile, NewPassword.toUtf8() + '\n');
    writeFile(m_weakPasswordFile, "short\n");
    const CtlRun created =
        runCtl({u"init"_s, u"--db"_s, m_testDatabase->url(), u"--secret-file"_s, m_secretFile, u"--admin"_s,
                u"alice"_s, u"--password-file"_s, passwordFile});
    QVERIFY2(created.exitCode == 0, qPrintable(created.err));
    auto database = Database::fromUrl(m_testDatabase->url());
    QVERIFY2(database.ok(), qPrintable(database.message()));
    m_database = std::move(database).value();
    m_alerts.clear();
}

void CtlAdminFixture::dropCluster()
{
    m_sharedFor.clear();
    m_database.reset();
    m_testDatabase.reset();
}

QStringList CtlAdminFixture::withDb(QStringList arguments) const
{
    return arguments << u"--db"_s << m_testDatabase->url();
}

QVariant CtlAdminFixture::scalar(const QString &sql, const QVariantList &values)
{
    auto query = m_database->exec(sql, values);
    if (!query || !query->next()) {
        qWarning("%s: %s", qPrintable(sql), qPrintable(query.message()));
        return {};
    }
    const QVariant value = query->value(0);
    query->finish();
    return value;
}

QString CtlAdminFixture::dump(const QStringList &tables)
{
    QStringList rows;
    for (const QString &table : tables) {
        auto query = m_database->exec(u"SELECT * FROM %1 ORDER BY 1"_s.arg(table));
        if (!query)
            return u"error: "_s + query.message();
        while (query->next()) {
            QStringList fields;
            for (int i = 0; i < query->record().count(); ++i)
                fields << (query->value(i).isNull() ? u"NULL"_s : query->value(i).toString());
            rows << table + u": "_s + fields.join(u'|');
        }
    }
    return rows.join(u'\n');
}

QString CtlAdminFixture::lastAudit(const QString &action)
{
    auto query = m_database->exec(
        u"SELECT actor, target, details FROM audit_log WHERE action = ? ORDER BY id DESC"_s, {action});
    if (!query || !query->next())
        return u"no %1 entry"_s.arg(action);
    const QString entry =
        u"%1|%2|%3"_s.arg(query->value(0).toString(), query->value(1).toString(), query->value(2).toString());
    query->finish();
    return entry;
}

qint64 CtlAdminFixture::raiseAlert(const QString &kind, const QString &nodeGuid)
{
    auto raised = m_database->write([&](QSqlDatabase &db) -> Result<bool> {
        return Alerts::raise(db, m_database->dialect(), kind, Alerts::Severity::Warning, nodeGuid,
                             u"Something about %1"_s.arg(kind));
    });
    if (!raised || !*raised)
        return -1;
    return scalar(u"SELECT MAX(id) FROM alerts"_s).toLongLong();
}

void CtlAdminFixture::addUser(const QString &name, Role role)
{
    auto added = Test::addUser(*m_database, m_secret, NewUser{name, UserPassword, role, {}, {}});
    QVERIFY2(added.ok(), qPrintable(added.message()));
}

QStringList CtlAdminFixture::resolved(QStringList arguments) const
{
    for (QString &argument : arguments) {
        if (argument == u"@secret"_s)
            argument = m_secretFile;
        else if (argument == u"@password"_s)
            argument = m_newPasswordFile;
        else if (argument == u"@weak"_s)
            argument = m_weakPasswordFile;
        else if (argument.startsWith(u"@alert-"_s))
            argument = QString::number(m_alerts.value(argument.mid(7)));
    }
    return arguments;
}

} // namespace Cohort::Test
