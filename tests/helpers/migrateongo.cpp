// cohort-migrate-on-go URL: connects to the database, prints "ready", waits for a line
// on standard input, then migrates the schema and prints the outcome. A test starts
// several, waits until all are ready and releases them at once. Exit 0 on success.
#include "database.h"
#include "schema.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList arguments = app.arguments();
    if (arguments.size() != 2) {
        out << "usage: cohort-migrate-on-go URL" << Qt::endl;
        return 2;
    }
    auto database = Cohort::Database::fromUrl(arguments[1], Cohort::Database::SqliteFile::CreateIfMissing);
    if (!database) {
        out << "error: " << database.message() << Qt::endl;
        return 1;
    }
    if (auto connection = (*database)->connection(); !connection) {
        out << "error: " << connection.message() << Qt::endl;
        return 1;
    }
    out << "ready" << Qt::endl;
    char go[16];
    if (!std::fgets(go, sizeof go, stdin)) {
        out << "error: no go signal" << Qt::endl;
        return 1;
    }
    auto outcome =
        Cohort::Schema::migrate(**database, u"process-%1"_s.arg(QCoreApplication::applicationPid()));
    if (!outcome) {
        out << "error: " << outcome.message() << Qt::endl;
        return 1;
    }
    out << (outcome->changed() ? "created " : "exists ") << outcome->describe() << Qt::endl;
    return 0;
}
