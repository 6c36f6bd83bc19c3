#include "icons.h"

#include "symboliciconengine.h"

#include <algorithm>
#include <iterator>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QIcon fromResource(const QString &name)
{
    return QIcon(new SymbolicIconEngine(u":/icons/"_s + name + u".svg"_s));
}

QString statusName(Icons::Status status)
{
    switch (status) {
    case Icons::Status::Online:
        return u"status-online"_s;
    case Icons::Status::Offline:
        return u"status-offline"_s;
    case Icons::Status::UpgradeRequired:
        return u"status-upgrade-required"_s;
    case Icons::Status::Draining:
        return u"status-draining"_s;
    case Icons::Status::Decommissioned:
        return u"status-decommissioned"_s;
    case Icons::Status::Info:
        return u"status-info"_s;
    case Icons::Status::Warning:
        return u"status-warning"_s;
    case Icons::Status::Error:
        return u"status-error"_s;
    case Icons::Status::Ok:
        return u"status-ok"_s;
    }
    Q_UNREACHABLE();
}

QString pageName(Icons::Page page)
{
    switch (page) {
    case Icons::Page::ManagerNodes:
        return u"page-manager-nodes"_s;
    case Icons::Page::Agents:
        return u"page-agents"_s;
    case Icons::Page::SystemInformation:
        return u"page-system-information"_s;
    case Icons::Page::Alerts:
        return u"page-alerts"_s;
    case Icons::Page::AuditLog:
        return u"page-audit-log"_s;
    case Icons::Page::Users:
        return u"page-users"_s;
    case Icons::Page::SystemSettings:
        return u"settings"_s;
    case Icons::Page::Consistency:
        return u"page-consistency"_s;
    }
    Q_UNREACHABLE();
}

QString actionName(Icons::Action action)
{
    switch (action) {
    case Icons::Action::Refresh:
        return u"action-refresh"_s;
    case Icons::Action::Properties:
        return u"action-properties"_s;
    case Icons::Action::Decommission:
        return u"action-decommission"_s;
    case Icons::Action::Drain:
        return u"action-drain"_s;
    case Icons::Action::Resume:
        return u"action-resume"_s;
    case Icons::Action::Export:
        return u"action-export"_s;
    case Icons::Action::SignOut:
        return u"action-sign-out"_s;
    case Icons::Action::Add:
        return u"action-add"_s;
    case Icons::Action::Remove:
        return u"action-remove"_s;
    case Icons::Action::Filter:
        return u"action-filter"_s;
    case Icons::Action::Cancel:
        return u"action-cancel"_s;
    case Icons::Action::Settings:
        return u"settings"_s;
    }
    Q_UNREACHABLE();
}

} // namespace

QIcon Icons::status(Status status)
{
    return fromResource(statusName(status));
}

QIcon Icons::nodeStatus(const QString &key)
{
    if (key == u"online")
        return status(Status::Online);
    if (key == u"offline")
        return status(Status::Offline);
    if (key == u"upgrade-required")
        return status(Status::UpgradeRequired);
    if (key == u"draining")
        return status(Status::Draining);
    if (key == u"decommissioned")
        return status(Status::Decommissioned);
    return {};
}

QIcon Icons::page(Page page)
{
    return fromResource(pageName(page));
}

QIcon Icons::action(Action action)
{
    return fromResource(actionName(action));
}

QIcon Icons::jobType(const QString &name)
{
    // The job types of core's JobTypes registry that have an icon of their own.
    static constexpr QStringView WithIcons[] = {u"noop",
                                                u"sleep",
                                                u"fail",
                                                u"clear-cache",
                                                u"purge-old-records",
                                                u"rollup-stats",
                                                u"agent-offline-check"};
    const bool own = std::find(std::begin(WithIcons), std::end(WithIcons), name) != std::end(WithIcons);
    return fromResource(own ? u"job-"_s + name : u"job-generic"_s);
}

QIcon Icons::application()
{
    return fromResource(u"cohort"_s);
}

} // namespace Cohort
