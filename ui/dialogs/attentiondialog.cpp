#include "attentiondialog.h"

#include "channel.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "jobmodel.h"
#include "notifier.h"
#include "statuscolors.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace std::chrono_literals;

namespace Longwatch {

namespace {

constexpr int kChannelIdRole = Qt::UserRole + 1;
constexpr int kJobRole = Qt::UserRole + 2;

} // namespace

AttentionDialog::AttentionDialog(ChannelManager *manager, JobModel *jobs, Notifier *notifier,
                                 QWidget *parent)
    : QDialog(parent)
    , m_manager(manager)
    , m_jobs(jobs)
    , m_notifier(notifier)
{
    setObjectName(QStringLiteral("attentionDialog"));
    setWindowTitle(tr("Needs Attention"));
    auto *layout = new QVBoxLayout(this);
    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("attentionList"));
    m_list->setHeaderLabels({tr("What"), tr("Channel"), tr("Why"), tr("On it")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    layout->addWidget(m_list, 1);

    auto *buttons = new QHBoxLayout;
    m_onIt = new QToolButton;
    m_onIt->setObjectName(QStringLiteral("onItButton"));
    m_onIt->setText(tr("I'm on it"));
    m_onIt->setToolTip(tr("No more notifications of this job failing for a while"));
    m_onIt->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(m_onIt);
    const auto add = [this, menu](const QString &text, std::chrono::milliseconds duration) {
        connect(menu->addAction(text), &QAction::triggered, this,
                [this, duration] { acknowledgeSelected(duration); });
    };
    add(tr("For 30 minutes"), 30min);
    add(tr("For an hour"), 1h);
    add(tr("For 4 hours"), 4h);
    add(tr("For a day"), 24h);
    m_onIt->setMenu(menu);
    m_show = new QPushButton(tr("&Show"));
    m_show->setObjectName(QStringLiteral("attentionShow"));
    connect(m_show, &QPushButton::clicked, this, [this] {
        if (const QTreeWidgetItem *item = m_list->currentItem())
            Q_EMIT showRequested(item->data(0, kChannelIdRole).toString(),
                                 item->data(0, kJobRole).toString());
    });
    buttons->addWidget(m_onIt);
    buttons->addWidget(m_show);
    buttons->addStretch(1);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    buttons->addWidget(close);
    layout->addLayout(buttons);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &AttentionDialog::updateButtons);
    connect(m_list, &QTreeWidget::itemActivated, m_show, &QPushButton::click);

    if (jobs)
        connect(jobs, &JobModel::countsChanged, this, &AttentionDialog::refresh);
    if (manager) {
        connect(manager, &ChannelManager::channelStateChanged, this, &AttentionDialog::refresh);
        connect(manager, &ChannelManager::channelRemoved, this, &AttentionDialog::refresh);
    }
    if (notifier)
        connect(notifier, &Notifier::acknowledgementsChanged, this, &AttentionDialog::refresh);
    refresh();
    resize(760, 420);
}

void AttentionDialog::refresh()
{
    // Kept across a refresh: what was selected.
    const QTreeWidgetItem *current = m_list->currentItem();
    const QString currentChannel =
        current ? current->data(0, kChannelIdRole).toString() : QString();
    const QString currentJob = current ? current->data(0, kJobRole).toString() : QString();
    m_list->clear();
    const QPalette palette = this->palette();
    QTreeWidgetItem *select = nullptr;
    const auto add = [&](const QStringList &texts, const QString &channelId, const QString &job,
                         const QColor &color) {
        auto *item = new QTreeWidgetItem(m_list, texts);
        item->setData(0, kChannelIdRole, channelId);
        item->setData(0, kJobRole, job);
        item->setForeground(0, color);
        item->setToolTip(2, texts.value(2));
        if (channelId == currentChannel && job == currentJob)
            select = item;
    };
    if (m_manager) {
        for (const Channel *channel : m_manager->channels()) {
            const Poller::State state = channel->state();
            if (state != Poller::State::Failed && state != Poller::State::Backoff)
                continue;
            add({state == Poller::State::Failed ? tr("Channel failed") : tr("Channel retrying"),
                 channel->name(),
                 ChannelModel::statusText(channel, QDateTime::currentDateTimeUtc()), QString()},
                channel->id(), QString(), StatusColors::forChannelState(state, palette));
        }
    }
    if (m_jobs) {
        for (int row = 0; row < m_jobs->rowCount(); ++row) {
            const QModelIndex index = m_jobs->index(row, JobModel::JobColumn);
            if (index.data(JobModel::StatusRole).value<JobStatus>() != JobStatus::Failed)
                continue;
            const QString channelId = index.data(JobModel::ChannelIdRole).toString();
            const QString job = index.data().toString();
            const QDateTime until =
                m_notifier ? m_notifier->jobAcknowledgedUntil(channelId, job) : QDateTime();
            const QString onIt = until.isValid()
                                     ? tr("until %1")
                                           .arg(QLocale().toString(until.toLocalTime().time(),
                                                                   QStringLiteral("HH:mm")))
                                     : QString();
            // One someone is on is no longer red.
            add({tr("%1 failed").arg(job),
                 m_jobs->index(row, JobModel::ChannelColumn).data().toString(),
                 index.data(JobModel::MessageRole).toString(), onIt},
                channelId, job,
                until.isValid() ? palette.color(QPalette::PlaceholderText)
                                : StatusColors::forJobStatus(JobStatus::Failed, palette));
        }
    }
    for (int column = 0; column < m_list->columnCount(); ++column) {
        if (column != 2)
            m_list->resizeColumnToContents(column);
    }
    if (select)
        m_list->setCurrentItem(select);
    const int open = m_notifier ? m_notifier->needsAttentionCount() : m_list->topLevelItemCount();
    setWindowTitle(open == 0 ? tr("Needs Attention — nothing open")
                             : tr("Needs Attention — %1 open").arg(open));
    updateButtons();
}

void AttentionDialog::acknowledgeSelected(std::chrono::milliseconds duration)
{
    const QTreeWidgetItem *item = m_list->currentItem();
    if (!item || !m_notifier || item->data(0, kJobRole).toString().isEmpty())
        return;
    m_notifier->acknowledgeJob(item->data(0, kChannelIdRole).toString(),
                               item->data(0, kJobRole).toString(), duration);
}

void AttentionDialog::updateButtons()
{
    const QTreeWidgetItem *item = m_list->currentItem();
    m_onIt->setEnabled(item && !item->data(0, kJobRole).toString().isEmpty());
    m_show->setEnabled(item != nullptr);
}

} // namespace Longwatch
