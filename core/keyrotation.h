// KeyRotation: replacing the local secret that wraps the data key, or the data key itself.
// - rotateSecret re-wraps the same data key for a new secret: nothing sealed changes, and
//   a node still holding the old secret can no longer start (it is refused before it
//   writes anything).
// - rotateKey makes a new data key and, in one transaction, re-seals every sealed value
//   (secret properties, users' personal data, administrators' copies of the key) and
//   stores the new key wrapped by the same secret. Running nodes and consoles notice the
//   new key by cluster.key_check and open it again.
// Both compare-and-swap the stored key, so two rotations at once cannot lose one.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>

namespace Cohort {

struct KeyRotationOutcome
{
    int properties = 0;     // secret configuration properties re-sealed
    int personalValues = 0; // users' full names and e-mail addresses re-sealed
    int keyCopies = 0;      // administrators' copies of the data key re-sealed
};

class KeyRotation
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::KeyRotation)

public:
    // AccessDenied when currentSecret does not unlock the data key; InvalidArgument when
    // the new secret is the current one.
    static Result<void> rotateSecret(Database &database, const QByteArray &currentSecret,
                                     const QByteArray &newSecret, const QString &actor);

    // Fails, changing nothing, if any sealed value does not open with the current key.
    static Result<KeyRotationOutcome> rotateKey(Database &database, const QByteArray &secret,
                                                const QString &actor);
};

} // namespace Cohort
