// For console tests (they link cohort_ui): with COHORT_SCREENSHOTS=FOLDER set, saves a
// window as a user would see it to FOLDER/NAME-BACKEND.png, for a person to look at.
// Header-only, so the harness itself stays free of the console's libraries.
#pragma once

#include "screenshottour.h"

#include <QCoreApplication>
#include <QDir>
#include <QWidget>

namespace Cohort::Test {

// The file written; empty when COHORT_SCREENSHOTS is not set. *failed is set when it is
// set and the picture could not be saved.
inline QString saveScreenshot(QWidget *widget, const QString &name, const QString &databaseUrl, bool *failed)
{
    *failed = false;
    const QString folder = qEnvironmentVariable("COHORT_SCREENSHOTS");
    if (folder.isEmpty())
        return {};
    // After the layout caught up with the last change.
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    QDir dir(folder);
    dir.mkpath(QStringLiteral("."));
    const QString backend = databaseUrl.startsWith(QLatin1String("sqlite")) ? QStringLiteral("sqlite")
                                                                            : QStringLiteral("postgresql");
    const QString file = ScreenshotTour::save(widget, dir, QStringLiteral("%1-%2.png").arg(name, backend));
    *failed = file.isEmpty();
    return file;
}

} // namespace Cohort::Test
