#include "icons.h"

#include "statuscolors.h"

#include <QFile>
#include <QHash>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QSvgRenderer>

namespace Longwatch::Icons {

namespace {

// Sizes toolbars, menus, item views and the tray ask for; QIcon scales
// from the nearest for anything else.
constexpr int kSizes[] = {16, 20, 22, 24, 32, 48, 64};

QByteArray svgSource(const QString &name)
{
    QFile file(QStringLiteral(":/icons/%1.svg").arg(name));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QPixmap render(QSvgRenderer &renderer, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    renderer.render(&painter, QRectF(0, 0, size, size));
    return pixmap;
}

void addColoured(QIcon &icon, const QByteArray &source, const QColor &color, QIcon::Mode mode)
{
    QByteArray svg = source;
    svg.replace("currentColor", color.name(QColor::HexRgb).toLatin1());
    QSvgRenderer renderer(svg);
    if (!renderer.isValid())
        return;
    for (const int size : kSizes)
        icon.addPixmap(render(renderer, size), mode);
}

} // namespace

QIcon tinted(const QString &name, const QColor &color)
{
    static QHash<QString, QIcon> cache;
    const QString key = name + color.name(QColor::HexArgb);
    if (const auto it = cache.constFind(key); it != cache.constEnd())
        return *it;
    QIcon icon;
    addColoured(icon, svgSource(name), color, QIcon::Normal);
    cache.insert(key, icon);
    return icon;
}

QIcon themed(const QString &name, const QPalette &palette)
{
    const QColor normal = palette.color(QPalette::Active, QPalette::WindowText);
    const QColor disabled = palette.color(QPalette::Disabled, QPalette::WindowText);
    static QHash<QString, QIcon> cache;
    const QString key = name + normal.name() + disabled.name();
    if (const auto it = cache.constFind(key); it != cache.constEnd())
        return *it;
    const QByteArray source = svgSource(name);
    QIcon icon;
    addColoured(icon, source, normal, QIcon::Normal);
    addColoured(icon, source, disabled, QIcon::Disabled);
    cache.insert(key, icon);
    return icon;
}

QIcon jobStatus(JobStatus status, const QPalette &palette)
{
    return tinted(QStringLiteral("job-") + jobStatusKey(status),
                  StatusColors::forJobStatus(status, palette));
}

QIcon dot(const QColor &color)
{
    QIcon icon;
    for (const int size : kSizes) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        const qreal margin = size * 0.2;
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        icon.addPixmap(pixmap);
    }
    return icon;
}

QIcon application(const QColor &badge)
{
    QSvgRenderer renderer(svgSource(QStringLiteral("longwatch")));
    QIcon icon;
    if (!renderer.isValid())
        return icon;
    for (const int size : {16, 22, 24, 32, 48, 64, 128}) {
        QPixmap pixmap = render(renderer, size);
        if (badge.isValid()) {
            // Paint over the logo's own dot: the tray shows health there.
            QPainter painter(&pixmap);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setPen(QPen(Qt::white, std::max(1.0, size / 32.0)));
            painter.setBrush(badge);
            const qreal r = size * 0.2;
            painter.drawEllipse(QPointF(size * 100.0 / 128.0, size * 32.0 / 128.0), r, r);
        }
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace Longwatch::Icons
