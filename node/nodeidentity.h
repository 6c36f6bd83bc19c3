// NodeIdentity: the node's GUID, kept in DATA_DIR/node.guid and made on first start. A
// machine cloned with its data folder carries the same GUID; the registry refuses the
// second live copy, and deleting the file makes the clone a new node.
#pragma once

#include "result.h"

#include <QCoreApplication>

namespace Cohort {

class NodeIdentity
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeIdentity)

public:
    // Reads the GUID in path, or writes a new one there (and its folder) when missing.
    static Result<QString> loadOrCreate(const QString &path);
    // The GUID in path; NotFound when there is no file (nothing is written).
    static Result<QString> load(const QString &path);
};

} // namespace Cohort
