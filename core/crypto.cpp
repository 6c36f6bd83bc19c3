#include "crypto_p.h"

#include "masterkey.h"

#include <QCoreApplication>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::Crypto)
};

QString openSslError()
{
    const unsigned long code = ERR_get_error();
    if (code == 0)
        return u"unknown OpenSSL error"_s;
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return QString::fromLatin1(text);
}

Error cryptoError(const char *what)
{
    return makeError(ErrorCode::Crypto, Text::tr("OpenSSL failed in %1: %2").arg(QString::fromLatin1(what), openSslError()));
}

struct CipherContextDeleter
{
    void operator()(EVP_CIPHER_CTX *context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

unsigned char *bytes(QByteArray &array)
{
    return reinterpret_cast<unsigned char *>(array.data());
}

const unsigned char *bytes(const QByteArray &array)
{
    return reinterpret_cast<const unsigned char *>(array.constData());
}

} // namespace

Result<QByteArray> randomBytes(int count)
{
    QByteArray buffer(count, Qt::Uninitialized);
    if (RAND_bytes(bytes(buffer), count) != 1)
        return cryptoError("RAND_bytes");
    return buffer;
}

namespace Crypto {

bool isReasonable(const ScryptParameters &parameters)
{
    // scrypt needs 128 * N * r bytes and does that work p times: bound both, so a
    // tampered record cannot make a node allocate gigabytes or spin for minutes.
    constexpr quint64 MaxMemoryBytes = 256ull << 20;
    constexpr quint64 MaxWork = 1ull << 22;
    const bool powerOfTwo = parameters.n >= 2 && (parameters.n & (parameters.n - 1)) == 0;
    return powerOfTwo && parameters.n <= (1u << 20) && parameters.r >= 1 && parameters.r <= 32
        && parameters.p >= 1 && parameters.p <= 16 && 128 * parameters.n * parameters.r <= MaxMemoryBytes
        && parameters.n * parameters.r * parameters.p <= MaxWork;
}

std::optional<ScryptParameters> parseScryptParameters(const QString &n, const QString &r, const QString &p)
{
    bool okN = false, okR = false, okP = false;
    const ScryptParameters parameters{n.toULongLong(&okN), r.toULongLong(&okR), p.toULongLong(&okP)};
    if (!okN || !okR || !okP || !isReasonable(parameters))
        return std::nullopt;
    return parameters;
}

Result<QByteArray> scrypt(const QByteArray &secret, const QByteArray &salt,
                          const ScryptParameters &parameters, int length)
{
    QByteArray key(length, Qt::Uninitialized);
    // scrypt needs 128 * N * r bytes; allow that plus headroom.
    const quint64 maxMemory = 128 * parameters.n * parameters.r * (parameters.p + 1) + (1 << 20);
    if (EVP_PBE_scrypt(secret.constData(), size_t(secret.size()), bytes(salt), size_t(salt.size()),
                       parameters.n, parameters.r, parameters.p, maxMemory, bytes(key), size_t(length))
        != 1)
        return cryptoError("scrypt");
    return key;
}

Result<QByteArray> aesGcmEncrypt(const QByteArray &key, const QByteArray &nonce,
                                 const QByteArray &plaintext, const QByteArray &aad)
{
    Q_ASSERT(key.size() == 32 && nonce.size() == GcmNonceBytes);
    CipherContext context(EVP_CIPHER_CTX_new());
    if (!context)
        return cryptoError("EVP_CIPHER_CTX_new");
    int length = 0;
    QByteArray out(plaintext.size() + GcmTagBytes, Qt::Uninitialized);
    if (EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, GcmNonceBytes, nullptr) != 1
        || EVP_EncryptInit_ex(context.get(), nullptr, nullptr, bytes(key), bytes(nonce)) != 1)
        return cryptoError("AES-256-GCM init");
    if (!aad.isEmpty() && EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(aad), int(aad.size())) != 1)
        return cryptoError("AES-256-GCM aad");
    int written = 0;
    if (EVP_EncryptUpdate(context.get(), bytes(out), &length, bytes(plaintext), int(plaintext.size())) != 1)
        return cryptoError("AES-256-GCM encrypt");
    written = length;
    if (EVP_EncryptFinal_ex(context.get(), bytes(out) + written, &length) != 1)
        return cryptoError("AES-256-GCM final");
    written += length;
    if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, GcmTagBytes, bytes(out) + written) != 1)
        return cryptoError("AES-256-GCM tag");
    out.resize(written + GcmTagBytes);
    return out;
}

Result<QByteArray> aesGcmDecrypt(const QByteArray &key, const QByteArray &nonce,
                                 const QByteArray &sealed, const QByteArray &aad)
{
    Q_ASSERT(key.size() == 32);
    if (nonce.size() != GcmNonceBytes || sealed.size() < GcmTagBytes)
        return makeError(ErrorCode::InvalidArgument, Text::tr("The sealed data is truncated."));
    CipherContext context(EVP_CIPHER_CTX_new());
    if (!context)
        return cryptoError("EVP_CIPHER_CTX_new");
    const qsizetype cipherBytes = sealed.size() - GcmTagBytes;
    QByteArray tag = sealed.right(GcmTagBytes);
    QByteArray out(cipherBytes, Qt::Uninitialized);
    int length = 0;
    if (EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, GcmNonceBytes, nullptr) != 1
        || EVP_DecryptInit_ex(context.get(), nullptr, nullptr, bytes(key), bytes(nonce)) != 1)
        return cryptoError("AES-256-GCM init");
    if (!aad.isEmpty() && EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(aad), int(aad.size())) != 1)
        return cryptoError("AES-256-GCM aad");
    if (EVP_DecryptUpdate(context.get(), bytes(out), &length, bytes(sealed), int(cipherBytes)) != 1)
        return cryptoError("AES-256-GCM decrypt");
    if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, GcmTagBytes, bytes(tag)) != 1)
        return cryptoError("AES-256-GCM tag");
    int finalLength = 0;
    if (EVP_DecryptFinal_ex(context.get(), bytes(out) + length, &finalLength) != 1) {
        ERR_clear_error();
        OPENSSL_cleanse(out.data(), size_t(out.size()));
        return makeError(ErrorCode::AccessDenied, Text::tr("The data does not authenticate with this key."));
    }
    out.resize(length + finalLength);
    return out;
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

} // namespace Crypto
} // namespace Cohort
