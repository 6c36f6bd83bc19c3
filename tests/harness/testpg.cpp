// cohort-testpg: starts and stops the PostgreSQL server that a CTest run shares
// (a fixture: "start" before the database tests, "stop" after them, even when they fail).
#include "postgresserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTextStream>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream err(stderr);
    const QStringList arguments = app.arguments();
    if (arguments.size() != 3 || (arguments[1] != u"start"_s && arguments[1] != u"stop"_s)) {
        err << "usage: cohort-testpg start|stop STATE_FILE" << Qt::endl;
        return 2;
    }
    const QString stateFile = arguments[2];
    if (arguments[1] == u"start"_s) {
        // A server left by an interrupted run is stopped first.
        if (QFile::exists(stateFile)) {
            if (auto old = Cohort::Test::PostgresServer::attach(stateFile); old) {
                (void)(*old)->stop();
                QDir((*old)->directory()).removeRecursively();
            }
        }
        auto server = Cohort::Test::PostgresServer::start();
        if (!server) {
            err << server.message() << Qt::endl;
            return 1;
        }
        if (auto written = (*server)->writeState(stateFile); !written) {
            err << written.message() << Qt::endl;
            return 1;
        }
        // Keep it running for the tests: this process only started it.
        (*server)->detach();
        QTextStream(stdout) << "PostgreSQL test server on port " << (*server)->port() << " in "
                            << (*server)->directory() << Qt::endl;
        return 0;
    }

    auto server = Cohort::Test::PostgresServer::attach(stateFile);
    if (!server) {
        err << server.message() << Qt::endl;
        return 1;
    }
    auto stopped = (*server)->stop();
    QDir((*server)->directory()).removeRecursively();
    QFile::remove(stateFile);
    if (!stopped) {
        err << stopped.message() << Qt::endl;
        return 1;
    }
    return 0;
}
