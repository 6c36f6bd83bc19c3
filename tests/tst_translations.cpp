// The translations: lupdate runs on the sources into copies of the committed .ts files, so
// a string added to the code and missing (or left unfinished) in German or Japanese fails
// here, as does a stale entry. Each translation keeps its source's placeholders and
// accelerator, has as many plural forms as its language, and the compiled catalogue the
// programs load (:/i18n) says what the .ts file says.
#include <QDir>
#include <QFile>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTranslator>
#include <QXmlStreamReader>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

struct Message
{
    QString context;
    QString source;
    QString comment;
    bool numerus = false;
    bool finished = false;
    QStringList forms; // the translation, or its plural forms

    QString where() const
    {
        return comment.isEmpty() ? u"%1: \"%2\""_s.arg(context, source)
                                 : u"%1: \"%2\" (%3)"_s.arg(context, source, comment);
    }
};

QList<Message> readTs(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
        return {};
    }
    QList<Message> messages;
    QXmlStreamReader xml(&file);
    QString context;
    Message message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == "name"_L1) {
            context = xml.readElementText();
        } else if (name == "message"_L1) {
            message = Message{context, {}, {}, xml.attributes().value("numerus"_L1) == "yes"_L1, false, {}};
        } else if (name == "source"_L1) {
            message.source = xml.readElementText();
        } else if (name == "comment"_L1) {
            message.comment = xml.readElementText();
        } else if (name == "translation"_L1) {
            const auto type = xml.attributes().value("type"_L1);
            message.finished = type.isEmpty();
            if (message.numerus) {
                while (xml.readNextStartElement())
                    message.forms << xml.readElementText();
            } else {
                message.forms << xml.readElementText();
            }
            messages << message;
        }
    }
    if (xml.hasError())
        *error = u"%1: %2 at line %3"_s.arg(path, xml.errorString()).arg(xml.lineNumber());
    return messages;
}

QString sourcesList()
{
    return QStringLiteral(COHORT_I18N_SOURCES_LIST);
}

// Placeholders that must survive translation: %1 … %99 (also %L1). %n is checked apart.
QStringList placeholders(const QString &text)
{
    static const QRegularExpression pattern(u"%L?(\\d{1,2})"_s);
    QStringList found;
    for (auto it = pattern.globalMatch(text); it.hasNext();)
        found << u"%"_s + it.next().captured(1);
    found.sort();
    found.removeDuplicates();
    return found;
}

bool hasAccelerator(const QString &text)
{
    static const QRegularExpression pattern(u"(^|[^&])&[^&\\s]"_s);
    return pattern.match(text).hasMatch();
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyStringIsTranslated_data();
    void everyStringIsTranslated();
    void translationsKeepPlaceholders_data();
    void translationsKeepPlaceholders();
    void compiledCatalogueMatches_data();
    void compiledCatalogueMatches();
    void englishPluralsAreComplete();

private:
    // lupdate on the sources into a copy of the .ts file; the copy's messages.
    QList<Message> updatedCopy(const QString &ts, QString *log);

    QTemporaryDir m_dir;
};

void TestTranslations::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(sourcesList()), qPrintable(sourcesList()));
    QVERIFY2(QFile::exists(QStringLiteral(COHORT_LUPDATE)), COHORT_LUPDATE);
}

QList<Message> TestTranslations::updatedCopy(const QString &ts, QString *log)
{
    const QString copy = m_dir.filePath(QFileInfo(ts).fileName());
    QFile::remove(copy);
    if (!QFile::copy(ts, copy)) {
        *log = u"cannot copy %1 to %2"_s.arg(ts, copy);
        return {};
    }
    QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QProcess lupdate;
    lupdate.setProcessChannelMode(QProcess::MergedChannels);
    lupdate.start(QStringLiteral(COHORT_LUPDATE),
                  {u"-no-obsolete"_s, u"-locations"_s, u"none"_s, u"@"_s + sourcesList(), u"-ts"_s, copy});
    if (!lupdate.waitForFinished(120000) || lupdate.exitStatus() != QProcess::NormalExit
        || lupdate.exitCode() != 0) {
        *log = u"lupdate failed (%1): %2"_s.arg(lupdate.exitCode())
                   .arg(QString::fromLocal8Bit(lupdate.readAll()));
        return {};
    }
    *log = QString::fromLocal8Bit(lupdate.readAll());
    QString error;
    QList<Message> messages = readTs(copy, &error);
    if (!error.isEmpty())
        *log = error;
    return messages;
}

void TestTranslations::everyStringIsTranslated_data()
{
    QTest::addColumn<QString>("ts");
    QTest::addColumn<int>("forms");
    QTest::newRow("de") << QStringLiteral(COHORT_TS_DIR "/cohort_de.ts") << 2;
    QTest::newRow("ja") << QStringLiteral(COHORT_TS_DIR "/cohort_ja.ts") << 1;
}

void TestTranslations::everyStringIsTranslated()
{
    QFETCH(QString, ts);
    QFETCH(int, forms);

    QString error;
    const QList<Message> committed = readTs(ts, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QString log;
    const QList<Message> updated = updatedCopy(ts, &log);
    QVERIFY2(!updated.isEmpty(), qPrintable(log));

    QStringList unfinished;
    QStringList wrongForms;
    for (const Message &message : updated) {
        if (!message.finished || message.forms.join(QString()).trimmed().isEmpty())
            unfinished << message.where();
        else if (message.numerus && message.forms.size() != forms)
            wrongForms << message.where();
    }
    QVERIFY2(unfinished.isEmpty(),
             qPrintable(u"%1 strings missing or unfinished in %2 (run the update_translations target, "
                        "then translate them), e.g.:\n  %3"_s.arg(unfinished.size())
                            .arg(ts, unfinished.mid(0, 25).join(u"\n  "_s))));
    QVERIFY2(wrongForms.isEmpty(), qPrintable(u"plural forms other than %1 in %2:\n  %3"_s.arg(forms).arg(
                                       ts, wrongForms.join(u"\n  "_s))));
    // lupdate dropped nothing: no entry in the committed file is stale.
    QCOMPARE(updated.size(), committed.size());
}

void TestTranslations::translationsKeepPlaceholders_data()
{
    everyStringIsTranslated_data();
}

void TestTranslations::translationsKeepPlaceholders()
{
    QFETCH(QString, ts);
    QString error;
    const QList<Message> messages = readTs(ts, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!messages.isEmpty());

    QStringList problems;
    for (const Message &message : messages) {
        if (!message.finished)
            continue;
        for (const QString &form : message.forms) {
            if (placeholders(form) != placeholders(message.source))
                problems << u"%1 -> \"%2\": placeholders %3, not %4"_s.arg(
                    message.where(), form, placeholders(form).join(u','),
                    placeholders(message.source).join(u','));
            if (!message.numerus && message.source.contains(u"%n"_s) != form.contains(u"%n"_s))
                problems << u"%1 -> \"%2\": %n differs"_s.arg(message.where(), form);
            if (hasAccelerator(message.source) && !hasAccelerator(form))
                problems << u"%1 -> \"%2\": no accelerator (&)"_s.arg(message.where(), form);
        }
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
}

void TestTranslations::compiledCatalogueMatches_data()
{
    everyStringIsTranslated_data();
}

void TestTranslations::compiledCatalogueMatches()
{
    QFETCH(QString, ts);
    QString error;
    const QList<Message> messages = readTs(ts, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    // The catalogue the programs load, by locale, as the console does.
    const QString language = QFileInfo(ts).completeBaseName().section(u'_', 1);
    QTranslator translator;
    QVERIFY2(translator.load(QLocale(language), u"cohort"_s, u"_"_s, u":/i18n"_s),
             qPrintable(u"no compiled catalogue for %1 under :/i18n"_s.arg(language)));
    QVERIFY2(translator.language().startsWith(language), qPrintable(translator.language()));
    int checked = 0;
    for (const Message &message : messages) {
        if (!message.finished)
            continue;
        const QByteArray context = message.context.toUtf8();
        const QByteArray source = message.source.toUtf8();
        const QByteArray comment = message.comment.toUtf8();
        const QString got =
            translator.translate(context.constData(), source.constData(),
                                 comment.isEmpty() ? nullptr : comment.constData(), message.numerus ? 1 : -1);
        QVERIFY2(message.forms.contains(got),
                 qPrintable(u"%1: the catalogue says \"%2\", the .ts file \"%3\""_s.arg(
                     message.where(), got, message.forms.join(u" | "_s))));
        ++checked;
    }
    QVERIFY(checked > 100);
}

void TestTranslations::englishPluralsAreComplete()
{
    // cohort_en.ts holds English plural forms only: every "%n" string needs its two forms.
    QString log;
    const QList<Message> updated = updatedCopy(QStringLiteral(COHORT_TS_DIR "/cohort_en.ts"), &log);
    QVERIFY2(!updated.isEmpty(), qPrintable(log));
    QStringList missing;
    for (const Message &message : updated) {
        if (message.numerus && (!message.finished || message.forms.size() != 2))
            missing << message.where();
    }
    QVERIFY2(missing.isEmpty(),
             qPrintable(u"English plural forms missing in cohort_en.ts:\n  "_s + missing.join(u"\n  "_s)));
}

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
