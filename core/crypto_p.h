// Private OpenSSL primitives shared by MasterKey and PasswordHash.
#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace Cohort::Crypto {

struct ScryptParameters
{
    quint64 n = 1 << 15;
    quint64 r = 8;
    quint64 p = 1;
};

// Sanity bounds for parameters read back from storage, so a tampered record cannot make
// a node allocate gigabytes.
bool isReasonable(const ScryptParameters &parameters);
// Reads N, r and p as stored; nullopt when any is not a number or not reasonable.
std::optional<ScryptParameters> parseScryptParameters(const QString &n, const QString &r, const QString &p);

Result<QByteArray> scrypt(const QByteArray &secret, const QByteArray &salt,
                          const ScryptParameters &parameters, int length);

// AES-256-GCM. The output is ciphertext followed by the 16-byte tag.
Result<QByteArray> aesGcmEncrypt(const QByteArray &key, const QByteArray &nonce, const QByteArray &plaintext,
                                 const QByteArray &aad);
// Fails (ErrorCode::AccessDenied) when the tag does not match: wrong key or tampering.
Result<QByteArray> aesGcmDecrypt(const QByteArray &key, const QByteArray &nonce, const QByteArray &sealed,
                                 const QByteArray &aad);

bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

// X25519 (RFC 7748): a new key pair as raw 32-byte private and public keys.
struct X25519Pair
{
    QByteArray privateKey;
    QByteArray publicKey;
};
Result<X25519Pair> x25519Generate();
// The raw public key of a raw private key.
Result<QByteArray> x25519PublicOf(const QByteArray &privateKey);
// The shared secret of a private key and a peer's public key.
Result<QByteArray> x25519Agree(const QByteArray &privateKey, const QByteArray &peerPublicKey);

// HKDF-SHA256 (RFC 5869).
Result<QByteArray> hkdfSha256(const QByteArray &secret, const QByteArray &salt, const QByteArray &info,
                              int length);

constexpr int X25519KeyBytes = 32;

// Base64 without padding, as every stored key and sealed value spells its parts.
QByteArray base64(const QByteArray &data);
std::optional<QByteArray> fromBase64(const QString &text);

// data encrypted (AES-256-GCM) under a key derived (scrypt) from a secret or password, as
// one printable string that carries the derivation's parameters. unwrapWithSecret fails
// with ErrorCode::AccessDenied for another secret, ErrorCode::InvalidArgument when the
// string is malformed.
Result<QString> wrapWithSecret(const QByteArray &data, const QByteArray &secret, const QByteArray &context,
                               const ScryptParameters &parameters = {});
Result<QByteArray> unwrapWithSecret(const QString &wrapped, const QByteArray &secret,
                                    const QByteArray &context);

constexpr int GcmNonceBytes = 12;
constexpr int GcmTagBytes = 16;

} // namespace Cohort::Crypto
