#pragma once

#include "poller.h"

#include <QFrame>
#include <QPersistentModelIndex>
#include <QPointer>

#include <optional>

class QAbstractItemModel;
class QLabel;
class QPushButton;

namespace Longwatch {

/// A strip above the events of the selected channel, shown while that
/// channel is failed or retrying: the state ("Retrying in 12 s (attempt 3)"),
/// why, in one whole sentence, the detail (HTTP status, the address without
/// secrets) and what to do about it (Retry Now, Edit…). Hidden for a
/// healthy, paused or no channel. Everything comes from ChannelModel's roles
/// and follows their changes.
class ChannelBanner final : public QFrame
{
    Q_OBJECT
public:
    /// `model` is a ChannelModel (or one with its roles); not owned.
    explicit ChannelBanner(QAbstractItemModel *model, QWidget *parent = nullptr);

    /// Shows the channel of `index` (invalid: none).
    void setCurrentIndex(const QModelIndex &index);
    QModelIndex currentIndex() const { return m_index; }

    /// What the banner says, for tests and accessibility.
    QString headline() const;
    QString sentence() const;
    QString detail() const;

Q_SIGNALS:
    /// Emitted when the person asks to try the channel again now.
    void retryRequested();
    /// Emitted when the person asks to edit the channel's settings.
    void editRequested();

private:
    void refresh();
    void applyColours(Poller::State state);

    QPointer<QAbstractItemModel> m_model;
    QPersistentModelIndex m_index;
    std::optional<Poller::State> m_coloured; ///< the state the colours were set for
    QLabel *m_icon = nullptr;
    QLabel *m_headline = nullptr;
    QLabel *m_sentence = nullptr;
    QLabel *m_detail = nullptr;
    QPushButton *m_retry = nullptr;
    QPushButton *m_edit = nullptr;
};

} // namespace Longwatch
