#pragma once

#include <QStyledItemDelegate>

namespace Longwatch {

/// Paints JobModel's status as a rounded badge in the status colour, with
/// the status icon, from JobModel::StatusRole.
class JobStatusDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit JobStatusDelegate(QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

/// Paints JobModel::ProgressRole as a progress bar (nothing if unknown),
/// in the job's status colour.
class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ProgressDelegate(QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace Longwatch
