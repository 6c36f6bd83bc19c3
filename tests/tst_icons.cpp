// The console's icon set (resources/): every icon of every kind loads and draws; symbolic
// icons take the palette's colours and read on a light and on a dark palette (WCAG 3:1
// against the window and the base), status icons read on both and differ from each other
// in shape, not only in colour; a 2x pixmap is drawn at 2x, not scaled up from 1x; the
// application icon draws from 16 to 256 px; the .desktop file passes desktop-file-validate.
// With COHORT_SCREENSHOTS=FOLDER it saves an icon sheet per palette at 1x and at 2x there
// (icons-light-1x.png, icons-light-2x.png, icons-dark-1x.png, icons-dark-2x.png).
#include "icons.h"
#include "jobtypes.h"
#include "noderegistry.h"

#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QMetaEnum>
#include <QPainter>
#include <QPalette>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace Cohort;
using namespace Qt::StringLiterals;

namespace {

// Smallest WCAG 2 contrast ratio for graphics that must be told apart (success criterion
// 1.4.11, non-text contrast).
constexpr double MinContrast = 3.0;
// A pixel is part of the drawing ("ink") from half opacity on.
constexpr int InkAlpha = 128;

enum class Kind { Symbolic, Status, Application };

struct IconCase
{
    QString name;
    Kind kind;
    QIcon icon;
};

struct Scheme
{
    QString name;
    QPalette palette;
};

QPalette makePalette(QColor window, QColor base, QColor text, QColor disabledText, QColor highlight)
{
    QPalette palette;
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, window);
    palette.setColor(QPalette::Button, window);
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(role, text);
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(QPalette::Disabled, role, disabledText);
    palette.setColor(QPalette::Highlight, highlight);
    palette.setColor(QPalette::HighlightedText, Qt::white);
    return palette;
}

// The two palettes of the issue: light (#efefef window, #ffffff base) and dark (#2d2d2d
// window, #1e1e1e base).
const QList<Scheme> &schemes()
{
    static const QList<Scheme> list{
        {u"light"_s, makePalette(QColor(0xef, 0xef, 0xef), QColor(0xff, 0xff, 0xff), QColor(0x1f, 0x1f, 0x1f),
                                 QColor(0x8c, 0x8c, 0x8c), QColor(0x30, 0x8c, 0xc6))},
        {u"dark"_s, makePalette(QColor(0x2d, 0x2d, 0x2d), QColor(0x1e, 0x1e, 0x1e), QColor(0xe6, 0xe6, 0xe6),
                                QColor(0x80, 0x80, 0x80), QColor(0x2a, 0x6f, 0xb8))},
    };
    return list;
}

// WCAG 2 relative luminance and contrast ratio.
double luminance(QColor color)
{
    const auto linear = [](double c) {
        return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF()) + 0.0722 * linear(color.blueF());
}

double contrast(QColor a, QColor b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

// The pixmap as straight (not premultiplied) ARGB, so each pixel's colour is the ink's.
QImage straight(const QPixmap &pixmap)
{
    return pixmap.toImage().convertToFormat(QImage::Format_ARGB32);
}

int inkPixels(const QImage &image)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            count += qAlpha(image.pixel(x, y)) >= InkAlpha;
    return count;
}

// The drawing's alpha, pixel by pixel, as its shape.
QList<int> alphaMask(const QImage &image)
{
    QList<int> mask;
    mask.reserve(image.width() * image.height());
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            mask.append(qAlpha(image.pixel(x, y)));
    return mask;
}

// Pixels whose alpha differ by more than half: where one shape has ink and the other not.
int shapeDifference(const QList<int> &a, const QList<int> &b)
{
    int count = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        count += std::abs(a.at(i) - b.at(i)) > 128;
    return count;
}

// Pixels of two same-sized images that differ by more than threshold in some channel.
int imageDifference(const QImage &a, const QImage &b, int threshold)
{
    int count = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            const QRgb p = a.pixel(x, y);
            const QRgb q = b.pixel(x, y);
            const int most = std::max({std::abs(qAlpha(p) - qAlpha(q)), std::abs(qRed(p) - qRed(q)),
                                       std::abs(qGreen(p) - qGreen(q)), std::abs(qBlue(p) - qBlue(q))});
            count += most > threshold;
        }
    }
    return count;
}

template<typename Enum>
QList<Enum> enumValues()
{
    const QMetaEnum meta = QMetaEnum::fromType<Enum>();
    QList<Enum> values;
    for (int i = 0; i < meta.keyCount(); ++i)
        values.append(static_cast<Enum>(meta.value(i)));
    return values;
}

template<typename Enum>
QString enumName(Enum value)
{
    return QString::fromLatin1(QMetaEnum::fromType<Enum>().valueToKey(int(value)));
}

const QString UnknownJobType = u"no-such-job-type"_s;

} // namespace

class TestIcons : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void everyIconDraws_data();
    void everyIconDraws();
    void nodeStatusKeys();
    void jobTypeIcons();
    void symbolicIconsReadOnBothPalettes_data();
    void symbolicIconsReadOnBothPalettes();
    void symbolicIconsFollowTheMode();
    void statusIconsReadOnBothPalettes_data();
    void statusIconsReadOnBothPalettes();
    void statusIconsDifferInShape_data();
    void statusIconsDifferInShape();
    void pixmapsAreDrawnAtTheDevicePixelRatio_data();
    void pixmapsAreDrawnAtTheDevicePixelRatio();
    void applicationIconDrawsAtEverySize_data();
    void applicationIconDrawsAtEverySize();
    void desktopFileIsValid();
    void iconSheets();

private:
    void addIconRows(std::initializer_list<Kind> kinds);
    const IconCase &iconCase(const QString &name) const;

    QList<IconCase> m_icons;
    QPalette m_originalPalette;
};

void TestIcons::initTestCase()
{
    m_originalPalette = QGuiApplication::palette();
    // Made once, before any palette is set: the same QIcon must follow every change.
    for (const auto status : enumValues<Icons::Status>())
        m_icons.append({u"Status::"_s + enumName(status), Kind::Status, Icons::status(status)});
    for (const auto page : enumValues<Icons::Page>())
        m_icons.append({u"Page::"_s + enumName(page), Kind::Symbolic, Icons::page(page)});
    for (const auto action : enumValues<Icons::Action>())
        m_icons.append({u"Action::"_s + enumName(action), Kind::Symbolic, Icons::action(action)});
    for (const JobType &type : JobTypes::all())
        m_icons.append({u"job:"_s + type.name, Kind::Symbolic, Icons::jobType(type.name)});
    m_icons.append({u"job:"_s + UnknownJobType, Kind::Symbolic, Icons::jobType(UnknownJobType)});
    m_icons.append({u"application"_s, Kind::Application, Icons::application()});
}

void TestIcons::cleanup()
{
    QGuiApplication::setPalette(m_originalPalette);
}

void TestIcons::addIconRows(std::initializer_list<Kind> kinds)
{
    QTest::addColumn<QString>("name");
    for (const IconCase &icon : std::as_const(m_icons)) {
        if (std::find(kinds.begin(), kinds.end(), icon.kind) != kinds.end())
            QTest::newRow(qPrintable(icon.name)) << icon.name;
    }
}

const IconCase &TestIcons::iconCase(const QString &name) const
{
    const auto found = std::find_if(m_icons.cbegin(), m_icons.cend(),
                                    [&](const IconCase &icon) { return icon.name == name; });
    Q_ASSERT(found != m_icons.cend());
    return *found;
}

void TestIcons::everyIconDraws_data()
{
    addIconRows({Kind::Symbolic, Kind::Status, Kind::Application});
}

// Not null, and not blank: at 16 px, at 1x and at 2x, enough of it is drawn.
void TestIcons::everyIconDraws()
{
    QFETCH(QString, name);
    const QIcon icon = iconCase(name).icon;
    QVERIFY(!icon.isNull());
    for (const qreal scale : {1.0, 2.0}) {
        const QImage image = straight(icon.pixmap(QSize(16, 16), scale));
        QVERIFY2(!image.isNull(), qPrintable(u"no pixmap at %1x"_s.arg(scale)));
        // A plain minus is the least ink of the set: 12 pixels of a 16 x 16 at 1x.
        const int minimum = int(10 * scale * scale);
        QVERIFY2(inkPixels(image) >= minimum,
                 qPrintable(u"only %1 pixels drawn at %2x"_s.arg(inkPixels(image)).arg(scale)));
    }
}

// The core's status keys each have their icon; any other key none.
void TestIcons::nodeStatusKeys()
{
    const QList<std::pair<QString, Icons::Status>> keys{
        {nodeStatusKey(NodeStatus::Online), Icons::Status::Online},
        {nodeStatusKey(NodeStatus::Offline), Icons::Status::Offline},
        {nodeStatusKey(NodeStatus::UpgradeRequired), Icons::Status::UpgradeRequired},
        {nodeStatusKey(NodeStatus::Decommissioned), Icons::Status::Decommissioned},
        {u"draining"_s, Icons::Status::Draining},
    };
    for (const auto &[key, status] : keys) {
        const QIcon icon = Icons::nodeStatus(key);
        QVERIFY2(!icon.isNull(), qPrintable(key));
        QCOMPARE(icon.pixmap(QSize(16, 16), 2.0).toImage(),
                 Icons::status(status).pixmap(QSize(16, 16), 2.0).toImage());
    }
    QVERIFY(Icons::nodeStatus(u"unknown"_s).isNull());
    QVERIFY(Icons::nodeStatus(QString()).isNull());
    QVERIFY(Icons::nodeStatus(u"Online"_s).isNull());
}

// Every job type of the core's registry has an icon of its own; any other name gets the
// generic job icon, which is none of theirs.
void TestIcons::jobTypeIcons()
{
    const auto picture = [](const QIcon &icon) { return icon.pixmap(QSize(16, 16), 2.0).toImage(); };
    const QImage generic = picture(Icons::jobType(UnknownJobType));
    QVERIFY(!generic.isNull());
    QCOMPARE(picture(Icons::jobType(QString())), generic);
    QList<QImage> seen;
    for (const JobType &type : JobTypes::all()) {
        const QImage own = picture(Icons::jobType(type.name));
        QVERIFY2(own != generic, qPrintable(type.name + u" has the generic job icon"_s));
        QVERIFY2(!seen.contains(own), qPrintable(type.name + u" has another job type's icon"_s));
        seen.append(own);
    }
}

void TestIcons::symbolicIconsReadOnBothPalettes_data()
{
    addIconRows({Kind::Symbolic});
}

// On each palette, every drawn pixel of a symbolic icon contrasts 3:1 with the window and
// with the base: it is drawn in the palette's text colour, with no colour of its own.
void TestIcons::symbolicIconsReadOnBothPalettes()
{
    QFETCH(QString, name);
    const QIcon icon = iconCase(name).icon;
    for (const Scheme &scheme : schemes()) {
        QGuiApplication::setPalette(scheme.palette);
        for (const qreal scale : {1.0, 2.0}) {
            const QImage image = straight(icon.pixmap(QSize(16, 16), scale));
            int ink = 0;
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x) {
                    const QColor pixel = QColor::fromRgba(image.pixel(x, y));
                    if (pixel.alpha() < InkAlpha)
                        continue;
                    ++ink;
                    for (const auto role : {QPalette::Window, QPalette::Base}) {
                        const double ratio = contrast(pixel, scheme.palette.color(role));
                        QVERIFY2(
                            ratio >= MinContrast,
                            qPrintable(
                                u"%1 palette, %2x: pixel %3,%4 (%5) contrasts %6:1 with %7"_s.arg(scheme.name)
                                    .arg(scale)
                                    .arg(x)
                                    .arg(y)
                                    .arg(pixel.name(QColor::HexArgb))
                                    .arg(ratio, 0, 'f', 2)
                                    .arg(role == QPalette::Window ? u"the window"_s : u"the base"_s)));
                    }
                }
            }
            QVERIFY2(ink > 0, qPrintable(u"%1 palette, %2x: nothing drawn"_s.arg(scheme.name).arg(scale)));
        }
    }
}

// A symbolic icon is drawn in WindowText, in the Disabled WindowText when disabled and in
// HighlightedText when selected, on either palette.
void TestIcons::symbolicIconsFollowTheMode()
{
    const QIcon icon = Icons::page(Icons::Page::ManagerNodes);
    const auto inkColours = [&](QIcon::Mode mode) {
        QSet<QRgb> colours;
        const QImage image = straight(icon.pixmap(QSize(16, 16), 1.0, mode));
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                if (qAlpha(image.pixel(x, y)) == 255)
                    colours.insert(image.pixel(x, y) | 0xff000000);
        return colours;
    };
    for (const Scheme &scheme : schemes()) {
        QGuiApplication::setPalette(scheme.palette);
        const QPalette &palette = scheme.palette;
        QCOMPARE(inkColours(QIcon::Normal),
                 QSet<QRgb>{palette.color(QPalette::Active, QPalette::WindowText).rgba()});
        QCOMPARE(inkColours(QIcon::Active),
                 QSet<QRgb>{palette.color(QPalette::Active, QPalette::WindowText).rgba()});
        QCOMPARE(inkColours(QIcon::Disabled),
                 QSet<QRgb>{palette.color(QPalette::Disabled, QPalette::WindowText).rgba()});
        QCOMPARE(inkColours(QIcon::Selected),
                 QSet<QRgb>{palette.color(QPalette::Active, QPalette::HighlightedText).rgba()});
    }
}

void TestIcons::statusIconsReadOnBothPalettes_data()
{
    addIconRows({Kind::Status});
}

// A status icon keeps its colours; on each palette a good part of it (a quarter of what
// is drawn, at least) contrasts 3:1 with the window and with the base. Selected, on the
// highlight (which may be of its own colour), a fifth of it still contrasts 3:1 with that.
void TestIcons::statusIconsReadOnBothPalettes()
{
    QFETCH(QString, name);
    const QIcon icon = iconCase(name).icon;
    const auto check = [&](const Scheme &scheme, QIcon::Mode mode, const QList<QPalette::ColorRole> &against,
                           int percent) {
        for (const qreal scale : {1.0, 2.0}) {
            const QImage image = straight(icon.pixmap(QSize(16, 16), scale, mode));
            int ink = 0;
            int contrasting = 0;
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x) {
                    const QColor pixel = QColor::fromRgba(image.pixel(x, y));
                    if (pixel.alpha() < InkAlpha)
                        continue;
                    ++ink;
                    contrasting += std::all_of(against.begin(), against.end(), [&](QPalette::ColorRole role) {
                        return contrast(pixel, scheme.palette.color(role)) >= MinContrast;
                    });
                }
            }
            if (ink == 0 || contrasting * 100 < ink * percent) {
                QTest::qFail(
                    qPrintable(u"%1 palette, %2x, %3: %4 of %5 drawn pixels contrast 3:1"_s.arg(scheme.name)
                                   .arg(scale)
                                   .arg(mode == QIcon::Selected ? u"selected"_s : u"normal"_s)
                                   .arg(contrasting)
                                   .arg(ink)),
                    __FILE__, __LINE__);
                return false;
            }
        }
        return true;
    };
    for (const Scheme &scheme : schemes()) {
        QGuiApplication::setPalette(scheme.palette);
        if (!check(scheme, QIcon::Normal, {QPalette::Window, QPalette::Base}, 25))
            return;
        if (!check(scheme, QIcon::Selected, {QPalette::Highlight}, 20))
            return;
    }
}

void TestIcons::statusIconsDifferInShape_data()
{
    QTest::addColumn<qreal>("scale");
    QTest::newRow("1x") << 1.0;
    QTest::newRow("2x") << 2.0;
}

// No two status icons have the same shape: their alpha masks differ, so a status is never
// told by colour alone.
void TestIcons::statusIconsDifferInShape()
{
    QFETCH(qreal, scale);
    QList<std::pair<QString, QList<int>>> masks;
    for (const IconCase &icon : std::as_const(m_icons)) {
        if (icon.kind == Kind::Status)
            masks.append({icon.name, alphaMask(straight(icon.icon.pixmap(QSize(16, 16), scale)))});
    }
    QCOMPARE(masks.size(), QMetaEnum::fromType<Icons::Status>().keyCount());
    // At least 4 pixels at 1x (16 at 2x) where one has ink and the other none.
    const int minimum = int(4 * scale * scale);
    for (qsizetype i = 0; i < masks.size(); ++i) {
        for (qsizetype j = i + 1; j < masks.size(); ++j) {
            const int difference = shapeDifference(masks.at(i).second, masks.at(j).second);
            QVERIFY2(difference >= minimum, qPrintable(u"%1 and %2 differ in %3 pixels only"_s
                                                           .arg(masks.at(i).first, masks.at(j).first)
                                                           .arg(difference)));
        }
    }
}

void TestIcons::pixmapsAreDrawnAtTheDevicePixelRatio_data()
{
    addIconRows({Kind::Symbolic, Kind::Status, Kind::Application});
}

// At 16 px, the 1x pixmap is 16 x 16 pixels, the 2x one 32 x 32 with a device pixel ratio
// of 2, drawn at 2x: it is not the 1x one scaled up. QIcon::paint on a 2x device draws the
// 2x pixmap.
void TestIcons::pixmapsAreDrawnAtTheDevicePixelRatio()
{
    QFETCH(QString, name);
    const QIcon icon = iconCase(name).icon;
    QGuiApplication::setPalette(schemes().constFirst().palette);

    const QPixmap one = icon.pixmap(QSize(16, 16), 1.0);
    QCOMPARE(one.size(), QSize(16, 16));
    QCOMPARE(one.devicePixelRatio(), 1.0);
    const QPixmap two = icon.pixmap(QSize(16, 16), 2.0);
    QCOMPARE(two.size(), QSize(32, 32));
    QCOMPARE(two.devicePixelRatio(), 2.0);
    QCOMPARE(two.deviceIndependentSize(), QSizeF(16, 16));

    const QImage drawn = straight(two);
    const QImage upscaled = one.toImage()
                                .scaled(32, 32, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                                .convertToFormat(QImage::Format_ARGB32);
    // Even a plain minus, all on the pixel grid, differs: a scaled-up edge is blurred.
    const int difference = imageDifference(drawn, upscaled, 16);
    QVERIFY2(
        difference >= 16,
        qPrintable(u"the 2x pixmap differs from the 1x one scaled up in %1 pixels only"_s.arg(difference)));

    QImage painted(32, 32, QImage::Format_ARGB32_Premultiplied);
    painted.setDevicePixelRatio(2.0);
    painted.fill(Qt::transparent);
    {
        QPainter painter(&painted);
        icon.paint(&painter, QRect(0, 0, 16, 16));
    }
    QCOMPARE(imageDifference(painted.convertToFormat(QImage::Format_ARGB32), drawn, 0), 0);
}

void TestIcons::applicationIconDrawsAtEverySize_data()
{
    QTest::addColumn<int>("size");
    for (const int size : {16, 32, 64, 256})
        QTest::addRow("%d", size) << size;
}

// The application icon, a tile with a ring of nodes: drawn at its size, mostly covered
// (the tile), with light pixels (the ring and its nodes) on it.
void TestIcons::applicationIconDrawsAtEverySize()
{
    QFETCH(int, size);
    const QImage image = straight(Icons::application().pixmap(QSize(size, size), 1.0));
    QCOMPARE(image.size(), QSize(size, size));
    int opaque = 0;
    int light = 0;
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const QColor pixel = QColor::fromRgba(image.pixel(x, y));
            opaque += pixel.alpha() == 255;
            light += pixel.alpha() == 255 && luminance(pixel) > 0.6;
        }
    }
    const int area = size * size;
    QVERIFY2(opaque * 10 >= area * 7, qPrintable(u"%1 of %2 pixels opaque"_s.arg(opaque).arg(area)));
    QVERIFY2(light * 20 >= area, qPrintable(u"%1 of %2 pixels light"_s.arg(light).arg(area)));
    QVERIFY2(light * 2 <= area, qPrintable(u"%1 of %2 pixels light"_s.arg(light).arg(area)));
}

// The launcher passes desktop-file-validate, with neither error nor warning, and names the
// program and the icon that resources/CMakeLists.txt installs.
void TestIcons::desktopFileIsValid()
{
    const QString path = QStringLiteral(COHORT_SOURCE_DIR) + u"/resources/cohort-console.desktop"_s;
    QVERIFY2(QFile::exists(path), qPrintable(path));
    const QString validator = QStandardPaths::findExecutable(u"desktop-file-validate"_s);
    QVERIFY2(!validator.isEmpty(),
             "desktop-file-validate is missing: install desktop-file-utils (scripts/install-deps)");
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(validator, {path});
    QVERIFY(process.waitForFinished(30'000));
    const QString output = QString::fromUtf8(process.readAll());
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0, qPrintable(output));
    QVERIFY2(!output.contains(u"error:"_s) && !output.contains(u"warning:"_s), qPrintable(output));

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    for (const QString &line : {u"Exec=cohort-console"_s, u"Icon=cohort-console"_s, u"Terminal=false"_s,
                                u"Categories=System;Monitor;Qt;"_s})
        QVERIFY2(lines.contains(line), qPrintable(line));
}

// Each palette's icon sheet at 1x and at 2x, every icon with its name on the window's
// colour, and next to it on the base, selected (on the highlight) and disabled; the
// application icon at 16, 32 and 64 px at the end. Every icon in every mode draws
// something; with COHORT_SCREENSHOTS=FOLDER the sheets are saved for a person to look at.
void TestIcons::iconSheets()
{
    const QString folder = qEnvironmentVariable("COHORT_SCREENSHOTS");
    if (!folder.isEmpty())
        QVERIFY(QDir().mkpath(folder));

    constexpr int Columns = 3;
    constexpr int CellWidth = 300;
    constexpr int RowHeight = 26;
    constexpr int Margin = 12;
    QList<const IconCase *> listed;
    for (const IconCase &icon : std::as_const(m_icons)) {
        if (icon.kind != Kind::Application)
            listed.append(&icon);
    }
    const int rows = int((listed.size() + Columns - 1) / Columns);
    const QSize logical(2 * Margin + Columns * CellWidth, 2 * Margin + rows * RowHeight + 80);

    for (const Scheme &scheme : schemes()) {
        QGuiApplication::setPalette(scheme.palette);
        const QPalette &palette = scheme.palette;
        for (const int scale : {1, 2}) {
            QImage sheet(logical * scale, QImage::Format_ARGB32_Premultiplied);
            sheet.setDevicePixelRatio(scale);
            sheet.fill(palette.color(QPalette::Window));
            QPainter painter(&sheet);
            QFont font = painter.font();
            font.setPixelSize(12);
            painter.setFont(font);
            for (qsizetype i = 0; i < listed.size(); ++i) {
                const IconCase &icon = *listed.at(i);
                const int x = Margin + int(i / rows) * CellWidth;
                const int y = Margin + int(i % rows) * RowHeight;
                icon.icon.paint(&painter, QRect(x, y + 4, 16, 16));
                painter.fillRect(QRect(x + 22, y, 24, 24), palette.color(QPalette::Base));
                icon.icon.paint(&painter, QRect(x + 26, y + 4, 16, 16));
                painter.fillRect(QRect(x + 48, y, 24, 24), palette.color(QPalette::Highlight));
                icon.icon.paint(&painter, QRect(x + 52, y + 4, 16, 16), Qt::AlignCenter, QIcon::Selected);
                icon.icon.paint(&painter, QRect(x + 78, y + 4, 16, 16), Qt::AlignCenter, QIcon::Disabled);
                painter.setPen(palette.color(QPalette::WindowText));
                painter.drawText(QRect(x + 102, y, CellWidth - 106, 24), Qt::AlignVCenter, icon.name);
            }
            const int bottom = Margin + rows * RowHeight + 8;
            int x = Margin;
            for (const int size : {16, 32, 64}) {
                Icons::application().paint(&painter, QRect(x, bottom, size, size));
                x += size + 12;
            }
            painter.drawText(QRect(x, bottom, 200, 64), Qt::AlignVCenter, u"application"_s);
            painter.end();
            // Each drawn cell differs from the window colour somewhere (an icon that drew
            // nothing in one of its modes leaves its 16 × 16 square blank).
            const QRgb window = palette.color(QPalette::Window).rgba();
            for (qsizetype i = 0; i < listed.size(); ++i) {
                const int cx = Margin + int(i / rows) * CellWidth;
                const int cy = Margin + int(i % rows) * RowHeight;
                for (const int left : {0, 52, 78}) {
                    bool drawn = false;
                    for (int py = (cy + 4) * scale; py < (cy + 20) * scale && !drawn; ++py) {
                        for (int px = (cx + left) * scale; px < (cx + left + 16) * scale && !drawn; ++px)
                            drawn = sheet.pixel(px, py) != window
                                    && (left != 52
                                        || sheet.pixel(px, py) != palette.color(QPalette::Highlight).rgba());
                    }
                    QVERIFY2(drawn, qPrintable(u"%1 drew nothing (%2, %3x, at %4)"_s
                                                   .arg(listed.at(i)->name, scheme.name)
                                                   .arg(scale)
                                                   .arg(left)));
                }
            }
            if (!folder.isEmpty()) {
                const QString path = QDir(folder).filePath(u"icons-%1-%2x.png"_s.arg(scheme.name).arg(scale));
                QVERIFY2(sheet.save(path), qPrintable(path));
                qInfo("Icon sheet: %s", qPrintable(QDir::toNativeSeparators(path)));
            }
        }
    }
}

QTEST_MAIN(TestIcons)
#include "tst_icons.moc"
