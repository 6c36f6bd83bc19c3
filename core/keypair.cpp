#include "keypair.h"

#include "crypto_p.h"

#include <openssl/crypto.h>

using namespace Qt::StringLiterals;

namespace Cohort {

KeyPair::KeyPair(QByteArray privateKey, QByteArray publicKey)
    : m_private(std::move(privateKey))
    , m_public(std::move(publicKey))
{}

KeyPair::~KeyPair()
{
    // Only the last copy wipes the shared buffer: a detached write would wipe a copy.
    if (m_private.isDetached())
        OPENSSL_cleanse(m_private.data(), size_t(m_private.size()));
}

Result<KeyPair> KeyPair::generate()
{
    auto pair = Crypto::x25519Generate();
    if (!pair)
        return pair.error();
    return KeyPair(pair->privateKey, pair->publicKey);
}

QString KeyPair::publicKeyText() const
{
    return QString::fromLatin1(Crypto::base64(m_public));
}

Result<QByteArray> KeyPair::parsePublicKey(const QString &text)
{
    const auto raw = Crypto::fromBase64(text);
    if (!raw || raw->size() != Crypto::X25519KeyBytes)
        return makeError(ErrorCode::InvalidArgument, tr("The stored public key is malformed."));
    return *raw;
}

Result<QString> KeyPair::wrap(const QString &password, const QByteArray &context) const
{
    // The password hash's cost (N = 2^14): a password is attacked through its hash as
    // easily, so a dearer wrap would only slow down every sign-in.
    return Crypto::wrapWithSecret(m_private, password.toUtf8(), context,
                                  Crypto::ScryptParameters{1 << 14, 8, 1});
}

Result<KeyPair> KeyPair::unwrap(const QString &wrapped, const QString &password, const QByteArray &context)
{
    auto privateKey = Crypto::unwrapWithSecret(wrapped, password.toUtf8(), context);
    if (!privateKey) {
        if (privateKey.code() == ErrorCode::AccessDenied)
            return makeError(ErrorCode::AccessDenied, tr("The password does not open this user's key."));
        if (privateKey.code() == ErrorCode::InvalidArgument)
            return makeError(ErrorCode::InvalidArgument, tr("The user's stored key is malformed."));
        return privateKey.error();
    }
    auto publicKey = Crypto::x25519PublicOf(*privateKey);
    if (!publicKey)
        return publicKey.error();
    return KeyPair(*privateKey, *publicKey);
}

Result<QByteArray> KeyPair::agree(const QByteArray &peerPublicKey) const
{
    return Crypto::x25519Agree(m_private, peerPublicKey);
}

} // namespace Cohort
