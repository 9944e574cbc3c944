#pragma once

class QCoreApplication;

namespace Longwatch {

/// Makes "%n event(s)" read "1 event" and "3 events": a translator for the
/// source language that drops or completes every "(s)" of a text that has
/// a count (tr(text, nullptr, n)). Longwatch ships no translations, and
/// without a catalogue Qt shows its numerus texts as written ("1 event(s)").
/// Installed once per program, right after the application object.
void installEnglishPlurals(QCoreApplication *app);

} // namespace Longwatch
