#include "eventspage.h"

#include "channel.h"
#include "channelbanner.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "eventdelegate.h"
#include "eventfiltermodel.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventmodel.h"
#include "eventtableview.h"
#include "filterbar.h"
#include "jsonhighlighter.h"
#include "labels.h"
#include "rowpacer.h"
#include "widthfitters.h"

#include <QComboBox>
#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QVBoxLayout>

using namespace std::chrono_literals;

namespace Longwatch {

EventsPage::EventsPage(ChannelManager *manager, ChannelModel *channels, QWidget *parent)
    : QWidget(parent)
    , m_manager(manager)
    , m_model(new EventModel(this))
    , m_filter(new EventFilterModel(this))
    , m_pacer(new RowPacer(m_model, this))
{
    m_filter->setSourceModel(m_model);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);

    // Why the selected channel fails, above its events (hidden while it is well).
    m_banner = new ChannelBanner(channels);
    m_channels = channels;
    connect(m_banner, &ChannelBanner::retryRequested, this, &EventsPage::retryRequested);
    connect(m_banner, &ChannelBanner::editRequested, this, &EventsPage::editRequested);
    layout->addWidget(m_banner);

    // Typing into a 100 000-row filter: wait for a pause in the keys.
    m_filterBar =
        new FilterBar(QStringLiteral("eventSearch"),
                      tr("Filter events by text, job, id or type (Ctrl+F)"), tr("Filter events"));
    m_filterBar->setDelay(150ms);
    connect(m_filterBar, &FilterBar::textApplied, this, [this](const QString &text) {
        m_filter->setText(text);
        updateHistoryBar();
    });
    m_typeFilter = new QComboBox;
    m_typeFilter->setObjectName(QStringLiteral("typeFilter"));
    m_typeFilter->setAccessibleName(tr("Event type"));
    m_typeFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_typeFilter->addItem(tr("All types"), QString());
    connect(m_typeFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setType(m_typeFilter->currentData().toString());
        updateHistoryBar();
    });
    m_channelFilter = new QComboBox;
    m_channelFilter->setObjectName(QStringLiteral("channelFilter"));
    m_channelFilter->setAccessibleName(tr("Channel"));
    m_channelFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_channelFilter, &QComboBox::activated, this, [this] {
        Q_EMIT channelChosen(m_manager->channel(m_channelFilter->currentData().toString()));
    });
    // Filters stay set when another channel is selected; while a text or a
    // type is set, this says so and clears both in one click.
    m_clearFiltersButton = new QPushButton(tr("Clear Filters"));
    m_clearFiltersButton->setObjectName(QStringLiteral("clearFiltersButton"));
    m_clearFiltersButton->setToolTip(tr("Show the events of every type, without a text filter"));
    m_clearFiltersButton->hide();
    connect(m_clearFiltersButton, &QPushButton::clicked, this, &EventsPage::clearFilters);
    m_filterBar->addWidget(m_typeFilter);
    m_filterBar->addWidget(m_channelFilter);
    m_filterBar->addWidget(m_clearFiltersButton);
    layout->addWidget(m_filterBar);

    // How many events the view shows, and, with a log, where the rows stand
    // in it.
    auto *historyBar = new QWidget;
    historyBar->setObjectName(QStringLiteral("historyBar"));
    auto *historyLayout = new QHBoxLayout(historyBar);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    m_historyLabel = dimLabel();
    m_historyLabel->setObjectName(QStringLiteral("historyLabel"));
    m_olderButton = new QPushButton(tr("Load Older"));
    m_olderButton->setObjectName(QStringLiteral("loadOlderButton"));
    m_olderButton->setToolTip(tr("Read older events from the event log (or scroll to the top)"));
    connect(m_olderButton, &QPushButton::clicked, this, [this] {
        setFollow(false);
        loadOlderEvents();
        m_view->scrollToTop();
    });
    m_newestButton = new QPushButton(tr("Jump to Newest"));
    m_newestButton->setObjectName(QStringLiteral("jumpToNewestButton"));
    connect(m_newestButton, &QPushButton::clicked, this, &EventsPage::jumpToNewest);
    for (QPushButton *button : {m_olderButton, m_newestButton}) {
        button->setFlat(true);
        button->hide(); // until there is a log
    }
    historyLayout->addWidget(m_historyLabel, 1);
    historyLayout->addWidget(m_olderButton);
    historyLayout->addWidget(m_newestButton);
    layout->addWidget(historyBar);

    m_view = new EventTableView;
    m_view->setObjectName(QStringLiteral("eventView"));
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setItemDelegate(new EventDelegate(m_view));
    m_view->setAccessibleName(tr("Events"));
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView *header = m_view->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    // The columns share the table's width until the user resizes one; the
    // Text column keeps at least 200 px of it.
    m_columns = new HeaderFitter(header, 200);
    const int timeWidth = fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000")) + 24;
    m_columns->setSection(EventModel::TimeColumn, timeWidth, timeWidth);
    m_columns->setSection(EventModel::ChannelColumn, 130, 72);
    m_columns->setSection(EventModel::IdColumn, 64, 40);
    m_columns->setSection(EventModel::TypeColumn, 130, 72);
    m_columns->setSection(EventModel::JobColumn, 130, 72);
    m_columns->fit();
    connect(m_view, &EventTableView::placeholderLinkActivated, this, [this](const QString &link) {
        if (link == QLatin1String("clear-filters"))
            clearFilters();
        else if (link == QLatin1String("load-older"))
            m_olderButton->click();
    });
    // The caption counts what the filter lets through.
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &EventsPage::countsChanged);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EventsPage::updateDetails);
    // Following the newest row: scrolled to once a frame. A scroll moves the
    // rows painted and paints only the new ones (EventTableView), so a
    // paint costs what the rows of one frame cost, and the shorter paints
    // hold up the next batch less.
    m_followTimer.setSingleShot(true);
    m_followTimer.setInterval(16ms);
    connect(&m_followTimer, &QTimer::timeout, this, [this] {
        if (m_follow)
            m_view->scrollToBottom();
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow && !m_followTimer.isActive())
            m_followTimer.start();
    });
    connect(m_filter, &QAbstractItemModel::modelReset, this, &EventsPage::updateDetails);
    connect(m_view->verticalScrollBar(), &QScrollBar::actionTriggered, this,
            &EventsPage::onScrollAction);
    connect(m_model, &EventModel::typesChanged, this, &EventsPage::updateTypeFilter);

    m_detailPane = new QWidget;
    auto *detailLayout = new QVBoxLayout(m_detailPane);
    detailLayout->setContentsMargins(0, 4, 0, 0);
    detailLayout->setSpacing(4);
    m_detailHeader = dimLabel();
    m_detailHeader->setTextFormat(Qt::PlainText);
    m_detailHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail = new QPlainTextEdit;
    m_detail->setObjectName(QStringLiteral("eventDetail"));
    m_detail->setReadOnly(true);
    m_detail->setAccessibleName(tr("Event details"));
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setTabChangesFocus(true);
    m_highlighter = new JsonHighlighter(m_detail->document());
    detailLayout->addWidget(m_detailHeader);
    detailLayout->addWidget(m_detail, 1);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->setObjectName(QStringLiteral("eventSplitter"));
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_detailPane);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    layout->addWidget(m_splitter, 1);

    // The channels' names and job mappings, as they come, change and go.
    const auto follow = [this](const Channel *channel) {
        m_names.insert(channel->id(), channel->name());
        m_model->setJobMapping(channel->id(), channel->config().jobs);
    };
    for (const Channel *channel : manager->channels())
        follow(channel);
    connect(manager, &ChannelManager::channelAdded, this, [this, follow](Channel *channel) {
        follow(channel);
        updateChannelFilter();
    });
    connect(manager, &ChannelManager::channelChanged, this, [this](Channel *channel) {
        const QString name = channel->name();
        if (m_names.value(channel->id()) != name) {
            m_names.insert(channel->id(), name);
            m_model->renameChannel(channel->id(), name);
            updateChannelFilter();
            Q_EMIT channelRenamed(channel->id(), name);
        }
        m_model->setJobMapping(channel->id(), channel->config().jobs);
    });
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        m_names.remove(id);
        if (m_filter->channelId() == id)
            m_filter->setChannelId({});
        updateChannelFilter();
    });
    updateChannelFilter();
    updateHistoryBar();
    updateDetails();
}

EventsPage::~EventsPage() = default;

void EventsPage::addBatch(const Channel *channel, const EventList &events)
{
    m_pacer->add({channel->id(), channel->name(), events});
}

void EventsPage::setCurrentChannel(const Channel *channel)
{
    const QString id = channel ? channel->id() : QString();
    m_filter->setChannelId(id);
    m_banner->setCurrentIndex(m_channels->indexOf(channel));
    m_channelFilter->setCurrentIndex(std::max(0, m_channelFilter->findData(id)));
    updateHistoryBar(); // the text and type filters stay: say what they let through
    if (m_follow)
        m_view->scrollToBottom();
}

bool EventsPage::setEventLog(EventLog *reader, EventLogWriter *writer)
{
    m_log = reader;
    m_model->setHistory(reader, [this](const QString &id) { return channelName(id); });
    if (!reader)
        return true;
    m_storedTotal = std::max<qint64>(0, reader->countEvents({}));
    const bool loaded = m_model->loadNewest();
    if (writer) {
        connect(writer, &EventLogWriter::committed, this,
                [this](const QString &, const QString &, int added) {
                    m_storedTotal += added;
                    Q_EMIT countsChanged();
                });
        connect(writer, &EventLogWriter::eventsDeleted, this, [this](int count) {
            m_storedTotal = std::max<qint64>(0, m_storedTotal - count);
            Q_EMIT countsChanged();
        });
        connect(writer, &EventLogWriter::writeFailed, this, [this](const QString &message) {
            Q_EMIT this->message(
                tr("Events are not being saved right now (Longwatch keeps trying): %1")
                    .arg(message),
                15000);
        });
    }
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_model, signal, this, &EventsPage::countsChanged);
    connect(m_model, &QAbstractItemModel::modelReset, this, &EventsPage::updateHistoryBar);
    connect(m_model, &EventModel::detachedChanged, this, &EventsPage::updateHistoryBar);
    updateHistoryBar();
    if (m_follow)
        m_view->scrollToBottom();
    return loaded;
}

int EventsPage::loadOlderEvents()
{
    if (!m_model->canFetchOlder())
        return 0;
    // Keep the row at the top of the view where it is while rows go in above it.
    const QPersistentModelIndex top = m_view->indexAt(QPoint(1, 1));
    const int visibleBefore = m_filter->rowCount();
    int read = 0;
    // A narrow filter may let few rows through: read on until some show,
    // but not the whole log at once.
    for (int page = 0; page < 10 && m_model->canFetchOlder(); ++page) {
        const int n = m_model->fetchOlder(2000);
        if (n < 0) {
            Q_EMIT message(m_log->errorString(), 10000);
            break;
        }
        read += n;
        if (n == 0 || m_filter->rowCount() > visibleBefore)
            break;
    }
    if (top.isValid())
        m_view->scrollTo(top, QAbstractItemView::PositionAtTop);
    if (read > 0)
        m_viewCleared = false;
    updateHistoryBar();
    return read;
}

int EventsPage::loadNewerEvents()
{
    if (!m_model->isDetached())
        return 0;
    const QScrollBar *bar = m_view->verticalScrollBar();
    const QPersistentModelIndex bottom =
        m_view->indexAt(QPoint(1, m_view->viewport()->height() - 2));
    const int n = m_model->fetchNewer(2000);
    if (n < 0)
        Q_EMIT message(m_log->errorString(), 10000);
    if (!m_model->isDetached())
        setFollow(bar->value() >= bar->maximum());
    else if (bottom.isValid())
        m_view->scrollTo(bottom, QAbstractItemView::PositionAtBottom);
    updateHistoryBar();
    return std::max(0, n);
}

void EventsPage::jumpToNewest()
{
    if (m_log && m_model->isDetached())
        m_model->loadNewest();
    setFollow(true);
    updateHistoryBar();
}

void EventsPage::setFollow(bool follow)
{
    m_follow = follow;
    Q_EMIT followChanged(follow);
    if (follow && m_model->isDetached()) {
        jumpToNewest();
        return;
    }
    if (follow)
        m_view->scrollToBottom();
}

void EventsPage::setDetailsVisible(bool visible)
{
    m_detailPane->setVisible(visible);
}

void EventsPage::clearView()
{
    // Hides the rows, not the events: Load Older brings them back.
    m_model->clear();
    m_viewCleared = m_model->canFetchOlder();
    updateDetails();
    updateHistoryBar();
}

void EventsPage::clearFilters()
{
    m_filterBar->clear();
    m_typeFilter->setCurrentIndex(0); // all types; updates the bar
    updateHistoryBar();
}

void EventsPage::focusFilter()
{
    m_filterBar->focusSearch();
}

void EventsPage::showText(const QString &text)
{
    m_filterBar->searchField()->setText(text); // applies after the typing pause
}

EventQuery EventsPage::currentView() const
{
    EventQuery view;
    if (!m_filter->channelId().isEmpty())
        view.channels = {m_filter->channelId()};
    if (!m_filter->type().isEmpty())
        view.types = {m_filter->type()};
    view.text = m_filter->text();
    return view;
}

void EventsPage::onScrollAction()
{
    // The person scrolled: follow while they are at the bottom, stop
    // following when they look back; at the top, read older events from
    // the log. Decided after the move is applied.
    QTimer::singleShot(0, this, [this] {
        const QScrollBar *bar = m_view->verticalScrollBar();
        const bool atBottom = bar->value() >= bar->maximum();
        const bool atTop = bar->value() <= bar->minimum() && bar->maximum() > 0;
        if (atTop && m_model->canFetchOlder()) {
            setFollow(false);
            loadOlderEvents();
            return;
        }
        if (atBottom && m_model->isDetached()) {
            loadNewerEvents();
            return;
        }
        if (atBottom != m_follow)
            setFollow(atBottom);
    });
}

void EventsPage::updateHistoryBar()
{
    if (!m_view)
        return; // building the page
    const QLocale locale;
    const int inView = m_model->rowCount();
    const int shown = m_filter->rowCount();
    const bool byTextOrType = m_filter->narrowsByTextOrType();
    const QString name = channelName(m_filter->channelId());
    const bool byChannel = !m_filter->channelId().isEmpty();

    // What the view shows, of the rows it holds; then what the log keeps.
    QString text;
    if (!byChannel && !byTextOrType) {
        text =
            inView == 1 ? tr("1 event shown") : tr("%1 events shown").arg(locale.toString(inView));
    } else {
        // "(…)" would clash with a channel named "Staging (offline)".
        const QString narrowedBy = byChannel && byTextOrType ? tr("from %1, filtered").arg(name)
                                   : byChannel               ? tr("from %1").arg(name)
                                                             : tr("filtered");
        text = tr("%1 of %2 events shown, %3")
                   .arg(locale.toString(shown), locale.toString(inView), narrowedBy);
    }
    if (m_log) {
        text += tr(" · %1 stored").arg(locale.toString(std::max<qint64>(m_storedTotal, inView)));
        if (m_model->isDetached()) {
            text += tr(" · looking back in history");
            if (m_model->missedWhileDetached() > 0)
                text += tr(", %1 new since").arg(locale.toString(m_model->missedWhileDetached()));
        }
    }
    const bool cleared = m_viewCleared && m_model->canFetchOlder();
    if (cleared)
        text += tr(" · view cleared: Load Older shows the earlier events again");
    m_historyLabel->setText(text);
    m_olderButton->setVisible(m_log != nullptr);
    m_olderButton->setEnabled(m_model->canFetchOlder());
    m_newestButton->setVisible(m_log && m_model->isDetached());
    m_clearFiltersButton->setVisible(byTextOrType);

    // An empty table says why.
    QString placeholder;
    if (shown == 0 && inView > 0 && byTextOrType) {
        placeholder = tr("No events match the filters · <a href=\"clear-filters\">Clear "
                         "filters</a>");
    } else if (shown == 0 && inView > 0 && byChannel) {
        placeholder = tr("No events from %1 in view").arg(name.toHtmlEscaped());
    } else if (inView == 0 && cleared) {
        placeholder = tr("View cleared; the event log still has its events · "
                         "<a href=\"load-older\">Load Older</a>");
    }
    m_view->setPlaceholderText(placeholder);
}

void EventsPage::updateTypeFilter()
{
    const QString current = m_typeFilter->currentData().toString();
    const QSignalBlocker blocker(m_typeFilter);
    m_typeFilter->clear();
    m_typeFilter->addItem(tr("All types"), QString());
    for (const QString &type : m_model->types())
        m_typeFilter->addItem(type, type);
    m_typeFilter->setCurrentIndex(std::max(0, m_typeFilter->findData(current)));
}

void EventsPage::updateChannelFilter()
{
    const QString current = m_channelFilter->currentData().toString();
    const QSignalBlocker blocker(m_channelFilter);
    m_channelFilter->clear();
    m_channelFilter->addItem(tr("All channels"), QString());
    for (const Channel *channel : m_manager->channels())
        m_channelFilter->addItem(channel->name(), channel->id());
    m_channelFilter->setCurrentIndex(std::max(0, m_channelFilter->findData(current)));
}

void EventsPage::updateDetails()
{
    const QModelIndex index = m_view->selectionModel()->currentIndex();
    if (!index.isValid()) {
        m_detailHeader->setText(tr("Select an event to see its JSON."));
        m_detail->clear();
        return;
    }
    const QModelIndex first = index.siblingAtColumn(0);
    const QDateTime time = first.data(EventModel::TimeRole).toDateTime();
    const QString key = first.data(EventModel::KeyRole).toString();
    const QString type = first.data(EventModel::TypeRole).toString();
    QStringList parts;
    parts << first.data(EventModel::ChannelNameRole).toString();
    if (!key.isEmpty())
        parts << tr("id %1").arg(key);
    if (!type.isEmpty())
        parts << type;
    parts << QLocale().toString(time.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    m_detailHeader->setText(parts.join(QStringLiteral("  ·  ")));
    m_detail->setPlainText(first.data(EventModel::PrettyJsonRole).toString());
}

void EventsPage::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_highlighter)
        m_highlighter->setPalette(palette());
}

void EventsPage::saveState(QSettings &settings) const
{
    settings.setValue(QStringLiteral("eventSplitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("eventHeader"), m_view->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("eventColumnsPlaced"), m_columns->isPlaced());
    settings.setValue(QStringLiteral("eventColumns"), m_view->columnKeys());
}

void EventsPage::restoreState(QSettings &settings)
{
    m_splitter->restoreState(settings.value(QStringLiteral("eventSplitter")).toByteArray());
    // Saved with the names of its columns since the Job column came; a
    // state without them has the five columns from before.
    static const QStringList kColumnsBeforeJob = {QStringLiteral("time"), QStringLiteral("channel"),
                                                  QStringLiteral("id"), QStringLiteral("type"),
                                                  QStringLiteral("text")};
    if (const QByteArray header = settings.value(QStringLiteral("eventHeader")).toByteArray();
        !header.isEmpty()) {
        m_view->restoreHeaderState(
            header,
            settings.value(QStringLiteral("eventColumns"), kColumnsBeforeJob).toStringList());
    }
    // Widths the user chose stand (and those an older version saved, which
    // could have been); others follow the table's width.
    m_columns->setPlaced(settings
                             .value(QStringLiteral("eventColumnsPlaced"),
                                    settings.contains(QStringLiteral("eventHeader")))
                             .toBool());
}

} // namespace Longwatch
