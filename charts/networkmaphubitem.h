// NetworkMapHubItem: the shared database at the centre of the network map.
#pragma once

#include "jobstatistics.h"
#include "nodelinks.h"
#include "noderegistry.h"

#include <QCoreApplication>
#include <QGraphicsItem>
#include <QPainterPath>
#include <QPen>
#include <QPolygonF>
#include <QStaticText>

#include <optional>
#include <utility>

namespace Cohort {

// The shared database in the middle of the map: a cylinder with "Database", the label the
// view was given (the redacted URL) and how many nodes are online.
class NetworkMapHubItem : public QGraphicsItem
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NetworkMapHubItem)

public:
    enum { Type = UserType + 0x4e33 };

    explicit NetworkMapHubItem(QGraphicsItem *parent = nullptr);

    static QSizeF itemSize();

    void setLabel(const QString &label);
    void setCounts(int online, int total);
    QString label() const { return m_label; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QString m_label;
    QStringList m_labelLines; // one or two, elided
    QString m_countText;
    int m_online = -1;
    int m_total = -1;
};

} // namespace Cohort
