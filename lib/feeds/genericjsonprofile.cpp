#include "genericjsonprofile.h"

#include "jsontext.h"
#include "profiles/sseprofile.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrlQuery>
#include <QVarLengthArray>

#include <cmath>

namespace Longwatch {

namespace {

/// Whether `text` is only of RFC 3986's unreserved characters (letters,
/// digits, "-", ".", "_", "~"), which percent-encoding leaves as they are.
bool isUnreserved(QStringView text)
{
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
              u == '-' || u == '.' || u == '_' || u == '~'))
            return false;
    }
    return true;
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("missing");
}

inline char16_t unit(QChar c)
{
    return c.unicode();
}

inline char16_t unit(char c)
{
    return uchar(c);
}

/// `count` decimal digits of `text` from `from` as a number, or -1.
template<typename Text> int digitsAt(Text text, qsizetype from, qsizetype count)
{
    int value = 0;
    for (qsizetype i = from; i < from + count; ++i) {
        const char16_t c = unit(text[i]);
        if (c < u'0' || c > u'9')
            return -1;
        value = value * 10 + (c - u'0');
    }
    return value;
}

/// Days from 1970-01-01 to a valid date of the proleptic Gregorian
/// calendar with a positive year (H. Hinnant's days_from_civil), as
/// QDate::toJulianDay() - 2440588 gives them, without QDate's calendar
/// machinery (half the instructions).
qint64 daysSinceEpoch(int year, int month, int day)
{
    year -= month <= 2 ? 1 : 0;
    const int era = year / 400; // year >= 0 here
    const int yearOfEra = year - era * 400;
    const int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097LL + dayOfEra - 719468;
}

/// Whether year-month-day is a date QDate takes: it knows no year 0.
bool isValidDate(int year, int month, int day)
{
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year == 0 || month < 1 || month > 12 || day < 1)
        return false;
    const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

/// The common case of event times, "2026-11-22T10:00:00.123Z" (UTC, with
/// or without a fraction), read without QDateTime's general parser, which
/// costs more than the rest of the event. nullopt for anything else.
/// `Text` is QStringView, or QByteArrayView for text in UTF-8: every byte
/// is checked against ASCII, so both read the same time from the same text.
template<typename Text> std::optional<qint64> utcIsoMsecs(Text text)
{
    const qsizetype n = text.size();
    if (n < 20 || n > 30 || unit(text[n - 1]) != u'Z' || unit(text[4]) != u'-' ||
        unit(text[7]) != u'-' || (unit(text[10]) != u'T' && unit(text[10]) != u' ') ||
        unit(text[13]) != u':' || unit(text[16]) != u':')
        return std::nullopt;
    const int year = digitsAt(text, 0, 4);
    const int month = digitsAt(text, 5, 2);
    const int day = digitsAt(text, 8, 2);
    const int hour = digitsAt(text, 11, 2);
    const int minute = digitsAt(text, 14, 2);
    const int second = digitsAt(text, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
        return std::nullopt;
    int millis = 0;
    if (n > 20) {
        // ".f" to ".fffffffff": milliseconds from the first three digits.
        const qsizetype digits = n - 21;
        if (unit(text[19]) != u'.' || digits < 1 || digits > 9)
            return std::nullopt;
        int fraction = digitsAt(text, 20, digits);
        if (fraction < 0)
            return std::nullopt;
        for (qsizetype i = digits; i < 3; ++i)
            fraction *= 10;
        for (qsizetype i = 3; i < digits; ++i)
            fraction /= 10;
        millis = fraction;
    }
    if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    return daysSinceEpoch(year, month, day) * 86'400'000LL + hour * 3'600'000LL +
           minute * 60'000LL + second * 1000LL + millis;
}

QDateTime timeFromText(const QString &text)
{
    if (const std::optional<qint64> ms = utcIsoMsecs(QStringView(text)))
        return QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC);
    QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(text, Qt::RFC2822Date);
    return dt.toUTC();
}

QDateTime timeFromNumber(double d)
{
    // Seconds since the epoch, or milliseconds if it is too large for
    // seconds.
    return utcFromEpochMsecs(d > 1e11 ? d : d * 1000.0);
}

QDateTime parseTime(const QJsonValue &value)
{
    if (value.isString())
        return timeFromText(value.toString());
    if (value.isDouble())
        return timeFromNumber(value.toDouble());
    return {};
}

std::optional<qint64> asInteger(const QString &text)
{
    // The usual id, "-?[0-9]{1,18}", without QString::toLongLong's general
    // parser; anything else (signs, spaces, 19 digits) goes through it.
    const qsizetype size = text.size();
    const bool negative = size > 0 && text.front() == u'-';
    const qsizetype digits = size - (negative ? 1 : 0);
    if (digits > 0 && digits <= 18) {
        qint64 n = 0;
        bool plain = true;
        for (qsizetype i = size - digits; i < size && plain; ++i) {
            const char16_t c = text.at(i).unicode();
            plain = c >= u'0' && c <= u'9';
            n = n * 10 + (c - u'0');
        }
        if (plain)
            return negative ? -n : n;
    }
    bool ok = false;
    const qint64 n = text.toLongLong(&ok);
    return ok ? std::optional(n) : std::nullopt;
}

/// A path's keys for FastJsonScanner; nullopt if it has an array index or
/// a key that UTF-8 cannot carry unchanged.
std::optional<FastJsonScanner::Path> scannerPath(const JsonPath &path)
{
    const std::optional<QStringList> keys = path.keys();
    if (!keys)
        return std::nullopt;
    FastJsonScanner::Path result;
    for (const QString &key : *keys) {
        QByteArray utf8 = key.toUtf8();
        if (QString::fromUtf8(utf8) != key)
            return std::nullopt;
        result.append(std::move(utf8));
    }
    return result;
}

/// jsonScalarText() of what FastJsonScanner found; false where that needs
/// the value as QJsonDocument holds it (other numbers, objects, arrays).
bool scalarText(const FastJsonScanner::Value &value, QString *text)
{
    using Kind = FastJsonScanner::Value::Kind;
    switch (value.kind) {
    case Kind::Missing:
    case Kind::Null:
        *text = QString();
        return true;
    case Kind::Bool:
        *text = value.boolean ? QStringLiteral("true") : QStringLiteral("false");
        return true;
    case Kind::Integer: {
        // QString::number() without its general machinery.
        char16_t digits[24];
        char16_t *end = digits + std::size(digits);
        char16_t *p = end;
        quint64 n = value.integer < 0 ? 0 - quint64(value.integer) : quint64(value.integer);
        do {
            *--p = char16_t(u'0' + n % 10);
            n /= 10;
        } while (n != 0);
        if (value.integer < 0)
            *--p = u'-';
        *text = QString(reinterpret_cast<const QChar *>(p), end - p);
        return true;
    }
    case Kind::String:
        *text = value.string();
        return true;
    case Kind::Number:
    case Kind::Object:
    case Kind::Array:
        break;
    }
    return false;
}

/// parseTime() of what FastJsonScanner found; false if it cannot tell.
bool scannedTime(const FastJsonScanner::Value &value, QDateTime *time)
{
    using Kind = FastJsonScanner::Value::Kind;
    switch (value.kind) {
    case Kind::String:
        if (!value.escaped) {
            if (const std::optional<qint64> ms = utcIsoMsecs(value.bytes)) {
                *time = QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC);
                return true;
            }
        }
        *time = timeFromText(value.string());
        return true;
    case Kind::Integer:
        // QJsonValue::toDouble() of an integer, as parseTime() reads it.
        *time = timeFromNumber(double(value.integer));
        return true;
    case Kind::Number: {
        // QJsonDocument reads numbers with QByteArray::toDouble too.
        bool ok = false;
        const double d =
            QByteArray::fromRawData(value.bytes.data(), value.bytes.size()).toDouble(&ok);
        if (!ok)
            return false;
        *time = timeFromNumber(d);
        return true;
    }
    case Kind::Missing:
    case Kind::Null:
    case Kind::Bool:
    case Kind::Object:
    case Kind::Array:
        break;
    }
    *time = QDateTime();
    return true;
}

/// The longest pace a server's poll-interval header may set.
constexpr std::chrono::milliseconds kMaxServerInterval = std::chrono::hours(1);

/// `${bootstrap:name}`, as written in the poll URL (where QUrl may keep
/// the braces percent-encoded) and body.
const QRegularExpression &placeholderPattern()
{
    static const QRegularExpression pattern(
        QStringLiteral(R"(\$(?:\{|%7[Bb])bootstrap:([A-Za-z0-9_.-]+)(?:\}|%7[Dd]))"));
    return pattern;
}

/// The names of the placeholders in `text`.
QStringList placeholderNames(const QString &text)
{
    QStringList names;
    for (const QRegularExpressionMatch &match : placeholderPattern().globalMatch(text))
        names.append(match.captured(1));
    return names;
}

QString fillPlaceholders(const QString &text, const QHash<QString, QString> &values,
                         bool percentEncode)
{
    QString filled;
    qsizetype from = 0;
    for (const QRegularExpressionMatch &match : placeholderPattern().globalMatch(text)) {
        filled += QStringView(text).sliced(from, match.capturedStart() - from);
        const QString value = values.value(match.captured(1));
        filled += percentEncode ? QString::fromLatin1(QUrl::toPercentEncoding(value)) : value;
        from = match.capturedEnd();
    }
    filled += QStringView(text).sliced(from);
    return filled;
}

/// `url` with each placeholder replaced by its value, percent-encoded.
QUrl fillPlaceholders(const QUrl &url, const QHash<QString, QString> &values)
{
    return QUrl::fromEncoded(
        fillPlaceholders(url.toString(QUrl::FullyEncoded), values, true).toLatin1());
}

/// Every string in `value` with its placeholders replaced by their values.
QJsonValue fillPlaceholders(const QJsonValue &value, const QHash<QString, QString> &values)
{
    if (value.isString())
        return fillPlaceholders(value.toString(), values, false);
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue &element : value.toArray())
            array.append(fillPlaceholders(element, values));
        return array;
    }
    if (value.isObject()) {
        QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            it.value() = fillPlaceholders(it.value(), values);
        return object;
    }
    return value;
}

} // namespace

QString formatHoldTime(std::chrono::milliseconds hold, GenericJsonOptions::HoldUnit unit)
{
    const qint64 ms = hold.count();
    switch (unit) {
    case GenericJsonOptions::HoldUnit::Milliseconds:
        return QString::number(ms);
    case GenericJsonOptions::HoldUnit::GoDuration:
        return ms % 1000 == 0 ? QStringLiteral("%1s").arg(ms / 1000)
                              : QStringLiteral("%1ms").arg(ms);
    case GenericJsonOptions::HoldUnit::Seconds:
        break;
    }
    return QString::number(std::max<qint64>(1, (ms + 999) / 1000));
}

QStringList GenericJsonOptions::validate() const
{
    QStringList problems;
    if (!url.isValid() || url.host().isEmpty())
        problems << GenericJsonProfile::tr("The URL is not valid.");
    else if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        problems << GenericJsonProfile::tr("The URL must start with http:// or https://.");
    if (method != "GET" && method != "POST")
        problems << GenericJsonProfile::tr("The method must be GET or POST.");
    if (!bodyTemplate.isEmpty()) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(bodyTemplate, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            problems << GenericJsonProfile::tr("The request body must be a JSON object.");
    }
    if (cursorTarget != CursorTarget::None && cursorName.trimmed().isEmpty())
        problems << GenericJsonProfile::tr(
            "Say where the cursor goes (a parameter, header or body field name).");
    if (cursorTarget == CursorTarget::BodyField && method != "POST")
        problems << GenericJsonProfile::tr("A cursor in the body needs the POST method.");
    if ((cursorSource == CursorSource::BodyPath || cursorSource == CursorSource::Header) &&
        cursorSourceName.trimmed().isEmpty())
        problems << GenericJsonProfile::tr(
            "Say where the next cursor comes from (a body path or header name).");
    const std::pair<const QString *, const char *> paths[] = {
        {&eventsPath, "events path"}, {&idPath, "id path"},
        {&typePath, "type path"},     {&textPath, "text path"},
        {&timePath, "time path"},     {&retryAfterPath, "retry-after path"},
        {&okPath, "ok path"},         {&errorTextPath, "error text path"}};
    for (const auto &[path, label] : paths) {
        QString error;
        const JsonPath parsed = JsonPath::parse(*path, &error);
        if (!parsed.isValid())
            problems << GenericJsonProfile::tr("The %1 is not valid: %2")
                            .arg(QLatin1String(label), error);
        else if (parsed.hasWildcard() && path != &eventsPath)
            problems << GenericJsonProfile::tr("The %1 cannot have a wildcard '*' (only the "
                                               "events path can).")
                            .arg(QLatin1String(label));
    }
    if (cursorSource == CursorSource::BodyPath) {
        QString error;
        const JsonPath parsed = JsonPath::parse(cursorSourceName, &error);
        if (!parsed.isValid())
            problems << GenericJsonProfile::tr("The cursor path is not valid: %1").arg(error);
        else if (parsed.hasWildcard())
            problems << GenericJsonProfile::tr("The cursor path cannot have a wildcard '*'.");
    }
    if (cursorTarget == CursorTarget::BodyField && JsonPath::parse(cursorName).hasWildcard())
        problems << GenericJsonProfile::tr(
            "The body path the cursor goes to cannot have a wildcard '*'.");
    if (holdTime.count() <= 0)
        problems << GenericJsonProfile::tr("The hold time must be positive.");
    problems << validateBootstrap();
    return problems;
}

QStringList GenericJsonOptions::validateBootstrap() const
{
    QStringList problems;
    QStringList used = placeholderNames(url.toString(QUrl::FullyEncoded));
    used << placeholderNames(QString::fromUtf8(bodyTemplate));
    if (bootstrapUrl.isEmpty()) {
        if (!used.isEmpty())
            problems << GenericJsonProfile::tr(
                            "The request uses ${bootstrap:%1} but there is no bootstrap URL.")
                            .arg(used.constFirst());
        if (!bootstrapValues.isEmpty() || bootstrapAgainStatus != 0 ||
            !bootstrapAgainPath.isEmpty())
            problems << GenericJsonProfile::tr("The bootstrap settings need a bootstrap URL.");
        return problems;
    }
    if (!bootstrapUrl.isValid() || bootstrapUrl.host().isEmpty() ||
        (bootstrapUrl.scheme() != QLatin1String("http") &&
         bootstrapUrl.scheme() != QLatin1String("https")))
        problems << GenericJsonProfile::tr(
            "The bootstrap URL is not a valid http:// or https:// URL.");
    if (bootstrapMethod != "GET" && bootstrapMethod != "POST")
        problems << GenericJsonProfile::tr("The bootstrap method must be GET or POST.");
    if (!bootstrapBody.isEmpty()) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(bootstrapBody, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            problems << GenericJsonProfile::tr("The bootstrap body must be a JSON object.");
    }
    QStringList names;
    for (const auto &[name, path] : bootstrapValues) {
        names << name;
        QString error;
        const JsonPath parsed = JsonPath::parse(path, &error);
        if (!parsed.isValid())
            problems << GenericJsonProfile::tr("The path of the bootstrap value '%1' is not "
                                               "valid: %2")
                            .arg(name, error);
        else if (parsed.hasWildcard())
            problems << GenericJsonProfile::tr("The path of the bootstrap value '%1' cannot "
                                               "have a wildcard.")
                            .arg(name);
    }
    for (const QString &name : std::as_const(used)) {
        if (!names.contains(name))
            problems
                << GenericJsonProfile::tr(
                       "The request uses ${bootstrap:%1}, which the bootstrap values do not name.")
                       .arg(name);
    }
    QString error;
    if (!JsonPath::parse(bootstrapAgainPath, &error).isValid())
        problems
            << GenericJsonProfile::tr("The bootstrap error's path is not valid: %1").arg(error);
    return problems;
}

GenericJsonProfile::GenericJsonProfile(GenericJsonOptions options, QString id)
    : m_options(std::move(options))
    , m_id(std::move(id))
{
    if (m_options.cursorTarget == GenericJsonOptions::CursorTarget::BodyField)
        m_cursorName = JsonPath::parse(m_options.cursorName);
    if (m_options.cursorSource == GenericJsonOptions::CursorSource::BodyPath)
        m_cursorSourcePath = JsonPath::parse(m_options.cursorSourceName);
    m_eventsPath = JsonPath::parse(m_options.eventsPath);
    m_idPath = JsonPath::parse(m_options.idPath);
    m_typePath = JsonPath::parse(m_options.typePath);
    m_textPath = JsonPath::parse(m_options.textPath);
    m_timePath = JsonPath::parse(m_options.timePath);
    m_retryAfterPath = JsonPath::parse(m_options.retryAfterPath);
    m_okPath = JsonPath::parse(m_options.okPath);
    m_errorTextPath = JsonPath::parse(m_options.errorTextPath);

    // pollUrl()'s query around the cursor: the one QUrlQuery makes for a
    // placeholder, split where the placeholder is (if it is there once).
    const QString placeholder = QStringLiteral("LongwatchCursorPlaceholder");
    if (m_options.cursorTarget == GenericJsonOptions::CursorTarget::Query &&
        !m_options.cursorName.isEmpty() && !m_options.url.toString().contains(placeholder) &&
        m_options.bootstrapUrl.isEmpty()) {
        const QUrl sample = pollUrlFromQuery(m_options.url, placeholder);
        const QString query = sample.query();
        const qsizetype at = query.indexOf(placeholder);
        if (at >= 0 && query.indexOf(placeholder, at + 1) < 0)
            m_queryAroundCursor.emplace(query.left(at), query.mid(at + placeholder.size()));
        // QUrl keeps some characters ("{", "}") encoded or not depending on
        // how the query was set; a URL that does not come out the same
        // both ways is made with QUrlQuery every time.
        if (m_queryAroundCursor && pollUrl(placeholder) != sample)
            m_queryAroundCursor.reset();
    }

    // The fast scan reads an array of events at a path of keys, fields at
    // paths of keys, a cursor and an "ok" flag at one.
    const std::optional<FastJsonScanner::Path> events = scannerPath(m_eventsPath);
    const std::optional<FastJsonScanner::Path> fields[] = {
        scannerPath(m_idPath), scannerPath(m_typePath), scannerPath(m_textPath),
        scannerPath(m_timePath)};
    const bool bodyCursor = m_options.cursorSource == GenericJsonOptions::CursorSource::BodyPath;
    const std::optional<FastJsonScanner::Path> cursor =
        bodyCursor ? scannerPath(m_cursorSourcePath) : FastJsonScanner::Path();
    const std::optional<FastJsonScanner::Path> ok = scannerPath(m_okPath);
    bool usable = m_options.eventsAt == GenericJsonOptions::EventsAt::ArrayPath && events &&
                  cursor && (!bodyCursor || !cursor->isEmpty()) && ok;
    for (const auto &field : fields)
        usable = usable && field && !field->isEmpty();
    m_bootstrapAgainPath = JsonPath::parse(m_options.bootstrapAgainPath);
    if (usable) {
        FastJsonScanner::Plan plan;
        plan.eventsPath = *events;
        for (int i = 0; i < FastJsonScanner::kFields; ++i)
            plan.fieldPaths[size_t(i)] = *fields[i];
        plan.wantCursor = bodyCursor;
        plan.cursorPath = *cursor;
        // An empty ok path means no envelope (parseJson() asks isRoot()).
        plan.wantOk = !ok->isEmpty();
        plan.okPath = *ok;
        m_fastPlan = std::move(plan);
    }
}

GenericJsonOptions GenericJsonProfile::seedEventsOptions(const QUrl &url)
{
    GenericJsonOptions o;
    o.url = url;
    return o; // the defaults are the seed-events protocol
}

GenericJsonOptions GenericJsonProfile::seedQueueOptions(const QUrl &url)
{
    GenericJsonOptions o;
    o.url = url;
    o.cursorTarget = GenericJsonOptions::CursorTarget::None;
    o.cursorName.clear();
    o.initialCursor.clear();
    o.cursorSource = GenericJsonOptions::CursorSource::None;
    o.eventsAt = GenericJsonOptions::EventsAt::WholeBody;
    o.eventsPath = QStringLiteral("message");
    o.idPath = QStringLiteral("id");
    o.holdTime = std::chrono::seconds(30);
    return o;
}

PollRequest GenericJsonProfile::request(const QString &cursor) const
{
    using Target = GenericJsonOptions::CursorTarget;
    PollRequest request;
    if (needsBootstrap()) {
        request.url = m_options.bootstrapUrl;
        request.method = m_options.bootstrapMethod;
        if (m_options.bootstrapMethod == "POST" && !m_options.bootstrapBody.isEmpty())
            request.body = compactJson(QJsonDocument::fromJson(m_options.bootstrapBody).object());
        return request;
    }
    request.method = m_options.method;
    request.url = pollUrl(cursor);
    QJsonObject body;
    if (!m_options.bodyTemplate.isEmpty()) {
        body = QJsonDocument::fromJson(m_options.bodyTemplate).object();
        if (!m_options.bootstrapUrl.isEmpty())
            body = fillPlaceholders(QJsonValue(body), m_bootstrapValues).toObject();
    }

    if (!cursor.isEmpty()) {
        switch (m_options.cursorTarget) {
        case Target::Header:
            request.headers.append({m_options.cursorName.toLatin1(), cursor.toUtf8()});
            break;
        case Target::BodyField:
            if (const auto n = asInteger(cursor))
                m_cursorName.assign(body, QJsonValue(*n));
            else
                m_cursorName.assign(body, cursor);
            break;
        case Target::Query: // in the URL
        case Target::None:
            break;
        }
    }
    if (m_options.method == "POST")
        request.body = compactJson(body);
    if (!m_etag.isEmpty() || !m_lastModified.isEmpty()) {
        // Only from the position the answer they came with led to: an
        // answer the channel did not take is asked for again in full.
        if (cursor == m_validatorsCursor) {
            if (!m_etag.isEmpty())
                request.headers.append({QByteArrayLiteral("If-None-Match"), m_etag});
            if (!m_lastModified.isEmpty())
                request.headers.append({QByteArrayLiteral("If-Modified-Since"), m_lastModified});
        }
    }
    if (m_options.stream == GenericJsonOptions::StreamFormat::Sse) {
        // Nchan answers 403 to a subscriber that does not ask for the stream.
        request.headers.append(
            {QByteArrayLiteral("Accept"), QByteArrayLiteral("text/event-stream")});
        request.headers.append({QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache")});
    }
    return request;
}

QUrl GenericJsonProfile::pollUrl(const QString &cursor) const
{
    // A cursor of unreserved characters (RFC 3986 section 2.3: numbers and
    // most tokens) is its own percent-encoding: the URL is the one made
    // once with a placeholder, with the cursor in its place. Rebuilding the
    // query with QUrlQuery for every poll was a tenth of a no-news poll's
    // instructions.
    if (m_queryAroundCursor && !cursor.isEmpty() && isUnreserved(cursor)) {
        QUrl url = m_options.url;
        url.setQuery(m_queryAroundCursor->first + cursor + m_queryAroundCursor->second);
        return url;
    }
    if (!m_options.bootstrapUrl.isEmpty())
        return pollUrlFromQuery(fillPlaceholders(m_options.url, m_bootstrapValues), cursor);
    return pollUrlFromQuery(m_options.url, cursor);
}

QUrl GenericJsonProfile::pollUrlFromQuery(const QUrl &base, const QString &cursor) const
{
    QUrl url = base;
    QUrlQuery query(url);
    if (!cursor.isEmpty() && m_options.cursorTarget == GenericJsonOptions::CursorTarget::Query) {
        query.removeAllQueryItems(m_options.cursorName);
        query.addQueryItem(m_options.cursorName,
                           QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    }
    if (!m_options.holdParam.isEmpty()) {
        query.removeAllQueryItems(m_options.holdParam);
        query.addQueryItem(m_options.holdParam,
                           formatHoldTime(m_options.holdTime, m_options.holdUnit));
    }
    url.setQuery(query);
    return url;
}

bool GenericJsonProfile::lastAnswerOnlyPrepared() const
{
    return m_lastAnswerBootstrap;
}

PollResult GenericJsonProfile::parse(const PollResponse &response, const QString &cursor)
{
    m_lastAnswerBootstrap = needsBootstrap();
    if (m_lastAnswerBootstrap)
        return parseBootstrap(response, cursor);
    if (const std::optional<QString> what = bootstrapAgain(response.status, response.body))
        return askBootstrapAgain(cursor, *what);
    if (!m_options.pollIntervalHeader.isEmpty()) {
        // Each answer sets the pace of the next poll (GitHub's X-Poll-Interval).
        m_serverInterval = std::chrono::milliseconds(0);
        bool ok = false;
        const double seconds =
            response.header(m_options.pollIntervalHeader.toLatin1()).trimmed().toDouble(&ok);
        if (ok) {
            if (const auto pace = retryHintFromSeconds(seconds))
                m_serverInterval = std::min<std::chrono::milliseconds>(*pace, kMaxServerInterval);
        }
    }
    PollResult result = parseAnswer(response, cursor);
    if (m_options.conditional && response.status / 100 == 2 &&
        (result.verdict == Verdict::NoNews ||
         (result.verdict == Verdict::Events && result.cursor != cursor))) {
        // Kept from an answer that had no news, or that moved the cursor:
        // the channel takes its events if and only if it moves to that
        // cursor, and only from there are they sent (request()).
        m_etag = response.header("ETag");
        m_lastModified = response.header("Last-Modified");
        m_validatorsCursor = result.cursor;
    }
    return result;
}

PollResult GenericJsonProfile::parseAnswer(const PollResponse &response, const QString &cursor)
{
    const int status = response.status;
    if ((status == 304 && m_options.noNewsOn304) || (status == 408 && m_options.noNewsOn408) ||
        (status == 204 && m_options.noNewsOn204))
        return PollResult::noNews(cursor);
    if (auto verdict = classifyHttpStatus(response, cursor)) {
        // Body hints (Telegram's parameters.retry_after) pace a retry too.
        if (!m_retryAfterPath.isRoot() && verdict->verdict == Verdict::Retry) {
            QJsonDocument doc;
            if (parseJsonBody(response.body, &doc, nullptr)) {
                const QJsonValue hint = m_retryAfterPath.resolve(doc.object());
                if (hint.isDouble() && !verdict->retryAfter)
                    verdict->retryAfter = retryHintFromSeconds(hint.toDouble());
            }
        }
        return *verdict;
    }
    if (response.body.trimmed().isEmpty()) {
        if (m_options.noNewsOnEmptyBody)
            return PollResult::noNews(cursor);
        return PollResult::malformedBody(cursor, tr("The server sent an empty answer."),
                                         QStringLiteral("HTTP %1").arg(status));
    }
    if (m_options.eventsAt == GenericJsonOptions::EventsAt::NdjsonLines)
        return parseNdjson(response, cursor);
    return parseJson(response, cursor);
}

PollResult GenericJsonProfile::parseJson(const PollResponse &response, const QString &cursor)
{
    // Most answers are of the shape FastJsonScanner reads, at a fraction of
    // the cost; for anything else it declines, and QJsonDocument below
    // gives the answer or the error it always gave.
    if (m_fastPlan && m_fastScanEnabled) {
        if (std::optional<PollResult> result = parseJsonFast(response, cursor)) {
            ++m_fastScans;
            return std::move(*result);
        }
    }
    QJsonDocument doc;
    QString error;
    if (!parseJsonBody(response.body, &doc, &error))
        return PollResult::malformedBody(
            cursor, error, QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
    const QJsonValue root = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());

    if (!m_okPath.isRoot()) {
        const QJsonValue ok = m_okPath.resolve(root);
        if (ok != QJsonValue(true)) {
            QString why = jsonScalarText(m_errorTextPath.resolve(root));
            if (why.isEmpty())
                why = serverReason(response.body);
            PollResult result =
                PollResult::retry(cursor,
                                  tr("The server reported an error: %1.")
                                      .arg(why.isEmpty() ? tr("no reason given") : why),
                                  QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
            const QJsonValue hint = m_retryAfterPath.resolve(root);
            if (!m_retryAfterPath.isRoot() && hint.isDouble())
                result.retryAfter = retryHintFromSeconds(hint.toDouble());
            return result;
        }
    }

    return eventsFrom(root, response, cursor);
}

PollResult GenericJsonProfile::eventsFrom(const QJsonValue &root, const PollResponse &response,
                                          const QString &cursor)
{
    if (m_eventsPath.hasWildcard())
        return wildcardEvents(root, response, cursor);
    const QJsonValue found = m_eventsPath.resolve(root);
    EventList events;
    if (found.isNull() && m_options.noNewsOnNull)
        return PollResult::noNews(cursor);
    if (m_options.eventsAt == GenericJsonOptions::EventsAt::WholeBody) {
        if (found.isUndefined())
            return PollResult::malformedBody(
                cursor, tr("The server's answer has no '%1' field.").arg(m_options.eventsPath),
                QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
        Event event;
        if (makeEvent(found, &event))
            events.append(std::move(event));
    } else {
        if (!found.isArray()) {
            const QString where = m_eventsPath.isRoot()
                                      ? tr("The server's answer")
                                      : QStringLiteral("'%1'").arg(m_options.eventsPath);
            return PollResult::malformedBody(
                cursor, tr("%1 is %2, expected an array of events.").arg(where, typeName(found)),
                QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
        }
        const QJsonArray array = found.toArray();
        events.reserve(array.size());
        // Each event's raw JSON as the server sent it, where it came compact:
        // re-serialising it would cost about half of the parse.
        std::optional<QList<JsonPath::Span>> spans = m_eventsPath.arrayElementSpans(response.body);
        if (spans && spans->size() != array.size())
            spans.reset();
        for (qsizetype i = 0; i < array.size(); ++i) {
            Event event;
            const JsonPath::Span span = spans ? spans->at(i) : JsonPath::Span{};
            if (makeEvent(array.at(i), &event,
                          QByteArrayView(response.body).sliced(span.begin, span.size)))
                events.append(std::move(event));
        }
    }
    return finish(response, cursor, std::move(events), bodyCursor(root));
}

PollResult GenericJsonProfile::wildcardEvents(const QJsonValue &root, const PollResponse &response,
                                              const QString &cursor)
{
    // Every value the path leads to, in the order the server wrote them;
    // one that is missing or null (a room without new events) has none.
    EventList events;
    const bool whole = m_options.eventsAt == GenericJsonOptions::EventsAt::WholeBody;
    for (const JsonPath::Match &match : m_eventsPath.resolveAll(root, response.body)) {
        // Member names say where an event comes from (a room's id); an
        // array's index says nothing that lasts.
        QStringList names;
        for (qsizetype i = 0; i < match.wildcardKeys.size(); ++i) {
            if (match.isMemberName.at(i))
                names.append(match.wildcardKeys.at(i));
        }
        const QString where = names.join(QLatin1Char('/'));
        if (match.value.isNull() || match.value.isUndefined())
            continue;
        if (whole) {
            Event event;
            if (makeEvent(match.value, &event, {}, where))
                events.append(std::move(event));
            continue;
        }
        if (!match.value.isArray())
            return PollResult::malformedBody(
                cursor,
                tr("'%1' at '%2' is %3, expected an array of events.")
                    .arg(m_options.eventsPath, match.wildcardKeys.join(QLatin1Char('/')),
                         typeName(match.value)),
                QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
        const QJsonArray array = match.value.toArray();
        for (const QJsonValue &element : array) {
            Event event;
            if (makeEvent(element, &event, {}, where))
                events.append(std::move(event));
        }
    }
    return finish(response, cursor, std::move(events), bodyCursor(root));
}

std::optional<PollResult> GenericJsonProfile::parseJsonFast(const PollResponse &response,
                                                            const QString &cursor)
{
    using Kind = FastJsonScanner::Value::Kind;
    EventList events;
    // About 100 bytes an event: reserve for most of them at once.
    events.reserve(std::min<qsizetype>(response.body.size() / 128, 100'000));
    TypeCache types;
    const auto element = [&](const FastJsonScanner::Element &scanned) {
        // Made in its place in the list rather than moved there: a skipped
        // event is taken off again, and a declined answer drops them all.
        Event &event = events.emplace_back();
        bool keep = true;
        if (!makeEventFast(scanned, &event, &keep, &types))
            return false;
        if (!keep)
            events.removeLast();
        return true;
    };
    FastJsonScanner::Found found;
    if (!FastJsonScanner::scan(response.body, *m_fastPlan, element, &found))
        return std::nullopt;
    // Anything but "ok": true is an error that the general path words.
    if (m_fastPlan->wantOk && (found.ok.kind != Kind::Bool || !found.ok.boolean))
        return std::nullopt;
    if (found.events.kind == Kind::Null && m_options.noNewsOnNull)
        return PollResult::noNews(cursor);
    if (found.events.kind != Kind::Array)
        return std::nullopt; // an error: QJsonDocument's path words it
    std::optional<QString> next;
    if (m_fastPlan->wantCursor && found.cursor.kind != Kind::Missing &&
        found.cursor.kind != Kind::Null) {
        QString text;
        if (!scalarText(found.cursor, &text))
            return std::nullopt;
        next = std::move(text);
    }
    return finish(response, cursor, std::move(events), next);
}

bool GenericJsonProfile::makeEventFast(const FastJsonScanner::Element &element, Event *event,
                                       bool *keep, TypeCache *types) const
{
    // As makeEvent() does with an object.
    if (!scalarText(element.fields[0], &event->key))
        return false;
    if (m_record && event->key.isEmpty())
        event->key = m_record->key;
    const FastJsonScanner::Value &type = element.fields[1];
    const bool plainType = type.kind == FastJsonScanner::Value::Kind::String && !type.escaped;
    if (plainType && types->valid && type.bytes == types->bytes) {
        event->type = types->text;
    } else {
        if (!scalarText(type, &event->type))
            return false;
        if (plainType)
            *types = TypeCache{type.bytes, event->type, true};
    }
    if (m_record && event->type.isEmpty())
        event->type = m_record->type;
    if (!m_options.skipTypes.isEmpty() && !event->type.isEmpty() &&
        m_options.skipTypes.contains(event->type)) {
        *keep = false;
        return true;
    }
    if (!scalarText(element.fields[2], &event->text) ||
        !scannedTime(element.fields[3], &event->time))
        return false;
    if (element.compact) {
        event->raw = element.raw.toByteArray();
    } else {
        // Re-serialised like makeEvent() does with an element not sent compact.
        const QJsonDocument doc = QJsonDocument::fromJson(
            QByteArray::fromRawData(element.raw.data(), element.raw.size()));
        if (!doc.isObject())
            return false;
        event->raw = compactJson(doc.object());
    }
    *keep = true;
    return true;
}

std::optional<QString> GenericJsonProfile::bodyCursor(const QJsonValue &document) const
{
    if (m_options.cursorSource != GenericJsonOptions::CursorSource::BodyPath)
        return std::nullopt;
    const QJsonValue value = m_cursorSourcePath.resolve(document);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    return jsonScalarText(value);
}

PollResult GenericJsonProfile::parseNdjson(const PollResponse &response, const QString &cursor)
{
    EventList events;
    int lineNumber = 0;
    for (const QByteArray &rawLine : response.body.split('\n')) {
        ++lineNumber;
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError)
            return PollResult::malformedBody(
                cursor,
                tr("Line %1 of the server's answer is not valid JSON (%2).")
                    .arg(lineNumber)
                    .arg(error.errorString()),
                QStringLiteral("line: %1").arg(bodyExcerpt(line)));
        Event event;
        if (makeEvent(doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()), &event))
            events.append(std::move(event));
    }
    return finish(response, cursor, std::move(events), bodyCursor(QJsonValue()));
}

bool GenericJsonProfile::makeEvent(const QJsonValue &value, Event *event, QByteArrayView raw,
                                   const QString &wildcardKeys) const
{
    event->raw = raw.isEmpty() ? compactJson(value) : raw.toByteArray();
    if (!value.isObject()) {
        event->text = jsonScalarText(value);
    } else {
        event->key = jsonScalarText(m_idPath.resolve(value));
        event->type = jsonScalarText(m_typePath.resolve(value));
        event->text = jsonScalarText(m_textPath.resolve(value));
        event->time = parseTime(m_timePath.resolve(value));
    }
    if (m_record) {
        // A Server-Sent Event's own id and type, where the JSON has none.
        if (event->key.isEmpty())
            event->key = m_record->key;
        if (event->type.isEmpty())
            event->type = m_record->type;
    }
    if (!event->type.isEmpty() && m_options.skipTypes.contains(event->type))
        return false;
    if (!wildcardKeys.isEmpty())
        event->text = event->text.isEmpty()
                          ? QStringLiteral("[%1]").arg(wildcardKeys)
                          : QStringLiteral("[%1] %2").arg(wildcardKeys, event->text);
    return true;
}

std::optional<QString> GenericJsonProfile::cursorAfter(const EventList &events, qsizetype count,
                                                       const QString &cursor) const
{
    Q_UNUSED(cursor);
    if (count <= 0 || count > events.size())
        return std::nullopt;
    using Source = GenericJsonOptions::CursorSource;
    if (m_options.cursorSource == Source::MaxId) {
        // Only if the ids go up through the whole answer: a larger id early
        // on would make the cursor skip smaller ones left for later.
        qint64 previous = std::numeric_limits<qint64>::min();
        for (const Event &event : events) {
            const std::optional<qint64> id = asInteger(event.key);
            if (!id || *id <= previous)
                return std::nullopt;
            previous = *id;
        }
        return QString::number(*asInteger(events.at(count - 1).key) + m_options.cursorIncrement);
    }
    if (m_options.cursorSource == Source::LastId) {
        for (const Event &event : events) {
            if (event.key.isEmpty())
                return std::nullopt;
        }
        return events.at(count - 1).key;
    }
    return std::nullopt;
}

PollResult GenericJsonProfile::finish(const PollResponse &response, const QString &cursor,
                                      EventList events, const std::optional<QString> &bodyCursor)
{
    using Source = GenericJsonOptions::CursorSource;
    QString next = cursor;
    switch (m_options.cursorSource) {
    case Source::None:
        break;
    case Source::BodyPath: {
        if (bodyCursor)
            next = *bodyCursor;
        else if (!events.isEmpty())
            return PollResult::malformedBody(
                cursor,
                tr("The server's answer has events but no cursor at '%1'.")
                    .arg(m_options.cursorSourceName),
                QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
        break;
    }
    case Source::Header: {
        const QByteArray value = response.header(m_options.cursorSourceName.toLatin1());
        if (!value.isEmpty())
            next = QString::fromUtf8(value);
        break;
    }
    case Source::MaxId: {
        // Numeric ids: the cursor is the largest id (+ increment); anything at
        // or behind the current cursor is a repeat and is dropped.
        const std::optional<qint64> current = asInteger(cursor);
        QVarLengthArray<qint64, 1024> ids;
        ids.reserve(events.size());
        for (const Event &e : std::as_const(events)) {
            const std::optional<qint64> id = asInteger(e.key);
            if (!id)
                break;
            ids.append(*id);
        }
        if (ids.size() == events.size()) {
            qint64 best = current.value_or(std::numeric_limits<qint64>::min());
            // In place: usually nothing is dropped, and then no event moves.
            qsizetype kept = 0;
            for (qsizetype i = 0; i < events.size(); ++i) {
                const qint64 id = ids[i];
                if (current && id + m_options.cursorIncrement <= *current)
                    continue;
                best = std::max(best, id + m_options.cursorIncrement);
                if (kept != i)
                    events[kept] = std::move(events[i]);
                ++kept;
            }
            events.resize(kept);
            if (!events.isEmpty())
                next = QString::number(best);
            break;
        }
        [[fallthrough]];
    }
    case Source::LastId:
        for (auto it = events.crbegin(); it != events.crend(); ++it) {
            if (!it->key.isEmpty()) {
                next = it->key;
                break;
            }
        }
        break;
    }

    if (m_options.noNewsWhenCursorUnchanged && next == cursor)
        return PollResult::noNews(cursor);
    PollResult result;
    result.verdict = events.isEmpty() ? Verdict::NoNews : Verdict::Events;
    result.events = std::move(events);
    result.cursor = next;
    return result;
}

void GenericJsonProfile::reset()
{
    m_bootstrapped = false;
    m_bootstrapValues.clear();
    m_etag.clear();
    m_lastModified.clear();
    m_validatorsCursor.clear();
    m_serverInterval = std::chrono::milliseconds(0);
    m_splitter.reset();
    m_sse = SseParser();
    m_reconnectDelay = std::chrono::milliseconds(0);
}

PollResult GenericJsonProfile::parseBootstrap(const PollResponse &response, const QString &cursor)
{
    // The answer to the bootstrap request: its values, or why not. The
    // cursor stays: this answer has no events.
    if (std::optional<PollResult> verdict = classifyHttpStatus(response, cursor)) {
        if (verdict->verdict == Verdict::NoNews)
            return PollResult::retry(cursor,
                                     tr("The bootstrap request got no answer (HTTP %1) to take "
                                        "its values from.")
                                         .arg(response.status));
        verdict->reason = tr("The bootstrap request failed: %1").arg(verdict->reason);
        return *verdict;
    }
    QJsonDocument doc;
    QString error;
    if (!parseJsonBody(response.body, &doc, &error))
        return PollResult::malformedBody(
            cursor, tr("The bootstrap answer is not JSON: %1").arg(error),
            QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
    const QJsonValue root = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
    QHash<QString, QString> values;
    for (const auto &[name, path] : m_options.bootstrapValues) {
        const QJsonValue value = JsonPath::parse(path).resolve(root);
        if (value.isUndefined() || value.isNull())
            return PollResult::malformedBody(
                cursor, tr("The bootstrap answer has no '%1' for ${bootstrap:%2}.").arg(path, name),
                QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
        values.insert(name, jsonScalarText(value));
    }
    m_bootstrapValues = std::move(values);
    m_bootstrapped = true;
    return PollResult::noNews(cursor);
}

std::optional<QString> GenericJsonProfile::bootstrapAgain(int status, QByteArrayView json) const
{
    const GenericJsonOptions &o = m_options;
    if (o.bootstrapUrl.isEmpty() || (o.bootstrapAgainStatus == 0 && o.bootstrapAgainPath.isEmpty()))
        return std::nullopt;
    if (o.bootstrapAgainStatus != 0 && status != o.bootstrapAgainStatus)
        return std::nullopt;
    QStringList what;
    if (o.bootstrapAgainStatus != 0)
        what << QStringLiteral("HTTP %1").arg(status);
    if (!o.bootstrapAgainPath.isEmpty()) {
        QJsonDocument doc;
        if (!parseJsonBody(json.toByteArray(), &doc, nullptr))
            return std::nullopt;
        const QJsonValue root = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
        const QJsonValue value = m_bootstrapAgainPath.resolve(root);
        if (value.isUndefined() || jsonScalarText(value) != o.bootstrapAgainValue)
            return std::nullopt;
        what << QStringLiteral("%1 = %2").arg(o.bootstrapAgainPath, o.bootstrapAgainValue);
    }
    return what.join(QStringLiteral(", "));
}

PollResult GenericJsonProfile::askBootstrapAgain(const QString &cursor, const QString &what)
{
    // A resync: the channel shows a gap row, drops the cursor, and the
    // next request is the bootstrap request (reset() forgets its values;
    // so does this, for a Poller that tries another address first).
    m_bootstrapped = false;
    m_bootstrapValues.clear();
    PollResult result;
    result.verdict = Verdict::Resync;
    result.cursor = cursor;
    result.reason = tr("The server no longer knows what the bootstrap request gave (%1); asking "
                       "it again.")
                        .arg(what);
    result.detail = what;
    return result;
}

bool GenericJsonProfile::startStream(const PollResponse &head, const StreamLimits &limits)
{
    using Format = GenericJsonOptions::StreamFormat;
    // The bootstrap answer, errors and what is not a stream are read whole.
    if (!streamsAnswers() || needsBootstrap() || head.status / 100 != 2 ||
        (m_options.bootstrapAgainStatus != 0 && head.status == m_options.bootstrapAgainStatus))
        return false;
    if (m_options.stream == Format::Sse) {
        if (!SseProfile::isEventStream(head.header("Content-Type")))
            return false;
        // A line may be as long as an event: both are capped at the event cap.
        const QString lastId = m_sse.lastEventId();
        m_sse = SseParser(limits.maxEventBytes + 8, limits.maxEventBytes);
        m_sse.setLastEventId(lastId);
    } else {
        m_splitter = JsonStreamSplitter(limits.maxEventBytes);
    }
    m_streamStatus = head.status;
    return true;
}

PollResult GenericJsonProfile::readStream(QByteArrayView bytes, const QString &cursor)
{
    QList<Record> records;
    if (m_options.stream == GenericJsonOptions::StreamFormat::Sse) {
        const QList<SseEvent> events = m_sse.feed(bytes);
        if (m_sse.reconnectionTime())
            m_reconnectDelay = *m_sse.reconnectionTime();
        if (m_sse.hasError())
            return PollResult::tooLarge(cursor, m_sse.errorString());
        for (const SseEvent &event : events) {
            if (event.data.trimmed().isEmpty())
                continue; // nothing to read: a nudge, not an event
            records.append(Record{event.data.toUtf8(), event.ownId ? event.lastEventId : QString(),
                                  event.type});
        }
    } else {
        const QList<QByteArray> lines = m_splitter.feed(bytes);
        if (m_splitter.hasError())
            return PollResult::tooLarge(cursor, m_splitter.errorString());
        for (const QByteArray &line : lines)
            records.append(Record{line, {}, {}});
    }
    return takeRecords(records, cursor);
}

PollResult GenericJsonProfile::endStream(const QString &cursor)
{
    if (m_options.stream == GenericJsonOptions::StreamFormat::Sse) {
        // An event the stream did not finish is dropped, as the spec says.
        m_sse.finish();
        return PollResult::noNews(cursor);
    }
    QList<Record> records;
    for (const QByteArray &line : m_splitter.finish())
        records.append(Record{line, {}, {}});
    return takeRecords(records, cursor);
}

PollResult GenericJsonProfile::takeRecords(const QList<Record> &records, const QString &cursor)
{
    // Each value is an answer of its own, read with every knob, the cursor
    // carried from one to the next. Anything wrong with one of them ends
    // the stream at the cursor before this read: the events before it in
    // the same read are asked for again rather than skipped past.
    PollResult total = PollResult::noNews(cursor);
    for (const Record &record : records) {
        if (const std::optional<QString> what = bootstrapAgain(m_streamStatus, record.json))
            return askBootstrapAgain(cursor, *what);
        PollResponse response;
        response.status = m_streamStatus;
        response.body = record.json;
        m_record = &record;
        PollResult one = parseAnswer(response, total.cursor);
        m_record = nullptr;
        if (one.verdict != Verdict::Events && one.verdict != Verdict::NoNews) {
            one.cursor = cursor;
            return one;
        }
        total.events.append(std::move(one.events));
        total.cursor = one.cursor;
    }
    if (!total.events.isEmpty())
        total.verdict = Verdict::Events;
    return total;
}

} // namespace Longwatch
