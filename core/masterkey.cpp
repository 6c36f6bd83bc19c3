#include "masterkey.h"

#include "crypto_p.h"
#include "keypair.h"
#include "logging.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <openssl/crypto.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr auto SealFormat = "cohort-sealed-v1";
constexpr auto BoxFormat = "cohort-boxed-v1";

using Crypto::base64;

} // namespace

Result<MasterKey> MasterKey::generate()
{
    auto key = randomBytes(KeyBytes);
    if (!key)
        return key.error();
    return MasterKey(*key);
}

Result<QByteArray> MasterKey::readSecretFile(const QString &path)
{
    if (path.isEmpty())
        return makeError(ErrorCode::InvalidArgument, tr("No secret file given; pass --secret-file FILE."));
    QFile file(path);
    if (!file.exists())
        return makeError(
            ErrorCode::NotFound,
            tr("The secret file %1 does not exist; create one with \"cohortctl gen-secret %1\".").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
                         tr("Cannot read the secret file %1: %2.").arg(path, file.errorString()));
    QByteArray secret = file.read(64 * 1024);
    while (secret.endsWith('\n') || secret.endsWith('\r'))
        secret.chop(1);
    if (secret.size() < MinimumSecretBytes)
        return makeError(ErrorCode::InvalidArgument,
                         tr("The secret file %1 holds %n byte(s); a secret needs at least %2.", nullptr,
                            int(secret.size()))
                             .arg(path)
                             .arg(MinimumSecretBytes));
    if (QFileInfo(path).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup))
        qCWarning(lcCrypto) << "secret file" << path << "is readable by other users; chmod 600 it";
    return secret;
}

Result<void> MasterKey::writeNewSecretFile(const QString &path)
{
    auto secret = randomBytes(KeyBytes);
    if (!secret)
        return secret.error();
    // Created new and private in one step: an existing file is never overwritten, and
    // the secret is never readable by others, not even for a moment.
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        if (file.exists())
            return makeError(ErrorCode::AlreadyExists,
                             tr("%1 already exists; a secret file is never overwritten.").arg(path));
        return makeError(ErrorCode::Io, tr("Cannot create %1: %2.").arg(path, file.errorString()));
    }
    const QByteArray content = base64(*secret) + '\n';
    if (file.write(content) != content.size() || !file.flush()) {
        const QString reason = file.errorString();
        file.close();
        file.remove();
        return makeError(ErrorCode::Io, tr("Cannot write %1: %2.").arg(path, reason));
    }
    return {};
}

Result<QString> MasterKey::wrap(const QByteArray &secret, const QByteArray &context) const
{
    return Crypto::wrapWithSecret(m_key, secret, context);
}

Result<MasterKey> MasterKey::unwrap(const QString &wrapped, const QByteArray &secret,
                                    const QByteArray &context)
{
    auto key = Crypto::unwrapWithSecret(wrapped, secret, context);
    if (!key) {
        if (key.code() == ErrorCode::AccessDenied)
            return makeError(ErrorCode::AccessDenied,
                             tr("The local secret does not unlock this cluster's data key: "
                                "the secret file is not the one the cluster was created with."));
        if (key.code() == ErrorCode::InvalidArgument)
            return makeError(ErrorCode::InvalidArgument,
                             tr("The stored data key is malformed; the cluster record is damaged."));
        return key.error();
    }
    if (key->size() != KeyBytes)
        return makeError(ErrorCode::InvalidArgument,
                         tr("The stored data key is malformed; the cluster record is damaged."));
    return MasterKey(*key);
}

Result<QString> MasterKey::sealTo(const QByteArray &recipientPublicKey, const QByteArray &context) const
{
    // An ephemeral X25519 key agrees a secret with the recipient's key; HKDF over it and
    // both public keys gives the AES-256-GCM key that seals the data key.
    auto ephemeral = Crypto::x25519Generate();
    if (!ephemeral)
        return ephemeral.error();
    auto shared = Crypto::x25519Agree(ephemeral->privateKey, recipientPublicKey);
    OPENSSL_cleanse(ephemeral->privateKey.data(), size_t(ephemeral->privateKey.size()));
    if (!shared)
        return shared.error();
    auto boxKey = Crypto::hkdfSha256(*shared, ephemeral->publicKey + recipientPublicKey, BoxFormat, KeyBytes);
    OPENSSL_cleanse(shared->data(), size_t(shared->size()));
    if (!boxKey)
        return boxKey.error();
    auto nonce = randomBytes(Crypto::GcmNonceBytes);
    if (!nonce)
        return nonce.error();
    auto sealed = Crypto::aesGcmEncrypt(*boxKey, *nonce, m_key, context);
    OPENSSL_cleanse(boxKey->data(), size_t(boxKey->size()));
    if (!sealed)
        return sealed.error();
    return u"%1$%2$%3$%4"_s.arg(
        QLatin1StringView(BoxFormat), QString::fromLatin1(Crypto::base64(ephemeral->publicKey)),
        QString::fromLatin1(Crypto::base64(*nonce)), QString::fromLatin1(Crypto::base64(*sealed)));
}

Result<MasterKey> MasterKey::openSealedTo(const QString &boxed, const KeyPair &recipient,
                                          const QByteArray &context)
{
    const QStringList parts = boxed.split(u'$');
    const Error malformed =
        makeError(ErrorCode::InvalidArgument, tr("The user's copy of the data key is malformed."));
    if (parts.size() != 4 || parts[0] != QLatin1StringView(BoxFormat))
        return malformed;
    const auto ephemeralPublic = Crypto::fromBase64(parts[1]);
    const auto nonce = Crypto::fromBase64(parts[2]);
    const auto sealed = Crypto::fromBase64(parts[3]);
    if (!ephemeralPublic || !nonce || !sealed)
        return malformed;
    auto shared = recipient.agree(*ephemeralPublic);
    if (!shared)
        return shared.error();
    auto boxKey = Crypto::hkdfSha256(*shared, *ephemeralPublic + recipient.publicKey(), BoxFormat, KeyBytes);
    OPENSSL_cleanse(shared->data(), size_t(shared->size()));
    if (!boxKey)
        return boxKey.error();
    auto key = Crypto::aesGcmDecrypt(*boxKey, *nonce, *sealed, context);
    OPENSSL_cleanse(boxKey->data(), size_t(boxKey->size()));
    if (!key) {
        if (key.code() == ErrorCode::AccessDenied)
            return makeError(ErrorCode::AccessDenied,
                             tr("The user's copy of the data key does not open with the user's key."));
        return key.error();
    }
    if (key->size() != KeyBytes)
        return malformed;
    return MasterKey(*key);
}

Result<QString> MasterKey::seal(const QByteArray &plaintext, const QByteArray &context) const
{
    auto nonce = randomBytes(Crypto::GcmNonceBytes);
    if (!nonce)
        return nonce.error();
    auto sealed = Crypto::aesGcmEncrypt(m_key, *nonce, plaintext, context);
    if (!sealed)
        return sealed.error();
    return u"%1$%2$%3"_s.arg(QLatin1StringView(SealFormat), QString::fromLatin1(base64(*nonce)),
                             QString::fromLatin1(base64(*sealed)));
}

Result<QByteArray> MasterKey::open(const QString &sealed, const QByteArray &context) const
{
    const QStringList parts = sealed.split(u'$');
    if (parts.size() != 3 || parts[0] != QLatin1StringView(SealFormat))
        return makeError(ErrorCode::InvalidArgument, tr("The sealed value is malformed."));
    const auto nonce = Crypto::fromBase64(parts[1]);
    const auto data = Crypto::fromBase64(parts[2]);
    if (!nonce || !data)
        return makeError(ErrorCode::InvalidArgument, tr("The sealed value is malformed."));
    auto plain = Crypto::aesGcmDecrypt(m_key, *nonce, *data, context);
    if (!plain && plain.code() == ErrorCode::AccessDenied)
        return makeError(
            ErrorCode::AccessDenied,
            tr("The sealed value does not open with this cluster's data key (tampered or foreign)."));
    return plain;
}

QByteArray MasterKey::fingerprint() const
{
    return QCryptographicHash::hash(m_key, QCryptographicHash::Sha256);
}

QString MasterKey::checkValue() const
{
    return QString::fromLatin1(QCryptographicHash::hash(QByteArray(QByteArray("cohort-key-check-v1") + m_key),
                                                        QCryptographicHash::Sha256)
                                   .toHex());
}

} // namespace Cohort
