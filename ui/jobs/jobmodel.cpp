#include "jobmodel.h"

#include "icons.h"
#include "statuscolors.h"

#include <QFont>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

namespace Longwatch {

namespace {

// Sorting the Status column ascending puts what needs attention first.
int severity(JobStatus status)
{
    switch (status) {
    case JobStatus::Failed:
        return 0;
    case JobStatus::Running:
        return 1;
    case JobStatus::Queued:
        return 2;
    case JobStatus::Unknown:
        return 3;
    case JobStatus::Cancelled:
        return 4;
    case JobStatus::Succeeded:
        return 5;
    }
    return 6;
}

QString timeText(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    if (local.date() == QDate::currentDate())
        return local.toString(QStringLiteral("HH:mm:ss"));
    return QLocale().toString(local, QLocale::ShortFormat);
}

} // namespace

JobModel::JobModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    m_ticker.setInterval(std::chrono::seconds(1));
    connect(&m_ticker, &QTimer::timeout, this, &JobModel::tick);
    m_ticker.start();
}

JobModel::~JobModel() = default;

void JobModel::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

void JobModel::setTickInterval(std::chrono::milliseconds interval)
{
    m_ticker.setInterval(interval);
}

void JobModel::setMaxJobs(int jobs)
{
    m_maxJobs = std::max(1, jobs);
    const int excess = int(m_jobs.size()) - m_maxJobs;
    if (excess > 0) {
        beginRemoveRows({}, 0, excess - 1);
        m_jobs.remove(0, excess);
        rebuildIndex();
        endRemoveRows();
        Q_EMIT countsChanged();
    }
}

QString JobModel::rowKey(const QString &channelId, const QString &job)
{
    return channelId + QChar(0x1f) + job;
}

void JobModel::rebuildIndex()
{
    m_rowOf.clear();
    m_rowOf.reserve(m_jobs.size());
    for (int i = 0; i < m_jobs.size(); ++i)
        m_rowOf.insert(rowKey(m_jobs.at(i).channelId, m_jobs.at(i).key), i);
}

void JobModel::tick()
{
    // Only running jobs' durations move with the clock.
    int first = -1;
    int last = -1;
    for (int i = 0; i < m_jobs.size(); ++i) {
        if (m_jobs.at(i).status == JobStatus::Running) {
            if (first < 0)
                first = i;
            last = i;
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, DurationColumn), index(last, DurationColumn));
}

void JobModel::replayBatch(const QString &channelId, const QString &channelName,
                           const JobMapping &mapping, const EventList &events)
{
    m_replaying = true;
    applyBatch(channelId, channelName, mapping, events);
    m_replaying = false;
}

void JobModel::applyBatch(const QString &channelId, const QString &channelName,
                          const JobMapping &mapping, const EventList &events)
{
    struct Change
    {
        QString job;
        JobStatus previous;
        JobStatus current;
        QString message;
        QDateTime eventTime;
    };
    QList<Job> added;
    QHash<QString, qsizetype> addedAt; // rowKey -> index in `added`
    QList<Change> changes;
    int firstUpdated = -1;
    int lastUpdated = -1;
    const QDateTime now = m_clock();

    const JobKeyFilter filter(mapping);
    for (const Event &event : events) {
        const std::optional<JobUpdate> update = extractJobUpdate(event, mapping, filter);
        if (!update)
            continue;
        const QDateTime when =
            event.time.isValid()
                ? event.time
                : (event.receivedUsecs > 0
                       ? QDateTime::fromMSecsSinceEpoch(event.receivedUsecs / 1000, Qt::UTC)
                       : now);
        const QString key = rowKey(channelId, update->key);
        Job *job = nullptr;
        // History read back after live events came: the live state is newer.
        if (m_replaying && m_rowOf.contains(key))
            continue;
        if (const auto row = m_rowOf.constFind(key); row != m_rowOf.constEnd()) {
            job = &m_jobs[*row];
            firstUpdated = firstUpdated < 0 ? *row : std::min(firstUpdated, *row);
            lastUpdated = std::max(lastUpdated, *row);
        } else if (const auto at = addedAt.constFind(key); at != addedAt.constEnd()) {
            job = &added[*at];
        } else {
            addedAt.insert(key, added.size());
            added.append(Job{channelId,
                             channelName,
                             update->key,
                             JobStatus::Unknown,
                             {},
                             {},
                             {},
                             when,
                             {},
                             when,
                             {}});
            job = &added.last();
        }

        const JobStatus previous = job->status;
        // An event without a status word keeps the last known status.
        if (update->status != JobStatus::Unknown || !update->statusWord.isEmpty()) {
            job->status = update->status;
            job->statusWord = update->statusWord;
        }
        if (update->progress)
            job->progress = update->progress;
        else if (job->status == JobStatus::Succeeded)
            job->progress = 100;
        if (!update->message.isEmpty())
            job->message = update->message;
        job->updated = when;
        if (!job->started.isValid() && job->status != JobStatus::Queued &&
            job->status != JobStatus::Unknown)
            job->started = when;
        if (isFinalJobStatus(job->status)) {
            if (!isFinalJobStatus(previous) || previous != job->status)
                job->finished = when;
        } else {
            job->finished = {};
        }
        if (job->status != previous)
            changes.append({update->key, previous, job->status, job->message, event.time});
    }

    if (firstUpdated >= 0)
        Q_EMIT dataChanged(index(firstUpdated, 0), index(lastUpdated, ColumnCount - 1));

    if (!added.isEmpty()) {
        // Make room first, so the board never holds more than the cap.
        const qsizetype keep = std::min<qsizetype>(added.size(), m_maxJobs);
        const int excess = int(m_jobs.size() + keep) - m_maxJobs;
        if (excess > 0) {
            beginRemoveRows({}, 0, std::min(excess, int(m_jobs.size())) - 1);
            m_jobs.remove(0, std::min(excess, int(m_jobs.size())));
            rebuildIndex();
            endRemoveRows();
        }
        const int start = int(m_jobs.size());
        beginInsertRows({}, start, start + int(keep) - 1);
        for (qsizetype i = added.size() - keep; i < added.size(); ++i) {
            m_rowOf.insert(rowKey(channelId, added.at(i).key), int(m_jobs.size()));
            m_jobs.append(added.at(i));
        }
        endInsertRows();
    }

    if (!m_replaying) {
        for (const Change &change : std::as_const(changes))
            Q_EMIT jobStatusChanged(channelId, channelName, change.job, change.previous,
                                    change.current, change.message, change.eventTime);
    }
    if (!changes.isEmpty() || !added.isEmpty())
        Q_EMIT countsChanged();
}

void JobModel::renameChannel(const QString &channelId, const QString &name)
{
    for (int i = 0; i < m_jobs.size(); ++i) {
        Job &job = m_jobs[i];
        if (job.channelId == channelId && job.channelName != name) {
            job.channelName = name;
            Q_EMIT dataChanged(index(i, ChannelColumn), index(i, ChannelColumn));
        }
    }
}

void JobModel::removeChannel(const QString &channelId)
{
    // Remove contiguous runs from the end, so earlier row numbers stay valid.
    for (int last = int(m_jobs.size()) - 1; last >= 0;) {
        if (m_jobs.at(last).channelId != channelId) {
            --last;
            continue;
        }
        int first = last;
        while (first > 0 && m_jobs.at(first - 1).channelId == channelId)
            --first;
        beginRemoveRows({}, first, last);
        m_jobs.remove(first, last - first + 1);
        endRemoveRows();
        last = first - 1;
    }
    rebuildIndex();
    Q_EMIT countsChanged();
}

void JobModel::clear()
{
    if (m_jobs.isEmpty())
        return;
    beginResetModel();
    m_jobs.clear();
    m_rowOf.clear();
    endResetModel();
    Q_EMIT countsChanged();
}

int JobModel::failedCount() const
{
    return countWithStatus(JobStatus::Failed);
}

int JobModel::countWithStatus(JobStatus status) const
{
    return int(std::count_if(m_jobs.cbegin(), m_jobs.cend(),
                             [status](const Job &job) { return job.status == status; }));
}

int JobModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

std::optional<qint64> JobModel::durationMs(const Job &job) const
{
    if (!job.started.isValid())
        return std::nullopt;
    const QDateTime end = job.finished.isValid()             ? job.finished
                          : job.status == JobStatus::Running ? m_clock()
                                                             : job.updated;
    return std::max<qint64>(0, job.started.msecsTo(end));
}

QString JobModel::durationText(qint64 msecs)
{
    const qint64 seconds = msecs / 1000;
    if (seconds < 60)
        return tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return tr("%1 h %2 min")
        .arg(seconds / 3600)
        .arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString JobModel::roughDurationText(qint64 msecs)
{
    const qint64 seconds = (msecs + 500) / 1000;
    if (seconds < 60)
        return tr("%1 s").arg(seconds);
    const qint64 minutes = (seconds + 30) / 60;
    if (minutes < 60)
        return tr("%1 min").arg(minutes);
    if (minutes % 60 == 0)
        return tr("%1 h").arg(minutes / 60);
    return tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
}

QString JobModel::durationWithUsualText(std::optional<qint64> msecs,
                                        std::optional<qint64> usualMsecs, bool running)
{
    QStringList parts;
    if (msecs)
        parts << durationText(*msecs);
    if (usualMsecs) {
        parts << tr("usually %1").arg(roughDurationText(*usualMsecs));
        if (running && msecs) {
            const qint64 left = *usualMsecs - *msecs;
            parts << (left > 0 ? tr("about %1 left").arg(roughDurationText(left))
                               : tr("longer than usual"));
        }
    }
    return parts.join(QStringLiteral(" · "));
}

void JobModel::setSeriesHistory(const JobSeriesHistory &history)
{
    m_history = history;
    if (!m_jobs.isEmpty())
        Q_EMIT dataChanged(index(0, DurationColumn), index(rowCount() - 1, DurationColumn));
}

std::optional<qint64> JobModel::usualMs(const Job &job) const
{
    if (m_history.isEmpty())
        return std::nullopt;
    const std::optional<qint64> usecs = m_history.usualDurationUsecs(job.channelId, job.key);
    return usecs ? std::optional<qint64>(*usecs / 1000) : std::nullopt;
}

QVariant JobModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job &job = m_jobs.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case JobColumn:
            return job.key;
        case StatusColumn:
            return job.status == JobStatus::Unknown && !job.statusWord.isEmpty()
                       ? job.statusWord
                       : jobStatusText(job.status);
        case ProgressColumn:
            return job.progress ? tr("%1 %").arg(*job.progress) : QString();
        case StartedColumn:
            return timeText(job.started);
        case UpdatedColumn:
            return timeText(job.updated);
        case DurationColumn:
            return durationWithUsualText(durationMs(job), usualMs(job),
                                         job.status == JobStatus::Running);
        case ChannelColumn:
            return job.channelName;
        }
        return {};
    case Qt::ToolTipRole: {
        QString tip = tr("%1 — %2").arg(job.key, jobStatusText(job.status));
        if (!job.statusWord.isEmpty() &&
            job.statusWord.compare(jobStatusKey(job.status), Qt::CaseInsensitive) != 0)
            tip += tr(" (the feed says \"%1\")").arg(job.statusWord);
        if (!job.message.isEmpty())
            tip += QLatin1Char('\n') + job.message;
        return tip;
    }
    case Qt::DecorationRole:
        if (column == StatusColumn)
            return Icons::jobStatus(job.status, QGuiApplication::palette());
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn)
            return StatusColors::forJobStatus(job.status, QGuiApplication::palette());
        return {};
    case Qt::BackgroundRole:
        // Failed jobs stand out in the whole row, whatever the sort.
        if (job.status == JobStatus::Failed) {
            const QPalette palette = QGuiApplication::palette();
            return StatusColors::wash(StatusColors::forJobStatus(JobStatus::Failed, palette),
                                      palette);
        }
        return {};
    case Qt::FontRole:
        if (column == JobColumn && job.status == JobStatus::Failed) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case StatusRole:
        return QVariant::fromValue(job.status);
    case StatusKeyRole:
        return jobStatusKey(job.status);
    case ProgressRole:
        return job.progress ? QVariant(*job.progress) : QVariant();
    case ChannelIdRole:
        return job.channelId;
    case MessageRole:
        return job.message;
    case SortRole:
        switch (column) {
        case JobColumn:
            return job.key;
        case StatusColumn:
            return severity(job.status);
        case ProgressColumn:
            return job.progress.value_or(-1);
        case StartedColumn:
            return job.started.isValid() ? job.started.toMSecsSinceEpoch() : qint64(0);
        case UpdatedColumn:
            return job.updated.toMSecsSinceEpoch();
        case DurationColumn:
            return durationMs(job).value_or(-1);
        case ChannelColumn:
            return job.channelName;
        }
        return {};
    default:
        return {};
    }
}

QVariant JobModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case JobColumn:
        return tr("Job");
    case StatusColumn:
        return tr("Status");
    case ProgressColumn:
        return tr("Progress");
    case StartedColumn:
        return tr("Started");
    case UpdatedColumn:
        return tr("Last update");
    case DurationColumn:
        return tr("Duration");
    case ChannelColumn:
        return tr("Channel");
    }
    return {};
}

} // namespace Longwatch
