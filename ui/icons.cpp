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

QIcon application(const QColor &badge, const QString &emblem)
{
    QSvgRenderer renderer(svgSource(QStringLiteral("longwatch")));
    QIcon icon;
    if (!renderer.isValid())
        return icon;
    QSvgRenderer emblemRenderer;
    if (!emblem.isEmpty()) {
        // Drawn in the logo's own dark blue, which reads on the white disc.
        emblemRenderer.load(svgSource(emblem).replace("currentColor", "#1b3f8f"));
    }
    for (const int size : {16, 22, 24, 32, 48, 64, 128}) {
        QPixmap pixmap = render(renderer, size);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        if (badge.isValid()) {
            // Paint over the logo's own dot: the tray shows health there.
            painter.setPen(QPen(Qt::white, std::max(1.0, size / 32.0)));
            painter.setBrush(badge);
            const qreal r = size * 0.2;
            painter.drawEllipse(QPointF(size * 100.0 / 128.0, size * 32.0 / 128.0), r, r);
        }
        if (emblemRenderer.isValid()) {
            // Big enough to be told apart at tray sizes; it covers the
            // start of the logo's pulse line, which stays recognisable.
            const qreal d = size * 0.58;
            const QRectF disc(0, size - d, d, d);
            painter.setPen(QPen(QColor(0x1b, 0x3f, 0x8f), std::max(1.0, size / 32.0)));
            painter.setBrush(Qt::white);
            painter.drawEllipse(disc.adjusted(0.5, 0.5, -0.5, -0.5));
            const qreal inset = d * 0.2;
            emblemRenderer.render(&painter, disc.adjusted(inset, inset, -inset, -inset));
        }
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace Longwatch::Icons
