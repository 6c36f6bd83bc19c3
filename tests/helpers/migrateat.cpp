// cohort-migrate-at URL START_MS: waits until the wall clock reaches START_MS (ms since
// the epoch), then migrates the schema and prints the outcome. Exit 0 on success.
#include "database.h"
#include "schema.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTextStream>
#include <QThread>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList arguments = app.arguments();
    if (arguments.size() != 3) {
        out << "usage: cohort-migrate-at URL START_MS" << Qt::endl;
        return 2;
    }
    auto database = Cohort::Database::fromUrl(arguments[1], Cohort::Database::SqliteFile::CreateIfMissing);
    if (!database) {
        out << "error: " << database.message() << Qt::endl;
        return 1;
    }
    const qint64 startAt = arguments[2].toLongLong();
    while (QDateTime::currentMSecsSinceEpoch() < startAt)
        QThread::usleep(200);
    auto outcome = Cohort::Schema::migrate(**database, u"process-%1"_s.arg(QCoreApplication::applicationPid()));
    if (!outcome) {
        out << "error: " << outcome.message() << Qt::endl;
        return 1;
    }
    out << (outcome->changed() ? "created " : "exists ") << outcome->describe() << Qt::endl;
    return 0;
}
