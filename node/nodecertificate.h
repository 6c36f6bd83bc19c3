// NodeCertificate: the node's TLS identity for its API. On first start the node makes an
// ECDSA P-256 key and a self-signed certificate with OpenSSL and keeps them in its data
// folder (node-key.pem, readable by the owner only, and node-cert.pem). No authority
// signs it: peers, agents and the console pin its SHA-256 fingerprint, which the node
// records in nodes.cert_sha256 when it joins, so a certificate is trusted exactly when the
// cluster's database says it is this node's.
#pragma once

#include "result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

namespace Cohort {

class NodeCertificate
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeCertificate)

public:
    static constexpr auto KeyFile = "node-key.pem";
    static constexpr auto CertificateFile = "node-cert.pem";

    // Reads the key and certificate in dataDir, or makes new ones (in memory: save() writes
    // them) when either is missing. hostName goes into the certificate's subject and
    // alternative names. Files that do not parse, or a certificate that does not belong to
    // the key, are errors naming the file: the node does not replace what someone may have
    // put there on purpose (deleting both files makes a new identity).
    static Result<NodeCertificate> loadOrMake(const QString &dataDir, const QString &hostName);
    // Writes a new key and certificate into dataDir (the key readable by its owner only);
    // does nothing for ones that were read from there.
    Result<void> save(const QString &dataDir) const;
    // Both at once, for tools and tests.
    static Result<NodeCertificate> loadOrCreate(const QString &dataDir, const QString &hostName);

    QByteArray keyPem() const { return m_keyPem; }
    QByteArray certificatePem() const { return m_certificatePem; }
    // Lowercase hex of the SHA-256 of the certificate's DER encoding: what is pinned.
    QString sha256() const { return m_sha256; }
    // Whether they were made just now rather than read.
    bool created() const { return m_created; }

    // The same fingerprint, of a DER-encoded certificate.
    static QString fingerprint(const QByteArray &der);

private:
    QByteArray m_keyPem;
    QByteArray m_certificatePem;
    QString m_sha256;
    bool m_created = false;
};

} // namespace Cohort
