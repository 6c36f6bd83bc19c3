// The repository's promises to a newcomer: the README's first screen shows the two
// commands (demo and tests), CI runs exactly the test one, and the set-up script installs
// every package the project needs and does nothing when they are all there.
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QString source(const QString &path)
{
    return QStringLiteral(COHORT_SOURCE_DIR) + u'/' + path;
}

QString readSource(const QString &path)
{
    QFile file(source(path));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

} // namespace

class TestRepository : public QObject
{
    Q_OBJECT

private slots:
    void readmeFirstScreenShowsTwoCommands();
    void ciRunsTheReadmeTestCommand();
    void installDepsCoversEveryPackage();
    void installDepsIsIdempotent();
};

void TestRepository::readmeFirstScreenShowsTwoCommands()
{
    const QStringList firstScreen = readSource(u"README.md"_s).split(u'\n').mid(0, 24);
    QVERIFY(!firstScreen.isEmpty());
    // The commands are the lines of the first code block.
    const qsizetype open = firstScreen.indexOf(u"```sh"_s);
    QVERIFY2(open >= 0, "no code block on the README's first screen");
    QStringList commands;
    for (qsizetype i = open + 1; i < firstScreen.size() && firstScreen[i] != u"```"_s; ++i)
        commands << firstScreen[i].section(u'#', 0, 0).trimmed();
    QCOMPARE(commands, (QStringList{u"scripts/demo"_s, u"scripts/test"_s}));
    for (const QString &command : commands)
        QVERIFY2(QFileInfo(source(command)).isExecutable(), qPrintable(command));
}

void TestRepository::ciRunsTheReadmeTestCommand()
{
    const QString ci = readSource(u".ci/run"_s);
    QVERIFY(!ci.isEmpty());
    QStringList commands;
    for (const QString &line : ci.split(u'\n')) {
        const QString code = line.section(u'#', 0, 0).trimmed();
        if (!code.isEmpty() && !code.startsWith(u"set "_s) && !code.startsWith(u"cd "_s))
            commands << code;
    }
    QCOMPARE(commands, (QStringList{u"exec scripts/test"_s}));
    QVERIFY(QFileInfo(source(u".ci/run"_s)).isExecutable());
    // Both scripts do their own set-up.
    QVERIFY(readSource(u"scripts/test"_s).contains(u"scripts/install-deps"_s));
    QVERIFY(readSource(u"scripts/demo"_s).contains(u"scripts/install-deps"_s));
}

void TestRepository::installDepsCoversEveryPackage()
{
    const QString script = readSource(u"scripts/install-deps"_s);
    for (const QString &package :
         {u"qt6-base-dev"_s, u"qt6-charts-dev"_s, u"qt6-httpserver-dev"_s, u"libqt6sql6-psql"_s,
          u"libqt6sql6-sqlite"_s, u"qt6-tools-dev"_s, u"qt6-l10n-tools"_s, u"libssl-dev"_s, u"postgresql"_s,
          u"haproxy"_s, u"xvfb"_s, u"cmake"_s, u"ninja-build"_s})
        QVERIFY2(script.contains(QRegularExpression(u"\\s%1\\s"_s.arg(QRegularExpression::escape(package)))),
                 qPrintable(package));
}

void TestRepository::installDepsIsIdempotent()
{
    // The suite only runs after scripts/test installed everything, so a second run must
    // find nothing to do, say nothing and succeed.
    QProcess process;
    process.start(source(u"scripts/install-deps"_s), {});
    QVERIFY(process.waitForFinished(120000));
    QCOMPARE(process.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(process.readAllStandardError()), QString());
    QCOMPARE(QString::fromUtf8(process.readAllStandardOutput()), QString());
}

QTEST_GUILESS_MAIN(TestRepository)
#include "tst_repository.moc"
