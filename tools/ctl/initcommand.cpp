#include "initcommand.h"

#include "cluster.h"
#include "ctloptions.h"
#include "masterkey.h"
#include "users.h"

using namespace Qt::StringLiterals;

namespace Cohort {

QString InitCommand::name() const
{
    return u"init"_s;
}

QString InitCommand::summary() const
{
    return tr("Creates a cluster: the schema, the data key and the first administrator.");
}

void InitCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::secretFile());
    parser.addOption({u"admin"_s, tr("The first administrator's user name."), u"NAME"_s});
    parser.addOption({u"password-file"_s,
                      tr("A file whose first line is the administrator's password "
                         "(default: read it from standard input)."),
                      u"FILE"_s});
    parser.addOption({u"full-name"_s, tr("The administrator's full name (stored sealed)."), u"TEXT"_s});
    parser.addOption({u"email"_s, tr("The administrator's e-mail address (stored sealed)."), u"ADDRESS"_s});
    parser.addOption(
        {u"name"_s, tr("The cluster's display name (default: Cohort)."), u"NAME"_s, u"Cohort"_s});
}

int InitCommand::run(const QCommandLineParser &parser)
{
    QString databaseUrl, secretPath, admin;
    if (!required(parser, u"db"_s, &databaseUrl) || !required(parser, u"secret-file"_s, &secretPath)
        || !required(parser, u"admin"_s, &admin))
        return ExitUsage;
    if (!parser.positionalArguments().isEmpty())
        return usage(tr("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));

    // Everything that can be checked without the database is checked first, so a bad
    // input changes nothing.
    auto url = DatabaseUrl::parse(databaseUrl);
    if (!url)
        return invalid(url.message());
    for (const QString &problem : {Users::fullNameProblem(parser.value(u"full-name"_s)),
                                   Users::emailProblem(parser.value(u"email"_s))}) {
        if (!problem.isEmpty())
            return invalid(problem);
    }
    auto secret = MasterKey::readSecretFile(secretPath);
    if (!secret)
        return fail(secret.message());
    auto password =
        CtlOptions::readPassword(parser.value(u"password-file"_s), tr("Password for %1: ").arg(admin));
    if (!password)
        return fail(password.message());

    ClusterInitRequest request;
    request.name = parser.value(u"name"_s);
    request.secret = *secret;
    request.adminName = admin;
    request.adminPassword = *password;
    request.adminFullName = parser.value(u"full-name"_s);
    request.adminEmail = parser.value(u"email"_s);
    request.actor = u"cohortctl"_s;
    auto cluster = Cluster::create(*url, request);
    if (!cluster)
        return fail(cluster.message());

    m_out << tr("Created cluster \"%1\" (%2) in %3: schema version %4, administrator %5.")
                 .arg(cluster->name, cluster->clusterId, url->redacted())
                 .arg(cluster->schemaVersion)
                 .arg(admin)
          << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
