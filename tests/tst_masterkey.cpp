// MasterKey and PasswordHash: the data key unwraps with the right secret only, sealed
// values open only with their key and context, passwords verify only when right.
#include "masterkey.h"
#include "passwordhash.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Cohort;

class TestMasterKey : public QObject
{
    Q_OBJECT

private slots:
    void unwrapsWithTheRightSecret();
    void wrongSecretFailsCleanly();
    void wrongContextFails();
    void tamperedEnvelopeIsRejected_data();
    void tamperedEnvelopeIsRejected();
    void sealAndOpen();
    void secretFile();
    void secretFileProblems_data();
    void secretFileProblems();
    void passwordHash();
    void passwordWeakness();
};

void TestMasterKey::unwrapsWithTheRightSecret()
{
    auto key = MasterKey::generate();
    QVERIFY(key.ok());
    auto wrapped = key->wrap("correct horse battery staple", "cluster-a");
    QVERIFY2(wrapped.ok(), qPrintable(wrapped.message()));
    QVERIFY(wrapped->startsWith(u"cohort-key-v1$scrypt$"_s));
    auto unwrapped = MasterKey::unwrap(*wrapped, "correct horse battery staple", "cluster-a");
    QVERIFY2(unwrapped.ok(), qPrintable(unwrapped.message()));
    QCOMPARE(unwrapped->fingerprint(), key->fingerprint());
    // Two wraps of one key differ (fresh salt and nonce) but both unwrap to it.
    auto again = key->wrap("correct horse battery staple", "cluster-a");
    QVERIFY(again.ok());
    QVERIFY(*again != *wrapped);
}

void TestMasterKey::wrongSecretFailsCleanly()
{
    auto key = MasterKey::generate();
    QVERIFY(key.ok());
    auto wrapped = key->wrap("the right secret!", "cluster-a");
    QVERIFY(wrapped.ok());
    auto unwrapped = MasterKey::unwrap(*wrapped, "the wrong secret!", "cluster-a");
    QVERIFY(!unwrapped.ok());
    QCOMPARE(unwrapped.code(), ErrorCode::AccessDenied);
    QVERIFY2(unwrapped.message().contains(u"does not unlock"_s), qPrintable(unwrapped.message()));
}

void TestMasterKey::wrongContextFails()
{
    auto key = MasterKey::generate();
    QVERIFY(key.ok());
    auto wrapped = key->wrap("the right secret!", "cluster-a");
    QVERIFY(wrapped.ok());
    QCOMPARE(MasterKey::unwrap(*wrapped, "the right secret!", "cluster-b").code(), ErrorCode::AccessDenied);
}

void TestMasterKey::tamperedEnvelopeIsRejected_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("replacement");
    QTest::addColumn<int>("code");
    QTest::newRow("format") << 0 << u"cohort-key-v0"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("kdf") << 1 << u"pbkdf2"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("huge N") << 2 << u"1073741824"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("N needing 1 GiB") << 2 << u"1048576"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("p too large") << 4 << u"64"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("N not power of two") << 2 << u"30000"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("salt") << 5 << u"AAAAAAAAAAAAAAAAAAAAAA"_s << int(ErrorCode::AccessDenied);
    QTest::newRow("nonce not base64") << 6 << u"!!!"_s << int(ErrorCode::InvalidArgument);
    QTest::newRow("ciphertext") << 7
                                << u"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"_s
                                << int(ErrorCode::AccessDenied);
}

void TestMasterKey::tamperedEnvelopeIsRejected()
{
    QFETCH(int, field);
    QFETCH(QString, replacement);
    QFETCH(int, code);
    auto key = MasterKey::generate();
    QVERIFY(key.ok());
    auto wrapped = key->wrap("the right secret!", "c");
    QVERIFY(wrapped.ok());
    QStringList parts = wrapped->split(u'$');
    QCOMPARE(parts.size(), 8);
    parts[field] = replacement;
    auto unwrapped = MasterKey::unwrap(parts.join(u'$'), "the right secret!", "c");
    QVERIFY(!unwrapped.ok());
    QCOMPARE(int(unwrapped.code()), code);
}

void TestMasterKey::sealAndOpen()
{
    auto key = MasterKey::generate();
    auto other = MasterKey::generate();
    QVERIFY(key.ok() && other.ok());
    auto sealed = key->seal("agent enrolment token", "config:token");
    QVERIFY(sealed.ok());
    QVERIFY(!sealed->contains(u"agent"_s));
    auto opened = key->open(*sealed, "config:token");
    QVERIFY(opened.ok());
    QCOMPARE(*opened, QByteArray("agent enrolment token"));
    QCOMPARE(key->open(*sealed, "config:other").code(), ErrorCode::AccessDenied);
    QCOMPARE(other->open(*sealed, "config:token").code(), ErrorCode::AccessDenied);
    QCOMPARE(key->open(u"garbage"_s, "config:token").code(), ErrorCode::InvalidArgument);
}

void TestMasterKey::secretFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"secret"_s);
    QVERIFY(MasterKey::writeNewSecretFile(path).ok());
    const auto others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
                        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    QVERIFY((QFile::permissions(path) & others) == 0);
    QVERIFY(QFile::permissions(path) & QFileDevice::ReadOwner);
    auto secret = MasterKey::readSecretFile(path);
    QVERIFY2(secret.ok(), qPrintable(secret.message()));
    QVERIFY(secret->size() >= MasterKey::MinimumSecretBytes);
    QVERIFY(!secret->endsWith('\n'));
    // Never overwritten.
    auto again = MasterKey::writeNewSecretFile(path);
    QCOMPARE(again.code(), ErrorCode::AlreadyExists);
    QCOMPARE(*MasterKey::readSecretFile(path), *secret);
}

void TestMasterKey::secretFileProblems_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("create");
    QTest::addColumn<QString>("complaint");
    QTest::newRow("missing") << QByteArray() << false << u"does not exist"_s;
    QTest::newRow("empty") << QByteArray() << true << u"holds 0 byte"_s;
    QTest::newRow("short") << QByteArray("short\n") << true << u"holds 5 byte"_s;
}

void TestMasterKey::secretFileProblems()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, create);
    QFETCH(QString, complaint);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"secret"_s);
    if (create) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    auto secret = MasterKey::readSecretFile(path);
    QVERIFY(!secret.ok());
    QVERIFY2(secret.message().contains(complaint), qPrintable(secret.message()));
}

void TestMasterKey::passwordHash()
{
    auto hash = PasswordHash::hash(u"open sesame 1"_s);
    QVERIFY(hash.ok());
    QVERIFY(!hash->contains(u"open sesame"_s));
    QVERIFY(hash->startsWith(u"scrypt$"_s));
    QVERIFY(PasswordHash::verify(u"open sesame 1"_s, *hash));
    QVERIFY(!PasswordHash::verify(u"open sesame 2"_s, *hash));
    QVERIFY(!PasswordHash::verify(u""_s, *hash));
    // Salted: the same password hashes differently each time.
    QVERIFY(*PasswordHash::hash(u"open sesame 1"_s) != *hash);
    QVERIFY(!PasswordHash::verify(u"open sesame 1"_s, u"scrypt$1073741824$8$1$AAAA$AAAA"_s));
    QVERIFY(!PasswordHash::verify(u"open sesame 1"_s, u"plain"_s));
}

void TestMasterKey::passwordWeakness()
{
    QVERIFY(!PasswordHash::weakness(u"short"_s).isEmpty());
    QVERIFY(!PasswordHash::weakness(u" padded password "_s).isEmpty());
    QVERIFY(PasswordHash::weakness(u"long enough"_s).isEmpty());
}

QTEST_GUILESS_MAIN(TestMasterKey)
#include "tst_masterkey.moc"
