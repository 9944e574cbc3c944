#pragma once

#include <QtGlobal>

#include <chrono>

namespace Longwatch {

/// How long a connection of Longwatch's own client may go without a sign
/// of life from the server's machine before the kernel gives it up, unless
/// a request says otherwise (deadConnectionLimitAttribute()).
///
/// A held long poll sends nothing for minutes, so a path that died (a NAT
/// box that forgot the connection, a Wi-Fi that went, a server's host that
/// vanished) shows nowhere until the poll's deadline. The kernel can ask
/// for us: TCP keep-alive probes while nothing is sent, answered by a
/// healthy peer's kernel whatever its application does, and
/// TCP_USER_TIMEOUT for data the peer does not acknowledge.
inline constexpr std::chrono::seconds kDefaultDeadConnectionLimit{18};

/// A QNetworkRequest attribute (QNetworkRequest::User + 41) whose value,
/// in whole seconds (an int), replaces kDefaultDeadConnectionLimit for the
/// connection a request opens; 0 leaves the system's keep-alive settings.
constexpr int deadConnectionLimitAttribute()
{
    return 1000 + 41; // QNetworkRequest::User is 1000
}

/// Sets keep-alive and the user timeout on the connected TCP socket
/// `descriptor` so that a dead path is noticed within about `limit`:
/// probes start after half of it without traffic, then come every sixth,
/// and the connection ends once `limit` passed without an answer. False
/// if the system refused an option (the connection then relies on its
/// deadlines alone).
bool setDeadConnectionLimit(qintptr descriptor, std::chrono::seconds limit);

} // namespace Longwatch
