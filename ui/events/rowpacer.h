#pragma once

#include "eventmodel.h"

#include <QObject>
#include <QTimer>

namespace Longwatch {

/// Paces batches of events into the event table by frames. While a frame
/// (16 ms) has had few rows, each batch goes in at once: a trickle (~1,000
/// events a second) is shown without delay. Past that, batches wait for the
/// frame's end and go in together, one insertion for the proxy and the view
/// to digest instead of one per channel and answer; and after a flood frame
/// (~4,000 a second) the next one lasts 100 ms, so painting (~10 ms a
/// frame, with the text shaped anew) cannot take the GUI thread from the
/// events.
class RowPacer final : public QObject
{
    Q_OBJECT
public:
    /// Rows of a frame that go in as they come.
    static constexpr qsizetype kTrickleRowsPerFrame = 16;
    /// More rows than this in one frame is a flood.
    static constexpr qsizetype kFloodRowsPerFrame = 64;

    /// `model` is not owned; it outlives the pacer.
    explicit RowPacer(EventModel *model, QObject *parent = nullptr);

    /// Hands a batch to the model now or at the frame's end.
    void add(EventModel::Batch batch);

private:
    void flush();

    EventModel *m_model;
    QList<EventModel::Batch> m_pending; ///< batches waiting for the next frame
    QTimer m_frame;                     ///< the current frame
    qsizetype m_frameRows = 0;          ///< rows that went in during it
};

} // namespace Longwatch
