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

/// The context of the job statuses' words and the job mapping's sentences.
class JobStatusText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::JobStatusText)
};

/// The series a job is a run of: its name without a trailing run number
/// ("build-linux #205", "build-linux#205", "build-linux-205",
/// "build-linux_205" and "build-linux 205" are runs of "build-linux"). A
/// number that is part of the name stays ("python3", "release-1.2.3",
/// "deploy 2026-12-07"); a name that is only a run number is its own series.
QString jobSeriesName(const QString &job);

/// Where a channel's events keep their job fields. Paths are JsonPath text;
/// the first job path that yields a value wins ("job", then "job_id").
struct JobMapping
{
    QStringList jobPaths{QStringLiteral("job"), QStringLiteral("job_id")};
    QString statusPath = QStringLiteral("status");
    QString progressPath = QStringLiteral("progress");

    /// Which of the paths a problem is about.
    enum class Part { JobPaths, StatusPath, ProgressPath };
    /// A sentence for each path that does not parse (and for no job path at
    /// all), with the part it is about; empty when all are usable.
    QList<std::pair<Part, QString>> problems() const;
    /// The sentences of problems().
    QStringList validate() const;

    friend bool operator==(const JobMapping &, const JobMapping &) = default;
};

/// Tells, without parsing, events that certainly name no job under a
/// mapping: the first key of each job path, in quotes, must be in the raw
/// bytes. Make one per mapping and batch: it holds those keys ready.
class JobKeyFilter
{
public:
    explicit JobKeyFilter(const JobMapping &mapping);
    /// False when `raw` certainly names no job (a byte search).
    bool mayNameAJob(const QByteArray &raw) const;

private:
    QList<QByteArray> m_needles; ///< "key", quotes included
    bool m_parseAll = false;     ///< a path starts quoted or indexed: parse to know
};

/// What one event says about one job.
struct JobUpdate
{
    QString key; ///< the job's identity within its channel
    JobStatus status = JobStatus::Unknown;
    QString statusWord;          ///< the feed's own word, for tooltips
    std::optional<int> progress; ///< 0..100 when the event carries it
    QString message;             ///< the event's text
};

/// The job an event names under `mapping` (the value of the first job path
/// that has one), or an empty string: the key extractJobUpdate() gives, by
/// the same rule, for a column that shows each event's job.
QString extractJobKey(const Event &event, const JobMapping &mapping, const JobKeyFilter &filter);

/// The job fields of an event, or nullopt if the event names no job or has
/// no JSON object to read them from.
std::optional<JobUpdate> extractJobUpdate(const Event &event, const JobMapping &mapping);
/// The same, with `filter` made from `mapping` once for many events.
std::optional<JobUpdate> extractJobUpdate(const Event &event, const JobMapping &mapping,
                                          const JobKeyFilter &filter);

} // namespace Longwatch

Q_DECLARE_METATYPE(Longwatch::JobStatus)
