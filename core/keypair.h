// KeyPair: an administrator's X25519 key pair. The public key is stored in clear; the
// private key only wrapped by a key derived (scrypt) from the administrator's password.
// Whoever holds the data key seals a copy of it to the public key (MasterKey::sealTo), so
// the console, given the password at login, can open personal data and secret settings
// without the nodes' local secret, and a rotated data key reaches every administrator
// without anyone's password.
#pragma once

#include "result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

namespace Cohort {

class KeyPair
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::KeyPair)

public:
    static Result<KeyPair> generate();

    // The raw public key, and as the printable text stored in users.key_public.
    QByteArray publicKey() const { return m_public; }
    QString publicKeyText() const;
    static Result<QByteArray> parsePublicKey(const QString &text);

    // The private key wrapped by password; context binds it to its user and cluster.
    Result<QString> wrap(const QString &password, const QByteArray &context) const;
    // Fails with ErrorCode::AccessDenied for another password.
    static Result<KeyPair> unwrap(const QString &wrapped, const QString &password, const QByteArray &context);

    // The X25519 shared secret with a peer's public key.
    Result<QByteArray> agree(const QByteArray &peerPublicKey) const;

    ~KeyPair();
    KeyPair(const KeyPair &other) = default;
    KeyPair &operator=(const KeyPair &other) = default;

private:
    KeyPair(QByteArray privateKey, QByteArray publicKey);
    QByteArray m_private;
    QByteArray m_public;
};

} // namespace Cohort
