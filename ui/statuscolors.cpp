#include "statuscolors.h"

#include <QPalette>

namespace Longwatch::StatusColors {

namespace {

struct Pair
{
    QColor light; ///< on a light window
    QColor dark;  ///< on a dark window
};

QColor pick(const Pair &pair, const QPalette &palette)
{
    return isDark(palette) ? pair.dark : pair.light;
}

const Pair kGreen{QColor(0x1e, 0x8e, 0x3e), QColor(0x4c, 0xc3, 0x6a)};
const Pair kBlue{QColor(0x1a, 0x6f, 0xd1), QColor(0x5a, 0xa6, 0xf5)};
const Pair kAmber{QColor(0xc2, 0x7c, 0x00), QColor(0xf0, 0xb4, 0x3c)};
const Pair kRed{QColor(0xc8, 0x28, 0x28), QColor(0xf2, 0x6b, 0x6b)};
const Pair kGrey{QColor(0x80, 0x80, 0x80), QColor(0x9a, 0x9a, 0x9a)};
const Pair kViolet{QColor(0x7b, 0x4f, 0xc4), QColor(0xae, 0x8c, 0xf0)};

} // namespace

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() <
           palette.color(QPalette::WindowText).lightness();
}

QColor forChannelState(Poller::State state, const QPalette &palette)
{
    switch (state) {
    case Poller::State::Live:
        return pick(kGreen, palette);
    case Poller::State::Connecting:
    case Poller::State::Waiting:
        return pick(kBlue, palette);
    case Poller::State::Backoff:
        return pick(kAmber, palette);
    case Poller::State::Failed:
        return pick(kRed, palette);
    case Poller::State::Idle:
    case Poller::State::Stopped:
        return pick(kGrey, palette);
    }
    return pick(kGrey, palette);
}

QColor forJobStatus(JobStatus status, const QPalette &palette)
{
    switch (status) {
    case JobStatus::Queued:
        return pick(kViolet, palette);
    case JobStatus::Running:
        return pick(kBlue, palette);
    case JobStatus::Succeeded:
        return pick(kGreen, palette);
    case JobStatus::Failed:
        return pick(kRed, palette);
    case JobStatus::Cancelled:
    case JobStatus::Unknown:
        return pick(kGrey, palette);
    }
    return pick(kGrey, palette);
}

QColor wash(const QColor &color, const QPalette &palette)
{
    QColor c = color;
    c.setAlpha(isDark(palette) ? 56 : 34);
    return c;
}

QPalette dimmedText(QPalette palette)
{
    for (const auto group : {QPalette::Active, QPalette::Inactive}) {
        QColor dim = palette.color(group, QPalette::WindowText);
        dim.setAlphaF(0.65);
        palette.setColor(group, QPalette::WindowText, dim);
    }
    return palette;
}

} // namespace Longwatch::StatusColors
