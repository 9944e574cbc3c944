// How long a channel takes to notice a silent dead path, with the own
// client's default dead-connection limit and with Qt's client (which has
// only the request's deadline), between two network namespaces it makes
// (needs root; says so and exits otherwise). A benchmark, not a test: it
// takes about a minute and prints its figures (docs/RELIABILITY.md).
//
//   build-bench/tests/bench/bench_networkfaults

#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "networknamespace.h"
#include "poller.h"
#include "profiles.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

/// Milliseconds from the server's packets going nowhere to the channel's
/// error, or -1 if it did not come within `wait`.
qint64 timeToNotice(bool ownClient, std::chrono::seconds hold, std::chrono::milliseconds wait)
{
    TwoHosts hosts;
    QString error;
    if (!hosts.connect(&error)) {
        std::fprintf(stderr, "cannot make network namespaces: %s\n", qPrintable(error));
        return -1;
    }
    std::unique_ptr<FakeHttpServer> server;
    {
        EnterNetworkNamespace inServer(hosts.server);
        server = std::make_unique<FakeHttpServer>(QHostAddress(TwoHosts::kServerAddress));
    }
    EnterNetworkNamespace inClient(hosts.client);
    NetworkAccessManager manager;
    manager.setOwnClientEnabled(ownClient);
    QStringList errors;
    auto profile =
        createProfile(QStringLiteral("seed-events"), server->url(QStringLiteral("/poll")),
                      {{QStringLiteral("hold"), QString::number(hold.count())}}, &errors);
    Poller poller(std::move(profile), &manager);
    {
        QEventLoop started;
        QObject::connect(&poller, &Poller::stateChanged, &started, [&](Poller::State state) {
            if (state == Poller::State::Waiting || state == Poller::State::Backoff)
                started.quit();
        });
        QTimer::singleShot(10s, &started, &QEventLoop::quit);
        poller.start();
        started.exec();
    }
    if (poller.state() != Poller::State::Waiting)
        return -1;
    QElapsedTimer sinceDeath;
    sinceDeath.start();
    hosts.server.run({QStringLiteral("route"), QStringLiteral("add"), QStringLiteral("blackhole"),
                      TwoHosts::kClientAddress + QStringLiteral("/32")});
    QEventLoop failed;
    QObject::connect(&poller, &Poller::errorOccurred, &failed, &QEventLoop::quit);
    QTimer::singleShot(wait, &failed, &QEventLoop::quit);
    failed.exec();
    if (poller.state() != Poller::State::Backoff)
        return -1;
    std::printf("  %s: %s\n", ownClient ? "own client" : "Qt's client",
                qPrintable(poller.errorString()));
    return sinceDeath.elapsed();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const auto hold = 55s;
    std::printf(
        "Silent dead path just after the request of a %lld-s held poll (deadline = hold + 10 s):\n",
        qlonglong(hold.count()));
    const qint64 own = timeToNotice(true, hold, 90s);
    const qint64 qt = timeToNotice(false, hold, 90s);
    std::printf("| client | noticed after |\n|---|---|\n");
    std::printf("| own (http/1.1, https), dead-connection limit %lld s | %.1f s |\n",
                qlonglong(kDefaultDeadConnectionLimit.count()), double(own) / 1000.0);
    std::printf("| Qt's (HTTP/2, proxies): the deadline alone | %.1f s |\n", double(qt) / 1000.0);
    return own < 0 || qt < 0 ? 1 : 0;
}
