#include "notificationruleseditor.h"

#include "labels.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Longwatch {

using Transition = NotificationRules::Transition;

NotificationRulesEditor::NotificationRulesEditor(const QString &followText, QWidget *parent)
    : QWidget(parent)
    , m_followText(followText)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    if (!followText.isEmpty()) {
        m_follow = new QCheckBox(followText);
        m_follow->setObjectName(QStringLiteral("followDefaultRules"));
        connect(m_follow, &QCheckBox::toggled, this, &NotificationRulesEditor::onFollowToggled);
        layout->addWidget(m_follow);
    }
    m_rows = new QWidget;
    auto *grid = new QGridLayout(m_rows);
    grid->setContentsMargins(m_follow ? 20 : 0, 4, 0, 0);
    grid->setHorizontalSpacing(18);
    auto *notifyHeader = dimLabel(tr("Notify me when"));
    auto *criticalHeader = dimLabel(tr("Even when quiet"));
    criticalHeader->setToolTip(tr("Announced during quiet hours and a snooze too"));
    grid->addWidget(notifyHeader, 0, 0);
    grid->addWidget(criticalHeader, 0, 1, Qt::AlignHCenter);
    int row = 1;
    for (const Transition t : NotificationRules::transitions()) {
        auto *on = new QCheckBox(NotificationRules::label(t));
        on->setObjectName(QStringLiteral("notify-") + NotificationRules::key(t));
        auto *critical = new QCheckBox;
        critical->setObjectName(QStringLiteral("critical-") + NotificationRules::key(t));
        critical->setAccessibleName(tr("%1, even when quiet").arg(NotificationRules::label(t)));
        critical->setToolTip(tr("Breaks through quiet hours and a snooze"));
        connect(on, &QCheckBox::toggled, critical, &QWidget::setEnabled);
        for (QCheckBox *box : {on, critical})
            connect(box, &QCheckBox::toggled, this, &NotificationRulesEditor::changed);
        m_on.insert(int(t), on);
        m_critical.insert(int(t), critical);
        if (t == Transition::ChannelDown) {
            // "The channel is down for more than [5] minutes"
            m_downMinutes = new QSpinBox;
            m_downMinutes->setObjectName(QStringLiteral("downMinutes"));
            m_downMinutes->setRange(1, NotificationRules::kMaxDownMinutes);
            m_downMinutes->setSuffix(tr(" min"));
            m_downMinutes->setAccessibleName(tr("Minutes down before it is announced"));
            connect(on, &QCheckBox::toggled, m_downMinutes, &QWidget::setEnabled);
            connect(m_downMinutes, &QSpinBox::valueChanged, this,
                    &NotificationRulesEditor::changed);
            auto *line = new QWidget;
            auto *lineLayout = new QHBoxLayout(line);
            lineLayout->setContentsMargins(0, 0, 0, 0);
            lineLayout->addWidget(on);
            lineLayout->addWidget(m_downMinutes);
            lineLayout->addStretch(1);
            grid->addWidget(line, row, 0);
        } else {
            grid->addWidget(on, row, 0);
        }
        grid->addWidget(critical, row, 1, Qt::AlignHCenter);
        ++row;
    }
    grid->setColumnStretch(0, 1);
    layout->addWidget(m_rows);
    showRules(m_own);
}

void NotificationRulesEditor::showRules(const NotificationRules &rules)
{
    for (const Transition t : NotificationRules::transitions()) {
        const QSignalBlocker blockOn(m_on.value(int(t)));
        const QSignalBlocker blockCritical(m_critical.value(int(t)));
        m_on.value(int(t))->setChecked(rules.isOn(t));
        m_critical.value(int(t))->setChecked(rules.breaksThrough(t));
        m_critical.value(int(t))->setEnabled(rules.isOn(t));
    }
    const QSignalBlocker blockMinutes(m_downMinutes);
    m_downMinutes->setValue(rules.downMinutes());
    m_downMinutes->setEnabled(rules.isOn(Transition::ChannelDown));
}

void NotificationRulesEditor::setRules(const NotificationRules &rules)
{
    m_own = rules;
    if (!isFollowing())
        showRules(rules);
}

NotificationRules NotificationRulesEditor::rules() const
{
    if (isFollowing())
        return m_own;
    NotificationRules rules;
    for (const Transition t : NotificationRules::transitions()) {
        rules.setOn(t, m_on.value(int(t))->isChecked());
        rules.setBreaksThrough(t, m_critical.value(int(t))->isChecked());
    }
    rules.setDownMinutes(m_downMinutes->value());
    return rules;
}

void NotificationRulesEditor::setDefault(const NotificationRules &defaults)
{
    m_default = defaults;
    if (isFollowing())
        showRules(followed());
}

void NotificationRulesEditor::setFollowing(bool follow)
{
    if (!m_follow)
        return;
    const QSignalBlocker blocker(m_follow);
    m_follow->setChecked(follow);
    showRules(follow ? followed() : m_own);
    m_rows->setEnabled(!follow);
}

bool NotificationRulesEditor::isFollowing() const
{
    return m_follow && m_follow->isChecked();
}

void NotificationRulesEditor::onFollowToggled(bool follow)
{
    if (follow) {
        // Keep what was typed for the channel: unchecking brings it back.
        m_follow->blockSignals(true);
        m_follow->setChecked(false);
        m_own = rules();
        m_follow->setChecked(true);
        m_follow->blockSignals(false);
    }
    showRules(follow ? followed() : m_own);
    m_rows->setEnabled(!follow);
    Q_EMIT changed();
}

const NotificationRules &NotificationRulesEditor::followed() const
{
    return m_groupRules ? *m_groupRules : m_default;
}

void NotificationRulesEditor::setChannelNotifications(const ChannelNotifications &notifications,
                                                      const QString &group)
{
    m_groupRules = notifications.groupRules;
    if (m_follow) {
        if (!m_groupRules)
            m_follow->setText(m_followText);
        else if (group.isEmpty())
            m_follow->setText(tr("&Use the group's rules"));
        else
            m_follow->setText(
                tr("&Use the rules of the group %1")
                    .arg(QString(group).replace(QLatin1Char('&'), QLatin1String("&&"))));
    }
    m_own = notifications.rules;
    setFollowing(notifications.followDefaults);
    if (!notifications.followDefaults)
        showRules(m_own);
}

ChannelNotifications NotificationRulesEditor::channelNotifications() const
{
    return {isFollowing(), rules(), m_groupRules};
}

} // namespace Longwatch
