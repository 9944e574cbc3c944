#include "channelstore.h"

namespace Longwatch {

ChannelStore::~ChannelStore() = default;

QString ChannelStore::secretsForgotten()
{
    return tr("Secrets are not saved: they are forgotten when Longwatch quits.");
}

void ChannelStore::readSecrets(const ChannelConfig &config, QObject *context,
                               std::function<void(const ChannelConfig &)> done)
{
    Q_UNUSED(context)
    ChannelConfig filled = config;
    filled.pendingSecretFields.clear();
    done(filled);
}

} // namespace Longwatch
