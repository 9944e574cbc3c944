#pragma once

#include "event.h"

#include <QCoreApplication>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace Longwatch {

/// The five words a job's status is normalised to, whatever the feed says
/// ("success", "errored", "in_progress", ...). Unknown keeps the raw word.
enum class JobStatus { Unknown, Queued, Running, Succeeded, Failed, Cancelled };

/// "queued", "running", ...: the normalised word, as stored and exported.
QString jobStatusKey(JobStatus status);
/// "Queued", "Running", ...: the word a person reads.
QString jobStatusText(JobStatus status);
/// Maps a feed's status word to one of the five; case and separators
/// ("in-progress", "In Progress", "in_progress") do not matter.
JobStatus normaliseJobStatus(const QString &word);
/// Succeeded, failed or cancelled: nothing more should happen to the job.
bool isFinalJobStatus(JobStatus status);

/// Where a channel's events keep their job fields. Paths are JsonPath text;
/// the first job path that yields a value wins ("job", then "job_id").
struct JobMapping
{
    QStringList jobPaths{QStringLiteral("job"), QStringLiteral("job_id")};
    QString statusPath = QStringLiteral("status");
    QString progressPath = QStringLiteral("progress");

    /// Sentences for paths that do not parse; empty when all are usable.
    QStringList validate() const;

    friend bool operator==(const JobMapping &, const JobMapping &) = default;
};

/// False when the event's raw JSON certainly names no job under `mapping`
/// (cheap: a byte search, no parse); extractJobUpdate() checks it first.
bool mayNameAJob(const QByteArray &raw, const JobMapping &mapping);

/// What one event says about one job.
struct JobUpdate
{
    QString key; ///< the job's identity within its channel
    JobStatus status = JobStatus::Unknown;
    QString statusWord;          ///< the feed's own word, for tooltips
    std::optional<int> progress; ///< 0..100 when the event carries it
    QString message;             ///< the event's text
};

/// The job fields of an event, or nullopt if the event names no job or has
/// no JSON object to read them from.
std::optional<JobUpdate> extractJobUpdate(const Event &event, const JobMapping &mapping);

} // namespace Longwatch

Q_DECLARE_METATYPE(Longwatch::JobStatus)
