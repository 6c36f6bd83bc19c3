#include "migratecommand.h"

#include "ctloptions.h"
#include "schema.h"

using namespace Qt::StringLiterals;

namespace Cohort {

QString MigrateCommand::name() const
{
    return u"migrate"_s;
}

QString MigrateCommand::summary() const
{
    return tr("Creates or upgrades the database schema to this program's version.");
}

void MigrateCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption({u"create"_s, tr("Creates the SQLite database file when it does not exist.")});
}

int MigrateCommand::run(const QCommandLineParser &parser)
{
    QString url;
    if (!required(parser, u"db"_s, &url))
        return ExitUsage;
    auto database =
        CtlOptions::openDatabase(url, parser.isSet(u"create"_s) ? Database::SqliteFile::CreateIfMissing
                                                                : Database::SqliteFile::MustExist);
    if (!database)
        return invalid(database.message());
    auto outcome = Schema::migrate(**database, u"cohortctl"_s);
    if (!outcome)
        return fail(outcome.message());
    m_out << outcome->describe() << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
