// Data sealed under the master key, with real node processes and the real cohortctl, on
// both databases:
// - users' full names and e-mail addresses and the node API token never reach the
//   database's bytes in clear (the SQLite file and its WAL; a pg_dump), yet read back
//   through core and cohortctl with the secret, and through an administrator's own copy of
//   the data key with the administrator's password;
// - a sealed value copied to another row or column does not open;
// - rotate-secret: nodes restarted with the new secret run; one with the old secret is
//   refused and writes nothing; running nodes raise an alert until they have the new file;
// - rotate-key: every value reads back with the new key, none with the old, the running
//   nodes take the new key up, and a writer still holding the old key is refused.
#include "alerts.h"
#include "cluster.h"
#include "configproperties.h"
#include "ctlrun.h"
#include "masterkey.h"
#include "testcluster.h"
#include "testdatabase.h"
#include "users.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

const QString ZoeName = u"Zoë Quartermaine-Østergaard"_s;
const QString ZoeEmail = u"zoe.quartermaine.7f3a@example.org"_s;
const QString AnnName = u"Ann Whitcombe-Ngata"_s;
const QString AnnEmail = u"ann.whitcombe.91c2@example.net"_s;
const QString ZoePassword = u"zoe's long passphrase"_s;

} // namespace

class TestSealedData : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void sealedAtRestAndReadBack();
    void movedValuesDoNotOpen();
    void rotateSecretThenKey();

private:
    // zoe (administrator) and ann (auditor), added through cohortctl.
    void addUsers();
    QString writeFile(const QString &name, const QString &text);
    Result<MasterKey> unlock(const QString &secretFile);
    // users' personal data as core reads it with key: name -> (full name, e-mail).
    QHash<QString, QPair<QString, QString>> personalData(const MasterKey &key);
    // Every byte the database keeps: the SQLite file and its WAL, or a pg_dump.
    QByteArray rawDatabase();
    int openAlerts(const QString &kind, const QString &guid);

    std::unique_ptr<TestCluster> m_cluster;
};

void TestSealedData::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestSealedData::cleanup()
{
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput();
    m_cluster.reset();
}

QString TestSealedData::writeFile(const QString &name, const QString &text)
{
    const QString path = m_cluster->scratchPath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(text.toUtf8() + '\n');
    return path;
}

void TestSealedData::addUsers()
{
    const QString password = writeFile(u"zoe-password"_s, ZoePassword);
    const CtlRun zoe =
        runCtl({u"users"_s, u"add"_s, u"zoe"_s, u"--role"_s, u"administrator"_s, u"--full-name"_s, ZoeName,
                u"--email"_s, ZoeEmail, u"--password-file"_s, password, u"--secret-file"_s,
                m_cluster->secretFile(), u"--db"_s, m_cluster->url()});
    QVERIFY2(zoe.exitCode == 0, qPrintable(zoe.err));
    QVERIFY2(zoe.out.contains(u"Added administrator zoe."_s), qPrintable(zoe.out));
    const CtlRun ann =
        runCtl({u"users"_s, u"add"_s, u"ann"_s, u"--full-name"_s, AnnName, u"--email"_s, AnnEmail,
                u"--password-file"_s, writeFile(u"ann-password"_s, u"ann's long passphrase"_s),
                u"--secret-file"_s, m_cluster->secretFile(), u"--db"_s, m_cluster->url()});
    QVERIFY2(ann.exitCode == 0, qPrintable(ann.err));
}

Result<MasterKey> TestSealedData::unlock(const QString &secretFile)
{
    auto secret = MasterKey::readSecretFile(secretFile);
    if (!secret)
        return secret.error();
    return Cluster::unlock(m_cluster->database(), *secret);
}

QHash<QString, QPair<QString, QString>> TestSealedData::personalData(const MasterKey &key)
{
    QHash<QString, QPair<QString, QString>> data;
    auto cluster = Cluster::load(m_cluster->database());
    auto db = m_cluster->database().connection();
    if (!cluster || !cluster->has_value() || !db)
        return data;
    auto users = Users::list(*db, &key, (*cluster)->keyContext());
    if (!users) {
        qWarning().noquote() << users.message();
        return data;
    }
    for (const UserRecord &user : std::as_const(*users))
        data.insert(user.name, {user.fullName, user.email});
    return data;
}

QByteArray TestSealedData::rawDatabase()
{
    const DatabaseUrl &url = m_cluster->database().url();
    if (url.backend() == Backend::Sqlite) {
        QByteArray bytes;
        for (const QString &suffix : {u""_s, u"-wal"_s}) {
            QFile file(url.path() + suffix);
            if (file.open(QIODevice::ReadOnly))
                bytes += file.readAll();
        }
        return bytes;
    }
    QProcess dump;
    dump.start(u"pg_dump"_s, {u"--dbname"_s, m_cluster->url(), u"--no-owner"_s});
    if (!dump.waitForFinished(60000) || dump.exitCode() != 0) {
        qWarning().noquote() << "pg_dump failed:" << dump.readAllStandardError();
        return {};
    }
    return dump.readAllStandardOutput();
}

int TestSealedData::openAlerts(const QString &kind, const QString &guid)
{
    return m_cluster
        ->scalar(u"SELECT COUNT(*) FROM alerts WHERE kind = ? AND node_guid = ? AND cleared_at IS NULL"_s,
                 {kind, guid})
        .toInt();
}

void TestSealedData::sealedAtRestAndReadBack()
{
    addUsers();
    if (QTest::currentTestFailed())
        return;
    // A real node opens the data key and the token at start.
    NodeProcess *node = m_cluster->startNode(u"keeper"_s);
    QVERIFY(node->waitForJoined());

    auto key = unlock(m_cluster->secretFile());
    QVERIFY2(key.ok(), qPrintable(key.message()));
    auto cluster = Cluster::load(m_cluster->database());
    QVERIFY(cluster.ok() && cluster->has_value());
    auto db = m_cluster->database().connection();
    QVERIFY(db.ok());
    auto token = ConfigProperties::read(*db, *key, (*cluster)->keyContext(), Property::NodeApiToken);
    QVERIFY2(token.ok(), qPrintable(token.message()));
    QVERIFY(token->has_value());
    QVERIFY2((*token)->size() >= 40, qPrintable(**token)); // 32 random bytes, URL-safe base64

    // Nothing protected is in the database's bytes; what is not protected is, so the
    // search looks at the right bytes.
    const QByteArray raw = rawDatabase();
    QVERIFY(raw.contains("zoe") && raw.contains("ann") && raw.contains("keeper"));
    QVERIFY(raw.contains("cohort-sealed-v1"));
    for (const QString &value :
         {ZoeName, ZoeEmail, AnnName, AnnEmail, **token, u"Quartermaine"_s, u"example.org"_s})
        QVERIFY2(!raw.contains(value.toUtf8()), qPrintable(u"%1 is stored in clear"_s.arg(value)));
    // Nor in what the node printed.
    QVERIFY(!node->output().contains(**token));

    // Read back through core with the data key...
    const auto data = personalData(*key);
    QCOMPARE(data.value(u"zoe"_s), qMakePair(ZoeName, ZoeEmail));
    QCOMPARE(data.value(u"ann"_s), qMakePair(AnnName, AnnEmail));
    QCOMPARE(data.value(u"admin"_s), qMakePair(QString(), QString()));
    // ... through the administrator's own copy, opened with her password alone ...
    auto copy = Users::openDataKey(*db, (*cluster)->keyContext(), u"zoe"_s, ZoePassword);
    QVERIFY2(copy.ok(), qPrintable(copy.message()));
    QCOMPARE(copy->checkValue(), key->checkValue());
    auto wrongPassword = Users::openDataKey(*db, (*cluster)->keyContext(), u"zoe"_s, u"not her passphrase"_s);
    QCOMPARE(wrongPassword.code(), ErrorCode::AccessDenied);
    // an auditor has none
    auto auditor = Users::openDataKey(*db, (*cluster)->keyContext(), u"ann"_s, u"ann's long passphrase"_s);
    QCOMPARE(auditor.code(), ErrorCode::NotFound);

    // ... and through cohortctl: in clear with the secret, sealed without.
    const CtlRun open = runCtl({u"users"_s, u"list"_s, u"--json"_s, u"--secret-file"_s,
                                m_cluster->secretFile(), u"--db"_s, m_cluster->url()});
    QVERIFY2(open.exitCode == 0, qPrintable(open.err));
    const QJsonArray opened = QJsonDocument::fromJson(open.out.toUtf8()).array();
    QCOMPARE(opened.size(), 3);
    for (const QJsonValue &user : opened) {
        const QJsonObject object = user.toObject();
        if (object[u"name"_s].toString() == u"zoe"_s) {
            QCOMPARE(object[u"full_name"_s].toString(), ZoeName);
            QCOMPARE(object[u"email"_s].toString(), ZoeEmail);
            QVERIFY(object[u"holds_data_key"_s].toBool());
        }
    }
    const CtlRun sealed = runCtl({u"users"_s, u"list"_s, u"--db"_s, m_cluster->url()});
    QVERIFY2(sealed.exitCode == 0, qPrintable(sealed.err));
    QVERIFY2(sealed.out.contains(u"(sealed)"_s), qPrintable(sealed.out));
    QVERIFY(!sealed.out.contains(ZoeEmail));

    // A bad value is refused with its reason, and nothing is written.
    const CtlRun bad = runCtl({u"users"_s, u"set"_s, u"zoe"_s, u"--email"_s, u"zoe at example.org"_s,
                               u"--secret-file"_s, m_cluster->secretFile(), u"--db"_s, m_cluster->url()});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains(u"is not an e-mail address"_s), qPrintable(bad.err));
    QCOMPARE(personalData(*key).value(u"zoe"_s), qMakePair(ZoeName, ZoeEmail));
    // A good one is stored sealed and audited by field name only.
    const CtlRun set = runCtl({u"users"_s, u"set"_s, u"zoe"_s, u"--email"_s, u"zoe@example.com"_s,
                               u"--secret-file"_s, m_cluster->secretFile(), u"--db"_s, m_cluster->url()});
    QVERIFY2(set.exitCode == 0, qPrintable(set.err));
    QCOMPARE(personalData(*key).value(u"zoe"_s), qMakePair(ZoeName, u"zoe@example.com"_s));
    QCOMPARE(
        m_cluster->scalar(u"SELECT details FROM audit_log WHERE action = 'user.update' AND target = 'zoe'"_s)
            .toString(),
        u"changed: email"_s);
    QVERIFY(!rawDatabase().contains("zoe@example.com"));
}

void TestSealedData::movedValuesDoNotOpen()
{
    addUsers();
    if (QTest::currentTestFailed())
        return;
    auto key = unlock(m_cluster->secretFile());
    QVERIFY2(key.ok(), qPrintable(key.message()));
    const QString context = u"SELECT %1 FROM users WHERE name = ?"_s;
    const QString zoeEmail = m_cluster->scalar(context.arg(u"email_sealed"_s), {u"zoe"_s}).toString();
    const QString annEmail = m_cluster->scalar(context.arg(u"email_sealed"_s), {u"ann"_s}).toString();
    const QString zoeName = m_cluster->scalar(context.arg(u"full_name_sealed"_s), {u"zoe"_s}).toString();
    QVERIFY(zoeEmail.startsWith(u"cohort-sealed-v1$"_s));

    const auto store = [&](const QString &column, const QString &value, const QString &user) {
        auto db = m_cluster->database().connection();
        QVERIFY(db.ok());
        QVERIFY(execQuery(*db, u"UPDATE users SET %1 = ? WHERE name = ?"_s.arg(column), {value, user}).ok());
    };
    const auto readError = [&]() -> QString {
        auto cluster = Cluster::load(m_cluster->database());
        auto db = m_cluster->database().connection();
        if (!cluster || !db)
            return u"no database"_s;
        auto users = Users::list(*db, &*key, (*cluster)->keyContext());
        return users ? QString() : users.message();
    };

    // Zoe's address in Ann's row: the right key, the wrong row.
    store(u"email_sealed"_s, zoeEmail, u"ann"_s);
    QString error = readError();
    QVERIFY2(error.contains(u"Cannot open user ann's e-mail address"_s), qPrintable(error));
    store(u"email_sealed"_s, annEmail, u"ann"_s);
    QVERIFY2(readError().isEmpty(), qPrintable(readError()));

    // Zoe's name in her own e-mail column: the right row, the wrong column.
    store(u"email_sealed"_s, zoeName, u"zoe"_s);
    error = readError();
    QVERIFY2(error.contains(u"Cannot open user zoe's e-mail address"_s), qPrintable(error));
    store(u"email_sealed"_s, zoeEmail, u"zoe"_s);
    QCOMPARE(personalData(*key).value(u"zoe"_s), qMakePair(ZoeName, ZoeEmail));

    // The token under another property's name.
    auto db = m_cluster->database().connection();
    QVERIFY(db.ok());
    const QString token = m_cluster
                              ->scalar(u"SELECT sealed_value FROM config_properties WHERE name = ?"_s,
                                       {Property::NodeApiToken.toString()})
                              .toString();
    QVERIFY(execQuery(*db,
                      u"INSERT INTO config_properties (name, sealed_value, updated_at, updated_by) "
                      "VALUES ('mail.password', ?, 0, 'test')"_s,
                      {token})
                .ok());
    auto cluster = Cluster::load(m_cluster->database());
    QVERIFY(cluster.ok() && cluster->has_value());
    auto properties = ConfigProperties::list(*db, &*key, (*cluster)->keyContext());
    QVERIFY(!properties.ok());
    QVERIFY2(properties.message().contains(u"the property mail.password"_s),
             qPrintable(properties.message()));

    // Zoe's copy of the data key in the admin's row does not open with the admin's key.
    const QString zoeCopy = m_cluster->scalar(context.arg(u"key_data"_s), {u"zoe"_s}).toString();
    store(u"key_data"_s, zoeCopy, u"admin"_s);
    auto admin = Users::openDataKey(*db, (*cluster)->keyContext(), u"admin"_s, u"correct horse battery"_s);
    QCOMPARE(admin.code(), ErrorCode::AccessDenied);
}

void TestSealedData::rotateSecretThenKey()
{
    addUsers();
    if (QTest::currentTestFailed())
        return;
    NodeProcess *first = m_cluster->startNode(u"first"_s);
    NodeProcess *second = m_cluster->startNode(u"second"_s);
    QVERIFY(first->waitForJoined());
    QVERIFY(second->waitForJoined());
    auto oldKey = unlock(m_cluster->secretFile());
    QVERIFY2(oldKey.ok(), qPrintable(oldKey.message()));
    auto cluster = Cluster::load(m_cluster->database());
    QVERIFY(cluster.ok() && cluster->has_value());
    const QByteArray context = (*cluster)->keyContext();
    auto db = m_cluster->database().connection();
    QVERIFY(db.ok());
    auto token = ConfigProperties::read(*db, *oldKey, context, Property::NodeApiToken);
    QVERIFY(token.ok() && token->has_value());

    // rotate-secret. A wrong current secret is refused first, changing nothing.
    const QString newSecret = m_cluster->scratchPath(u"new-secret"_s);
    QCOMPARE(runCtl({u"gen-secret"_s, newSecret}).exitCode, 0);
    const QString wrapped = m_cluster->scalar(u"SELECT data_key FROM cluster"_s).toString();
    const CtlRun wrong =
        runCtl({u"masterkey"_s, u"rotate-secret"_s, u"--secret-file"_s, newSecret, u"--new-secret-file"_s,
                m_cluster->secretFile(), u"--db"_s, m_cluster->url()});
    QCOMPARE(wrong.exitCode, 1);
    QVERIFY2(wrong.err.contains(u"does not unlock the data key; nothing was changed"_s),
             qPrintable(wrong.err));
    QCOMPARE(m_cluster->scalar(u"SELECT data_key FROM cluster"_s).toString(), wrapped);
    const CtlRun rewrap =
        runCtl({u"masterkey"_s, u"rotate-secret"_s, u"--secret-file"_s, m_cluster->secretFile(),
                u"--new-secret-file"_s, newSecret, u"--db"_s, m_cluster->url()});
    QVERIFY2(rewrap.exitCode == 0, qPrintable(rewrap.err));
    QVERIFY(m_cluster->scalar(u"SELECT data_key FROM cluster"_s).toString() != wrapped);

    // The running nodes hold the key and run on, but say their secret file is outdated.
    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(AlertKind::SecretOutdated, first->guid()), 1, 60000);
    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(AlertKind::SecretOutdated, second->guid()), 1, 60000);
    QVERIFY(first->running() && second->running());

    // A node with the old secret is refused and writes nothing.
    const auto counts = [&] {
        return QStringList{
            m_cluster->scalar(u"SELECT COUNT(*) FROM nodes"_s).toString(),
            m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log"_s).toString(),
            m_cluster->scalar(u"SELECT COUNT(*) FROM alerts"_s).toString(),
        };
    };
    const QStringList before = counts();
    const QString strangerDir = m_cluster->scratchPath(u"stranger"_s);
    NodeProcess *stranger = m_cluster->startNodeIn(u"stranger"_s, strangerDir);
    QVERIFY(stranger->waitForExit());
    QCOMPARE(stranger->process().exitCode(), 1);
    QVERIFY2(stranger->output().contains(u"does not unlock this cluster's data key"_s),
             qPrintable(stranger->output()));
    QVERIFY2(stranger->output().contains(u"rotate-secret"_s), qPrintable(stranger->output()));
    QCOMPARE(counts(), before);
    QVERIFY(!QFile::exists(QDir(strangerDir).filePath(u"node.guid"_s)));

    // Restarted with the new secret, a node runs, and its alert clears.
    first->signal(SIGTERM);
    QVERIFY(first->waitForExit());
    NodeProcess *restarted =
        m_cluster->startNodeIn(u"first"_s, first->dataDir(), {u"--secret-file"_s, newSecret});
    QVERIFY(restarted->waitForJoined());
    QCOMPARE(m_cluster->nodeState(restarted->guid()), u"online"_s);
    QTRY_COMPARE_WITH_TIMEOUT(openAlerts(AlertKind::SecretOutdated, restarted->guid()), 0, 60000);
    // The one still on the old file keeps its alert.
    QCOMPARE(openAlerts(AlertKind::SecretOutdated, second->guid()), 1);

    // rotate-key, with the new secret.
    const CtlRun rotated =
        runCtl({u"masterkey"_s, u"rotate-key"_s, u"--secret-file"_s, newSecret, u"--db"_s, m_cluster->url()});
    QVERIFY2(rotated.exitCode == 0, qPrintable(rotated.err));
    QVERIFY2(rotated.out.contains(
                 u"secret properties: 1, personal values: 4, administrators' copies of the key: 2"_s),
             qPrintable(rotated.out));
    auto newKey = unlock(newSecret);
    QVERIFY2(newKey.ok(), qPrintable(newKey.message()));
    QVERIFY(newKey->checkValue() != oldKey->checkValue());
    // Every value reads back with the new key, and none opens with the old one.
    QCOMPARE(personalData(*newKey).value(u"zoe"_s), qMakePair(ZoeName, ZoeEmail));
    QCOMPARE(personalData(*newKey).value(u"ann"_s), qMakePair(AnnName, AnnEmail));
    auto tokenNow = ConfigProperties::read(*db, *newKey, context, Property::NodeApiToken);
    QVERIFY2(tokenNow.ok(), qPrintable(tokenNow.message()));
    QCOMPARE(*tokenNow, *token);
    QVERIFY(personalData(*oldKey).isEmpty());
    QCOMPARE(ConfigProperties::read(*db, *oldKey, context, Property::NodeApiToken).code(),
             ErrorCode::AccessDenied);
    // The administrators' copies are of the new key.
    auto copy = Users::openDataKey(*db, context, u"zoe"_s, ZoePassword);
    QVERIFY2(copy.ok(), qPrintable(copy.message()));
    QCOMPARE(copy->checkValue(), newKey->checkValue());
    // A writer still holding the old key is refused, writing nothing.
    auto stale = m_cluster->database().write([&](QSqlDatabase &tx) {
        return Users::setPersonalData(tx, m_cluster->database().dialect(), *oldKey, context, u"zoe"_s,
                                      u"Stale"_s, {});
    });
    QCOMPARE(stale.code(), ErrorCode::Conflict);
    QCOMPARE(personalData(*newKey).value(u"zoe"_s), qMakePair(ZoeName, ZoeEmail));
    // The running nodes take the new key up by themselves.
    QTRY_VERIFY_WITH_TIMEOUT(restarted->output().contains(u"data key was rotated; holding the new one"_s),
                             60000);
    QVERIFY(restarted->running() && second->running());
    QCOMPARE(
        m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'masterkey.rotate-key'"_s).toInt(),
        1);
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'masterkey.rotate-secret'"_s)
                 .toInt(),
             1);
}

QTEST_GUILESS_MAIN(TestSealedData)
#include "tst_sealeddata.moc"
