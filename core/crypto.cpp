#include "crypto_p.h"

#include "masterkey.h"

#include <QCoreApplication>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
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
    return makeError(ErrorCode::Crypto,
                     Text::tr("OpenSSL failed in %1: %2").arg(QString::fromLatin1(what), openSslError()));
}

struct CipherContextDeleter
{
    void operator()(EVP_CIPHER_CTX *context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

struct PkeyDeleter
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct PkeyContextDeleter
{
    void operator()(EVP_PKEY_CTX *context) const { EVP_PKEY_CTX_free(context); }
};
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, PkeyContextDeleter>;

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

Result<QByteArray> aesGcmEncrypt(const QByteArray &key, const QByteArray &nonce, const QByteArray &plaintext,
                                 const QByteArray &aad)
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
    if (!aad.isEmpty()
        && EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(aad), int(aad.size())) != 1)
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

Result<QByteArray> aesGcmDecrypt(const QByteArray &key, const QByteArray &nonce, const QByteArray &sealed,
                                 const QByteArray &aad)
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
    if (!aad.isEmpty()
        && EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(aad), int(aad.size())) != 1)
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

namespace {

Result<QByteArray> rawKey(EVP_PKEY *key, bool isPrivate)
{
    QByteArray raw(X25519KeyBytes, Qt::Uninitialized);
    size_t length = size_t(raw.size());
    const int ok = isPrivate ? EVP_PKEY_get_raw_private_key(key, bytes(raw), &length)
                             : EVP_PKEY_get_raw_public_key(key, bytes(raw), &length);
    if (ok != 1 || length != size_t(X25519KeyBytes))
        return cryptoError("X25519 raw key");
    return raw;
}

Result<Pkey> x25519Key(const QByteArray &raw, bool isPrivate)
{
    if (raw.size() != X25519KeyBytes)
        return makeError(ErrorCode::InvalidArgument,
                         Text::tr("An X25519 key has %1 bytes, not %2.").arg(X25519KeyBytes).arg(raw.size()));
    Pkey key(isPrivate
                 ? EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, bytes(raw), size_t(raw.size()))
                 : EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, bytes(raw), size_t(raw.size())));
    if (!key)
        return cryptoError("X25519 key");
    return key;
}

} // namespace

Result<X25519Pair> x25519Generate()
{
    PkeyContext context(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
    EVP_PKEY *generated = nullptr;
    if (!context || EVP_PKEY_keygen_init(context.get()) != 1
        || EVP_PKEY_keygen(context.get(), &generated) != 1)
        return cryptoError("X25519 keygen");
    Pkey key(generated);
    auto privateKey = rawKey(key.get(), true);
    if (!privateKey)
        return privateKey.error();
    auto publicKey = rawKey(key.get(), false);
    if (!publicKey)
        return publicKey.error();
    return X25519Pair{*privateKey, *publicKey};
}

Result<QByteArray> x25519PublicOf(const QByteArray &privateKey)
{
    auto key = x25519Key(privateKey, true);
    if (!key)
        return key.error();
    return rawKey(key->get(), false);
}

Result<QByteArray> x25519Agree(const QByteArray &privateKey, const QByteArray &peerPublicKey)
{
    auto own = x25519Key(privateKey, true);
    if (!own)
        return own.error();
    auto peer = x25519Key(peerPublicKey, false);
    if (!peer)
        return peer.error();
    PkeyContext context(EVP_PKEY_CTX_new(own->get(), nullptr));
    QByteArray shared(X25519KeyBytes, Qt::Uninitialized);
    size_t length = size_t(shared.size());
    // Fails for a low-order peer key (an all-zero shared secret).
    if (!context || EVP_PKEY_derive_init(context.get()) != 1
        || EVP_PKEY_derive_set_peer(context.get(), peer->get()) != 1
        || EVP_PKEY_derive(context.get(), bytes(shared), &length) != 1 || length != size_t(X25519KeyBytes))
        return cryptoError("X25519 derive");
    return shared;
}

Result<QByteArray> hkdfSha256(const QByteArray &secret, const QByteArray &salt, const QByteArray &info,
                              int length)
{
    PkeyContext context(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
    QByteArray out(length, Qt::Uninitialized);
    size_t outLength = size_t(length);
    if (!context || EVP_PKEY_derive_init(context.get()) != 1
        || EVP_PKEY_CTX_set_hkdf_md(context.get(), EVP_sha256()) != 1
        || EVP_PKEY_CTX_set1_hkdf_salt(context.get(), bytes(salt), int(salt.size())) != 1
        || EVP_PKEY_CTX_set1_hkdf_key(context.get(), bytes(secret), int(secret.size())) != 1
        || EVP_PKEY_CTX_add1_hkdf_info(context.get(), bytes(info), int(info.size())) != 1
        || EVP_PKEY_derive(context.get(), bytes(out), &outLength) != 1 || outLength != size_t(length))
        return cryptoError("HKDF");
    return out;
}

QByteArray base64(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64Encoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> fromBase64(const QString &text)
{
    auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return *decoded;
}

namespace {
constexpr auto WrapFormat = "cohort-key-v1";
constexpr int SaltBytes = 16;
constexpr int KekBytes = 32;
} // namespace

Result<QString> wrapWithSecret(const QByteArray &data, const QByteArray &secret, const QByteArray &context,
                               const ScryptParameters &parameters)
{
    auto salt = randomBytes(SaltBytes);
    auto nonce = randomBytes(GcmNonceBytes);
    if (!salt)
        return salt.error();
    if (!nonce)
        return nonce.error();
    auto kek = scrypt(secret, *salt, parameters, KekBytes);
    if (!kek)
        return kek.error();
    auto wrapped = aesGcmEncrypt(*kek, *nonce, data, context);
    OPENSSL_cleanse(kek->data(), size_t(kek->size()));
    if (!wrapped)
        return wrapped.error();
    return u"%1$scrypt$%2$%3$%4$%5$%6$%7"_s.arg(QLatin1StringView(WrapFormat))
        .arg(parameters.n)
        .arg(parameters.r)
        .arg(parameters.p)
        .arg(QString::fromLatin1(base64(*salt)), QString::fromLatin1(base64(*nonce)),
             QString::fromLatin1(base64(*wrapped)));
}

Result<QByteArray> unwrapWithSecret(const QString &wrapped, const QByteArray &secret,
                                    const QByteArray &context)
{
    const QStringList parts = wrapped.split(u'$');
    if (parts.size() != 8 || parts[0] != QLatin1StringView(WrapFormat) || parts[1] != u"scrypt"_s)
        return makeError(ErrorCode::InvalidArgument, Text::tr("The wrapped key is malformed."));
    const auto parameters = parseScryptParameters(parts[2], parts[3], parts[4]);
    const auto salt = fromBase64(parts[5]);
    const auto nonce = fromBase64(parts[6]);
    const auto sealed = fromBase64(parts[7]);
    if (!parameters || !salt || !nonce || !sealed)
        return makeError(ErrorCode::InvalidArgument, Text::tr("The wrapped key is malformed."));
    auto kek = scrypt(secret, *salt, *parameters, KekBytes);
    if (!kek)
        return kek.error();
    auto data = aesGcmDecrypt(*kek, *nonce, *sealed, context);
    OPENSSL_cleanse(kek->data(), size_t(kek->size()));
    return data;
}

} // namespace Crypto
} // namespace Cohort
