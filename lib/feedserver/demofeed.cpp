#include "demofeed.h"

#include "feedserver.h"
#include "logging.h"

#include <algorithm>

namespace Longwatch {

namespace {

enum class Kind { Build, Test, Deploy, Batch };

struct JobTemplate
{
    const char *feed;
    const char *name;
    Kind kind;
    int minStep; ///< progress gained per update, in percent
    int maxStep;
    int failPercent;   ///< chance that a run fails
    int cancelPercent; ///< chance that a queued run is cancelled
    bool flaky;        ///< fails on every other run, starting with the first
    int minUnits;
    int maxUnits;
};

// The flaky job comes first: it is the first one queued.
constexpr JobTemplate kTemplates[] = {
    {"tests", "e2e-tests", Kind::Test, 20, 35, 0, 0, true, 120, 180},
    {"builds", "build-linux", Kind::Build, 10, 25, 10, 5, false, 800, 1400},
    {"builds", "build-windows", Kind::Build, 8, 20, 12, 0, false, 800, 1400},
    {"builds", "build-macos", Kind::Build, 10, 25, 8, 0, false, 800, 1400},
    {"tests", "unit-tests", Kind::Test, 15, 30, 5, 0, false, 2000, 3000},
    {"tests", "ui-tests", Kind::Test, 12, 25, 10, 0, false, 200, 400},
    {"deploys", "deploy-staging", Kind::Deploy, 15, 30, 8, 10, false, 4, 8},
    {"deploys", "deploy-production", Kind::Deploy, 10, 20, 5, 25, false, 12, 24},
    {"batch", "nightly-batch", Kind::Batch, 2, 6, 5, 0, false, 200'000, 900'000},
};
constexpr int kTemplateCount = int(std::size(kTemplates));

constexpr int kMinActive = 3; ///< fewer running or queued jobs: start one
constexpr int kMaxActive = 5;

QString kindKey(Kind kind)
{
    switch (kind) {
    case Kind::Build:
        return QStringLiteral("build");
    case Kind::Test:
        return QStringLiteral("test");
    case Kind::Deploy:
        return QStringLiteral("deploy");
    case Kind::Batch:
        return QStringLiteral("batch");
    }
    return {};
}

} // namespace

DemoFeed::DemoFeed(FeedServer *server, QObject *parent)
    : QObject(parent)
    , m_server(server)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        step();
        scheduleNext();
    });
    setSeed(QRandomGenerator::global()->generate64());
}

DemoFeed::~DemoFeed() = default;

void DemoFeed::setSeed(quint64 seed)
{
    m_seed = seed;
    const quint32 words[2] = {quint32(seed >> 32), quint32(seed & 0xffffffffu)};
    m_random = QRandomGenerator(std::begin(words), std::end(words));
    m_active.clear();
    m_runs = QList<int>(kTemplateCount, 0);
    m_runBase.clear();
    for (int i = 0; i < kTemplateCount; ++i)
        m_runBase.append(bounded(100, 2000));
    m_tick = 0;
}

void DemoFeed::setInterval(std::chrono::milliseconds min, std::chrono::milliseconds max)
{
    m_minInterval = qMax(min, std::chrono::milliseconds(0));
    m_maxInterval = qMax(max, m_minInterval);
}

void DemoFeed::start()
{
    if (isRunning())
        return;
    qCInfo(lcFeedServer).noquote() << "demo jobs started with seed" << m_seed;
    m_timer.start(0);
}

void DemoFeed::stop()
{
    m_timer.stop();
}

QStringList DemoFeed::feedNames()
{
    return {QStringLiteral("builds"), QStringLiteral("tests"), QStringLiteral("deploys"),
            QStringLiteral("batch")};
}

int DemoFeed::bounded(int lowest, int highest)
{
    return lowest + int(m_random.bounded(quint32(highest - lowest + 1)));
}

void DemoFeed::scheduleNext()
{
    const int gap = bounded(int(m_minInterval.count()), int(m_maxInterval.count()));
    m_timer.start(std::chrono::milliseconds(gap));
}

void DemoFeed::step()
{
    ++m_tick;
    const int active = int(m_active.size());
    const bool wantNew = active < kMinActive || (active < kMaxActive && bounded(1, 100) <= 20);
    if (m_tick == 1 || wantNew) {
        startJob();
        return;
    }
    // Mostly the job that waited longest, so every job moves along; now and
    // then any job, so the order is not a strict round.
    auto pick = std::min_element(m_active.begin(), m_active.end(), [](const Job &a, const Job &b) {
        return a.lastTouched < b.lastTouched;
    });
    if (bounded(1, 100) <= 30)
        pick = m_active.begin() + bounded(0, active - 1);
    const auto hurried =
        std::find_if(m_active.begin(), m_active.end(), [](const Job &job) { return job.hurry; });
    if (hurried != m_active.end() && m_tick % 2 == 0)
        pick = hurried;
    advance(*pick);
    if (pick->status != Status::Queued && pick->status != Status::Running)
        m_active.erase(pick);
}

void DemoFeed::startJob()
{
    // Templates with no run under way; the first job is always the flaky one.
    QList<int> idle;
    for (int i = 0; i < kTemplateCount; ++i) {
        const bool busy = std::any_of(m_active.cbegin(), m_active.cend(),
                                      [i](const Job &job) { return job.templateIndex == i; });
        if (!busy)
            idle.append(i);
    }
    if (idle.isEmpty())
        return;
    const int index = m_tick == 1 ? 0 : idle.at(bounded(0, int(idle.size()) - 1));
    const JobTemplate &t = kTemplates[index];

    Job job;
    job.templateIndex = index;
    const int nth = m_runs[index]++;
    job.run = m_runBase[index] + nth;
    job.name = QStringLiteral("%1 #%2").arg(QLatin1String(t.name)).arg(job.run);
    job.units = bounded(t.minUnits, t.maxUnits);
    job.runner = bounded(1, 12);
    const bool fails = t.flaky ? nth % 2 == 0 : bounded(1, 100) <= t.failPercent;
    if (fails)
        job.failAt = bounded(t.flaky ? 30 : 5, t.flaky ? 60 : 95);
    job.cancel = bounded(1, 100) <= t.cancelPercent;
    job.hurry = t.flaky && nth == 0;
    job.lastTouched = m_tick;
    publish(job, QStringLiteral("job.queued"), tr("Waiting for a runner"));
    m_active.append(job);
}

void DemoFeed::advance(Job &job)
{
    const JobTemplate &t = kTemplates[job.templateIndex];
    job.lastTouched = m_tick;
    if (job.status == Status::Queued) {
        if (job.cancel) {
            job.status = Status::Cancelled;
            publish(job, QStringLiteral("job.cancelled"),
                    t.kind == Kind::Deploy ? tr("Cancelled: superseded by a newer deploy")
                                           : tr("Cancelled: superseded by a newer push"));
            return;
        }
        job.status = Status::Running;
        publish(job, QStringLiteral("job.started"), tr("Started on runner-%1").arg(job.runner));
        return;
    }
    const int next = job.progress + bounded(t.minStep, t.maxStep);
    if (job.failAt >= 0 && next >= job.failAt) {
        job.status = Status::Failed;
        job.progress = qMin(job.failAt, 99);
        publish(job, QStringLiteral("job.failed"), finalMessage(job));
    } else if (next >= 100) {
        job.status = Status::Succeeded;
        job.progress = 100;
        publish(job, QStringLiteral("job.succeeded"), finalMessage(job));
    } else {
        job.progress = next;
        publish(job, QStringLiteral("job.progress"), progressMessage(job));
    }
}

QString DemoFeed::progressMessage(const Job &job) const
{
    const int done = int(qint64(job.units) * job.progress / 100);
    switch (kTemplates[job.templateIndex].kind) {
    case Kind::Build:
        return tr("Compiling: %1 of %2 files").arg(done).arg(job.units);
    case Kind::Test:
        return tr("%1 of %2 tests passed").arg(done).arg(job.units);
    case Kind::Deploy:
        if (job.progress < 30)
            return tr("Uploading artifacts");
        return tr("Rolling out: %1 of %2 hosts updated").arg(done).arg(job.units);
    case Kind::Batch:
        return tr("Processed %L1 of %L2 records").arg(done).arg(job.units);
    }
    return {};
}

QString DemoFeed::finalMessage(const Job &job) const
{
    const bool ok = job.status == Status::Succeeded;
    const int done = int(qint64(job.units) * job.progress / 100);
    switch (kTemplates[job.templateIndex].kind) {
    case Kind::Build:
        return ok ? tr("Built %1 files").arg(job.units)
                  : tr("Compilation failed: src/engine/scheduler.cpp:%1: error: "
                       "no matching function for call")
                        .arg(40 + job.runner);
    case Kind::Test: {
        if (ok)
            return tr("All %1 tests passed").arg(job.units);
        const int failed = 1 + job.runner % 4;
        return failed == 1 ? tr("1 test failed: checkout_flow_times_out")
                           : tr("%1 tests failed (first: checkout_flow_times_out)").arg(failed);
    }
    case Kind::Deploy:
        return ok ? tr("Deployed to %1 hosts").arg(job.units)
                  : tr("Health check failed on %1 of %2 hosts; rolled back")
                        .arg(qMax(1, done))
                        .arg(job.units);
    case Kind::Batch:
        return ok ? tr("Processed all %L1 records").arg(job.units)
                  : tr("Aborted after %L1 records: upstream export is missing").arg(done);
    }
    return {};
}

void DemoFeed::publish(const Job &job, const QString &type, const QString &message)
{
    static const char *const statusKeys[] = {"queued", "running", "succeeded", "failed",
                                             "cancelled"};
    const JobTemplate &t = kTemplates[job.templateIndex];
    const QJsonObject event{
        {QStringLiteral("type"), type},
        {QStringLiteral("job"), job.name},
        {QStringLiteral("status"), QLatin1String(statusKeys[int(job.status)])},
        {QStringLiteral("progress"), job.progress},
        {QStringLiteral("message"), message},
        {QStringLiteral("kind"), kindKey(t.kind)},
        {QStringLiteral("run"), job.run},
    };
    ++m_eventCount;
    if (!m_server)
        return;
    const QString feed = QLatin1String(t.feed);
    const QJsonObject stored = m_server->publish(feed, event);
    if (!stored.isEmpty())
        Q_EMIT eventPublished(feed, stored);
}

} // namespace Longwatch
