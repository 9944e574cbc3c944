#pragma once

#include <QCoreApplication>
#include <QString>

#include <chrono>

namespace Longwatch {

/// The sentences a channel shows when a poll fails, gathered by area (as
/// KIO's job_error.cpp gathers a job's), so that their wording is read,
/// reviewed and translated in one place. The Poller decides which one
/// applies and with what; these only say it.
///
/// `target` is the server as shown (host and port, never a secret);
/// `qtError` a Qt error string with secrets masked already. A sentence ends
/// with a full stop; a detail (the line under it) does not.
class PollerMessages
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::PollerMessages)

public:
    // Setting up a request
    static QString noNetworkAccess();
    static QString headerReferenceUnset(const QString &header, const QString &variable);
    static QString basicUserReferenceUnset(const QString &variable);
    static QString basicPasswordReferenceUnset(const QString &variable);
    static QString tlsSettingsUnusable(const QString &problem);

    // Our own timers and limits
    static QString connectTimeout(const QString &target, std::chrono::milliseconds timeout);
    static QString deadline(const QString &target, std::chrono::milliseconds deadline);
    /// Said after deadline() when the request went over Qt's HTTP client,
    /// which cannot watch its connections for a dead path.
    static QString deadlineIsTheOnlyNotice();
    static QString stalled(const QString &target, std::chrono::milliseconds silence);
    static QString bodyTooLarge(const QString &target, qint64 limitBytes);
    static QString headersTooLarge(const QString &target, qint64 limitBytes);
    static QString headersUnreadable(const QString &target);
    static QString tooManyEvents(const QString &target, qsizetype events, qsizetype limit);

    // No HTTP answer, or one cut off
    static QString connectionRefused(const QString &target);
    static QString hostNotFound(const QString &target);
    static QString closedInAnswer(const QString &target);
    static QString closedBeforeAnswer(const QString &target);
    static QString noAnswerInTime(const QString &target);
    /// The kernel gave up a connection whose peer stopped acknowledging
    /// (keep-alive, TCP_USER_TIMEOUT) while a request was under way.
    static QString connectionDied(const QString &target);
    static QString notHttp(const QString &target, const QString &qtError);
    static QString couldNotTalk(const QString &target, const QString &qtError);
    static QString couldNotReach(const QString &target, const QString &qtError);
    /// "The answer from … could not be read (…)": a body that does not decode.
    static QString unreadableAnswer(const QString &target, const QString &why);

    // Details
    static QString bytesReceived(qsizetype bytes);
    static QString bodyBytesReceived(qsizetype bytes);
    static QString statusWithBytes(int status, qsizetype bytes);
    static QString status(int status);
    static QString statusWithEncoding(int status, const QByteArray &coding);
    static QString certificateNames(const QStringList &names);

    // TLS
    static QString handshakeFailed(const QString &target, const QString &qtError);
    static QString clientCertificateMissing(const QString &target, const QString &qtError);
    /// `reasons` what was wrong with the certificate; `certificate` its
    /// names, validity and fingerprint (CertificateInfo::description()).
    static QString pinnedCertificateUnusable(const QString &target, const QString &reasons,
                                             const QString &certificate);
    static QString certificateNotTrusted(const QString &target, const QString &reasons,
                                         const QString &certificate);
    static QString certificateInvalid(const QString &target, const QString &reasons,
                                      const QString &certificate);

    // Redirects (followed within the same server only)
    static QString redirectedElsewhere(const QString &target);
    static QString redirectedToPlainHttp(const QString &target, const QString &where);
    static QString redirectedTo(const QString &target, const QString &where);

    // Proxies
    static QString systemProxy();
    static QString proxyNeedsCredentials(const QString &proxy);
    static QString proxyRefusedCredentials(const QString &proxy);
    static QString proxyConnectionRefused(const QString &proxy);
    static QString proxyNotFound(const QString &proxy);
    static QString proxyTimeout(const QString &proxy);
    static QString proxyCouldNotReach(const QString &proxy, const QString &target,
                                      const QString &qtError);
};

} // namespace Longwatch
