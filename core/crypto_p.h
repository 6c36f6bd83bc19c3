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
Result<QByteArray> aesGcmEncrypt(const QByteArray &key, const QByteArray &nonce,
                                 const QByteArray &plaintext, const QByteArray &aad);
// Fails (ErrorCode::AccessDenied) when the tag does not match: wrong key or tampering.
Result<QByteArray> aesGcmDecrypt(const QByteArray &key, const QByteArray &nonce,
                                 const QByteArray &sealed, const QByteArray &aad);

bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

constexpr int GcmNonceBytes = 12;
constexpr int GcmTagBytes = 16;

} // namespace Cohort::Crypto
