#include "redact.h"

#include <QRegularExpression>
#include <QUrlQuery>

namespace Longwatch {

namespace {

const QString kMask = QStringLiteral("***");

bool isSecretName(QStringView name)
{
    static const QStringList words = {
        QStringLiteral("token"),  QStringLiteral("key"),       QStringLiteral("password"),
        QStringLiteral("passwd"), QStringLiteral("secret"),    QStringLiteral("signature"),
        QStringLiteral("sig"),    QStringLiteral("auth"),      QStringLiteral("session"),
        QStringLiteral("cookie"), QStringLiteral("credential")};
    const QString lower = name.toString().toLower();
    for (const QString &w : words) {
        if (lower.contains(w))
            return true;
    }
    return false;
}

const QRegularExpression &botTokenSegment()
{
    // Telegram bot tokens: "bot" + digits + ":" + 30-odd url-safe characters.
    // Whatever follows "bot<digits>:" in the segment counts, even characters
    // a real token never has (an encoded '/'): better masked than shown.
    static const QRegularExpression re(QStringLiteral("^bot\\d+:.+$"),
                                       QRegularExpression::DotMatchesEverythingOption);
    return re;
}

} // namespace

QString redactedUrl(const QUrl &url)
{
    if (!url.isValid())
        return QStringLiteral("(invalid URL)");
    QUrl shown = url;
    shown.setUserInfo(QString());
    shown.setFragment(QString());

    QStringList segments = shown.path(QUrl::FullyEncoded).split(QLatin1Char('/'));
    for (QString &segment : segments) {
        if (botTokenSegment().match(QUrl::fromPercentEncoding(segment.toUtf8())).hasMatch())
            segment = QStringLiteral("bot") + kMask;
    }
    shown.setPath(segments.join(QLatin1Char('/')), QUrl::TolerantMode);

    if (shown.hasQuery()) {
        QUrlQuery query(shown);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto &item : items) {
            if (isSecretName(item.first))
                item.second = kMask;
        }
        query.setQueryItems(items);
        shown.setQuery(query);
    }
    QString text = shown.toDisplayString();
    // QUrl re-encodes '*' in some positions; show the mask as written.
    return text.replace(QStringLiteral("%2A%2A%2A"), kMask);
}

bool isSecretHeader(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    if (lower == "authorization" || lower == "proxy-authorization" || lower == "cookie")
        return true;
    return isSecretName(QString::fromLatin1(lower));
}

QString redactedText(QString text, const QStringList &secrets)
{
    for (const QString &secret : secrets) {
        if (secret.size() >= 4)
            text.replace(secret, kMask);
    }
    return text;
}

QStringList secretsInUrl(const QUrl &url)
{
    QStringList secrets;
    if (!url.password().isEmpty())
        secrets << url.password() << url.password(QUrl::FullyEncoded);
    if (!url.userName().isEmpty() && url.password().isEmpty())
        secrets << url.userName(); // a bare user part is often a token
    // Segment by segment as sent, so an encoded '/' stays inside its segment.
    for (const QString &encoded : url.path(QUrl::FullyEncoded).split(QLatin1Char('/'))) {
        const QString segment = QUrl::fromPercentEncoding(encoded.toUtf8());
        if (botTokenSegment().match(segment).hasMatch())
            secrets << segment.mid(3) << encoded.mid(3);
    }
    const QUrlQuery query(url);
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        if (isSecretName(item.first) && !item.second.isEmpty())
            secrets << item.second;
    }
    return secrets;
}

} // namespace Longwatch
