#include "symboliciconengine.h"

#include "resourceslogging.h"

#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QList>
#include <QPainter>
#include <QPalette>
#include <QPoint>
#include <QSvgRenderer>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr auto CurrentColor = "currentColor";
// Enough for every size and mode a view asks of one icon; past it the cache starts over.
constexpr qsizetype MaxCachedPixmaps = 32;

// A disabled coloured icon: its own grey, at half its opacity.
void greyOut(QImage &image)
{
    image.convertTo(QImage::Format_ARGB32);
    for (int y = 0; y < image.height(); ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < image.width(); ++x) {
            const int grey = qGray(line[x]);
            line[x] = qRgba(grey, grey, grey, qAlpha(line[x]) / 2);
        }
    }
}

// The icon's silhouette: what it covers, with what it encloses (the glyph cut out of a
// status disc, the inside of a ring) filled in. Opaque where covered.
QImage silhouette(const QImage &image)
{
    const int width = image.width();
    const int height = image.height();
    const auto covered = [&](int x, int y) { return qAlpha(image.pixel(x, y)) >= 128; };
    // Flood the outside from the border; whatever it does not reach is enclosed.
    QList<bool> outside(qsizetype(width) * height, false);
    QList<QPoint> pending;
    for (int x = 0; x < width; ++x)
        pending << QPoint(x, 0) << QPoint(x, height - 1);
    for (int y = 0; y < height; ++y)
        pending << QPoint(0, y) << QPoint(width - 1, y);
    while (!pending.isEmpty()) {
        const QPoint p = pending.takeLast();
        if (p.x() < 0 || p.y() < 0 || p.x() >= width || p.y() >= height)
            continue;
        const qsizetype at = qsizetype(p.y()) * width + p.x();
        if (outside.at(at) || covered(p.x(), p.y()))
            continue;
        outside[at] = true;
        pending << QPoint(p.x() + 1, p.y()) << QPoint(p.x() - 1, p.y()) << QPoint(p.x(), p.y() + 1)
                << QPoint(p.x(), p.y() - 1);
    }
    QImage result = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            if (!outside.at(qsizetype(y) * width + x))
                result.setPixel(x, y, qRgba(0, 0, 0, 255));
        }
    }
    return result;
}

// A selected coloured icon, on the highlight whose colour may be its own (a blue Info on
// a blue selection): on a halo of the highlighted text's colour, one device-independent
// pixel wide, which also fills what the icon encloses, so its glyph shows in that colour.
void addHalo(QImage &image, QColor color, qreal scale)
{
    const QImage shape = silhouette(image);
    QImage result(image.size(), QImage::Format_ARGB32_Premultiplied);
    result.fill(Qt::transparent);
    QPainter painter(&result);
    const int radius = qMax(1, qRound(scale));
    for (int dy = -radius; dy <= radius; ++dy) {
        for (int dx = -radius; dx <= radius; ++dx) {
            if (dx * dx + dy * dy <= radius * radius + radius)
                painter.drawImage(dx, dy, shape);
        }
    }
    painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
    painter.fillRect(result.rect(), color);
    painter.setCompositionMode(QPainter::CompositionMode_SourceOver);
    painter.drawImage(0, 0, image);
    painter.end();
    image = std::move(result);
}

} // namespace

SymbolicIconEngine::SymbolicIconEngine(const QString &fileName)
    : m_fileName(fileName)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        qCWarning(lcResources) << "cannot read the icon" << fileName << file.errorString();
        return;
    }
    m_svg = file.readAll();
    m_symbolic = m_svg.contains(CurrentColor);
}

QColor SymbolicIconEngine::symbolColor(QIcon::Mode mode)
{
    const QPalette palette = QGuiApplication::palette();
    switch (mode) {
    case QIcon::Disabled:
        return palette.color(QPalette::Disabled, QPalette::WindowText);
    case QIcon::Selected:
        return palette.color(QPalette::Active, QPalette::HighlightedText);
    case QIcon::Normal:
    case QIcon::Active:
        break;
    }
    return palette.color(QPalette::Active, QPalette::WindowText);
}

void SymbolicIconEngine::paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State state)
{
    const qreal scale = painter->device() ? painter->device()->devicePixelRatio() : 1.0;
    // The icon is square: centred in rect when rect is not.
    const QSize logical = actualSize(rect.size(), mode, state);
    const QPixmap drawn =
        render(QSize(qRound(logical.width() * scale), qRound(logical.height() * scale)), scale, mode);
    if (drawn.isNull())
        return;
    const QRect target(rect.x() + (rect.width() - logical.width()) / 2,
                       rect.y() + (rect.height() - logical.height()) / 2, logical.width(), logical.height());
    painter->drawPixmap(target, drawn);
}

QSize SymbolicIconEngine::actualSize(const QSize &size, QIcon::Mode, QIcon::State)
{
    // Every icon of the set is square, and scales to any size.
    const int side = qMin(size.width(), size.height());
    return side > 0 ? QSize(side, side) : QSize();
}

QPixmap SymbolicIconEngine::pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state)
{
    return render(actualSize(size, mode, state), 1.0, mode);
}

QPixmap SymbolicIconEngine::scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State state, qreal scale)
{
    // QIcon::pixmap(size, scale) asks for size x scale device pixels (Qt 6.4): a pixmap that
    // many pixels wide, drawn for that scale.
    return render(actualSize(size, mode, state), scale, mode);
}

QString SymbolicIconEngine::key() const
{
    return u"CohortSymbolicIconEngine"_s;
}

QIconEngine *SymbolicIconEngine::clone() const
{
    return new SymbolicIconEngine(*this);
}

QString SymbolicIconEngine::iconName()
{
    return QFileInfo(m_fileName).completeBaseName();
}

bool SymbolicIconEngine::isNull()
{
    return m_svg.isEmpty();
}

QPixmap SymbolicIconEngine::render(const QSize &physical, qreal scale, QIcon::Mode mode)
{
    if (m_svg.isEmpty() || physical.isEmpty() || !(scale > 0))
        return {};

    // A symbolic icon is drawn in the palette's colour for its mode, a selected coloured
    // one on a halo of it: either way the pixmap depends on it.
    const bool usesColor = m_symbolic || mode == QIcon::Selected;
    const QColor color = usesColor ? symbolColor(mode) : QColor();
    const CacheKey key{physical, scale, mode, usesColor ? color.rgba() : QRgb(0)};
    if (const auto cached = m_cache.constFind(key); cached != m_cache.cend())
        return *cached;

    QByteArray svg = m_svg;
    if (m_symbolic)
        svg.replace(CurrentColor, color.name(QColor::HexRgb).toLatin1());
    QSvgRenderer renderer(svg);
    if (!renderer.isValid()) {
        qCWarning(lcResources) << "the icon" << m_fileName << "is not a valid SVG";
        return {};
    }

    QImage image(physical, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        if (m_symbolic && color.alpha() < 255)
            painter.setOpacity(color.alphaF());
        renderer.render(&painter, QRectF(QPointF(0, 0), QSizeF(physical)));
    }
    if (!m_symbolic && mode == QIcon::Disabled)
        greyOut(image);
    else if (!m_symbolic && mode == QIcon::Selected)
        addHalo(image, color, scale);

    QPixmap pixmap = QPixmap::fromImage(std::move(image));
    pixmap.setDevicePixelRatio(scale);
    if (m_cache.size() >= MaxCachedPixmaps)
        m_cache.clear();
    m_cache.insert(key, pixmap);
    return pixmap;
}

} // namespace Cohort
