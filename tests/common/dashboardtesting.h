#pragma once

// The dashboard as app/longwatch.cpp wires it to an event log, for widget
// tests: a channel manager, the window, the log's writer and reader, and
// the recorder between them.

#include "channelmanager.h"
#include "channelstore.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventrecorder.h"
#include "mainwindow.h"

#include <QSettings>

namespace Longwatch::Testing {

struct LoggedDashboard
{
    explicit LoggedDashboard(QSettings *settings)
        : window(&manager, settings)
    {}
    ~LoggedDashboard() { window.setEventLog(nullptr, nullptr, nullptr); }

    /// Opens the log at `path` (which must exist) for writing and reading
    /// and connects the window to it; false if either cannot be opened.
    bool open(const QString &path)
    {
        if (!writer.open(path) || !reader.open(path, EventLog::OpenMode::MustExist))
            return false;
        window.setEventLog(&reader, &writer, &recorder);
        return true;
    }

    MemoryChannelStore store;
    ChannelManager manager{&store};
    MainWindow window;
    EventLogWriter writer;
    EventLog reader;
    EventRecorder recorder{&manager, &writer};
};

} // namespace Longwatch::Testing
