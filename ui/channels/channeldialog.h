#pragma once

#include "channelconfig.h"
#include "connectiontest.h"

#include <QDialog>
#include <QHash>
#include <QList>
#include <QStringList>
#include <utility>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTreeWidget;

namespace Longwatch {

class NotificationRulesEditor;

class NetworkAccessManager;

/// Adds or edits a channel: name, address, profile, the profile's knobs,
/// headers and credentials, timing, the job mapping and notifications.
/// Every field is checked as it is typed, with the reason beside it; OK is
/// enabled only when the whole configuration can run. "Test connection"
/// makes one real poll with what is in the fields and shows the outcome;
/// when the server's certificate was refused for reasons a pin overrides,
/// it shows the certificate and offers to trust it (pin it) and test again.
class ChannelDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit ChannelDialog(QWidget *parent = nullptr);
    ~ChannelDialog() override;

    /// Fills the fields from `config` (and keeps what the dialog does not
    /// show: id, paused, transient). Without a call the dialog adds a channel.
    void setConfig(const ChannelConfig &config);
    /// The global default rules, shown in the Notifications tab while the
    /// channel follows them.
    void setDefaultNotificationRules(const NotificationRules &rules);
    /// The configuration the fields describe.
    ChannelConfig config() const;
    /// The groups there are, offered by the Group field (which takes a new name too).
    void setGroupNames(const QStringList &groups);
    /// Names other channels use already; the name field refuses them.
    void setTakenNames(const QStringList &names);
    /// Why secrets are less protected than they could be (the SecretStore's
    /// warning); shown next to every secret field. Empty: nothing shown.
    void setSecretWarning(const QString &warning);

    /// What keeps the configuration from being accepted; empty if nothing.
    QStringList problems() const { return m_problems; }

    /// Starts (or cancels) the connection test, as the button does.
    void toggleTest();
    const ConnectionTest *connectionTest() const { return m_test; }

Q_SIGNALS:
    /// Emitted when a connection test ended and its outcome is shown.
    void testFinished(Longwatch::ConnectionTest::Outcome outcome);

private:
    /// The address typed, with the hidden secrets put back.
    QString urlText() const;
    QWidget *buildFeedTab();
    void addGroupRow(QFormLayout *form);
    QWidget *buildAccessTab();
    QWidget *buildConnectionTab();
    QWidget *buildTimingTab();
    QWidget *buildKnobsTab();
    QWidget *buildJobsTab();
    QWidget *buildNotificationsTab();
    QWidget *buildTestBox();
    QLineEdit *addLineRow(QFormLayout *form, const QString &label, const QString &objectName,
                          QLabel **error, const QString &help = {});
    QDoubleSpinBox *addSecondsRow(QFormLayout *form, const QString &label,
                                  const QString &objectName, double minimum, double maximum,
                                  const QString &help);
    void onProfileChanged();
    /// Shows the Feed format rows of the chosen profile (and any that hold a value).
    void showTheProfilesKnobs();
    void onAuthChanged();
    void onProxyModeChanged();
    QLabel *addSecretWarning(QWidget *field);
    void validate();
    /// The error label and the tab of a problem's field (no label for
    /// the few the dialog cannot get wrong, e.g. the size limits).
    std::pair<QLabel *, int> placeOf(const ChannelConfig::Problem &problem) const;
    QList<QLabel *> errorLabels() const;
    void setError(QLabel *label, const QString &text);
    void onTestFinished(ConnectionTest::Outcome outcome);
    void showTestRunning();
    void trustTestedCertificate();
    /// Adds a fingerprint to the pinned certificates unless it is there.
    void addPin(const QString &pin);
    std::chrono::milliseconds profileDefaultHold() const;
    QVariantMap knobs() const;

    ChannelConfig m_base;
    QStringList m_takenNames;
    QStringList m_problems;
    bool m_editing = false;

    QTabWidget *m_tabs = nullptr;
    QLineEdit *m_name = nullptr;
    QLabel *m_nameError = nullptr;
    QLineEdit *m_url = nullptr;
    QLabel *m_urlError = nullptr;
    QComboBox *m_profile = nullptr;
    QComboBox *m_group = nullptr;
    QLabel *m_profileHelp = nullptr;
    QLabel *m_profileError = nullptr;
    QDoubleSpinBox *m_hold = nullptr;

    QFormLayout *m_accessForm = nullptr;
    QComboBox *m_auth = nullptr;
    QLineEdit *m_token = nullptr;
    QLabel *m_tokenError = nullptr;
    QLineEdit *m_user = nullptr;
    QLabel *m_userError = nullptr;
    QLineEdit *m_password = nullptr;
    QPlainTextEdit *m_headers = nullptr;
    QLabel *m_headersError = nullptr;

    QList<QLabel *> m_secretWarnings;
    QString m_secretWarning;

    QFormLayout *m_connectionForm = nullptr;
    QComboBox *m_proxyMode = nullptr;
    QPlainTextEdit *m_alternateUrls = nullptr;
    QLabel *m_alternateUrlsError = nullptr;
    QLineEdit *m_proxyHost = nullptr;
    QLabel *m_proxyHostError = nullptr;
    QSpinBox *m_proxyPort = nullptr;
    QLineEdit *m_proxyUser = nullptr;
    QLineEdit *m_proxyPassword = nullptr;
    QComboBox *m_httpVersion = nullptr;
    QLabel *m_httpVersionHelp = nullptr;
    QLineEdit *m_caFile = nullptr;
    QLabel *m_caFileError = nullptr;
    QLineEdit *m_clientCert = nullptr;
    QLabel *m_clientCertError = nullptr;
    QLineEdit *m_clientKey = nullptr;
    QLabel *m_clientKeyError = nullptr;
    QLineEdit *m_keyPassphrase = nullptr;
    QListWidget *m_pins = nullptr;
    QPushButton *m_removePin = nullptr;
    QSpinBox *m_maxBody = nullptr;
    QSpinBox *m_maxHeader = nullptr;
    QSpinBox *m_maxEvents = nullptr;

    QDoubleSpinBox *m_connectTimeout = nullptr;
    QDoubleSpinBox *m_deadlineMargin = nullptr;
    QDoubleSpinBox *m_inactivity = nullptr;
    QDoubleSpinBox *m_backoffInitial = nullptr;
    QDoubleSpinBox *m_backoffMax = nullptr;
    /// Stored secret header values shown masked, as (lower-case name, value).
    HeaderList m_hiddenHeaderValues;
    /// Secrets of the stored address shown as ***, in order.
    QStringList m_hiddenUrlSecrets;
    QSpinBox *m_keepEvents = nullptr;
    QSpinBox *m_keepDays = nullptr;
    QLabel *m_backoffError = nullptr;

    QFormLayout *m_knobsForm = nullptr;
    /// The Feed format tab's rows in order: a heading (no label) with the
    /// knobs under it, or a knob's label and field.
    struct KnobRow
    {
        QWidget *label = nullptr;
        QWidget *field = nullptr;
        QStringList knobs;
    };
    QList<KnobRow> m_knobRows;
    QHash<QString, QLineEdit *> m_knobEdits;
    QHash<QString, QLabel *> m_knobErrors;

    QLineEdit *m_jobPaths = nullptr;
    QLabel *m_jobPathsError = nullptr;
    QLineEdit *m_statusPath = nullptr;
    QLabel *m_statusPathError = nullptr;
    QLineEdit *m_progressPath = nullptr;
    QLabel *m_progressPathError = nullptr;
    NotificationRulesEditor *m_notifications = nullptr; ///< the Notifications tab
    QLineEdit *m_jobSeries = nullptr;                   ///< ChannelConfig::jobSeriesPattern
    QLabel *m_jobSeriesError = nullptr;

    QPushButton *m_testButton = nullptr;
    QLabel *m_testIcon = nullptr;
    QLabel *m_testStatus = nullptr;
    QLabel *m_testDetail = nullptr;
    QPushButton *m_trustButton = nullptr;
    QTreeWidget *m_testPreview = nullptr;
    QDialogButtonBox *m_buttons = nullptr;

    NetworkAccessManager *m_network = nullptr;
    ConnectionTest *m_test = nullptr;
};

} // namespace Longwatch
