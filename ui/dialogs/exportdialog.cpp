#include "exportdialog.h"

#include "filelocations.h"
#include "icons.h"
#include "logging.h"
#include "statuscolors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QUrl>
#include <QVBoxLayout>

#include <atomic>
#include <memory>

using namespace std::chrono_literals;

namespace Longwatch {

/// The dialog's half in the worker thread. It owns the EventLog, so the
/// Qt SQL connection is made, used and removed in that thread only; it
/// counts the matching events and runs the exports there.
class ExportWorker final : public QObject
{
    Q_OBJECT
public:
    explicit ExportWorker(const QString &storePath)
        : m_storePath(storePath)
    {}

    /// Any thread: the running export (or the next one, if it has not
    /// begun) stops at its next page.
    void requestCancel() { m_cancelRequested.store(true); }
    /// Any thread, while no export runs.
    void clearCancel() { m_cancelRequested.store(false); }

    void open()
    {
        // A failure is reported by the count that follows.
        if (ensureOpen())
            Q_EMIT opened(m_store->channels());
    }

    /// Counts the events that match `query`. With `onlyIfTheLogChanged`,
    /// nothing is counted or emitted unless events were added to or
    /// removed from the log since the last count (checking that is cheap:
    /// the last seq and the per-channel counts; a count may scan the log).
    void count(quint64 request, const EventQuery &query, bool onlyIfTheLogChanged)
    {
        if (!ensureOpen()) {
            Q_EMIT counted(request, -1, m_store->errorString());
            return;
        }
        bool ok = false;
        const qint64 lastSeq = m_store->lastSeq(&ok);
        const qint64 total = ok ? m_store->countEvents({}, &ok) : 0;
        const std::optional<std::pair<qint64, qint64>> logState =
            ok ? std::optional(std::pair(lastSeq, total)) : std::nullopt;
        if (onlyIfTheLogChanged && logState && logState == m_countedLogState)
            return;
        m_countedLogState = logState;
        const qint64 count = ok ? m_store->countEvents(query, &ok) : -1;
        Q_EMIT counted(request, ok ? count : -1, ok ? QString() : m_store->errorString());
    }

    void exportTo(const QString &path, EventExporter::Format format, const EventQuery &query,
                  int pageSize)
    {
        if (!ensureOpen()) {
            Q_EMIT exported(EventExporter::Error::ReadError, 0, m_store->errorString());
            return;
        }
        EventExporter exporter(m_store.get());
        exporter.setFormat(format);
        exporter.setQuery(query);
        if (pageSize > 0)
            exporter.setPageSize(pageSize);
        // The exporter clears its own flag when it begins, so a cancel asked
        // for before that would be lost: it is handed on at every progress
        // step instead, the first of which comes before any page is written.
        connect(&exporter, &EventExporter::progress, this, [&](qint64 done, qint64 total) {
            if (m_cancelRequested.load())
                exporter.cancel();
            Q_EMIT progress(done, total);
        });
        exporter.exportToFile(path);
        Q_EMIT exported(exporter.error(), exporter.exportedCount(), exporter.errorString());
    }

Q_SIGNALS:
    /// Once, when the log opened: the channels it holds.
    void opened(const QStringList &storedChannels);
    /// Once per count(); `count` is -1 and `error` says why if it failed.
    void counted(quint64 request, qint64 count, const QString &error);
    void progress(qint64 done, qint64 total);
    /// Once per exportTo().
    void exported(Longwatch::EventExporter::Error error, qint64 count, const QString &sentence);

private:
    bool ensureOpen()
    {
        if (m_store && m_store->isOpen())
            return true;
        m_store = std::make_unique<EventLog>();
        return m_store->open(m_storePath, EventLog::OpenMode::MustExist);
    }

    const QString m_storePath;
    std::unique_ptr<EventLog> m_store;
    std::atomic<bool> m_cancelRequested{false};
    /// The log's last seq and event count when it was last counted.
    std::optional<std::pair<qint64, qint64>> m_countedLogState;
};

namespace {

enum ItemRole { KeyRole = Qt::UserRole };

QString displayFormatName(EventExporter::Format format)
{
    switch (format) {
    case EventExporter::Format::Csv:
        return ExportDialog::tr("CSV (for spreadsheets)");
    case EventExporter::Format::Ndjson:
        return ExportDialog::tr("NDJSON (one JSON object per line)");
    case EventExporter::Format::Json:
        return ExportDialog::tr("JSON (one array)");
    }
    return {};
}

QString localized(qint64 number)
{
    return QLocale().toString(number);
}

QString quoted(const QString &text)
{
    return ExportDialog::tr("“%1”").arg(text);
}

/// A time edit's value in ms since the epoch, to the second it shows.
qint64 shownMsecs(const QDateTimeEdit *edit)
{
    const qint64 msecs = edit->dateTime().toMSecsSinceEpoch();
    return msecs - ((msecs % 1000) + 1000) % 1000;
}

QLabel *makeNoteLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setPalette(StatusColors::dimmedText(label->palette()));
    return label;
}

/// An item starts checked unless the current view's filter leaves it out.
Qt::CheckState startsChecked(const QStringList &viewFilter, const QString &key)
{
    return viewFilter.isEmpty() || viewFilter.contains(key) ? Qt::Checked : Qt::Unchecked;
}

QStringList checkedKeys(const QListWidget *list, bool *all)
{
    QStringList keys;
    for (int row = 0; row < list->count(); ++row) {
        const QListWidgetItem *item = list->item(row);
        if (item->checkState() == Qt::Checked)
            keys << item->data(KeyRole).toString();
    }
    *all = keys.size() == list->count();
    return keys;
}

/// Checks or unchecks every item, without an itemChanged() storm per item
/// reaching the dialog.
void checkAll(QListWidget *list, bool checked)
{
    const QSignalBlocker blocker(list);
    for (int row = 0; row < list->count(); ++row)
        list->item(row)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

/// The "All …" box over a list shows whether all, some or none are checked.
void syncAllBox(QCheckBox *box, const QListWidget *list)
{
    bool all = false;
    const qsizetype checked = checkedKeys(list, &all).size();
    const QSignalBlocker blocker(box);
    box->setCheckState(all && checked > 0 ? Qt::Checked
                       : checked > 0      ? Qt::PartiallyChecked
                                          : Qt::Unchecked);
}

/// An "All …" box over its checkable list.
QWidget *checkList(QCheckBox *allBox, QListWidget *list)
{
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(allBox);
    layout->addWidget(list, 1);
    list->setUniformItemSizes(true);
    list->setSelectionMode(QAbstractItemView::NoSelection);
    return box;
}

} // namespace

ExportDialog::ExportDialog(const QString &storePath, QWidget *parent)
    : QDialog(parent)
    , m_storePath(storePath)
{
    setWindowTitle(tr("Export Events"));
    setObjectName(QStringLiteral("exportDialog"));
    setWindowModality(Qt::WindowModal);

    m_thread.setObjectName(QStringLiteral("longwatch-export"));
    m_worker = new ExportWorker(storePath);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &ExportWorker::opened, this, &ExportDialog::onStoreOpened);
    connect(m_worker, &ExportWorker::counted, this, &ExportDialog::onCounted);
    connect(m_worker, &ExportWorker::progress, this, &ExportDialog::onProgress);
    connect(m_worker, &ExportWorker::exported, this, &ExportDialog::onExported);
    m_thread.start();
    QMetaObject::invokeMethod(m_worker, &ExportWorker::open, Qt::QueuedConnection);

    // Counting waits for a pause in typing and clicking.
    m_countTimer.setSingleShot(true);
    m_countTimer.setInterval(250ms);
    connect(&m_countTimer, &QTimer::timeout, this, [this] { sendCount(false); });
    // The dashboard keeps recording while the dialog is open: the count
    // follows the log as it grows (or is trimmed), not only the choices.
    m_refreshTimer.setInterval(2s);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ExportDialog::refreshCount);
    m_refreshTimer.start();

    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("matchCount"));
    m_count->setTextFormat(Qt::PlainText);
    m_count->setWordWrap(true);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, 1000);
    m_progress->setVisible(false);

    m_statusIcon = new QLabel(this);
    m_statusIcon->setObjectName(QStringLiteral("statusIcon"));
    m_statusIcon->setFixedSize(20, 20);
    m_statusIcon->setVisible(false);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setVisible(false);
    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_statusIcon, 0, Qt::AlignTop);
    statusRow->addWidget(m_status, 1);

    m_buttons = new QDialogButtonBox(this);
    m_exportButton = m_buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);
    m_exportButton->setObjectName(QStringLiteral("exportButton"));
    m_exportButton->setDefault(true);
    m_closeButton = m_buttons->addButton(QDialogButtonBox::Cancel);
    m_closeButton->setObjectName(QStringLiteral("closeButton"));
    m_openFolderButton = m_buttons->addButton(tr("&Open Folder"), QDialogButtonBox::ActionRole);
    m_openFolderButton->setObjectName(QStringLiteral("openFolderButton"));
    m_openFolderButton->setVisible(false);
    connect(m_exportButton, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(m_closeButton, &QPushButton::clicked, this, [this] {
        if (m_state == State::Exporting)
            cancelExport();
        else
            reject();
    });
    connect(m_openFolderButton, &QPushButton::clicked, this, &ExportDialog::openFolder);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(buildWhatBox(), 1);
    layout->addWidget(buildFileBox());
    layout->addWidget(m_progress);
    layout->addLayout(statusRow);
    layout->addWidget(m_buttons);

    setFilePath(QDir(suggestedSaveFolder())
                    .filePath(QStringLiteral("events-%1.%2")
                                  .arg(QDateTime::currentDateTime().toString(
                                           QStringLiteral("yyyyMMdd-HHmm")),
                                       EventExporter::formatName(format()))));
    updateControls();
    choicesChanged();
    resize(std::max(620, sizeHint().width()), sizeHint().height());
}

ExportDialog::~ExportDialog()
{
    // Queued counts and exports are dropped with the event loop; a running
    // export stops at its next page. Then the worker and its connection go.
    m_worker->requestCancel();
    m_thread.quit();
    m_thread.wait();
}

QWidget *ExportDialog::buildWhatBox()
{
    m_whatBox = new QGroupBox(tr("What to export"), this);
    auto *layout = new QVBoxLayout(m_whatBox);

    m_viewChoice = new QRadioButton(tr("The events of the current &view"), m_whatBox);
    m_viewChoice->setObjectName(QStringLiteral("viewChoice"));
    m_viewDescription = makeNoteLabel(m_whatBox);
    m_viewDescription->setObjectName(QStringLiteral("viewDescription"));
    m_viewDescription->setIndent(24);
    m_customChoice = new QRadioButton(tr("The events chosen &below"), m_whatBox);
    m_customChoice->setObjectName(QStringLiteral("customChoice"));
    m_customChoice->setChecked(true);
    connect(m_customChoice, &QRadioButton::toggled, this, [this] {
        updateControls();
        choicesChanged();
    });
    for (QWidget *widget :
         {static_cast<QWidget *>(m_viewChoice), static_cast<QWidget *>(m_viewDescription),
          static_cast<QWidget *>(m_customChoice)})
        widget->setVisible(false);
    layout->addWidget(m_viewChoice);
    layout->addWidget(m_viewDescription);
    layout->addWidget(m_customChoice);

    m_custom = new QWidget(m_whatBox);
    auto *grid = new QGridLayout(m_custom);
    grid->setContentsMargins(0, 0, 0, 0);

    m_allChannels = new QCheckBox(tr("All c&hannels"));
    m_allChannels->setObjectName(QStringLiteral("allChannels"));
    m_channelList = new QListWidget;
    m_channelList->setObjectName(QStringLiteral("channelList"));
    m_allTypes = new QCheckBox(tr("All t&ypes"));
    m_allTypes->setObjectName(QStringLiteral("allTypes"));
    m_typeList = new QListWidget;
    m_typeList->setObjectName(QStringLiteral("typeList"));
    grid->addWidget(checkList(m_allChannels, m_channelList), 0, 0);
    grid->addWidget(checkList(m_allTypes, m_typeList), 0, 1);
    grid->setRowStretch(0, 1);
    for (const auto &[allBox, list] :
         {std::pair(m_allChannels, m_channelList), std::pair(m_allTypes, m_typeList)}) {
        connect(list, &QListWidget::itemChanged, this, [this, allBox, list] {
            syncAllBox(allBox, list);
            choicesChanged();
        });
        // The box checks every item, or unchecks them if all were checked.
        connect(allBox, &QCheckBox::clicked, this, [this, allBox, list] {
            bool all = false;
            checkedKeys(list, &all);
            checkAll(list, !all);
            syncAllBox(allBox, list);
            choicesChanged();
        });
    }

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    const QDateTime now = QDateTime::currentDateTime();
    const QDateTime nowToTheSecond = QDateTime::fromSecsSinceEpoch(now.toSecsSinceEpoch());
    auto makeTimeRow = [&](const QString &label, const QString &name, QCheckBox **check,
                           QDateTimeEdit **edit, const QDateTime &initial) {
        *check = new QCheckBox(label);
        (*check)->setObjectName(name + QLatin1String("Check"));
        *edit = new QDateTimeEdit(initial);
        (*edit)->setObjectName(name);
        (*edit)->setCalendarPopup(true);
        (*edit)->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        (*edit)->setEnabled(false);
        QDateTimeEdit *timeEdit = *edit;
        connect(*check, &QCheckBox::toggled, this, [this, timeEdit](bool on) {
            timeEdit->setEnabled(on);
            choicesChanged();
        });
        connect(*edit, &QDateTimeEdit::dateTimeChanged, this, &ExportDialog::choicesChanged);
        form->addRow(*check, *edit);
    };
    makeTimeRow(tr("Received fro&m"), QStringLiteral("from"), &m_fromCheck, &m_from,
                nowToTheSecond.addDays(-1));
    makeTimeRow(tr("Received &until"), QStringLiteral("to"), &m_toCheck, &m_to, nowToTheSecond);
    auto *timeNote = makeNoteLabel(m_custom);
    timeNote->setText(tr("Local time; both ends are included."));
    form->addRow(QString(), timeNote);
    m_text = new QLineEdit;
    m_text->setObjectName(QStringLiteral("text"));
    m_text->setClearButtonEnabled(true);
    m_text->setPlaceholderText(tr("Any text"));
    connect(m_text, &QLineEdit::textChanged, this, &ExportDialog::choicesChanged);
    auto *textLabel = new QLabel(tr("Con&taining"));
    textLabel->setBuddy(m_text);
    form->addRow(textLabel, m_text);
    grid->addLayout(form, 1, 0, 1, 2);

    layout->addWidget(m_custom, 1);
    layout->addWidget(m_count);
    return m_whatBox;
}

QWidget *ExportDialog::buildFileBox()
{
    auto *box = new QGroupBox(tr("Save as"), this);
    m_saveBox = box;
    auto *form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_format = new QComboBox;
    m_format->setObjectName(QStringLiteral("format"));
    for (const QString &name : EventExporter::formatNames())
        m_format->addItem(displayFormatName(*EventExporter::formatFromName(name)), name);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::onFormatChanged);
    auto *formatLabel = new QLabel(tr("Fo&rmat"));
    formatLabel->setBuddy(m_format);
    form->addRow(formatLabel, m_format);

    m_file = new QLineEdit;
    m_file->setObjectName(QStringLiteral("file"));
    connect(m_file, &QLineEdit::textChanged, this, [this] {
        // A file named .csv, .ndjson or .json chooses its format.
        const auto named = EventExporter::formatFromName(QFileInfo(m_file->text()).suffix());
        if (named && *named != format())
            setFormat(*named);
        updateControls();
    });
    m_chooseFile = new QPushButton(tr("Choo&se…"));
    m_chooseFile->setObjectName(QStringLiteral("chooseFileButton"));
    connect(m_chooseFile, &QPushButton::clicked, this, &ExportDialog::chooseFile);
    m_fileNote = makeNoteLabel(box);
    m_fileNote->setObjectName(QStringLiteral("fileNote"));
    m_fileNote->setVisible(false);
    auto *fileField = new QWidget;
    auto *fileLayout = new QGridLayout(fileField);
    fileLayout->setContentsMargins(0, 0, 0, 0);
    fileLayout->setVerticalSpacing(2);
    fileLayout->addWidget(m_file, 0, 0);
    fileLayout->addWidget(m_chooseFile, 0, 1);
    fileLayout->addWidget(m_fileNote, 1, 0, 1, 2);
    auto *fileLabel = new QLabel(tr("&File"));
    fileLabel->setBuddy(m_file);
    form->addRow(fileLabel, fileField);
    return box;
}

void ExportDialog::setChannels(const QList<ExportChannel> &channels)
{
    m_channels = channels;
    {
        const QSignalBlocker blocker(m_channelList);
        m_channelList->clear();
        for (const ExportChannel &channel : channels)
            addChannelItem(channel.key, channel.name);
        onStoreOpened(m_storedChannels);
    }
    syncAllBox(m_allChannels, m_channelList);
    if (m_view)
        m_viewDescription->setText(describe(*m_view));
    choicesChanged();
}

void ExportDialog::addChannelItem(const QString &key, const QString &name)
{
    auto *item = new QListWidgetItem(name, m_channelList);
    item->setData(KeyRole, key);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(startsChecked(m_view ? m_view->channels : QStringList(), key));
}

void ExportDialog::onStoreOpened(const QStringList &storedChannels)
{
    m_storedChannels = storedChannels;
    // Channels removed from the dashboard keep their events in the log;
    // they can be exported too, known only by their key now.
    QStringList listed;
    for (int row = 0; row < m_channelList->count(); ++row)
        listed << m_channelList->item(row)->data(KeyRole).toString();
    bool added = false;
    for (const QString &key : storedChannels) {
        if (listed.contains(key))
            continue;
        const QSignalBlocker blocker(m_channelList);
        addChannelItem(key, tr("%1 (removed channel)").arg(key));
        added = true;
    }
    if (added) {
        syncAllBox(m_allChannels, m_channelList);
        choicesChanged();
    }
}

void ExportDialog::setEventTypes(const QStringList &types)
{
    {
        const QSignalBlocker blocker(m_typeList);
        m_typeList->clear();
        for (const QString &type : types) {
            auto *item = new QListWidgetItem(type, m_typeList);
            item->setData(KeyRole, type);
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
            item->setCheckState(startsChecked(m_view ? m_view->types : QStringList(), type));
        }
    }
    syncAllBox(m_allTypes, m_typeList);
    choicesChanged();
}

void ExportDialog::setCurrentView(const EventQuery &view)
{
    m_view = view;
    m_viewDescription->setText(describe(view));
    for (QWidget *widget :
         {static_cast<QWidget *>(m_viewChoice), static_cast<QWidget *>(m_viewDescription),
          static_cast<QWidget *>(m_customChoice)})
        widget->setVisible(true);
    // The custom selection starts from the view's filter.
    {
        const QSignalBlocker channels(m_channelList);
        for (int row = 0; row < m_channelList->count(); ++row) {
            QListWidgetItem *item = m_channelList->item(row);
            item->setCheckState(startsChecked(view.channels, item->data(KeyRole).toString()));
        }
        const QSignalBlocker types(m_typeList);
        for (int row = 0; row < m_typeList->count(); ++row) {
            QListWidgetItem *item = m_typeList->item(row);
            item->setCheckState(startsChecked(view.types, item->data(KeyRole).toString()));
        }
    }
    syncAllBox(m_allChannels, m_channelList);
    syncAllBox(m_allTypes, m_typeList);
    {
        const QSignalBlocker text(m_text);
        m_text->setText(view.text);
    }
    auto presetTime = [](QCheckBox *check, QDateTimeEdit *edit, std::optional<qint64> usecs) {
        const QSignalBlocker checkBlocker(check);
        const QSignalBlocker editBlocker(edit);
        check->setChecked(usecs.has_value());
        edit->setEnabled(usecs.has_value());
        if (usecs)
            edit->setDateTime(QDateTime::fromMSecsSinceEpoch(*usecs / 1000));
    };
    presetTime(m_fromCheck, m_from, view.sinceUsecs);
    presetTime(m_toCheck, m_to,
               view.untilUsecs ? std::optional(*view.untilUsecs - 1'000'000) : std::nullopt);
    setUseCurrentView(true);
    choicesChanged();
}

void ExportDialog::setUseCurrentView(bool use)
{
    if (use && m_view)
        m_viewChoice->setChecked(true);
    else
        m_customChoice->setChecked(true);
}

bool ExportDialog::usesCurrentView() const
{
    return m_view && m_viewChoice->isChecked();
}

void ExportDialog::setFormat(EventExporter::Format format)
{
    m_format->setCurrentIndex(m_format->findData(EventExporter::formatName(format)));
}

EventExporter::Format ExportDialog::format() const
{
    return EventExporter::formatFromName(m_format->currentData().toString())
        .value_or(EventExporter::Format::Csv);
}

void ExportDialog::setFilePath(const QString &path)
{
    m_file->setText(QDir::toNativeSeparators(path));
}

QString ExportDialog::filePath() const
{
    QString path = QDir::fromNativeSeparators(m_file->text().trimmed());
    if (path.isEmpty())
        return {};
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path.replace(0, 1, QDir::homePath());
    return QDir::cleanPath(QDir(suggestedSaveFolder()).absoluteFilePath(path));
}

void ExportDialog::onFormatChanged()
{
    // The file's extension follows the format, unless the person gave
    // the file an extension of their own.
    const QString path = m_file->text();
    const QFileInfo info(path);
    const QString suffix = info.suffix();
    const QString extension = EventExporter::formatName(format());
    if (!path.isEmpty() && suffix != extension &&
        (suffix.isEmpty() || EventExporter::formatFromName(suffix))) {
        const qsizetype base = suffix.isEmpty() ? path.size() : path.size() - suffix.size() - 1;
        m_file->setText(path.left(base) + u'.' + extension);
    }
    updateControls();
}

void ExportDialog::chooseFile()
{
    auto *chooser = new QFileDialog(this, tr("Export Events To"), filePath());
    chooser->setObjectName(QStringLiteral("fileChooser"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setWindowModality(Qt::WindowModal);
    chooser->setOption(QFileDialog::DontUseNativeDialog);
    chooser->setAcceptMode(QFileDialog::AcceptSave);
    chooser->setFileMode(QFileDialog::AnyFile);
    const QString extension = EventExporter::formatName(format());
    chooser->setDefaultSuffix(extension);
    chooser->setNameFilters(
        {tr("%1 files (*.%2)").arg(extension.toUpper(), extension), tr("All files (*)")});
    if (!filePath().isEmpty())
        chooser->selectFile(filePath());
    // The chooser asks itself before it accepts an existing file.
    connect(chooser, &QFileDialog::fileSelected, this, [this](const QString &path) {
        setFilePath(path);
        m_replaceConfirmed = QFileInfo::exists(path) ? filePath() : QString();
    });
    chooser->open();
}

void ExportDialog::openFolder()
{
    if (m_exportedPath.isEmpty())
        return;
    QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(m_exportedPath).absolutePath()));
}

EventQuery ExportDialog::query() const
{
    if (usesCurrentView())
        return *m_view;
    EventQuery query;
    bool all = false;
    const QStringList channels = checkedKeys(m_channelList, &all);
    if (!all)
        query.channels = channels;
    const QStringList types = checkedKeys(m_typeList, &all);
    if (!all)
        query.types = types;
    query.text = m_text->text().trimmed();
    if (m_fromCheck->isChecked())
        query.sinceUsecs = shownMsecs(m_from) * 1000;
    // untilUsecs is exclusive; the whole second shown is included.
    if (m_toCheck->isChecked())
        query.untilUsecs = (shownMsecs(m_to) + 1000) * 1000;
    return query;
}

QStringList ExportDialog::problems() const
{
    QStringList problems;
    if (!usesCurrentView()) {
        bool all = false;
        if (m_channelList->count() > 0 && checkedKeys(m_channelList, &all).isEmpty())
            problems << tr("Choose at least one channel.");
        if (m_typeList->count() > 0 && checkedKeys(m_typeList, &all).isEmpty())
            problems << tr("Choose at least one type.");
        if (m_fromCheck->isChecked() && m_toCheck->isChecked() &&
            shownMsecs(m_from) > shownMsecs(m_to))
            problems << tr("The start of the time range is after its end.");
    }
    return problems;
}

QString ExportDialog::channelName(const QString &key) const
{
    for (const ExportChannel &channel : m_channels) {
        if (channel.key == key)
            return channel.name;
    }
    return key;
}

QString ExportDialog::describe(const EventQuery &query) const
{
    auto quotedList = [](const QStringList &items) {
        QStringList out;
        for (const QString &item : items)
            out << quoted(item);
        return QLocale().createSeparatedList(out);
    };
    QStringList parts;
    if (!query.channels.isEmpty()) {
        QStringList names;
        for (const QString &key : query.channels)
            names << channelName(key);
        parts << (names.size() == 1 ? tr("channel %1") : tr("channels %1")).arg(quotedList(names));
    }
    if (!query.types.isEmpty()) {
        parts << (query.types.size() == 1 ? tr("type %1") : tr("types %1"))
                     .arg(quotedList(query.types));
    }
    if (!query.text.isEmpty())
        parts << tr("containing %1").arg(quoted(query.text));
    auto time = [](qint64 usecs) {
        return QLocale().toString(QDateTime::fromMSecsSinceEpoch(usecs / 1000),
                                  QLocale::ShortFormat);
    };
    if (query.sinceUsecs)
        parts << tr("received from %1").arg(time(*query.sinceUsecs));
    if (query.untilUsecs)
        parts << tr("received before %1").arg(time(*query.untilUsecs));
    if (parts.isEmpty())
        return tr("All events: the view is not filtered.");
    QString sentence = parts.join(QStringLiteral(", "));
    sentence[0] = sentence[0].toUpper();
    return sentence + u'.';
}

void ExportDialog::choicesChanged()
{
    // An answer to an older question must not overwrite this one's.
    ++m_countRequest;
    m_matchCount.reset();
    m_countError.clear();
    m_countTimer.stop();
    if (problems().isEmpty()) {
        m_count->setText(tr("Counting…"));
        m_countTimer.start();
    }
    updateControls();
}

void ExportDialog::sendCount(bool onlyIfTheLogChanged)
{
    const EventQuery query = this->query();
    const quint64 request = m_countRequest;
    ExportWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [worker, request, query, onlyIfTheLogChanged] {
            worker->count(request, query, onlyIfTheLogChanged);
        },
        Qt::QueuedConnection);
}

void ExportDialog::setRefreshInterval(std::chrono::milliseconds interval)
{
    m_refreshTimer.setInterval(interval);
}

void ExportDialog::refreshCount()
{
    // Only a count that stands is refreshed: a change of the choices is
    // counted anew anyway, and an export counts for itself.
    const bool counted = m_matchCount || !m_countError.isEmpty();
    if (m_state == State::Exporting || m_countTimer.isActive() || !counted || !problems().isEmpty())
        return;
    sendCount(true);
}

void ExportDialog::onCounted(quint64 request, qint64 count, const QString &error)
{
    if (request != m_countRequest)
        return;
    // A refresh that comes to the same number, or the same failure, says
    // nothing new.
    if (count >= 0 ? m_countError.isEmpty() && m_matchCount == count
                   : !m_countError.isEmpty() && m_countError == error)
        return;
    m_countError.clear();
    if (count < 0) {
        m_countError = error;
        m_matchCount.reset();
    } else {
        m_matchCount = count;
    }
    updateControls();
    Q_EMIT matchCountChanged(m_matchCount);
}

bool ExportDialog::canExport(const QString &path) const
{
    return m_state != State::Exporting && !path.isEmpty() && !QFileInfo(path).isDir() &&
           problems().isEmpty() && m_countError.isEmpty() && m_matchCount != 0;
}

void ExportDialog::startExport()
{
    const QString path = filePath();
    if (m_replaceQuestion || !canExport(path))
        return;
    if (QFileInfo::exists(path) && path != m_replaceConfirmed) {
        askToReplace(path);
        return;
    }
    beginExport(path);
}

void ExportDialog::askToReplace(const QString &path)
{
    const QFileInfo info(path);
    // Asked with open(), not exec(): no nested event loop, and the worker's
    // answers (counts) keep arriving while the question is up.
    auto *question = new QMessageBox(QMessageBox::Question, tr("Replace File?"),
                                     tr("Replace “%1”?").arg(info.fileName()),
                                     QMessageBox::Yes | QMessageBox::No, this);
    question->setObjectName(QStringLiteral("replaceQuestion"));
    question->setTextFormat(Qt::PlainText);
    question->setInformativeText(
        tr("A file of that name already exists in %1. Exporting replaces what it holds.")
            .arg(QDir::toNativeSeparators(info.absolutePath())));
    question->button(QMessageBox::Yes)->setText(tr("&Replace"));
    question->setDefaultButton(QMessageBox::No);
    question->setEscapeButton(QMessageBox::No);
    question->setAttribute(Qt::WA_DeleteOnClose);
    question->setWindowModality(Qt::WindowModal);
    connect(question, &QMessageBox::finished, this, [this, question, path] {
        // The choices cannot change while the window-modal question is up,
        // but the count can still come back as a failure or as zero.
        const bool replace =
            question->standardButton(question->clickedButton()) == QMessageBox::Yes;
        if (replace && path == filePath() && canExport(path))
            beginExport(path);
    });
    m_replaceQuestion = question;
    question->open();
}

void ExportDialog::beginExport(const QString &path)
{
    // A yes counts for this export only: the next one asks again.
    m_replaceConfirmed.clear();
    m_exportedPath = path;
    m_message.clear();
    m_cancelling = false;
    m_progress->setValue(0);
    m_progress->setFormat(tr("Starting…"));
    // No export runs now, so the worker's flag is ours to clear.
    m_worker->clearCancel();
    ExportWorker *worker = m_worker;
    const EventExporter::Format format = this->format();
    const EventQuery query = this->query();
    const int pageSize = m_pageSize;
    qCInfo(lcUi).noquote() << "exporting events as" << EventExporter::formatName(format) << "to"
                           << QDir::toNativeSeparators(path);
    setState(State::Exporting);
    QMetaObject::invokeMethod(
        worker,
        [worker, path, format, query, pageSize] {
            worker->exportTo(path, format, query, pageSize);
        },
        Qt::QueuedConnection);
}

void ExportDialog::cancelExport()
{
    if (m_state != State::Exporting)
        return;
    m_worker->requestCancel();
    m_cancelling = true;
    m_progress->setFormat(tr("Cancelling…"));
    m_closeButton->setEnabled(false);
}

void ExportDialog::done(int result)
{
    // Closing the dialog stops the export; its outcome still arrives, and
    // exportFinished() is still emitted, if the dialog lives on. An open
    // question about replacing the file is answered No.
    if (m_replaceQuestion)
        m_replaceQuestion->reject();
    cancelExport();
    QDialog::done(result);
}

void ExportDialog::onProgress(qint64 done, qint64 total)
{
    if (m_state != State::Exporting)
        return;
    m_progress->setValue(total > 0 ? int(std::min(done, total) * 1000 / total) : 0);
    if (!m_cancelling)
        m_progress->setFormat(tr("%1 of %2 events").arg(localized(done), localized(total)));
    Q_EMIT progress(done, total);
}

void ExportDialog::onExported(EventExporter::Error error, qint64 count, const QString &sentence)
{
    const QString shown = QDir::toNativeSeparators(m_exportedPath);
    m_cancelling = false;
    switch (error) {
    case EventExporter::Error::NoError:
        m_message = count == 1 ? tr("Exported 1 event to %1.").arg(shown)
                               : tr("Exported %1 events to %2.").arg(localized(count), shown);
        setState(State::Succeeded);
        break;
    case EventExporter::Error::Cancelled:
        m_message = sentence;
        setState(State::Cancelled);
        break;
    case EventExporter::Error::ReadError:
        // The store's sentence says what went wrong, not what it left.
        m_message = sentence + tr(" No file was written.");
        setState(State::Failed);
        break;
    case EventExporter::Error::OpenError:
    case EventExporter::Error::WriteError:
        m_message = sentence;
        setState(State::Failed);
        break;
    }
    Q_EMIT exportFinished(m_state);
}

void ExportDialog::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    updateControls();
    Q_EMIT stateChanged(state);
}

void ExportDialog::updateControls()
{
    const bool exporting = m_state == State::Exporting;
    m_whatBox->setEnabled(!exporting);
    m_custom->setEnabled(!exporting && !usesCurrentView());
    m_saveBox->setEnabled(!exporting);

    // Say so before an existing file is replaced.
    const QString path = filePath();
    const QFileInfo info(path);
    QString note;
    if (path.isEmpty())
        note = tr("Choose the file to export to.");
    else if (info.isDir())
        note = tr("%1 is a folder; choose a file name.").arg(QDir::toNativeSeparators(path));
    else if (info.exists() && m_state != State::Exporting &&
             !(m_state == State::Succeeded && path == m_exportedPath))
        note = tr("The file exists; Export asks before replacing it.");
    else if (!QDir::isAbsolutePath(QDir::fromNativeSeparators(m_file->text().trimmed())))
        note = tr("The file will be %1.").arg(QDir::toNativeSeparators(path));
    m_fileNote->setText(note);
    m_fileNote->setVisible(!note.isEmpty());

    const QStringList problems = this->problems();
    if (!problems.isEmpty())
        m_count->setText(problems.join(u' '));
    else if (!m_countError.isEmpty())
        m_count->setText(m_countError);
    else if (m_matchCount == 0)
        m_count->setText(tr("No events match"));
    else if (m_matchCount == 1)
        m_count->setText(tr("1 event matches"));
    else if (m_matchCount)
        m_count->setText(tr("%1 events match").arg(localized(*m_matchCount)));

    m_exportButton->setEnabled(!exporting && !path.isEmpty() && !info.isDir() &&
                               problems.isEmpty() && m_countError.isEmpty() && m_matchCount != 0);
    m_closeButton->setEnabled(!m_cancelling);
    m_closeButton->setText(m_state == State::Ready || exporting ? tr("&Cancel") : tr("&Close"));
    m_openFolderButton->setVisible(m_state == State::Succeeded);
    m_progress->setVisible(exporting);

    const bool finished = m_state != State::Ready && !exporting;
    m_status->setText(m_message);
    m_status->setVisible(finished && !m_message.isEmpty());
    m_statusIcon->setVisible(m_status->isVisible());
    if (m_state == State::Succeeded) {
        m_statusIcon->setPixmap(
            Icons::tinted(QStringLiteral("ok"),
                          StatusColors::forChannelState(Poller::State::Live, palette()))
                .pixmap(18, 18));
    } else if (m_state == State::Failed) {
        m_statusIcon->setPixmap(
            Icons::tinted(QStringLiteral("error"),
                          StatusColors::forChannelState(Poller::State::Failed, palette()))
                .pixmap(18, 18));
    } else {
        // A person's own cancel is no error: said plainly, without red.
        m_statusIcon->setPixmap(Icons::themed(QStringLiteral("warning"), palette()).pixmap(18, 18));
    }
}

} // namespace Longwatch

#include "exportdialog.moc"
