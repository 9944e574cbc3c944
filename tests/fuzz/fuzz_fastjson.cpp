// libFuzzer harness for GenericJsonProfile's fast scan (FastJsonScanner):
// every answer must parse exactly as it does with QJsonDocument alone (the
// same verdict, events, cursor and error sentences). The input is
//
//     byte 0      which option set and cursor (FastScanDiff::optionSets(),
//                 FastScanDiff::cursors())
//     rest        the body of a 200 answer
//
// Any difference aborts, with what differed on stderr.

#include "fastscandiff.h"

#include <QLoggingCategory>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace Longwatch;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const QList<GenericJsonOptions> sets = FastScanDiff::optionSets();
    static const QStringList cursors = FastScanDiff::cursors();
    const GenericJsonOptions &options = sets.at(data[0] % sets.size());
    const QString &cursor = cursors.at((data[0] / sets.size()) % cursors.size());
    const QByteArray body(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const QString why = FastScanDiff::compare(options, body, cursor);
    if (!why.isEmpty()) {
        std::fprintf(stderr, "the fast scan differs from QJsonDocument: %s\n", qPrintable(why));
        std::abort();
    }
    return 0;
}
