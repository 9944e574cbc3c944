#pragma once

// A private D-Bus session bus for tests that need one (tst_secretstore,
// tst_desktopnotifications): its configuration, so that nothing but what
// the test starts lives on it (no service directories, nothing started on
// demand) and every test process may own and call every name.

#include <QFile>
#include <QString>

namespace Longwatch::Testing {

/// Writes a session bus configuration for `dbus-daemon --config-file` to
/// `file`, listening on `listen` (e.g. "unix:path=/tmp/x/bus" or
/// "unix:dir=/tmp/x"). False if the file cannot be written.
inline bool writePrivateBusConfig(const QString &file, const QString &listen)
{
    QFile config(file);
    if (!config.open(QIODevice::WriteOnly))
        return false;
    // (Plain string literals: moc, which reads this header, stumbles on a raw
    // one holding quotes.)
    const QString text =
        QStringLiteral("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                       "1.0//EN\"\n \"http://www.freedesktop.org/standards/dbus/1.0/"
                       "busconfig.dtd\">\n"
                       "<busconfig>\n"
                       "  <type>session</type>\n"
                       "  <listen>%1</listen>\n"
                       "  <policy context=\"default\">\n"
                       "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                       "    <allow eavesdrop=\"true\"/>\n"
                       "    <allow own=\"*\"/>\n"
                       "  </policy>\n"
                       "</busconfig>\n")
            .arg(listen);
    config.write(text.toUtf8());
    return config.flush() && config.error() == QFileDevice::NoError;
}

} // namespace Longwatch::Testing
