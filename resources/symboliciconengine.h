// The icon engine behind every icon of the set: one SVG of resources/icons, drawn by
// QSvgRenderer at the size asked for times the device pixel ratio, so that a 2x pixmap
// is drawn at 2x (with that device pixel ratio set), never scaled up from 1x.
//
// A symbolic icon is drawn in currentColor only; each time it is drawn currentColor
// stands for the application palette's colour for the icon's mode (WindowText; Disabled
// WindowText when disabled; HighlightedText when selected), so the icon follows a light
// or a dark palette and a change of palette. A coloured icon (a status, the application
// icon) keeps its colours; it is drawn greyed and faded when disabled, and on a halo of
// HighlightedText when selected (a blue icon stays visible on a blue selection).
//
// Pixmaps are cached per engine by physical size, device pixel ratio, mode and colour.
#pragma once

#include <QByteArray>
#include <QColor>
#include <QHash>
#include <QIconEngine>
#include <QPixmap>
#include <QString>

namespace Cohort {

class SymbolicIconEngine : public QIconEngine
{
public:
    // fileName: an SVG, usually a resource (":/icons/NAME.svg"). A missing or unreadable
    // file gives a null icon, and a warning in cohort.resources.
    explicit SymbolicIconEngine(const QString &fileName);

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State state) override;
    QSize actualSize(const QSize &size, QIcon::Mode mode, QIcon::State state) override;
    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state) override;
    QPixmap scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State state, qreal scale) override;
    QString key() const override;
    QIconEngine *clone() const override;
    QString iconName() override;
    bool isNull() override;

    // Whether the SVG is drawn in currentColor (and so follows the palette).
    bool isSymbolic() const { return m_symbolic; }
    // What currentColor stands for in mode, from the application palette.
    static QColor symbolColor(QIcon::Mode mode);

private:
    SymbolicIconEngine(const SymbolicIconEngine &other) = default;

    struct CacheKey
    {
        QSize physicalSize;
        qreal scale = 1.0;
        QIcon::Mode mode = QIcon::Normal;
        QRgb color = 0;

        friend bool operator==(const CacheKey &, const CacheKey &) = default;
        friend size_t qHash(const CacheKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.physicalSize.width(), key.physicalSize.height(), key.scale,
                              int(key.mode), key.color);
        }
    };

    // The icon drawn physical device pixels wide, for a device pixel ratio of scale.
    QPixmap render(const QSize &physical, qreal scale, QIcon::Mode mode);

    QString m_fileName;
    QByteArray m_svg;
    bool m_symbolic = false;
    QHash<CacheKey, QPixmap> m_cache;
};

} // namespace Cohort
