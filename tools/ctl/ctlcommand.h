// CtlCommand: one cohortctl subcommand: its options, its help and what it does.
#pragma once

#include "database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <memory>

namespace Cohort {

// Exit codes shared by all subcommands.
enum ExitCode { ExitSuccess = 0, ExitFailure = 1, ExitUsage = 2 };

class CtlCommand
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::CtlCommand)

public:
    CtlCommand(QTextStream &out, QTextStream &err)
        : m_out(out)
        , m_err(err)
    {}
    virtual ~CtlCommand() = default;

    virtual QString name() const = 0;
    virtual QString summary() const = 0;
    // What --help says above the options; the summary unless a command has more to say.
    virtual QString description() const { return summary(); }
    // Adds the command's options and positional arguments to parser.
    virtual void configure(QCommandLineParser &parser) const = 0;
    // Runs with parsed options; returns the process exit code.
    virtual int run(const QCommandLineParser &parser) = 0;

protected:
    // A failed operation: one line, ExitFailure.
    int fail(const QString &message);
    // A misused command line: one line pointing to --help, ExitUsage.
    int usage(const QString &message);
    // A bad value (malformed URL, ...): one line, the usage exit code.
    int invalid(const QString &message);
    // The option's value, or a usage error naming the option when it is missing.
    bool required(const QCommandLineParser &parser, const QString &option, QString *value);
    // The database named by --db, checked to hold a cluster. On failure the one-line
    // error is printed, *code is the exit code and the result is null.
    std::unique_ptr<Database> openCluster(const QCommandLineParser &parser, int *code);

    QTextStream &m_out;
    QTextStream &m_err;
};

} // namespace Cohort
