#include "jobstatus.h"

#include "jsonpath.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cmath>

namespace Longwatch {

namespace {

/// The event's JSON object, or an undefined value when `filter` tells that
/// the event names no job or the event is not an object.
QJsonValue jobObject(const Event &event, const JobKeyFilter &filter)
{
    if (!filter.mayNameAJob(event.raw))
        return QJsonValue(QJsonValue::Undefined);
    const QJsonDocument document = QJsonDocument::fromJson(event.raw);
    if (!document.isObject())
        return QJsonValue(QJsonValue::Undefined);
    return document.object();
}

/// The value of the first job path that has one, as text.
QString jobKeyIn(const QJsonValue &root, const JobMapping &mapping)
{
    for (const QString &text : mapping.jobPaths) {
        const JsonPath path = JsonPath::parse(text);
        if (!path.isValid() || path.isRoot())
            continue;
        const QJsonValue value = path.resolve(root);
        if (!value.isUndefined() && !value.isNull()) {
            QString key = jsonScalarText(value);
            if (!key.isEmpty())
                return key;
        }
    }
    return {};
}

} // namespace

QString jobStatusKey(JobStatus status)
{
    switch (status) {
    case JobStatus::Unknown:
        return QStringLiteral("unknown");
    case JobStatus::Queued:
        return QStringLiteral("queued");
    case JobStatus::Running:
        return QStringLiteral("running");
    case JobStatus::Succeeded:
        return QStringLiteral("succeeded");
    case JobStatus::Failed:
        return QStringLiteral("failed");
    case JobStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

QString jobStatusText(JobStatus status)
{
    switch (status) {
    case JobStatus::Unknown:
        return JobStatusText::tr("Unknown");
    case JobStatus::Queued:
        return JobStatusText::tr("Queued");
    case JobStatus::Running:
        return JobStatusText::tr("Running");
    case JobStatus::Succeeded:
        return JobStatusText::tr("Succeeded");
    case JobStatus::Failed:
        return JobStatusText::tr("Failed");
    case JobStatus::Cancelled:
        return JobStatusText::tr("Cancelled");
    }
    return {};
}

JobStatus normaliseJobStatus(const QString &word)
{
    // CI systems, schedulers and queues all say the same five things in
    // their own words (GitHub "in_progress"/"success", GitLab "canceled",
    // Jenkins "ABORTED", Celery "STARTED"/"FAILURE"...).
    static const QList<std::pair<JobStatus, QStringList>> words = {
        {JobStatus::Queued,
         {QStringLiteral("queued"), QStringLiteral("pending"), QStringLiteral("waiting"),
          QStringLiteral("scheduled"), QStringLiteral("created"), QStringLiteral("new"),
          QStringLiteral("received"), QStringLiteral("submitted")}},
        {JobStatus::Running,
         {QStringLiteral("running"), QStringLiteral("inprogress"), QStringLiteral("started"),
          QStringLiteral("active"), QStringLiteral("processing"), QStringLiteral("building"),
          QStringLiteral("executing"), QStringLiteral("progress"), QStringLiteral("retrying")}},
        {JobStatus::Succeeded,
         {QStringLiteral("succeeded"), QStringLiteral("success"), QStringLiteral("successful"),
          QStringLiteral("ok"), QStringLiteral("done"), QStringLiteral("completed"),
          QStringLiteral("complete"), QStringLiteral("passed"), QStringLiteral("finished")}},
        {JobStatus::Failed,
         {QStringLiteral("failed"), QStringLiteral("failure"), QStringLiteral("error"),
          QStringLiteral("errored"), QStringLiteral("broken"), QStringLiteral("crashed"),
          QStringLiteral("timeout"), QStringLiteral("timedout")}},
        {JobStatus::Cancelled,
         {QStringLiteral("cancelled"), QStringLiteral("canceled"), QStringLiteral("aborted"),
          QStringLiteral("skipped"), QStringLiteral("stopped"), QStringLiteral("revoked")}},
    };
    QString folded;
    folded.reserve(word.size());
    for (const QChar c : word) {
        if (c.isLetterOrNumber())
            folded.append(c.toLower());
    }
    for (const auto &[status, list] : words) {
        if (list.contains(folded))
            return status;
    }
    return JobStatus::Unknown;
}

bool isFinalJobStatus(JobStatus status)
{
    return status == JobStatus::Succeeded || status == JobStatus::Failed ||
           status == JobStatus::Cancelled;
}

QList<std::pair<JobMapping::Part, QString>> JobMapping::problems() const
{
    QList<std::pair<Part, QString>> problems;
    const auto check = [&](Part part, const QString &what, const QString &path) {
        QString error;
        if (!JsonPath::parse(path, &error).isValid())
            problems.append(
                {part,
                 JobStatusText::tr("The %1 path '%2' is not valid: %3").arg(what, path, error)});
    };
    if (jobPaths.isEmpty())
        problems.append(
            {Part::JobPaths, JobStatusText::tr("Name at least one field that identifies a job.")});
    for (const QString &path : jobPaths)
        check(Part::JobPaths, JobStatusText::tr("job"), path);
    if (!statusPath.isEmpty())
        check(Part::StatusPath, JobStatusText::tr("status"), statusPath);
    if (!progressPath.isEmpty())
        check(Part::ProgressPath, JobStatusText::tr("progress"), progressPath);
    return problems;
}

QStringList JobMapping::validate() const
{
    QStringList sentences;
    for (const auto &[part, sentence] : problems())
        sentences << sentence;
    return sentences;
}

// The first key of each job path, in quotes, must be in the bytes. Most
// events of most feeds are not about jobs, and parsing their JSON again only
// to find that out was the largest cost of the job board.
JobKeyFilter::JobKeyFilter(const JobMapping &mapping)
{
    for (const QString &path : mapping.jobPaths) {
        qsizetype end = 0;
        while (end < path.size() && path.at(end) != u'.' && path.at(end) != u'[')
            ++end;
        if (end == 0) {
            m_parseAll = true;
            return;
        }
        m_needles.append('"' + path.left(end).toUtf8() + '"');
    }
}

bool JobKeyFilter::mayNameAJob(const QByteArray &raw) const
{
    if (m_parseAll || raw.contains("\\u"))
        return true; // a key may be written with escapes
    for (const QByteArray &needle : m_needles) {
        if (raw.contains(needle))
            return true;
    }
    return false;
}

std::optional<JobUpdate> extractJobUpdate(const Event &event, const JobMapping &mapping)
{
    return extractJobUpdate(event, mapping, JobKeyFilter(mapping));
}

QString extractJobKey(const Event &event, const JobMapping &mapping, const JobKeyFilter &filter)
{
    const QJsonValue root = jobObject(event, filter);
    return root.isObject() ? jobKeyIn(root, mapping) : QString();
}

std::optional<JobUpdate> extractJobUpdate(const Event &event, const JobMapping &mapping,
                                          const JobKeyFilter &filter)
{
    const QJsonValue root = jobObject(event, filter);
    if (!root.isObject())
        return std::nullopt;

    JobUpdate update;
    update.key = jobKeyIn(root, mapping);
    if (update.key.isEmpty())
        return std::nullopt;

    if (!mapping.statusPath.isEmpty()) {
        const JsonPath path = JsonPath::parse(mapping.statusPath);
        if (path.isValid()) {
            update.statusWord = jsonScalarText(path.resolve(root));
            update.status = normaliseJobStatus(update.statusWord);
        }
    }
    if (!mapping.progressPath.isEmpty()) {
        const JsonPath path = JsonPath::parse(mapping.progressPath);
        const QJsonValue value = path.isValid() ? path.resolve(root) : QJsonValue();
        bool ok = value.isDouble();
        double progress = value.toDouble();
        if (value.isString())
            progress = value.toString().trimmed().remove(QLatin1Char('%')).toDouble(&ok);
        if (ok && std::isfinite(progress))
            update.progress = std::clamp(int(std::lround(progress)), 0, 100);
    }
    update.message = event.text;
    return update;
}

QString jobSeriesName(const QString &job)
{
    // "#205" at the end, or "-205", "_205", " 205" right after a letter
    // (so that "release-1.2.3" and "deploy 2026-12-07" stay whole).
    static const QRegularExpression trailingRun(
        QStringLiteral("^(.*\\S)(?:\\s*#\\d+|(?<=\\p{L})[-_ ]\\d+)$"));
    const QRegularExpressionMatch match = trailingRun.match(job.trimmed());
    return match.hasMatch() ? match.captured(1) : job.trimmed();
}

} // namespace Longwatch
