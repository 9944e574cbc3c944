#include "connectiontest.h"

#include "logging.h"

#include <QMetaObject>
#include <QNetworkAccessManager>

namespace Longwatch {

ConnectionTest::ConnectionTest(QNetworkAccessManager *manager, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
{}

ConnectionTest::~ConnectionTest()
{
    if (m_poller) {
        const QSignalBlocker blocker(m_poller);
        m_poller->stop();
    }
}

bool ConnectionTest::start(const ChannelConfig &config)
{
    if (m_running)
        return false;
    m_running = true;
    m_outcome = Outcome::None;
    m_events.clear();
    m_cursor.clear();
    m_errorString.clear();
    m_errorDetail.clear();
    m_tlsFailure = {};
    m_preparations = 0;
    m_elapsed = std::chrono::milliseconds(0);
    m_clock.start();

    QStringList errors;
    std::unique_ptr<FeedProfile> profile = config.createProfile(&errors);
    if (!profile || !m_manager) {
        m_errorString =
            errors.isEmpty() ? tr("There is no network access.") : errors.join(QLatin1Char(' '));
        // Queued, so the caller sees finished() after start() returned,
        // the same as for a real poll.
        QMetaObject::invokeMethod(
            this, [this] { finish(Outcome::Failed); }, Qt::QueuedConnection);
        return true;
    }
    m_poller = new Poller(std::move(profile), m_manager, this);
    m_poller->setName(config.name.isEmpty() ? tr("test") : config.name);
    m_poller->setSettings(config.pollerSettings());
    connect(m_poller, &Poller::stateChanged, this, &ConnectionTest::stateChanged);
    connect(m_poller, &Poller::batchReceived, this,
            [this](const EventList &events, const QString &cursor) {
                m_events = events;
                m_cursor = cursor;
                finish(Outcome::Events);
            });
    connect(m_poller, &Poller::responseReceived, this, &ConnectionTest::onResponse);
    connect(m_poller, &Poller::errorOccurred, this, [this] {
        m_errorString = m_poller->errorString();
        m_errorDetail = m_poller->errorDetail();
        m_tlsFailure = m_poller->tlsFailure();
        m_cursor = m_poller->cursor();
        finish(Outcome::Failed);
    });
    m_poller->start();
    return true;
}

void ConnectionTest::onResponse()
{
    // An answer that only prepared the feed (a queue registered, bootstrap
    // values read) says nothing of the feed yet: the Poller goes on to its
    // first poll at once, and that answer decides (twice at the most, so a
    // profile that keeps preparing cannot keep the test going).
    if (const FeedProfile *profile = m_poller->profile();
        profile && profile->lastAnswerOnlyPrepared() && ++m_preparations <= 2)
        return;
    // The Poller says "response received" before it hands over the batch
    // (if any); stop it polling again, and decide once it is done talking.
    const QSignalBlocker blocker(m_poller);
    m_poller->stop();
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_running) {
                m_cursor = m_poller ? m_poller->cursor() : QString();
                finish(Outcome::NoNews);
            }
        },
        Qt::QueuedConnection);
}

void ConnectionTest::cancel()
{
    if (m_running)
        finish(Outcome::Cancelled);
}

void ConnectionTest::finish(Outcome outcome)
{
    if (!m_running)
        return;
    m_running = false;
    m_outcome = outcome;
    m_elapsed = std::chrono::milliseconds(m_clock.elapsed());
    if (m_poller) {
        Poller *poller = std::exchange(m_poller, nullptr);
        disconnect(poller, nullptr, this, nullptr);
        {
            const QSignalBlocker blocker(poller);
            poller->stop();
        }
        poller->deleteLater();
    }
    qCDebug(lcPoller) << "connection test finished:" << outcome;
    Q_EMIT finished(outcome);
}

} // namespace Longwatch
