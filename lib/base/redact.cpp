#include "redact.h"

#include <QHash>
#include <QRegularExpression>

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

const QLatin1String kUserInfoPlace("userinfo");
const QLatin1String kBotPlace("bot/");
const QLatin1String kQueryPlace("query/");

// A query parameter's name as a place writes it: fully percent-encoded,
// so it never holds the "/" that separates the occurrence.
QString placeName(const QString &encodedKey)
{
    return QString::fromLatin1(
        QUrl::toPercentEncoding(QUrl::fromPercentEncoding(encodedKey.toUtf8())));
}

// The items of a query as written ("a=1", "token", ...), in order.
QStringList queryItems(const QUrl &url)
{
    return url.query(QUrl::FullyEncoded).split(QLatin1Char('&'));
}

QString itemKey(const QString &item)
{
    return item.section(QLatin1Char('='), 0, 0);
}

// Where the value of a query item starts (after its first "="), or -1
// for an item without "=".
qsizetype valueStart(const QString &item)
{
    const qsizetype equals = item.indexOf(QLatin1Char('='));
    return equals < 0 ? -1 : equals + 1;
}

bool isSecretItem(const QString &item)
{
    const QString key = itemKey(item);
    return !key.isEmpty() && isSecretName(QUrl::fromPercentEncoding(key.toUtf8()));
}

// Visits the secret query items of `items`: (index, place, value).
template<typename Visit> void forEachSecretItem(const QStringList &items, Visit visit)
{
    QHash<QString, int> seen;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString &item = items.at(i);
        if (!isSecretItem(item))
            continue;
        const QString name = placeName(itemKey(item));
        const int occurrence = ++seen[name];
        QString place = kQueryPlace + name;
        if (occurrence > 1)
            place += QLatin1Char('/') + QString::number(occurrence);
        const qsizetype start = valueStart(item);
        if (visit(i, place, start < 0 ? QString() : item.mid(start)))
            return;
    }
}

// A "bot<token>" segment; also "bot" (a token taken out) and "bot***" (one
// masked by redactedUrl()), so those places are found again.
bool isBotSegment(const QString &encoded)
{
    const QString segment = QUrl::fromPercentEncoding(encoded.toUtf8());
    return segment == QLatin1String("bot") || segment == QLatin1String("bot") + kMask ||
           botTokenSegment().match(segment).hasMatch();
}

} // namespace

QList<UrlSecret> urlSecrets(const QUrl &url)
{
    QList<UrlSecret> secrets;
    if (!url.isValid() || url.isEmpty())
        return secrets;
    secrets.append({kUserInfoPlace, url.userInfo(QUrl::FullyEncoded)});
    // Segment by segment as sent, so an encoded '/' stays inside its segment.
    const QStringList segments = url.path(QUrl::FullyEncoded).split(QLatin1Char('/'));
    for (qsizetype i = 0; i < segments.size(); ++i) {
        if (isBotSegment(segments.at(i)))
            secrets.append({kBotPlace + QString::number(i), segments.at(i).mid(3)});
    }
    if (url.hasQuery()) {
        forEachSecretItem(queryItems(url),
                          [&secrets](qsizetype, const QString &place, const QString &value) {
                              secrets.append({place, value});
                              return false;
                          });
    }
    return secrets;
}

bool setUrlSecret(QUrl *url, const QString &place, const QString &value)
{
    if (!url->isValid() || url->isEmpty())
        return false;
    if (place == kUserInfoPlace) {
        url->setUserInfo(value, QUrl::TolerantMode);
        return true;
    }
    if (place.startsWith(kBotPlace)) {
        bool ok = false;
        const int index = place.mid(kBotPlace.size()).toInt(&ok);
        QStringList segments = url->path(QUrl::FullyEncoded).split(QLatin1Char('/'));
        if (!ok || index < 0 || index >= segments.size() || !isBotSegment(segments.at(index)))
            return false;
        segments[index] = QStringLiteral("bot") + value;
        url->setPath(segments.join(QLatin1Char('/')), QUrl::TolerantMode);
        return true;
    }
    if (!place.startsWith(kQueryPlace) || !url->hasQuery())
        return false;
    QStringList items = queryItems(*url);
    bool found = false;
    forEachSecretItem(items, [&](qsizetype index, const QString &itemPlace, const QString &) {
        if (itemPlace != place)
            return false;
        QString &item = items[index];
        const QString key = itemKey(item);
        // "token" without "=" stays so when it is emptied.
        item = value.isEmpty() && valueStart(item) < 0 ? key : key + QLatin1Char('=') + value;
        found = true;
        return true;
    });
    if (found)
        url->setQuery(items.join(QLatin1Char('&')), QUrl::TolerantMode);
    return found;
}

QUrl withoutUrlSecrets(const QUrl &url)
{
    QUrl rest = url;
    for (const UrlSecret &secret : urlSecrets(url)) {
        if (!secret.value.isEmpty())
            setUrlSecret(&rest, secret.place, QString());
    }
    return rest;
}

QString redactedUrl(const QUrl &url)
{
    if (!url.isValid())
        return QStringLiteral("(invalid URL)");
    QUrl shown = url;
    for (const UrlSecret &secret : urlSecrets(url)) {
        if (!secret.value.isEmpty())
            setUrlSecret(&shown, secret.place, secret.place == kUserInfoPlace ? QString() : kMask);
    }
    shown.setFragment(QString());
    QString text = shown.toDisplayString();
    // QUrl may re-encode '*' in some positions; show the mask as written.
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
    for (const UrlSecret &secret : urlSecrets(url)) {
        if (secret.value.isEmpty())
            continue;
        if (secret.place == kUserInfoPlace) {
            if (!url.password().isEmpty())
                secrets << url.password() << url.password(QUrl::FullyEncoded);
            else if (!url.userName().isEmpty())
                secrets << url.userName(); // a bare user part is often a token
            continue;
        }
        const QString decoded = QUrl::fromPercentEncoding(secret.value.toUtf8());
        secrets << decoded;
        if (decoded != secret.value)
            secrets << secret.value;
    }
    return secrets;
}

} // namespace Longwatch
