#include "exportfile.h"

#include <QImage>
#include <QSaveFile>

namespace Cohort {

bool ExportFile::write(const QString &path, const std::function<bool(QIODevice &)> &write, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    if (!write(file) || !file.commit()) {
        *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        file.cancelWriting();
        return false;
    }
    return true;
}

bool ExportFile::writePng(const QString &path, const QImage &image, QString *error)
{
    return write(
        path, [&image](QIODevice &device) { return image.save(&device, "PNG"); }, error);
}

bool ExportFile::writeText(const QString &path, const QString &text, QString *error)
{
    const QByteArray bytes = text.toUtf8();
    return write(
        path, [&bytes](QIODevice &device) { return device.write(bytes) == bytes.size(); }, error);
}

} // namespace Cohort
