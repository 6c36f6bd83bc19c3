#include "ctlapplication.h"

#include "alertscommand.h"
#include "auditcommand.h"
#include "decommissioncommand.h"
#include "gensecretcommand.h"
#include "healthcommand.h"
#include "initcommand.h"
#include "jobscommand.h"
#include "masterkeycommand.h"
#include "migratecommand.h"
#include "nodescommand.h"
#include "settingscommand.h"
#include "statuscommand.h"
#include "userscommand.h"

#include <cstdio>

using namespace Qt::StringLiterals;

namespace Cohort {

CtlApplication::CtlApplication()
    : m_out(stdout)
    , m_err(stderr)
{
    m_commands.push_back(std::make_unique<InitCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<StatusCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<HealthCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<MigrateCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<NodesCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<JobsCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<DecommissionCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<GenSecretCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<MasterKeyCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<UsersCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<AlertsCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<SettingsCommand>(m_out, m_err));
    m_commands.push_back(std::make_unique<AuditCommand>(m_out, m_err));
}

CtlApplication::~CtlApplication() = default;

CtlCommand *CtlApplication::find(const QString &name) const
{
    for (const auto &command : m_commands) {
        if (command->name() == name)
            return command.get();
    }
    return nullptr;
}

void CtlApplication::printHelp()
{
    m_out << tr("Usage: cohortctl COMMAND [OPTIONS]") << u"\n\n"_s
          << tr("Administers a Cohort cluster through its shared database.") << u"\n\n"_s << tr("Commands:")
          << u'\n';
    for (const auto &command : m_commands)
        m_out << u"  %1%2\n"_s.arg(command->name(), -14).arg(command->summary());
    m_out << u'\n'
          << tr("Database URLs: sqlite:/path/to/cohort.db or postgresql://user:password@host:port/database")
          << u'\n' << tr("Run \"cohortctl COMMAND --help\" for the options of a command.") << Qt::endl;
}

int CtlApplication::run(const QStringList &arguments)
{
    if (arguments.size() < 2) {
        printHelp();
        return ExitUsage;
    }
    const QString first = arguments.at(1);
    if (first == u"--help"_s || first == u"-h"_s || first == u"help"_s) {
        if (arguments.size() > 2 && first == u"help"_s) {
            if (CtlCommand *command = find(arguments.at(2)))
                return run({arguments.at(0), command->name(), u"--help"_s});
        }
        printHelp();
        return ExitSuccess;
    }
    if (first == u"--version"_s || first == u"-v"_s) {
        m_out << u"cohortctl "_s << QStringLiteral(COHORT_VERSION_STRING) << Qt::endl;
        return ExitSuccess;
    }

    CtlCommand *command = find(first);
    if (!command) {
        m_err << tr("cohortctl: unknown command \"%1\" (see \"cohortctl --help\")").arg(first) << Qt::endl;
        return ExitUsage;
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(command->description());
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({u"h"_s, u"help"_s}, tr("Shows this help."));
    parser.addOption(help);
    command->configure(parser);

    QStringList commandArguments = arguments.mid(1);
    commandArguments[0] = u"cohortctl %1"_s.arg(command->name());
    if (!parser.parse(commandArguments)) {
        m_err << tr("cohortctl %1: %2 (see \"cohortctl %1 --help\")").arg(command->name(), parser.errorText())
              << Qt::endl;
        return ExitUsage;
    }
    if (parser.isSet(help)) {
        // Qt names only the program in the usage line; name the command too, and keep
        // the positional arguments Qt lists after "[options]".
        QString text = parser.helpText();
        const qsizetype endOfUsage = text.indexOf(u'\n');
        const QString options = u"[options]"_s;
        const qsizetype afterOptions = text.left(endOfUsage).indexOf(options);
        const QString positionals = afterOptions < 0 ? QString()
                                                     : text.mid(afterOptions + options.size(),
                                                                endOfUsage - afterOptions - options.size());
        text.replace(0, endOfUsage, tr("Usage: cohortctl %1 [options]").arg(command->name()) + positionals);
        m_out << text;
        m_out.flush();
        return ExitSuccess;
    }
    const int code = command->run(parser);
    m_out.flush();
    m_err.flush();
    return code;
}

} // namespace Cohort
