#pragma once

#include <QWidget>

class QLabel;
class QListView;

namespace Longwatch {

class Channel;
class ChannelModel;

/// The channel list on the left of the window: "CHANNELS · n" above one
/// row per channel (ChannelDelegate), one selected at a time.
class ChannelList final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kMinimumWidth = 180;

    /// `model` is not owned.
    explicit ChannelList(ChannelModel *model, QWidget *parent = nullptr);

    QListView *view() const { return m_view; }
    /// The selected channel, or nullptr.
    Channel *currentChannel() const;
    /// Selects `channel` (nullptr: none).
    void selectChannel(const Channel *channel);
    /// The heading's count.
    void setCount(int count);

Q_SIGNALS:
    /// Another channel (or none) is selected.
    void currentChannelChanged(Channel *channel);
    /// A row was activated (double click, Return): edit its channel.
    void activated(Channel *channel);
    /// A context menu is wanted at `globalPos`, for `channel` (nullptr: on
    /// no row); the channel is selected already.
    void menuRequested(const QPoint &globalPos, Channel *channel);

private:
    ChannelModel *m_model;
    QLabel *m_header;
    QListView *m_view;
};

} // namespace Longwatch
