// MasterKey: the cluster's data key, and the local secret that unlocks it.
// Every node holds the same local secret; a key derived from it (scrypt) unwraps the
// data key stored in the database (AES-256-GCM). The data key seals confidential
// settings. Neither the secret nor the data key is ever written to the database in clear.
#pragma once

#include "result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

namespace Cohort {

class KeyPair;

class MasterKey
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::MasterKey)

public:
    static constexpr int KeyBytes = 32;
    static constexpr int MinimumSecretBytes = 16;

    // A new random data key.
    static Result<MasterKey> generate();

    // Reads the local secret from a file: its bytes, without trailing line breaks.
    static Result<QByteArray> readSecretFile(const QString &path);
    // Writes a new random secret to a new file readable only by its owner.
    static Result<void> writeNewSecretFile(const QString &path);

    // The data key wrapped by a key derived from secret, as one printable string that
    // also carries the derivation's parameters. context binds it to its cluster.
    Result<QString> wrap(const QByteArray &secret, const QByteArray &context) const;
    // Fails with ErrorCode::AccessDenied when the secret is not the one it was wrapped with.
    static Result<MasterKey> unwrap(const QString &wrapped, const QByteArray &secret,
                                    const QByteArray &context);

    // The data key sealed to a user's public key (X25519, HKDF-SHA256, AES-256-GCM), so
    // whoever holds the data key can give a copy to an administrator without knowing the
    // administrator's password; only the holder of the matching private key opens it.
    Result<QString> sealTo(const QByteArray &recipientPublicKey, const QByteArray &context) const;
    static Result<MasterKey> openSealedTo(const QString &boxed, const KeyPair &recipient,
                                          const QByteArray &context);

    // Authenticated encryption with the data key, for confidential settings.
    Result<QString> seal(const QByteArray &plaintext, const QByteArray &context) const;
    Result<QByteArray> open(const QString &sealed, const QByteArray &context) const;

    // SHA-256 of the key, to compare keys without showing them.
    QByteArray fingerprint() const;
    // What cluster.key_check stores: SHA-256 over a label and the key, in hex. Tells
    // whether a key is the current one; says nothing about the key (it is random).
    QString checkValue() const;

private:
    explicit MasterKey(QByteArray key)
        : m_key(std::move(key))
    {}
    QByteArray m_key;
};

// Fills a buffer from OpenSSL's CSPRNG.
Result<QByteArray> randomBytes(int count);

} // namespace Cohort
