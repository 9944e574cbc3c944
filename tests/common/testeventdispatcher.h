#pragma once

#include "epolleventdispatcher.h"

#include <QCoreApplication>

// Tests of code that runs on the network thread are registered twice with
// CTest: once on Qt's event dispatcher (as the command-line tools run), once
// with LONGWATCH_TEST_EVENT_DISPATCHER=epoll on the network thread's own
// (EpollEventDispatcher). Call before the QCoreApplication is made.
inline void useTestEventDispatcher()
{
    if (qEnvironmentVariable("LONGWATCH_TEST_EVENT_DISPATCHER") != QLatin1String("epoll"))
        return;
    QAbstractEventDispatcher *dispatcher = Longwatch::createNetworkEventDispatcher();
    if (!dispatcher)
        qFatal("LONGWATCH_TEST_EVENT_DISPATCHER=epoll, but there is no epoll dispatcher here");
    QCoreApplication::setEventDispatcher(dispatcher);
}
