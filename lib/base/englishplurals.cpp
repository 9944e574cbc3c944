#include "englishplurals.h"

#include <QCoreApplication>
#include <QTranslator>

#include <cstring>

namespace Longwatch {
namespace {

class EnglishPlurals final : public QTranslator
{
public:
    using QTranslator::QTranslator;

    bool isEmpty() const override { return false; }

    QString translate(const char *context, const char *sourceText, const char *disambiguation,
                      int n) const override
    {
        Q_UNUSED(context)
        Q_UNUSED(disambiguation)
        // An empty answer leaves the text to Qt (and to other translators).
        if (n < 0 || !sourceText || !std::strstr(sourceText, "(s)"))
            return {};
        QString text = QString::fromUtf8(sourceText);
        text.replace(QStringLiteral("(s)"), n == 1 ? QString() : QStringLiteral("s"));
        return text;
    }
};

} // namespace

void installEnglishPlurals(QCoreApplication *app)
{
    QCoreApplication::installTranslator(new EnglishPlurals(app));
}

} // namespace Longwatch
