#include "masterkeycommand.h"

#include "ctloptions.h"
#include "keyrotation.h"
#include "masterkey.h"

using namespace Qt::StringLiterals;

namespace Cohort {

QString MasterKeyCommand::name() const
{
    return u"masterkey"_s;
}

QString MasterKeyCommand::summary() const
{
    return tr("Rotates the local secret or the data key.");
}

QString MasterKeyCommand::description() const
{
    return summary() + u"\n\n"_s
           + tr(
               "rotate-secret  Wraps the data key for the secret in --new-secret-file (make one with\n"
               "               \"cohortctl gen-secret\"). Nothing sealed changes. Then copy the new file to\n"
               "               every node and restart them one by one: a node started with the old\n"
               "               secret is refused, and a running one raises an alert until it has the\n"
               "               new file.\n"
               "rotate-key     Makes a new data key and re-seals every sealed value with it, in one\n"
               "               transaction. Running nodes and consoles pick it up by themselves.");
}

void MasterKeyCommand::configure(QCommandLineParser &parser) const
{
    parser.addOption(CtlOptions::database());
    parser.addOption(CtlOptions::secretFile());
    parser.addOption(
        {u"new-secret-file"_s, tr("rotate-secret: the file holding the new secret."), u"FILE"_s});
    parser.addPositionalArgument(u"ACTION"_s, tr("rotate-secret or rotate-key."));
}

int MasterKeyCommand::run(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.size() != 1)
        return usage(tr("give one ACTION: rotate-secret or rotate-key"));
    const QString action = arguments.constFirst();
    if (action != u"rotate-secret"_s && action != u"rotate-key"_s)
        return usage(tr("unknown ACTION \"%1\": use rotate-secret or rotate-key").arg(action));
    QString secretPath, newSecretPath;
    if (!required(parser, u"secret-file"_s, &secretPath))
        return ExitUsage;
    if (action == u"rotate-secret"_s && !required(parser, u"new-secret-file"_s, &newSecretPath))
        return ExitUsage;
    if (action == u"rotate-key"_s && parser.isSet(u"new-secret-file"_s))
        return usage(tr("--new-secret-file is for rotate-secret; rotate-key keeps the secret"));

    // The files first: a missing or short secret changes nothing.
    auto secret = MasterKey::readSecretFile(secretPath);
    if (!secret)
        return fail(secret.message());
    std::optional<QByteArray> newSecret;
    if (!newSecretPath.isEmpty()) {
        auto read = MasterKey::readSecretFile(newSecretPath);
        if (!read)
            return fail(read.message());
        newSecret = *read;
    }

    int code = ExitSuccess;
    const auto database = openCluster(parser, &code);
    if (!database)
        return code;

    if (newSecret) {
        auto rotated = KeyRotation::rotateSecret(*database, *secret, *newSecret, CtlOptions::actor());
        if (!rotated)
            return rotated.code() == ErrorCode::InvalidArgument ? invalid(rotated.message())
                                                                : fail(rotated.message());
        m_out
            << tr("The data key is now wrapped by the secret in %1. Copy that file to every node in place of "
                  "the old one and restart the nodes one at a time; a node still on the old secret is "
                  "refused "
                  "when it starts.")
                   .arg(newSecretPath)
            << Qt::endl;
        return ExitSuccess;
    }

    auto rotated = KeyRotation::rotateKey(*database, *secret, CtlOptions::actor());
    if (!rotated)
        return fail(rotated.message());
    m_out << tr("Made a new data key and re-sealed every value with it: secret properties: %1, personal "
                "values: %2, administrators' copies of the key: %3. Running nodes pick it up by themselves.")
                 .arg(rotated->properties)
                 .arg(rotated->personalValues)
                 .arg(rotated->keyCopies)
          << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
