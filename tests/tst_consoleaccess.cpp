// The console for keyboard and screen-reader users, against a real cluster of cohort-node
// processes (SQLite; the widgets are the same on PostgreSQL): every focusable widget of
// every page and dialog has an accessible name, Tab reaches every control of a page in
// reading order, the pages and main actions have shortcuts, and a node's status reads in
// words and in an icon's shape, never in colour alone. Offscreen.
#include "clusterclient.h"
#include "consistencypage.h"
#include "consoleclient.h"
#include "consolesettings.h"
#include "finishedjobsdialog.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "modelrows.h"
#include "nodepropertiesdialog.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "personaldatadialog.h"
#include "systeminformationpage.h"
#include "testcluster.h"

#include <QAbstractButton>
#include <QAccessible>
#include <QAction>
#include <QApplication>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QProcess>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
constexpr int Patience = 30000;

QString describe(const QWidget *widget)
{
    QStringList chain;
    for (const QObject *o = widget; o; o = o->parent()) {
        chain.prepend(
            o->objectName().isEmpty()
                ? QString::fromLatin1(o->metaObject()->className())
                : u"%1#%2"_s.arg(QString::fromLatin1(o->metaObject()->className()), o->objectName()));
        if (o->isWidgetType() && static_cast<const QWidget *>(o)->isWindow())
            break;
    }
    return chain.join(u" > "_s);
}

bool takesFocus(const QWidget *widget, const QWidget *within)
{
    return widget->isVisibleTo(within) && (widget->focusPolicy() & Qt::TabFocus) && !widget->focusProxy();
}

// The focusable widgets under root (shown, Tab-reachable) without an accessible name.
QStringList unnamed(QWidget *root)
{
    QStringList missing;
    const auto widgets = root->findChildren<QWidget *>();
    for (QWidget *widget : widgets) {
        if (!takesFocus(widget, root))
            continue;
        QAccessibleInterface *accessible = QAccessible::queryAccessibleInterface(widget);
        const QString name = accessible ? accessible->text(QAccessible::Name).trimmed() : QString();
        if (name.isEmpty())
            missing << describe(widget);
    }
    return missing;
}

} // namespace

class TestConsoleAccess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void everyFocusableWidgetHasAName();
    void tabReachesEveryControlInReadingOrder_data();
    void tabReachesEveryControlInReadingOrder();
    void shortcutsReachPagesAndActions();
    void statusIsInWordsAndShapes();
    void badOptionsAreNamed_data();
    void badOptionsAreNamed();

private:
    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<ClusterClient> m_client;
    QString m_nodeGuid;
};

void TestConsoleAccess::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    auto cluster = TestCluster::create(Backend::Sqlite, u"access"_s);
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
    NodeProcess *node = m_cluster->startNode(u"alpha"_s);
    QVERIFY(node);
    QVERIFY2(node->waitForJoined(Patience), qPrintable(node->output()));
    m_nodeGuid = node->guid();
    m_client = Test::loggedInClient(m_cluster->url(), u"admin"_s, AdminPassword, Patience);
    QVERIFY(m_client);
}

void TestConsoleAccess::cleanupTestCase()
{
    m_client.reset();
    m_cluster.reset();
}

void TestConsoleAccess::everyFocusableWidgetHasAName()
{
    ConsoleSettings settings;
    QStringList missing;
    {
        ClusterClient loginClient;
        LoginDialog login(loginClient, settings);
        login.show();
        missing += unnamed(&login);
    }

    MainWindow window(*m_client, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(window.nodesPage()->model()->rowCount() > 0, Patience);
    for (int page = 0; page < MainWindow::PageCount; ++page) {
        window.showPage(MainWindow::Page(page));
        QCoreApplication::processEvents();
        missing += unnamed(&window);
    }
    // Every graph of System Information.
    window.showPage(MainWindow::SystemInformation);
    for (int graph = 0; graph < SystemInformationPage::GraphCount; ++graph) {
        window.systemInformationPage()->setGraph(SystemInformationPage::Graph(graph));
        QCoreApplication::processEvents();
        missing += unnamed(&window);
    }

    // Every tab of a node's Properties.
    NodePropertiesDialog *properties = window.openProperties(m_nodeGuid);
    QVERIFY(properties);
    QVERIFY(QTest::qWaitForWindowExposed(properties));
    const auto tabs = properties->findChildren<QTabWidget *>();
    QVERIFY(!tabs.isEmpty());
    for (QTabWidget *tab : tabs) {
        for (int i = 0; i < tab->count(); ++i) {
            tab->setCurrentIndex(i);
            QCoreApplication::processEvents();
            missing += unnamed(properties);
        }
    }

    FinishedJobsDialog finished(*m_client, FinishedJobsFilter{}, u"alpha"_s, 0);
    finished.show();
    missing += unnamed(&finished);
    PersonalDataDialog personal(u"admin"_s, u"Ada Admin"_s, u"ada@example.org"_s);
    personal.show();
    missing += unnamed(&personal);

    missing.removeDuplicates();
    for (const QString &widget : std::as_const(missing))
        qWarning().noquote() << "no accessible name:" << widget;
    QVERIFY2(missing.isEmpty(),
             qPrintable(u"%1 focusable widgets have no accessible name:\n  %2"_s.arg(missing.size())
                            .arg(missing.join(u"\n  "_s))));
}

void TestConsoleAccess::tabReachesEveryControlInReadingOrder_data()
{
    QTest::addColumn<int>("page");
    for (int page = 0; page < MainWindow::PageCount; ++page)
        QTest::newRow(qPrintable(MainWindow::pageKey(MainWindow::Page(page)))) << page;
}

void TestConsoleAccess::tabReachesEveryControlInReadingOrder()
{
    QFETCH(int, page);
    ConsoleSettings settings;
    MainWindow window(*m_client, settings);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.showPage(MainWindow::Page(page));
    QCoreApplication::processEvents();

    auto *pages = window.findChild<QStackedWidget *>();
    QVERIFY(pages);
    QWidget *content = pages->currentWidget();
    QList<QWidget *> expected;
    for (QWidget *widget : content->findChildren<QWidget *>()) {
        if (takesFocus(widget, content) && widget->isEnabled())
            expected << widget;
    }

    // From the navigation list, Tab walks into the page and through it.
    auto *navigation = window.findChild<QListWidget *>();
    QVERIFY(navigation);
    navigation->setFocus(Qt::TabFocusReason);
    QTRY_COMPARE(QApplication::focusWidget(), navigation);
    QList<QWidget *> visited;
    for (int i = 0; i < 200; ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QWidget *now = QApplication::focusWidget();
        QVERIFY(now);
        if (now == navigation || visited.contains(now))
            break;
        if (content->isAncestorOf(now))
            visited << now;
    }
    QStringList unreached;
    for (QWidget *widget : expected) {
        if (!visited.contains(widget))
            unreached << describe(widget);
    }
    QVERIFY2(unreached.isEmpty(), qPrintable(u"Tab does not reach:\n  "_s + unreached.join(u"\n  "_s)));

    // Reading order: each stop is below the last one, or beside it to the right. A stop
    // that goes back up and left is a jump a keyboard user cannot follow.
    for (qsizetype i = 1; i < visited.size(); ++i) {
        const QRect a(visited[i - 1]->mapTo(&window, QPoint()), visited[i - 1]->size());
        const QRect b(visited[i]->mapTo(&window, QPoint()), visited[i]->size());
        const bool below = b.top() >= a.bottom() - 4;
        const bool sameRowRight = b.top() < a.bottom() && b.bottom() > a.top() && b.left() >= a.left();
        const bool rightColumn = b.left() >= a.right() - 4;
        QVERIFY2(below || sameRowRight || rightColumn,
                 qPrintable(u"Tab goes back from %1 (%2,%3) to %4 (%5,%6)"_s.arg(describe(visited[i - 1]))
                                .arg(a.left())
                                .arg(a.top())
                                .arg(describe(visited[i]))
                                .arg(b.left())
                                .arg(b.top())));
    }
}

void TestConsoleAccess::shortcutsReachPagesAndActions()
{
    ConsoleSettings settings;
    MainWindow window(*m_client, settings);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    for (int page = MainWindow::PageCount - 1; page >= 0; --page) {
        QTest::keyClick(&window, Qt::Key(Qt::Key_1 + page), Qt::ControlModifier);
        QCOMPARE(window.currentPage(), MainWindow::Page(page));
    }

    // Every menu action that does something has a shortcut or an accelerator, and no two
    // actions share a shortcut.
    QHash<QKeySequence, QString> seen;
    QStringList problems;
    const auto actions = window.menuBar()->findChildren<QAction *>();
    for (QAction *action : actions) {
        if (action->isSeparator() || action->menu() || action->text().isEmpty())
            continue;
        if (!action->shortcut().isEmpty()) {
            const QString other = seen.value(action->shortcut());
            if (!other.isEmpty())
                problems << u"%1 and %2 share %3"_s.arg(other, action->text(), action->shortcut().toString());
            seen.insert(action->shortcut(), action->text());
        } else if (!action->text().contains(u'&')) {
            problems << u"%1 has neither a shortcut nor an accelerator"_s.arg(action->text());
        }
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

    // Ctrl+F finds: it puts the cursor in the filter of the pages that have one.
    for (MainWindow::Page page : {MainWindow::ManagerNodes, MainWindow::Agents, MainWindow::AuditLog}) {
        window.showPage(page);
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        auto *filter = qobject_cast<QLineEdit *>(QApplication::focusWidget());
        QVERIFY2(filter,
                 qPrintable(u"Ctrl+F on %1 focused %2"_s.arg(
                     MainWindow::pageKey(page),
                     QApplication::focusWidget() ? describe(QApplication::focusWidget()) : u"nothing"_s)));
    }

    // Alt+Return opens the selected node's Properties; Escape closes them.
    window.showPage(MainWindow::ManagerNodes);
    QTRY_VERIFY_WITH_TIMEOUT(window.nodesPage()->model()->rowCount() > 0, Patience);
    window.nodesPage()->view()->setFocus();
    window.nodesPage()->view()->selectRow(0);
    QTest::keyClick(&window, Qt::Key_Return, Qt::AltModifier);
    NodePropertiesDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<NodePropertiesDialog *>()) && dialog->isVisible());
    QTest::keyClick(dialog, Qt::Key_Escape);
    QTRY_VERIFY(!dialog->isVisible());
}

void TestConsoleAccess::statusIsInWordsAndShapes()
{
    ConsoleSettings settings;
    MainWindow window(*m_client, settings);
    window.show();
    const QAbstractItemModel *model = window.nodesPage()->view()->model();
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, NodesTableModel::Name, u"alpha"_s) >= 0, Patience);
    const int row = rowOf(model, NodesTableModel::Name, u"alpha"_s);
    const QModelIndex status = model->index(row, NodesTableModel::Status);
    QCOMPARE(status.data(Qt::DisplayRole).toString(), u"Online"_s);
    const QIcon icon = status.data(Qt::DecorationRole).value<QIcon>();
    QVERIFY2(!icon.isNull(), "the Status cell has no icon");
    // Times carry the whole year: "12/7/26" could be one of three dates.
    QVERIFY2(formatTimestamp(QDateTime(QDate(2026, 12, 7), QTime(4, 5, 6)).toMSecsSinceEpoch())
                 .contains(u"2026"_s),
             qPrintable(formatTimestamp(QDateTime(QDate(2026, 12, 7), QTime(4, 5, 6)).toMSecsSinceEpoch())));
    QAccessibleInterface *table = QAccessible::queryAccessibleInterface(window.nodesPage()->view());
    QVERIFY(table);
    QVERIFY(table->text(QAccessible::Name).size() > 0);
}

void TestConsoleAccess::badOptionsAreNamed_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QStringList>("said");
    QTest::newRow("page") << QStringList{u"--page"_s, u"everything"_s}
                          << QStringList{u"unknown page \"everything\""_s, u"agents"_s, u"users"_s,
                                         u"consistency"_s};
    QTest::newRow("theme") << QStringList{u"--theme"_s, u"purple"_s}
                           << QStringList{u"no theme \"purple\""_s, u"system, light, dark"_s};
    QTest::newRow("language") << QStringList{u"--language"_s, u"xx"_s}
                              << QStringList{u"no language \"xx\""_s, u"en"_s, u"de"_s, u"ja"_s};
}

// A wrong option ends the console at once with exit code 2 and says what would be right.
void TestConsoleAccess::badOptionsAreNamed()
{
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, said);
    QProcess console;
    console.setProcessChannelMode(QProcess::MergedChannels);
    console.start(QStringLiteral(COHORT_CONSOLE_PATH), arguments);
    QVERIFY(console.waitForFinished(Patience));
    const QString output = QString::fromUtf8(console.readAll());
    QCOMPARE(console.exitCode(), 2);
    for (const QString &words : said)
        QVERIFY2(output.contains(words), qPrintable(output));
}

QTEST_MAIN(TestConsoleAccess)
#include "tst_consoleaccess.moc"
