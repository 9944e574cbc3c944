#pragma once

#include <QSortFilterProxyModel>

namespace Longwatch {

/// Narrows an EventModel by free text (id, type, job, text, channel name;
/// case does not matter), by event type and by channel. Empty filters let
/// all rows through.
class EventFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit EventFilterModel(QObject *parent = nullptr);

    void setText(const QString &text);
    QString text() const { return m_text; }
    /// Exact type; empty for all types.
    void setType(const QString &type);
    QString type() const { return m_type; }
    /// A channel id; empty for all channels.
    void setChannelId(const QString &channelId);
    QString channelId() const { return m_channelId; }
    /// A text or a type is set (the channel is where the view looks, not a
    /// filter the person set on it).
    bool narrowsByTextOrType() const { return !m_text.isEmpty() || !m_type.isEmpty(); }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QString m_type;
    QString m_channelId;
};

} // namespace Longwatch
