#include "logging.h"

Q_LOGGING_CATEGORY(lcPoller, "longwatch.poller")
Q_LOGGING_CATEGORY(lcPollerVerbose, "longwatch.poller.verbose", QtWarningMsg)
Q_LOGGING_CATEGORY(lcProfile, "longwatch.profile")
Q_LOGGING_CATEGORY(lcNetwork, "longwatch.network")
Q_LOGGING_CATEGORY(lcNetworkVerbose, "longwatch.network.verbose", QtWarningMsg)
Q_LOGGING_CATEGORY(lcFeedServer, "longwatch.feedserver")
Q_LOGGING_CATEGORY(lcStore, "longwatch.store")
Q_LOGGING_CATEGORY(lcUi, "longwatch.ui")
