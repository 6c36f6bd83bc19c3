#include "nodeidentity.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort {

Result<QString> NodeIdentity::load(const QString &path)
{
    QFile existing(path);
    if (!existing.exists())
        return makeError(ErrorCode::NotFound, tr("%1 does not exist.").arg(path));
    if (!existing.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, tr("Cannot read %1: %2.").arg(path, existing.errorString()));
    const QString text = QString::fromUtf8(existing.read(256)).trimmed();
    const QUuid guid = QUuid::fromString(text);
    if (guid.isNull())
        return makeError(ErrorCode::InvalidArgument,
                         tr("%1 does not hold a node GUID; delete it to join as a new node.").arg(path));
    return guid.toString(QUuid::WithoutBraces);
}

Result<QString> NodeIdentity::loadOrCreate(const QString &path)
{
    if (QFile::exists(path))
        return load(path);
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return makeError(ErrorCode::Io, tr("Cannot create the data folder %1.").arg(info.absolutePath()));
    const QString guid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(guid.toUtf8() + '\n') < 0 || !file.commit())
        return makeError(ErrorCode::Io, tr("Cannot write %1: %2.").arg(path, file.errorString()));
    return guid;
}

} // namespace Cohort
