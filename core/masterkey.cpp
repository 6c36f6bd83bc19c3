#include "masterkey.h"

#include "crypto_p.h"
#include "logging.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <openssl/crypto.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr auto WrapFormat = "cohort-key-v1";
constexpr auto SealFormat = "cohort-sealed-v1";
constexpr int SaltBytes = 16;

QByteArray base64(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64Encoding | QByteArray::OmitTrailingEquals);
}

Result<QByteArray> fromBase64(const QString &text)
{
    auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return makeError(ErrorCode::InvalidArgument, MasterKey::tr("The stored value is not valid base64."));
    return *decoded;
}

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
        return makeError(ErrorCode::NotFound,
                         tr("The secret file %1 does not exist; create one with \"cohortctl gen-secret %1\".").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, tr("Cannot read the secret file %1: %2.").arg(path, file.errorString()));
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
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
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
    auto salt = randomBytes(SaltBytes);
    auto nonce = randomBytes(Crypto::GcmNonceBytes);
    if (!salt)
        return salt.error();
    if (!nonce)
        return nonce.error();
    const Crypto::ScryptParameters parameters;
    auto kek = Crypto::scrypt(secret, *salt, parameters, KeyBytes);
    if (!kek)
        return kek.error();
    auto wrapped = Crypto::aesGcmEncrypt(*kek, *nonce, m_key, context);
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

Result<MasterKey> MasterKey::unwrap(const QString &wrapped, const QByteArray &secret,
                                    const QByteArray &context)
{
    const QStringList parts = wrapped.split(u'$');
    const Error malformed = makeError(ErrorCode::InvalidArgument,
                                      tr("The stored data key is malformed; the cluster record is damaged."));
    if (parts.size() != 8 || parts[0] != QLatin1StringView(WrapFormat) || parts[1] != u"scrypt"_s)
        return malformed;
    const auto parameters = Crypto::parseScryptParameters(parts[2], parts[3], parts[4]);
    auto salt = fromBase64(parts[5]);
    auto nonce = fromBase64(parts[6]);
    auto sealed = fromBase64(parts[7]);
    if (!parameters || !salt || !nonce || !sealed)
        return malformed;

    auto kek = Crypto::scrypt(secret, *salt, *parameters, KeyBytes);
    if (!kek)
        return kek.error();
    auto key = Crypto::aesGcmDecrypt(*kek, *nonce, *sealed, context);
    OPENSSL_cleanse(kek->data(), size_t(kek->size()));
    if (!key) {
        if (key.code() == ErrorCode::AccessDenied)
            return makeError(ErrorCode::AccessDenied,
                             tr("The local secret does not unlock this cluster's data key: "
                                "the secret file is not the one the cluster was created with."));
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
    auto nonce = fromBase64(parts[1]);
    auto data = fromBase64(parts[2]);
    if (!nonce || !data)
        return makeError(ErrorCode::InvalidArgument, tr("The sealed value is malformed."));
    auto plain = Crypto::aesGcmDecrypt(m_key, *nonce, *data, context);
    if (!plain && plain.code() == ErrorCode::AccessDenied)
        return makeError(ErrorCode::AccessDenied,
                         tr("The sealed value does not open with this cluster's data key (tampered or foreign)."));
    return plain;
}

QByteArray MasterKey::fingerprint() const
{
    return QCryptographicHash::hash(m_key, QCryptographicHash::Sha256);
}

} // namespace Cohort
