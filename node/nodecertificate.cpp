#include "nodecertificate.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QRegularExpression>
#include <QSaveFile>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

template<auto Free>
struct Deleter
{
    template<typename T>
    void operator()(T *pointer) const
    {
        Free(pointer);
    }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertificatePtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;

// Ten years: the certificate is pinned, so its dates protect nothing, and a node must not
// stop being reachable because a date passed.
constexpr long ValiditySeconds = 10L * 366 * 24 * 3600;

QString opensslReason()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return u"unknown OpenSSL error"_s;
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return QString::fromLatin1(text);
}

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? QByteArray(data, qsizetype(size)) : QByteArray();
}

QByteArray derOf(X509 *certificate)
{
    unsigned char *out = nullptr;
    const int size = i2d_X509(certificate, &out);
    if (size <= 0)
        return {};
    QByteArray der(reinterpret_cast<const char *>(out), size);
    OPENSSL_free(out);
    return der;
}

bool addExtension(X509 *certificate, int nid, const QByteArray &value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.constData());
    if (!extension)
        return false;
    const bool added = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return added;
}

// The subject alternative name for hostName, or nothing for a name that is neither an
// address nor a plain DNS name (it would not parse as an extension value).
QByteArray alternativeName(const QString &hostName)
{
    if (QHostAddress address; address.setAddress(hostName))
        return "IP:" + address.toString().toLatin1();
    static const QRegularExpression dnsName(u"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$"_s);
    if (dnsName.match(hostName).hasMatch())
        return "DNS:" + hostName.toLatin1();
    return {};
}

// Writes bytes to path through a temporary file that only the owner can read, renamed
// into place, so that the key is never readable by others, not even for a moment.
bool writePrivately(const QString &path, const QByteArray &bytes, QString *error)
{
    const QByteArray temporary = QFile::encodeName(path + u".tmp"_s);
    const int fd = ::open(temporary.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        *error = QString::fromLocal8Bit(strerror(errno));
        return false;
    }
    qsizetype written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + written, size_t(bytes.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = QString::fromLocal8Bit(strerror(errno));
            ::close(fd);
            ::unlink(temporary.constData());
            return false;
        }
        written += n;
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::rename(temporary.constData(), QFile::encodeName(path).constData()) != 0) {
        *error = QString::fromLocal8Bit(strerror(errno));
        ::unlink(temporary.constData());
        return false;
    }
    return true;
}

} // namespace

QString NodeCertificate::fingerprint(const QByteArray &der)
{
    return QString::fromLatin1(QCryptographicHash::hash(der, QCryptographicHash::Sha256).toHex());
}

Result<NodeCertificate> NodeCertificate::loadOrCreate(const QString &dataDir, const QString &hostName)
{
    auto identity = loadOrMake(dataDir, hostName);
    if (!identity)
        return identity;
    if (auto saved = identity->save(dataDir); !saved)
        return saved.error();
    return identity;
}

Result<NodeCertificate> NodeCertificate::loadOrMake(const QString &dataDir, const QString &hostName)
{
    const QDir dir(dataDir);
    const QString keyPath = dir.filePath(QString::fromLatin1(KeyFile));
    const QString certificatePath = dir.filePath(QString::fromLatin1(CertificateFile));
    const bool haveKey = QFile::exists(keyPath);
    const bool haveCertificate = QFile::exists(certificatePath);
    NodeCertificate identity;
    if (haveKey && haveCertificate) {
        for (const auto &[path, target] : {std::pair{keyPath, &identity.m_keyPem},
                                           std::pair{certificatePath, &identity.m_certificatePem}}) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                return makeError(ErrorCode::Io, tr("Cannot read %1: %2.").arg(path, file.errorString()));
            *target = file.read(64 * 1024);
        }
        BioPtr keyBio(BIO_new_mem_buf(identity.m_keyPem.constData(), int(identity.m_keyPem.size())));
        KeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
        if (!key) {
            return makeError(ErrorCode::InvalidArgument,
                             tr("%1 does not hold a private key (%2).").arg(keyPath, opensslReason()));
        }
        BioPtr certificateBio(
            BIO_new_mem_buf(identity.m_certificatePem.constData(), int(identity.m_certificatePem.size())));
        CertificatePtr certificate(PEM_read_bio_X509(certificateBio.get(), nullptr, nullptr, nullptr));
        if (!certificate) {
            return makeError(
                ErrorCode::InvalidArgument,
                tr("%1 does not hold a certificate (%2).").arg(certificatePath, opensslReason()));
        }
        if (X509_check_private_key(certificate.get(), key.get()) != 1) {
            ERR_clear_error();
            return makeError(
                ErrorCode::InvalidArgument,
                tr("The certificate in %1 does not belong to the key in %2.").arg(certificatePath, keyPath));
        }
        identity.m_sha256 = fingerprint(derOf(certificate.get()));
        return identity;
    }

    const auto failed = [](const QString &what) {
        return makeError(ErrorCode::Crypto,
                         tr("Cannot make the node's certificate: %1 (%2).").arg(what, opensslReason()));
    };
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        return failed(u"key"_s);
    CertificatePtr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1)
        return failed(u"certificate"_s);
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        return failed(u"serial number"_s);
    serial[0] &= 0x7f; // a positive number
    BIGNUM *number = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serialSet = number && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
    BN_free(number);
    if (!serialSet)
        return failed(u"serial number"_s);
    X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate.get()), ValiditySeconds);
    X509_NAME *name = X509_get_subject_name(certificate.get());
    const QByteArray commonName = QString(u"Cohort node "_s + hostName).left(64).toUtf8();
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>("Cohort"), -1, -1, 0)
            != 1
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char *>(commonName.constData()), -1, -1,
                                      0)
               != 1
        || X509_set_issuer_name(certificate.get(), name) != 1
        || X509_set_pubkey(certificate.get(), key.get()) != 1) {
        return failed(u"subject"_s);
    }
    const QByteArray alternative = alternativeName(hostName);
    if ((!alternative.isEmpty() && !addExtension(certificate.get(), NID_subject_alt_name, alternative))
        || !addExtension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(certificate.get(), NID_key_usage, "critical,digitalSignature")
        || !addExtension(certificate.get(), NID_ext_key_usage, "serverAuth")) {
        return failed(u"extensions"_s);
    }
    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0)
        return failed(u"signature"_s);

    BioPtr keyBio(BIO_new(BIO_s_mem()));
    BioPtr certificateBio(BIO_new(BIO_s_mem()));
    if (!keyBio || !certificateBio
        || PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1
        || PEM_write_bio_X509(certificateBio.get(), certificate.get()) != 1) {
        return failed(u"PEM"_s);
    }
    identity.m_keyPem = bioBytes(keyBio.get());
    identity.m_certificatePem = bioBytes(certificateBio.get());
    identity.m_sha256 = fingerprint(derOf(certificate.get()));

    // A key without its certificate (or the reverse) was never recorded as this node's:
    // both are made again. Peers read the fingerprint from the nodes table, which the
    // node updates when it joins.
    identity.m_created = true;
    return identity;
}

Result<void> NodeCertificate::save(const QString &dataDir) const
{
    if (!m_created)
        return {};
    if (!QDir().mkpath(dataDir))
        return makeError(ErrorCode::Io, tr("Cannot create the data folder %1.").arg(dataDir));
    const QDir dir(dataDir);
    const QString keyPath = dir.filePath(QString::fromLatin1(KeyFile));
    const QString certificatePath = dir.filePath(QString::fromLatin1(CertificateFile));
    QString reason;
    if (!writePrivately(keyPath, m_keyPem, &reason))
        return makeError(ErrorCode::Io, tr("Cannot write %1: %2.").arg(keyPath, reason));
    QSaveFile file(certificatePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_certificatePem) < 0 || !file.commit())
        return makeError(ErrorCode::Io, tr("Cannot write %1: %2.").arg(certificatePath, file.errorString()));
    return {};
}

} // namespace Cohort
