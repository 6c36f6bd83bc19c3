// The cluster tst_ctladmin runs cohortctl's administration commands against: made by
// "cohortctl init" in a fresh database of either backend (alice its administrator), with
// a secret file and password files, and what the checks read back from it.
#pragma once

#include "database.h"
#include "testdatabase.h"
#include "users.h"

#include <QHash>
#include <QStringList>
#include <QVariant>

#include <memory>

namespace Cohort::Test {

class CtlAdminFixture
{
protected:
    static inline const QString AdminPassword = QStringLiteral("correct horse battery");
    static inline const QString UserPassword = QStringLiteral("another fine password");
    static inline const QString NewPassword = QStringLiteral("a brand new password");
    static constexpr qint64 MinuteMs = 60 * 1000;

    // A new cluster for backend ("sqlite" or "postgresql"), replacing any other; a
    // failure is reported through QtTest.
    void createCluster(const QString &backend);
    void dropCluster();

    QStringList withDb(QStringList arguments) const;
    QVariant scalar(const QString &sql, const QVariantList &values = {});
    // Every row of the tables, as text: "nothing changed" means this is equal.
    QString dump(const QStringList &tables);
    // The newest audit entry with action: actor|target|details.
    QString lastAudit(const QString &action);
    qint64 raiseAlert(const QString &kind, const QString &nodeGuid = {});
    void addUser(const QString &name, Role role);
    // Replaces the placeholders @secret, @password, @weak and @alert-... in a data row.
    QStringList resolved(QStringList arguments) const;

    std::unique_ptr<TestDatabase> m_testDatabase;
    std::unique_ptr<Database> m_database;
    QString m_secretFile;
    QString m_newPasswordFile;
    QString m_weakPasswordFile;
    QByteArray m_secret;
    QHash<QString, qint64> m_alerts;
    QString m_sharedFor; // the backend whose bad-input fixture the database holds
};

} // namespace Cohort::Test
