// The console's icon set, as QIcons: hand-written SVGs on a 16 px grid (resources/icons,
// compiled in under :/icons), drawn by SymbolicIconEngine at the device's pixel ratio.
//
// Page, action and job type icons are symbolic: drawn in the palette's text colour, they
// follow a light or a dark palette (and a change of it). Status icons keep their colours,
// which read on light and dark backgrounds alike, and each has a shape of its own as well
// (a disc with a check, a bar, an up arrow or pause bars cut out, a struck-through ring;
// an "i" in a disc, a "!" in a triangle, a cross in an octagon, a check in a ring), so no
// status is told by colour alone. Show them next to the status's words.
#pragma once

#include <QIcon>
#include <QObject>
#include <QString>

namespace Cohort {

class Icons
{
    Q_GADGET

public:
    enum class Status {
        Online,
        Offline,
        UpgradeRequired, // Offline (Upgrade Required)
        Draining,
        Decommissioned,
        Info, // alert severities, and messages
        Warning,
        Error, // also an alert's Critical severity
        Ok,
    };
    Q_ENUM(Status)

    // The console's pages, as in its navigation list.
    enum class Page {
        ManagerNodes,
        Agents,
        SystemInformation,
        Alerts,
        AuditLog,
        Users,
        SystemSettings,
        Consistency,
    };
    Q_ENUM(Page)

    enum class Action {
        Refresh,
        Properties,
        Decommission, // as the Decommissioned status: a struck-through circle
        Drain,        // as the Draining status: pause
        Resume,       // play
        Export,       // Export CSV, Export PNG
        SignOut,
        Add,
        Remove,
        Filter,
        Cancel,
        Settings, // the same cog as the System Settings page
    };
    Q_ENUM(Action)

    Icons() = delete;

    static QIcon status(Status status);
    // A node's status by the core's key (nodeStatusKey, nodeDisplayStatusKey): "online",
    // "offline", "upgrade-required", "draining", "decommissioned". A null icon for any other.
    static QIcon nodeStatus(const QString &key);
    static QIcon page(Page page);
    static QIcon action(Action action);
    // A job type by its name (JobTypes): noop, sleep, fail, clear-cache, purge-old-records,
    // rollup-stats, agent-offline-check. A generic job icon for any other name.
    static QIcon jobType(const QString &name);
    // The application's icon (also installed as the desktop's cohort-console icon).
    static QIcon application();
};

} // namespace Cohort
