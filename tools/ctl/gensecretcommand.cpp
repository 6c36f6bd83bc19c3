#include "gensecretcommand.h"

#include "masterkey.h"

using namespace Qt::StringLiterals;

namespace Cohort {

QString GenSecretCommand::name() const
{
    return u"gen-secret"_s;
}

QString GenSecretCommand::summary() const
{
    return tr("Writes a new random local secret to a new file (mode 600).");
}

void GenSecretCommand::configure(QCommandLineParser &parser) const
{
    parser.addPositionalArgument(u"FILE"_s, tr("The file to create; an existing file is never overwritten."));
}

int GenSecretCommand::run(const QCommandLineParser &parser)
{
    const QStringList files = parser.positionalArguments();
    if (files.size() != 1)
        return usage(tr("give exactly one FILE to write"));
    if (auto written = MasterKey::writeNewSecretFile(files.constFirst()); !written)
        return fail(written.message());
    m_out << tr("Wrote a new local secret to %1. Copy it to every node of the cluster; "
                "without it the cluster's data key cannot be unlocked.")
                 .arg(files.constFirst())
          << Qt::endl;
    return ExitSuccess;
}

} // namespace Cohort
