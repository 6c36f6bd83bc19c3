// The console's sealed data, on both databases, offscreen: an administrator's password
// opens her copy of the data key, so the Users page shows full names and e-mail addresses
// in clear and edits them (stored sealed again), and System Settings shows the node API
// token and makes a new one; a key rotated meanwhile is taken up without signing in again.
// An auditor sees the same rows with their personal data sealed and can change nothing.
#include "cluster.h"
#include "configproperties.h"
#include "consoleclient.h"
#include "consolesettings.h"
#include "keyrotation.h"
#include "mainwindow.h"
#include "messagebox.h"
#include "modelrows.h"
#include "personaldatadialog.h"
#include "secretpropertiesbox.h"
#include "settingspage.h"
#include "testcluster.h"
#include "userspage.h"
#include "userstablemodel.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace Cohort;
using namespace Cohort::Test;
using namespace Qt::StringLiterals;

namespace {

const QString ZoePassword = u"zoe's long passphrase"_s;
const QString AnnPassword = u"ann's long passphrase"_s;
const QString ZoeName = u"Zoë Quartermaine-Østergaard"_s;
const QString ZoeEmail = u"zoe.quartermaine.7f3a@example.org"_s;
const QString AnnName = u"Ann Whitcombe-Ngata"_s;
constexpr int Patience = 30000;

int rowOfUser(const QAbstractItemModel *model, const QString &name)
{
    return rowOf(model, UsersTableModel::Name, name);
}

QString cell(const QAbstractItemModel *model, const QString &name, int column)
{
    return cellOf(model, UsersTableModel::Name, name, column);
}

} // namespace

class TestConsoleUsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void administratorSeesAndEditsSealedData();
    void auditorSeesItSealed();

private:
    Result<MasterKey> key();
    QHash<QString, QPair<QString, QString>> personalData();
    QString token();

    QTemporaryDir m_config;
    std::unique_ptr<TestCluster> m_cluster;
};

void TestConsoleUsers::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
}

void TestConsoleUsers::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
    NewUser zoe{u"zoe"_s, ZoePassword, Role::Administrator, ZoeName, ZoeEmail};
    NewUser ann{u"ann"_s, AnnPassword, Role::Auditor, AnnName, {}};
    for (const NewUser &user : {zoe, ann}) {
        auto added = m_cluster->addUser(user);
        QVERIFY2(added.ok(), qPrintable(added.message()));
    }
}

void TestConsoleUsers::cleanup()
{
    m_cluster.reset();
}

Result<MasterKey> TestConsoleUsers::key()
{
    auto secret = MasterKey::readSecretFile(m_cluster->secretFile());
    if (!secret)
        return secret.error();
    return Cluster::unlock(m_cluster->database(), *secret);
}

QHash<QString, QPair<QString, QString>> TestConsoleUsers::personalData()
{
    QHash<QString, QPair<QString, QString>> data;
    auto dataKey = key();
    auto cluster = Cluster::load(m_cluster->database());
    auto db = m_cluster->database().connection();
    if (!dataKey || !cluster || !cluster->has_value() || !db)
        return data;
    auto users = Users::list(*db, &*dataKey, (*cluster)->keyContext());
    for (const UserRecord &user : users ? *users : QList<UserRecord>())
        data.insert(user.name, {user.fullName, user.email});
    return data;
}

QString TestConsoleUsers::token()
{
    return m_cluster->apiToken();
}

void TestConsoleUsers::administratorSeesAndEditsSealedData()
{
    auto client = loggedInClient(m_cluster->url(), u"zoe"_s, ZoePassword, Patience);
    QVERIFY(client);
    QVERIFY(client->snapshot().dataKeyOpen);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    window.showPage(MainWindow::Users);
    UsersPage *page = window.usersPage();
    const QAbstractItemModel *view = page->view()->model();
    QTRY_COMPARE_WITH_TIMEOUT(view->rowCount(), 3, Patience);
    QCOMPARE(cell(view, u"zoe"_s, UsersTableModel::FullName), ZoeName);
    QCOMPARE(cell(view, u"zoe"_s, UsersTableModel::Email), ZoeEmail);
    QCOMPARE(cell(view, u"ann"_s, UsersTableModel::FullName), AnnName);
    QCOMPARE(cell(view, u"zoe"_s, UsersTableModel::SealedData), u"Holds a copy"_s);
    QVERIFY(page->note().isEmpty());

    // Edit Ann: a bad address keeps Save disabled and stores nothing.
    page->view()->selectRow(rowOfUser(view, u"ann"_s));
    QVERIFY(page->editButton()->isEnabled());
    PersonalDataDialog *dialog = page->editSelected();
    QVERIFY(dialog);
    QCOMPARE(dialog->fullNameEdit()->text(), AnnName);
    QTest::keyClicks(dialog->emailEdit(), u"ann at example"_s);
    QVERIFY(dialog->problem().contains(u"is not an e-mail address"_s));
    QVERIFY(!dialog->buttons()->button(QDialogButtonBox::Save)->isEnabled());
    dialog->emailEdit()->clear();
    QTest::keyClicks(dialog->emailEdit(), u"ann@example.net"_s);
    QVERIFY(dialog->problem().isEmpty());
    QSignalSpy finished(client.get(), &ClusterClient::actionFinished);
    dialog->buttons()->button(QDialogButtonBox::Save)->click();
    QVERIFY(finished.wait(Patience));
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(personalData().value(u"ann"_s), qMakePair(AnnName, u"ann@example.net"_s));
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"ann"_s, UsersTableModel::Email), u"ann@example.net"_s, Patience);
    QCOMPARE(m_cluster->scalar(u"SELECT details FROM audit_log WHERE action = 'user.update'"_s).toString(),
             u"changed: email"_s);
    QVERIFY(m_cluster->scalar(u"SELECT email_sealed FROM users WHERE name = 'ann'"_s)
                .toString()
                .startsWith(u"cohort-sealed-v1$"_s));

    // The node API token, masked until shown; a new one on request.
    window.showPage(MainWindow::SystemSettings);
    SecretPropertiesBox *secrets = window.settingsPage()->secretProperties();
    QLineEdit *tokenEdit = secrets->valueEdit(Property::NodeApiToken.toString());
    const QString before = token();
    QVERIFY(!before.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(tokenEdit->text(), before, Patience);
    QCOMPARE(tokenEdit->echoMode(), QLineEdit::Password);
    secrets->showBox(Property::NodeApiToken.toString())->click();
    QCOMPARE(tokenEdit->echoMode(), QLineEdit::Normal);
    finished.clear();
    MessageBox::setNextAnswer(QMessageBox::Yes);
    secrets->regenerateButton(Property::NodeApiToken.toString())->click();
    QVERIFY(finished.wait(Patience));
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    const QString after = token();
    QVERIFY(!after.isEmpty() && after != before);
    QCOMPARE(m_cluster->scalar(u"SELECT details FROM audit_log WHERE action = 'config.set' AND target = ?"_s,
                               {Property::NodeApiToken.toString()}),
             QVariant(u""_s));
    QTRY_COMPARE_WITH_TIMEOUT(tokenEdit->text(), after, Patience);

    // The data key is rotated under the running console: it opens the new one by itself
    // (her copy was re-sealed to her key pair) and edits go on.
    auto secret = MasterKey::readSecretFile(m_cluster->secretFile());
    QVERIFY(secret.ok());
    auto rotated = KeyRotation::rotateKey(m_cluster->database(), *secret, u"test"_s);
    QVERIFY2(rotated.ok(), qPrintable(rotated.message()));
    // Two rounds more than those already delivered: the second began after the rotation
    // committed. (Rounds that ended while the rotation ran are still queued; deliver them.)
    QCoreApplication::processEvents();
    QSignalSpy rounds(client.get(), &ClusterClient::snapshotChanged);
    QTRY_VERIFY_WITH_TIMEOUT(rounds.size() >= 2, Patience);
    QVERIFY(client->snapshot().dataKeyOpen);
    window.showPage(MainWindow::Users);
    page->view()->selectRow(rowOfUser(view, u"zoe"_s));
    QTRY_VERIFY_WITH_TIMEOUT((dialog = page->editSelected()) != nullptr, Patience);
    dialog->fullNameEdit()->setText(u"Zoë Q."_s);
    finished.clear();
    dialog->buttons()->button(QDialogButtonBox::Save)->click();
    QVERIFY(finished.wait(Patience));
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(personalData().value(u"zoe"_s), qMakePair(u"Zoë Q."_s, ZoeEmail));
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, u"zoe"_s, UsersTableModel::FullName), u"Zoë Q."_s, Patience);
}

void TestConsoleUsers::auditorSeesItSealed()
{
    auto client = loggedInClient(m_cluster->url(), u"ann"_s, AnnPassword, Patience);
    QVERIFY(client);
    QVERIFY(!client->snapshot().dataKeyOpen);
    ConsoleSettings settings;
    MainWindow window(*client, settings);
    window.show();
    window.showPage(MainWindow::Users);
    UsersPage *page = window.usersPage();
    const QAbstractItemModel *view = page->view()->model();
    QTRY_COMPARE_WITH_TIMEOUT(view->rowCount(), 3, Patience);
    QCOMPARE(cell(view, u"zoe"_s, UsersTableModel::FullName), u"Sealed"_s);
    QCOMPARE(cell(view, u"zoe"_s, UsersTableModel::Email), u"Sealed"_s);
    // No personal data is not shown as sealed.
    QCOMPARE(cell(view, u"admin"_s, UsersTableModel::FullName), QString());
    QVERIFY2(page->note().contains(u"only administrators"_s), qPrintable(page->note()));
    page->view()->selectRow(rowOfUser(view, u"zoe"_s));
    QVERIFY(!page->editButton()->isEnabled());
    QVERIFY(!page->editSelected());

    window.showPage(MainWindow::SystemSettings);
    SecretPropertiesBox *secrets = window.settingsPage()->secretProperties();
    QLineEdit *tokenEdit = secrets->valueEdit(Property::NodeApiToken.toString());
    QVERIFY(tokenEdit->text().isEmpty());
    QCOMPARE(tokenEdit->placeholderText(), u"Sealed"_s);
    QVERIFY(!secrets->showBox(Property::NodeApiToken.toString())->isEnabled());
    QVERIFY(!secrets->regenerateButton(Property::NodeApiToken.toString())->isEnabled());
    // Core refuses too, for a session without the key.
    QSignalSpy finished(client.get(), &ClusterClient::actionFinished);
    client->setPersonalData(u"zoe"_s, u"Mallory"_s, QString());
    QVERIFY(finished.wait(Patience));
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(personalData().value(u"zoe"_s), qMakePair(ZoeName, ZoeEmail));
}

QTEST_MAIN(TestConsoleUsers)
#include "tst_consoleusers.moc"
