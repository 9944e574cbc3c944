#include "rowpacer.h"

using namespace std::chrono_literals;

namespace Longwatch {

RowPacer::RowPacer(EventModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
{
    m_frame.setSingleShot(true);
    m_frame.setInterval(16ms);
    connect(&m_frame, &QTimer::timeout, this, [this] {
        // A frame ends: what waited goes in, and opens the next frame.
        m_frameRows = 0;
        if (m_pending.isEmpty())
            return;
        flush();
        m_frame.setInterval(m_frameRows > kFloodRowsPerFrame ? 100ms : 16ms);
        m_frame.start();
    });
}

void RowPacer::add(EventModel::Batch batch)
{
    const qsizetype rows = batch.events.size();
    m_pending.append(std::move(batch));
    if (!m_frame.isActive()) {
        flush();
        m_frame.setInterval(16ms);
        m_frame.start();
    } else if (m_frameRows + rows <= kTrickleRowsPerFrame) {
        flush();
    }
}

void RowPacer::flush()
{
    if (m_pending.isEmpty())
        return;
    const QList<EventModel::Batch> batches = std::exchange(m_pending, {});
    for (const EventModel::Batch &batch : batches)
        m_frameRows += batch.events.size();
    m_model->appendBatches(batches);
}

} // namespace Longwatch
