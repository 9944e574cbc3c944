#include "channelbanner.h"

#include "channelmodel.h"
#include "icons.h"
#include "statuscolors.h"

#include <QAbstractItemModel>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace Longwatch {

namespace {

bool needsAttention(Poller::State state)
{
    return state == Poller::State::Failed || state == Poller::State::Backoff;
}

QLabel *textLabel(const QString &objectName)
{
    auto *label = new QLabel;
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

ChannelBanner::ChannelBanner(QAbstractItemModel *model, QWidget *parent)
    : QFrame(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("channelBanner"));
    setAccessibleName(tr("Channel problem"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);

    m_icon = new QLabel;
    m_icon->setFixedSize(20, 20);
    m_headline = textLabel(QStringLiteral("bannerHeadline"));
    QFont bold = m_headline->font();
    bold.setBold(true);
    m_headline->setFont(bold);
    m_sentence = textLabel(QStringLiteral("bannerSentence"));
    m_detail = textLabel(QStringLiteral("bannerDetail"));
    m_retry = new QPushButton(tr("Retry Now"));
    m_retry->setObjectName(QStringLiteral("bannerRetry"));
    m_retry->setToolTip(tr("Try the channel again now, without waiting"));
    m_edit = new QPushButton(tr("Edit…"));
    m_edit->setObjectName(QStringLiteral("bannerEdit"));
    m_edit->setToolTip(tr("Change the channel's address, authentication or other settings"));
    connect(m_retry, &QPushButton::clicked, this, &ChannelBanner::retryRequested);
    connect(m_edit, &QPushButton::clicked, this, &ChannelBanner::editRequested);

    auto *texts = new QVBoxLayout;
    texts->setSpacing(2);
    texts->addWidget(m_headline);
    texts->addWidget(m_sentence);
    texts->addWidget(m_detail);
    auto *buttons = new QVBoxLayout;
    buttons->setSpacing(4);
    buttons->addWidget(m_retry);
    buttons->addWidget(m_edit);
    buttons->addStretch(1);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 8, 8, 8);
    layout->setSpacing(10);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addLayout(texts, 1);
    layout->addLayout(buttons);

    if (model) {
        connect(model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                    if (m_index.isValid() && m_index.row() >= topLeft.row() &&
                        m_index.row() <= bottomRight.row())
                        refresh();
                });
        connect(model, &QAbstractItemModel::rowsRemoved, this, &ChannelBanner::refresh);
        connect(model, &QAbstractItemModel::modelReset, this, &ChannelBanner::refresh);
    }
    hide();
}

void ChannelBanner::setCurrentIndex(const QModelIndex &index)
{
    m_index = index;
    refresh();
}

QString ChannelBanner::headline() const
{
    return m_headline->text();
}

QString ChannelBanner::sentence() const
{
    return m_sentence->text();
}

QString ChannelBanner::detail() const
{
    return m_detail->text();
}

void ChannelBanner::refresh()
{
    const QModelIndex index = m_index;
    const auto state = index.isValid() ? index.data(ChannelModel::StateRole).value<Poller::State>()
                                       : Poller::State::Idle;
    if (!index.isValid() || !needsAttention(state)) {
        hide();
        return;
    }
    applyColours(state);
    m_headline->setText(tr("%1: %2").arg(index.data(Qt::DisplayRole).toString(),
                                         index.data(ChannelModel::HeadlineRole).toString()));
    const QString reason = index.data(ChannelModel::ReasonRole).toString();
    m_sentence->setText(reason);
    m_sentence->setVisible(!reason.isEmpty());
    QStringList detail;
    if (const QString raw = index.data(ChannelModel::ErrorDetailRole).toString(); !raw.isEmpty())
        detail << raw;
    detail << index.data(ChannelModel::UrlRole).toString();
    m_detail->setText(detail.join(QStringLiteral(" · ")));
    show();
}

void ChannelBanner::applyColours(Poller::State state)
{
    if (m_coloured == state)
        return;
    m_coloured = state;
    QPalette palette = parentWidget() ? parentWidget()->palette() : QPalette();
    const QColor color = StatusColors::forChannelState(state, palette);
    palette.setColor(QPalette::Window, StatusColors::wash(color, palette));
    setPalette(palette);
    m_icon->setPixmap(Icons::tinted(state == Poller::State::Failed ? QStringLiteral("error")
                                                                   : QStringLiteral("warning"),
                                    color)
                          .pixmap(20, 20));
    m_detail->setPalette(StatusColors::dimmedText(m_detail->palette()));
}

} // namespace Longwatch
