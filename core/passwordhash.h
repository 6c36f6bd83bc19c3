// PasswordHash: salted, slow (scrypt) hashes of user passwords. Only the hash is stored.
#pragma once

#include "result.h"

#include <QCoreApplication>
#include <QString>

namespace Cohort {

class PasswordHash
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::PasswordHash)

public:
    static constexpr int MinimumLength = 8;

    // "scrypt$N$r$p$salt$hash", salt and hash in base64.
    static Result<QString> hash(const QString &password);
    // True when password matches; the comparison takes constant time.
    static bool verify(const QString &password, const QString &encoded);
    // Why a password is not acceptable, or an empty string.
    static QString weakness(const QString &password);
};

} // namespace Cohort
