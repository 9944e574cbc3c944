#pragma once

#include <QLoggingCategory>

// Every logging category Longwatch uses, in one place. Enable the chatty one
// with QT_LOGGING_RULES="longwatch.poller.verbose=true".
Q_DECLARE_LOGGING_CATEGORY(lcPoller)
Q_DECLARE_LOGGING_CATEGORY(lcPollerVerbose)
Q_DECLARE_LOGGING_CATEGORY(lcProfile)
Q_DECLARE_LOGGING_CATEGORY(lcNetwork)
Q_DECLARE_LOGGING_CATEGORY(lcNetworkVerbose)
Q_DECLARE_LOGGING_CATEGORY(lcFeedServer)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcUi)
