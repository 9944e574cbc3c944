#include "proxycredentialsdialog.h"

#include "channel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>

namespace Longwatch {

ProxyCredentialsDialog *ProxyCredentialsDialog::open(Channel *channel, const QString &secretWarning,
                                                     QWidget *parent)
{
    if (!channel)
        return nullptr;
    auto *dialog = new ProxyCredentialsDialog(channel, secretWarning, parent);
    dialog->QDialog::open();
    return dialog;
}

ProxyCredentialsDialog::ProxyCredentialsDialog(Channel *channel, const QString &secretWarning,
                                               QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("proxyCredentialsDialog"));
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Proxy Sign-in — %1").arg(channel->name()));
    auto *form = new QFormLayout(this);
    const ProxySettings &proxy = channel->config().timing.transport.proxy;
    auto *intro = new QLabel(
        tr("The proxy %1 refused the credentials of %2. Enter its user name and password.")
            .arg(proxy.displayName().isEmpty() ? tr("of the system") : proxy.displayName(),
                 channel->name()));
    intro->setWordWrap(true);
    form->addRow(intro);
    auto *user = new QLineEdit(proxy.user);
    user->setObjectName(QStringLiteral("proxyUserEdit"));
    auto *password = new QLineEdit;
    password->setObjectName(QStringLiteral("proxyPasswordEdit"));
    password->setEchoMode(QLineEdit::Password);
    form->addRow(tr("&User:"), user);
    form->addRow(tr("&Password:"), password);
    if (!secretWarning.isEmpty()) {
        auto *label = new QLabel(tr("⚠ %1").arg(secretWarning));
        label->setWordWrap(true);
        form->addRow(label);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    const QPointer<Channel> guard(channel);
    connect(this, &QDialog::accepted, this, [guard, user, password] {
        if (guard)
            guard->setProxyCredentials(user->text(), password->text());
    });
}

} // namespace Longwatch
