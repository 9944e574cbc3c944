#pragma once

// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): families
// of samples with their # HELP and # TYPE lines, label values escaped as the
// format says. Written for longwatch-tail --metrics.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

namespace Longwatch {

/// Writes one exposition, family by family:
///
///     PrometheusText text;
///     text.family("longwatch_events_total", "counter", "Events received.");
///     text.sample("longwatch_events_total", {{"channel", name}}, 12);
///     reply(text.take());
///
/// Samples of a family follow its family() call; a family is written once.
class PrometheusText
{
public:
    using Labels = QList<std::pair<QByteArrayView, QString>>;

    /// The content type of the format, for the HTTP answer.
    static QByteArray contentType();

    /// Starts a family: "# HELP name help" and "# TYPE name type" (type:
    /// counter, gauge, histogram, summary or untyped).
    void family(QByteArrayView name, QByteArrayView type, QByteArrayView help);
    /// One sample: `name{label="value",...} value`. Label names are given
    /// by the code (valid names); the values are escaped.
    void sample(QByteArrayView name, const Labels &labels, double value);

    QByteArray take() { return std::exchange(m_text, QByteArray()); }

    /// A label value as the format writes it between its quotes:
    /// backslash, double quote and line feed escaped; any text is allowed.
    static QByteArray escapeLabelValue(const QString &value);
    /// A sample value: "+Inf", "-Inf", "NaN", or the shortest text that
    /// reads back as `value` ("3", "0.25", "1e-06").
    static QByteArray formatValue(double value);

private:
    QByteArray m_text;
};

} // namespace Longwatch
