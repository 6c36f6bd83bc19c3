// The console in Japanese, and in its light and dark themes, against a real cluster of
// cohort-node processes (SQLite): the compiled Japanese catalogue is what the windows
// say, dates and numbers are written the Japanese way, a CJK font is there to draw them,
// and the themes change the palette every page draws with. With COHORT_SCREENSHOTS set it
// saves the pictures a person looks at (ja-*, light-*, dark-*). The language is installed
// for the whole process, so these run apart from the English console tests.
#include "clusterclient.h"
#include "consoleclient.h"
#include "consolelanguage.h"
#include "consolepreferencesbox.h"
#include "consolescreenshot.h"
#include "consolesettings.h"
#include "consoletheme.h"
#include "mainwindow.h"
#include "modelrows.h"
#include "nodespage.h"
#include "nodestablemodel.h"
#include "settingspage.h"
#include "testcluster.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QListWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString AdminPassword = u"correct horse battery"_s;
constexpr int Patience = 30000;

bool hasKana(const QString &text)
{
    for (const QChar c : text) {
        if ((c.unicode() >= 0x3040 && c.unicode() <= 0x30ff)
            || (c.unicode() >= 0x4e00 && c.unicode() <= 0x9fff))
            return true;
    }
    return false;
}

} // namespace

class TestConsoleLook : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void japaneseConsoleSpeaksJapanese();
    void themesChangeEveryPage_data();
    void themesChangeEveryPage();
    void preferencesAreKept();

private:
    void save(QWidget *widget, const QString &name);

    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<ClusterClient> m_client;
};

void TestConsoleLook::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    QCOMPARE(ConsoleLanguage::install(u"ja"_s), u"ja"_s);
    auto cluster = TestCluster::create(Backend::Sqlite, u"look"_s);
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
    for (const QString &name : {u"alpha"_s, u"bravo"_s}) {
        NodeProcess *node = m_cluster->startNode(name);
        QVERIFY(node);
        QVERIFY2(node->waitForJoined(Patience), qPrintable(node->output()));
    }
    m_client = Test::loggedInClient(m_cluster->url(), u"admin"_s, AdminPassword, Patience);
    QVERIFY(m_client);
}

void TestConsoleLook::cleanupTestCase()
{
    ConsoleTheme::apply(ConsoleTheme::System);
    m_client.reset();
    m_cluster.reset();
}

void TestConsoleLook::save(QWidget *widget, const QString &name)
{
    bool failed = false;
    const QString file = saveScreenshot(widget, name, m_cluster->url(), &failed);
    QVERIFY2(!failed, qPrintable(name));
    if (!file.isEmpty())
        qInfo() << "picture:" << file;
}

void TestConsoleLook::japaneseConsoleSpeaksJapanese()
{
    // A font that draws Japanese, or every label would be boxes.
    QVERIFY2(!QFontDatabase::families(QFontDatabase::Japanese).isEmpty(),
             "no font with Japanese glyphs (scripts/install-deps installs fonts-noto-cjk)");
    QCOMPARE(QLocale().language(), QLocale::Japanese);

    ConsoleSettings settings;
    MainWindow window(*m_client, settings);
    window.resize(1440, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QAbstractItemModel *model = window.nodesPage()->view()->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, Patience);

    // The navigation, the column headers and the status words come from the catalogue.
    auto *navigation = window.findChild<QListWidget *>();
    QVERIFY(navigation);
    for (int row = 0; row < navigation->count(); ++row)
        QVERIFY2(hasKana(navigation->item(row)->text()), qPrintable(navigation->item(row)->text()));
    const QString header = model->headerData(NodesTableModel::Status, Qt::Horizontal).toString();
    QVERIFY2(hasKana(header), qPrintable(header));
    const int alpha = rowOf(model, NodesTableModel::Name, u"alpha"_s);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(alpha, NodesTableModel::Status).data().toString(),
                              nodeStatusText(NodeStatus::Online), Patience);
    QVERIFY2(hasKana(nodeStatusText(NodeStatus::Online)), qPrintable(nodeStatusText(NodeStatus::Online)));
    QVERIFY(hasKana(window.menuBar()->actions().first()->text()));

    // Dates and numbers the Japanese way: year first, and the locale's digit grouping.
    const QString when = formatTimestamp(QDateTime(QDate(2026, 12, 7), QTime(15, 4, 5)).toMSecsSinceEpoch());
    QVERIFY2(when.startsWith(u"2026/12/07"_s), qPrintable(when));
    QVERIFY2(when.contains(u"15:04:05"_s) || when.contains(u"15時04分05秒"_s), qPrintable(when));
    QCOMPARE(QLocale().toString(1234567), u"1,234,567"_s);
    // Qt's own words too (Debian's qt6-translations-l10n): the dialogs' standard buttons.
    QDialogButtonBox buttons(QDialogButtonBox::Cancel | QDialogButtonBox::Close);
    for (QAbstractButton *button : buttons.buttons())
        QVERIFY2(hasKana(button->text()), qPrintable(button->text()));

    for (int page = 0; page < MainWindow::PageCount; ++page) {
        window.showPage(MainWindow::Page(page));
        QTest::qWait(50);
        save(&window, u"ja-"_s + MainWindow::pageKey(MainWindow::Page(page)));
    }
}

void TestConsoleLook::themesChangeEveryPage_data()
{
    QTest::addColumn<int>("theme");
    QTest::newRow("light") << int(ConsoleTheme::Light);
    QTest::newRow("dark") << int(ConsoleTheme::Dark);
}

void TestConsoleLook::themesChangeEveryPage()
{
    QFETCH(int, theme);
    const auto chosen = ConsoleTheme::Theme(theme);
    ConsoleTheme::apply(chosen);
    QCOMPARE(ConsoleTheme::isDark(QApplication::palette()), chosen == ConsoleTheme::Dark);
    QCOMPARE(QApplication::style()->name().toLower(), u"fusion"_s);

    ConsoleSettings settings;
    MainWindow window(*m_client, settings);
    window.resize(1440, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE_WITH_TIMEOUT(window.nodesPage()->view()->model()->rowCount(), 2, Patience);
    const QPalette expected = ConsoleTheme::palette(chosen);
    for (int page = 0; page < MainWindow::PageCount; ++page) {
        window.showPage(MainWindow::Page(page));
        QTest::qWait(50);
        // What the window draws: the menu bar's background is the theme's window colour.
        const QImage picture = window.grab().toImage();
        const QColor corner = picture.pixelColor(picture.width() - 3, window.menuBar()->height() / 2);
        const QColor window_ = expected.color(QPalette::Window);
        QVERIFY2(qAbs(corner.lightness() - window_.lightness()) < 40,
                 qPrintable(u"page %1: %2 at the right edge, theme window %3"_s.arg(page).arg(
                     corner.name(), window_.name())));
        save(&window, (chosen == ConsoleTheme::Dark ? u"dark-"_s : u"light-"_s)
                          + MainWindow::pageKey(MainWindow::Page(page)));
    }
}

void TestConsoleLook::preferencesAreKept()
{
    ConsoleSettings settings;
    ConsolePreferencesBox box(settings);
    box.show();
    const int dark = box.themeBox()->findData(u"dark"_s);
    QVERIFY(dark >= 0);
    box.themeBox()->setCurrentIndex(dark);
    Q_EMIT box.themeBox()->activated(dark);
    QCOMPARE(ConsoleSettings().theme(), u"dark"_s);
    QVERIFY(ConsoleTheme::isDark(QApplication::palette()));

    const int german = box.languageBox()->findData(u"de"_s);
    QVERIFY2(german >= 0, "German is not offered");
    QVERIFY(box.languageBox()->findData(u"ja"_s) >= 0);
    QVERIFY(box.languageBox()->findData(u"en"_s) >= 0);
    box.languageBox()->setCurrentIndex(german);
    Q_EMIT box.languageBox()->activated(german);
    QCOMPARE(ConsoleSettings().language(), u"de"_s);
    QVERIFY2(box.languageHint().contains(u"Deutsch"_s), qPrintable(box.languageHint()));
    ConsoleTheme::apply(ConsoleTheme::System);
}

QTEST_MAIN(TestConsoleLook)
#include "tst_consolelook.moc"
