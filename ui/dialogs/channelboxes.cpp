#include "channelboxes.h"

#include "channel.h"
#include "tlsinfo.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPointer>
#include <QPushButton>

#include <climits>

namespace Longwatch {

TrustCertificateBox *TrustCertificateBox::open(Channel *channel, QWidget *parent)
{
    if (!channel || !channel->tlsFailure().canBePinned())
        return nullptr;
    auto *box = new TrustCertificateBox(channel, parent);
    box->QMessageBox::open();
    return box;
}

TrustCertificateBox::TrustCertificateBox(Channel *channel, QWidget *parent)
    : QMessageBox(QMessageBox::Warning, tr("Trust This Certificate?"), {},
                  QMessageBox::Yes | QMessageBox::Cancel, parent)
{
    const TlsFailure failure = channel->tlsFailure();
    const CertificateInfo &certificate = failure.certificate;
    setObjectName(QStringLiteral("trustCertificateBox"));
    setAttribute(Qt::WA_DeleteOnClose);
    setText(tr("The server of %1 presented a certificate that could not be verified: %2")
                .arg(channel->name(), failure.errorStrings.join(QLatin1Char(' '))));
    setInformativeText(
        tr("Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256: %5\n\nTrust only a "
           "certificate you recognise. This channel will accept exactly this certificate "
           "from now on; other channels are not affected.")
            .arg(certificate.subject, certificate.issuer,
                 QLocale().toString(certificate.notBefore, QLocale::ShortFormat),
                 QLocale().toString(certificate.notAfter, QLocale::ShortFormat),
                 certificate.fingerprintText()));
    button(QMessageBox::Yes)->setText(tr("&Trust This Certificate"));
    setDefaultButton(QMessageBox::Cancel);
    const QPointer<Channel> guard(channel);
    const QString sha256 = certificate.sha256;
    connect(this, &QMessageBox::accepted, this, [this, guard, sha256] {
        if (guard && guard->trustCertificate(sha256))
            Q_EMIT trusted(guard->name());
    });
}

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

RemoveChannelBox *RemoveChannelBox::open(const Channel *channel, qint64 storedEvents,
                                         QWidget *parent)
{
    if (!channel)
        return nullptr;
    auto *box = new RemoveChannelBox(channel, storedEvents, parent);
    box->QMessageBox::open();
    return box;
}

RemoveChannelBox::RemoveChannelBox(const Channel *channel, qint64 storedEvents, QWidget *parent)
    : QMessageBox(QMessageBox::Question, tr("Remove Channel"),
                  tr("Remove the channel \"%1\"?").arg(channel->name()), QMessageBox::NoButton,
                  parent)
{
    setInformativeText(tr("Longwatch stops watching it and forgets its settings and jobs. "
                          "Events already shown stay until you clear them."));
    if (storedEvents > 0) {
        m_forget = new QCheckBox(tr("Also delete its %n stored event(s) from the event log",
                                    nullptr, int(std::min<qint64>(storedEvents, INT_MAX))));
        m_forget->setObjectName(QStringLiteral("forgetHistory"));
        setCheckBox(m_forget);
    }
    QPushButton *remove = addButton(tr("Remove"), QMessageBox::DestructiveRole);
    addButton(QMessageBox::Cancel);
    setDefaultButton(QMessageBox::Cancel);
    setAttribute(Qt::WA_DeleteOnClose);
    connect(this, &QMessageBox::finished, this, [this, remove] {
        if (clickedButton() == remove)
            Q_EMIT removeConfirmed(m_forget && m_forget->isChecked());
    });
}

} // namespace Longwatch
