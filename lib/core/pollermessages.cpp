#include "pollermessages.h"

#include <QLocale>

using namespace std::chrono;

namespace Longwatch {

namespace {

double seconds(milliseconds duration)
{
    return duration_cast<std::chrono::duration<double>>(duration).count();
}

QString dataSize(qint64 bytes)
{
    return QLocale::system().formattedDataSize(bytes);
}

} // namespace

// ---------------------------------------------------------------- setting up

QString PollerMessages::noNetworkAccess()
{
    return tr("The channel has no network access.");
}

QString PollerMessages::headerReferenceUnset(const QString &header, const QString &variable)
{
    return tr("The header %1 refers to the environment variable %2, which is not set.")
        .arg(header, variable);
}

QString PollerMessages::basicUserReferenceUnset(const QString &variable)
{
    return tr("The user name for basic authentication refers to the environment variable %1, "
              "which is not set.")
        .arg(variable);
}

QString PollerMessages::basicPasswordReferenceUnset(const QString &variable)
{
    return tr("The password for basic authentication refers to the environment variable %1, "
              "which is not set.")
        .arg(variable);
}

QString PollerMessages::tlsSettingsUnusable(const QString &problem)
{
    return tr("The channel's TLS settings cannot be used: %1").arg(problem);
}

// ---------------------------------------------------------------- timers and limits

QString PollerMessages::connectTimeout(const QString &target, milliseconds timeout)
{
    return tr("Could not connect to %1 within %2 s.").arg(target).arg(seconds(timeout));
}

QString PollerMessages::deadline(const QString &target, milliseconds deadline)
{
    return tr("%1 did not finish answering within %2 s (hold time plus margin).")
        .arg(target)
        .arg(seconds(deadline));
}

QString PollerMessages::deadlineIsTheOnlyNotice()
{
    return tr("This channel goes through Qt's HTTP client (HTTP/2 or a proxy), which notices a "
              "connection whose network path died only at this deadline.");
}

QString PollerMessages::stalled(const QString &target, milliseconds silence)
{
    return tr("%1 stopped sending in the middle of an answer (silent for %2 s).")
        .arg(target)
        .arg(seconds(silence));
}

QString PollerMessages::bodyTooLarge(const QString &target, qint64 limitBytes)
{
    return tr("The answer from %1 is larger than this channel's limit of %2; it was cut off.")
        .arg(target, dataSize(limitBytes));
}

QString PollerMessages::headersTooLarge(const QString &target, qint64 limitBytes)
{
    return tr("The response headers from %1 are larger than this channel's limit of %2; the "
              "answer was abandoned.")
        .arg(target, dataSize(limitBytes));
}

QString PollerMessages::headersUnreadable(const QString &target)
{
    return tr("The response headers from %1 could not be read (more than 100 header fields, "
              "or a header line too long); the answer was abandoned.")
        .arg(target);
}

QString PollerMessages::tooManyEvents(const QString &target, qsizetype events, qsizetype limit)
{
    return tr("The answer from %1 carried %2 events, more than this channel's limit of %3 in "
              "one answer; none were taken.")
        .arg(target)
        .arg(events)
        .arg(limit);
}

// ---------------------------------------------------------------- transport

QString PollerMessages::connectionRefused(const QString &target)
{
    return tr("Could not connect to %1: connection refused.").arg(target);
}

QString PollerMessages::hostNotFound(const QString &target)
{
    return tr("Could not find the server %1 (host not found).").arg(target);
}

QString PollerMessages::closedInAnswer(const QString &target)
{
    return tr("%1 closed the connection in the middle of an answer.").arg(target);
}

QString PollerMessages::closedBeforeAnswer(const QString &target)
{
    return tr("%1 closed the connection before answering.").arg(target);
}

QString PollerMessages::noAnswerInTime(const QString &target)
{
    return tr("%1 did not answer in time.").arg(target);
}

QString PollerMessages::connectionDied(const QString &target)
{
    return tr("The connection to %1 died: nothing came back from it, not even an "
              "acknowledgement, so the network path to it is probably gone.")
        .arg(target);
}

QString PollerMessages::notHttp(const QString &target, const QString &qtError)
{
    return tr("%1 sent an answer that is not valid HTTP: %2.").arg(target, qtError);
}

QString PollerMessages::couldNotTalk(const QString &target, const QString &qtError)
{
    return tr("Could not talk to %1: %2.").arg(target, qtError);
}

QString PollerMessages::couldNotReach(const QString &target, const QString &qtError)
{
    return tr("Could not reach %1: %2.").arg(target, qtError);
}

QString PollerMessages::unreadableAnswer(const QString &target, const QString &why)
{
    return tr("The answer from %1 could not be read (%2).").arg(target, why);
}

// ---------------------------------------------------------------- details

QString PollerMessages::bytesReceived(qsizetype bytes)
{
    return tr("%n byte(s) received", nullptr, int(bytes));
}

QString PollerMessages::bodyBytesReceived(qsizetype bytes)
{
    return tr("%n byte(s) of body received", nullptr, int(bytes));
}

QString PollerMessages::statusWithBytes(int status, qsizetype bytes)
{
    return tr("HTTP %1, %n byte(s) received", nullptr, int(bytes)).arg(status);
}

QString PollerMessages::status(int status)
{
    return tr("HTTP %1").arg(status);
}

QString PollerMessages::statusWithEncoding(int status, const QByteArray &coding)
{
    return tr("HTTP %1, Content-Encoding: %2").arg(status).arg(QString::fromLatin1(coding));
}

QString PollerMessages::certificateNames(const QStringList &names)
{
    return tr("Names in the certificate: %1").arg(names.join(QStringLiteral(", ")));
}

// ---------------------------------------------------------------- TLS

QString PollerMessages::handshakeFailed(const QString &target, const QString &qtError)
{
    return tr("Could not set up a secure connection with %1: %2.").arg(target, qtError);
}

QString PollerMessages::clientCertificateMissing(const QString &target, const QString &qtError)
{
    return tr("%1 asks for a client certificate, and this channel has none: %2.")
        .arg(target, qtError);
}

QString PollerMessages::pinnedCertificateUnusable(const QString &target, const QString &reasons,
                                                  const QString &certificate)
{
    return tr("The certificate of %1 is pinned for this channel, but it cannot be used: %2. %3")
        .arg(target, reasons, certificate);
}

QString PollerMessages::certificateNotTrusted(const QString &target, const QString &reasons,
                                              const QString &certificate)
{
    return tr("The certificate of %1 is not trusted: %2. %3 Trust this certificate for this "
              "channel only if you know that fingerprint to be the server's.")
        .arg(target, reasons, certificate);
}

QString PollerMessages::certificateInvalid(const QString &target, const QString &reasons,
                                           const QString &certificate)
{
    return tr("The certificate of %1 is not valid: %2. %3").arg(target, reasons, certificate);
}

// ---------------------------------------------------------------- redirects

QString PollerMessages::redirectedElsewhere(const QString &target)
{
    return tr("%1 redirected the channel to another server; Longwatch follows redirects only "
              "within the same server.")
        .arg(target);
}

QString PollerMessages::redirectedToPlainHttp(const QString &target, const QString &where)
{
    return tr("%1 redirected the channel from https to the unencrypted address %2; Longwatch "
              "does not follow that, so that nothing is sent in the clear.")
        .arg(target, where);
}

QString PollerMessages::redirectedTo(const QString &target, const QString &where)
{
    return tr("%1 redirected the channel to another server, %2; Longwatch follows redirects "
              "only within the same server (scheme, host and port), so that credentials never "
              "go elsewhere. If that is the feed's new address, change the channel's URL.")
        .arg(target, where);
}

// ---------------------------------------------------------------- proxies

QString PollerMessages::systemProxy()
{
    return tr("the system's proxy");
}

QString PollerMessages::proxyNeedsCredentials(const QString &proxy)
{
    return tr("The proxy (%1) needs a user name and password; enter them in the channel's "
              "connection settings.")
        .arg(proxy);
}

QString PollerMessages::proxyRefusedCredentials(const QString &proxy)
{
    return tr("The proxy (%1) did not accept the stored user name and password.").arg(proxy);
}

QString PollerMessages::proxyConnectionRefused(const QString &proxy)
{
    return tr("Could not connect to the proxy (%1): connection refused.").arg(proxy);
}

QString PollerMessages::proxyNotFound(const QString &proxy)
{
    return tr("Could not find the proxy (%1): host not found.").arg(proxy);
}

QString PollerMessages::proxyTimeout(const QString &proxy)
{
    return tr("The proxy (%1) did not answer in time.").arg(proxy);
}

QString PollerMessages::proxyCouldNotReach(const QString &proxy, const QString &target,
                                           const QString &qtError)
{
    return tr("The proxy (%1) could not reach %2: %3.").arg(proxy, target, qtError);
}

} // namespace Longwatch
