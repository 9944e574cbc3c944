#pragma once

#include "genericjsonprofile.h"

namespace Longwatch {

/// ntfy in poll mode, `GET /<topic>/json?poll=1&since=<last message id|all>`
/// (https://docs.ntfy.sh/subscribe/api/#poll-for-messages), as a generic JSON
/// preset: NDJSON lines of `{"id","time","event","topic","message"}`;
/// `open` and `keepalive` lines (and `poll_request`, ntfy's nudge to mobile
/// clients) are noise; the cursor is the last message's id; the first poll
/// asks for `since=all` (everything the server still caches).
///
/// ntfy has no held long poll: without poll=1 its /json endpoint is a
/// stream that never ends (one NDJSON line per message plus keepalives),
/// which the Poller, reading whole answers, cannot use; with poll=1 it
/// answers at once. So the hold time is small: it only bounds how long the
/// server may take to send the cached messages (the Poller adds its margin),
/// and a poll interval (5 s, knob "poll-interval") paces the polls.
///
/// A `topic` URL (`https://ntfy.sh/alerts`) or its /json URL both work.
GenericJsonOptions ntfyOptions(const QUrl &url);

} // namespace Longwatch
