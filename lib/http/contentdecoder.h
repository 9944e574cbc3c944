#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QString>

#include <memory>
#include <optional>

namespace Longwatch {

/// Undoes a response's content coding (RFC 9110 section 8.4.1) as its body
/// arrives: gzip (RFC 1952) and deflate, which RFC 9110 defines as the zlib
/// format (RFC 1950) but some servers send raw (RFC 1951); both are read,
/// as browsers and Qt do. Output comes in pieces of a size the caller
/// chooses, so that a small body that inflates to gigabytes (a
/// "decompression bomb") is never held whole: the caller hands each piece
/// on and stops when its reader has had enough.
class ContentDecoder
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ContentDecoder)

public:
    enum class Coding { Gzip, Deflate };
    enum class Status {
        NeedInput, ///< everything given was used; the coded stream goes on
        Full,      ///< `maxOutput` bytes were made; call again for more
        End,       ///< the coded stream is complete
        Failed,    ///< not valid for its coding: see errorString()
    };

    /// The coding a Content-Encoding field value names, if this class reads
    /// it: "gzip", "x-gzip" or "deflate", case-insensitive, alone (a list
    /// of codings is not undone).
    static std::optional<Coding> codingFor(QByteArrayView contentEncoding);

    explicit ContentDecoder(Coding coding);
    ~ContentDecoder();
    ContentDecoder(const ContentDecoder &) = delete;
    ContentDecoder &operator=(const ContentDecoder &) = delete;

    /// Decodes from the front of `input` (what is used is removed from it)
    /// and appends at most `maxOutput` bytes to `output`.
    Status decode(QByteArray &input, QByteArray &output, qsizetype maxOutput);
    /// Whether the coded stream has ended (End was returned).
    bool atEnd() const { return m_end; }
    /// What was wrong, as a phrase ("invalid block type").
    QString errorString() const { return m_error; }

private:
    struct Stream;
    bool begin(QByteArrayView first);

    Coding m_coding;
    std::unique_ptr<Stream> m_stream; ///< zlib's state, once the first bytes told its format
    bool m_end = false;
    bool m_ignoringRest = false; ///< the end was followed by no further gzip member
    QString m_error;
};

} // namespace Longwatch
