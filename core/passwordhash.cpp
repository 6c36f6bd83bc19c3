#include "passwordhash.h"

#include "crypto_p.h"
#include "masterkey.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr int SaltBytes = 16;
constexpr int HashBytes = 32;

Crypto::ScryptParameters passwordParameters()
{
    return {1 << 14, 8, 1};
}

} // namespace

Result<QString> PasswordHash::hash(const QString &password)
{
    auto salt = randomBytes(SaltBytes);
    if (!salt)
        return salt.error();
    const auto parameters = passwordParameters();
    auto derived = Crypto::scrypt(password.toUtf8(), *salt, parameters, HashBytes);
    if (!derived)
        return derived.error();
    return u"scrypt$%1$%2$%3$%4$%5"_s.arg(parameters.n)
        .arg(parameters.r)
        .arg(parameters.p)
        .arg(QString::fromLatin1(salt->toBase64()), QString::fromLatin1(derived->toBase64()));
}

bool PasswordHash::verify(const QString &password, const QString &encoded)
{
    const QStringList parts = encoded.split(u'$');
    if (parts.size() != 6 || parts[0] != u"scrypt"_s)
        return false;
    const auto parameters = Crypto::parseScryptParameters(parts[1], parts[2], parts[3]);
    auto salt = QByteArray::fromBase64Encoding(parts[4].toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    auto expected =
        QByteArray::fromBase64Encoding(parts[5].toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!parameters || !salt || !expected || expected.decoded.isEmpty())
        return false;
    auto derived = Crypto::scrypt(password.toUtf8(), *salt, *parameters, int(expected.decoded.size()));
    return derived && Crypto::constantTimeEquals(*derived, *expected);
}

QString PasswordHash::weakness(const QString &password)
{
    if (password.size() < MinimumLength)
        return tr("The password must have at least %n character(s).", nullptr, MinimumLength);
    if (password.trimmed() != password)
        return tr("The password must not start or end with spaces.");
    return {};
}

} // namespace Cohort
