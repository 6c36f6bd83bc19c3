// Writing an exported picture or table: all of it or nothing (QSaveFile), with a message
// that names the file and the reason.
#pragma once

#include <QCoreApplication>
#include <QIODevice>
#include <QString>

#include <functional>

class QImage;

namespace Cohort {

class ExportFile
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ExportFile)

public:
    // write fills the device; on failure nothing is left at path and *error says why.
    static bool write(const QString &path, const std::function<bool(QIODevice &)> &write, QString *error);
    static bool writePng(const QString &path, const QImage &image, QString *error);
    static bool writeText(const QString &path, const QString &text, QString *error);
};

} // namespace Cohort
