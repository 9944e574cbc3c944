#include "secretstore.h"

#include "logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>

#ifdef LONGWATCH_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace Longwatch {

namespace {

constexpr QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kOwnerOnlyDirectory =
    QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;

} // namespace

// ---------------------------------------------------------------- SecretStore

SecretStore::SecretStore(QObject *parent)
    : QObject(parent)
{}

SecretStore::~SecretStore() = default;

void SecretStore::deliver(QObject *context, Callback done, Result result)
{
    if (!done)
        return;
    // Queued, so that the contract is the same for every backend: never
    // from inside the call.
    QTimer::singleShot(0, context ? context : QCoreApplication::instance(),
                       [done = std::move(done), result = std::move(result)] { done(result); });
}

QString SecretStore::defaultFallbackPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/secrets.json");
}

bool SecretStore::hasKeychainSupport()
{
#ifdef LONGWATCH_HAVE_QTKEYCHAIN
    return true;
#else
    return false;
#endif
}

void SecretStore::open(const QString &service, const QString &fallbackPath, QObject *context,
                       std::function<void(std::shared_ptr<SecretStore>)> done)
{
    open(createKeychainSecretStore(service), fallbackPath, context, std::move(done));
}

void SecretStore::open(std::shared_ptr<SecretStore> keychain, const QString &fallbackPath,
                       QObject *context, std::function<void(std::shared_ptr<SecretStore>)> done)
{
    const QPointer<QObject> guard(context);
    const bool watched = context != nullptr;
    auto fallback = [guard, watched, fallbackPath, done](const QString &why) {
        if (watched && !guard)
            return;
        qCWarning(lcStore).noquote() << "no system keychain (" << why
                                     << "): secrets go to a file readable only by this user";
        done(std::make_shared<FileSecretStore>(fallbackPath));
    };
    if (!keychain) {
        QTimer::singleShot(0, context ? context : QCoreApplication::instance(), [fallback] {
            fallback(SecretText::tr("this build has no keychain support"));
        });
        return;
    }
    // A read of a key that does not exist tells whether a keychain answers.
    keychain->read(QStringLiteral("longwatch-keychain-probe"), context,
                   [guard, watched, keychain, fallback, done](const Result &result) {
                       if (watched && !guard)
                           return;
                       if (result.status == Status::Ok || result.status == Status::NotFound) {
                           qCInfo(lcStore) << "secrets go to the system keychain";
                           done(keychain);
                           return;
                       }
                       fallback(result.errorString);
                   });
}

// ------------------------------------------------------------ FileSecretStore

FileSecretStore::FileSecretStore(const QString &path, QObject *parent)
    : SecretStore(parent)
    , m_path(path)
{}

FileSecretStore::~FileSecretStore() = default;

QString FileSecretStore::backendName() const
{
    return tr("file");
}

QString FileSecretStore::warning() const
{
    return tr("No system keychain is available: passwords and tokens are kept unencrypted in %1, "
              "which only your user account can read.")
        .arg(QDir::toNativeSeparators(m_path));
}

bool FileSecretStore::load(QJsonObject *object, QString *error) const
{
    QFile file(m_path);
    if (!file.exists()) {
        *object = {};
        return true;
    }
    // Someone (a backup restore, a copy) widened the permissions: narrow
    // them again before reading.
    narrowToOwner(m_path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("Could not read the secrets file %1: %2.").arg(m_path, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        // Never quote the content: it is secrets.
        *error = tr("The secrets file %1 is damaged (not a JSON object).").arg(m_path);
        return false;
    }
    *object = document.object();
    return true;
}

bool FileSecretStore::save(const QJsonObject &object, QString *error) const
{
    const QFileInfo info(m_path);
    QDir directory = info.absoluteDir();
    if (!directory.exists()) {
        if (!directory.mkpath(QStringLiteral("."))) {
            *error = tr("Could not create the folder %1.").arg(directory.path());
            return false;
        }
        QFile::setPermissions(directory.path(), kOwnerOnlyDirectory);
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = tr("Could not write the secrets file %1: %2.").arg(m_path, file.errorString());
        return false;
    }
    // Narrowed before a byte is written: the temporary file becomes the
    // secrets file on commit and keeps these permissions.
    file.setPermissions(kOwnerOnly);
    file.write(QJsonDocument(object).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = tr("Could not write the secrets file %1: %2.").arg(m_path, file.errorString());
        return false;
    }
    // A file that existed before keeps its old permissions through QSaveFile.
    QFile::setPermissions(m_path, kOwnerOnly);
    return true;
}

bool FileSecretStore::loadWithKey(const QString &key, QJsonObject *object, Result *result) const
{
    if (!load(object, &result->errorString)) {
        result->status = Status::Failed;
        return false;
    }
    if (!object->contains(key)) {
        result->status = Status::NotFound;
        return false;
    }
    return true;
}

void FileSecretStore::read(const QString &key, QObject *context, Callback done)
{
    QJsonObject object;
    Result result;
    if (loadWithKey(key, &object, &result))
        result.value = object.value(key).toString();
    deliver(context, std::move(done), std::move(result));
}

void FileSecretStore::write(const QString &key, const QString &value, QObject *context,
                            Callback done)
{
    QJsonObject object;
    Result result;
    if (!load(&object, &result.errorString)) {
        result.status = Status::Failed;
    } else {
        object.insert(key, value);
        if (!save(object, &result.errorString))
            result.status = Status::Failed;
    }
    deliver(context, std::move(done), std::move(result));
}

void FileSecretStore::remove(const QString &key, QObject *context, Callback done)
{
    QJsonObject object;
    Result result;
    if (loadWithKey(key, &object, &result)) {
        object.remove(key);
        if (!save(object, &result.errorString))
            result.status = Status::Failed;
    }
    deliver(context, std::move(done), std::move(result));
}

// -------------------------------------------------------- KeychainSecretStore

#ifdef LONGWATCH_HAVE_QTKEYCHAIN

namespace {

class KeychainSecretStore final : public SecretStore
{
public:
    explicit KeychainSecretStore(const QString &service)
        : m_service(service)
    {}

    QString backendName() const override { return tr("system keychain"); }
    bool isSecure() const override { return true; }

    void read(const QString &key, QObject *context, Callback done) override
    {
        auto *job = new QKeychain::ReadPasswordJob(m_service);
        job->setKey(key);
        run(job, context, std::move(done), [job] { return job->textData(); });
    }

    void write(const QString &key, const QString &value, QObject *context, Callback done) override
    {
        auto *job = new QKeychain::WritePasswordJob(m_service);
        job->setKey(key);
        job->setTextData(value);
        run(job, context, std::move(done), {});
    }

    void remove(const QString &key, QObject *context, Callback done) override
    {
        auto *job = new QKeychain::DeletePasswordJob(m_service);
        job->setKey(key);
        run(job, context, std::move(done), {});
    }

private:
    void run(QKeychain::Job *job, QObject *context, Callback done, std::function<QString()> value)
    {
        // Our own fallback is explicit and flagged; QtKeychain's silent
        // plain-text one is not wanted.
        job->setInsecureFallback(false);
        job->setAutoDelete(true);
        const QPointer<QObject> guard(context);
        connect(job, &QKeychain::Job::finished, this,
                [guard, watched = context != nullptr, done = std::move(done),
                 value = std::move(value)](QKeychain::Job *finished) {
                    if ((watched && !guard) || !done)
                        return;
                    Result result;
                    switch (finished->error()) {
                    case QKeychain::NoError:
                        if (value)
                            result.value = value();
                        break;
                    case QKeychain::EntryNotFound:
                        result.status = Status::NotFound;
                        break;
                    case QKeychain::NoBackendAvailable:
                    case QKeychain::NotImplemented:
                        result.status = Status::Unavailable;
                        result.errorString = finished->errorString();
                        break;
                    default:
                        result.status = Status::Failed;
                        result.errorString = finished->errorString();
                        break;
                    }
                    done(result);
                });
        job->start(); // asynchronous: finished() comes from the event loop
    }

    QString m_service;
};

} // namespace

std::shared_ptr<SecretStore> createKeychainSecretStore(const QString &service)
{
    return std::make_shared<KeychainSecretStore>(service);
}

#else

std::shared_ptr<SecretStore> createKeychainSecretStore(const QString &)
{
    return nullptr;
}

#endif

// -------------------------------------------------------------- private files

bool narrowToOwner(const QString &path)
{
    constexpr QFileDevice::Permissions kOthers = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                                 QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                 QFileDevice::WriteOther | QFileDevice::ExeOther;
    QFile file(path);
    if (!file.exists() || !(file.permissions() & kOthers))
        return true;
    if (!file.setPermissions(kOwnerOnly)) {
        qCWarning(lcStore).noquote() << path << "can be read by others, and could not be made "
                                     << "private:" << file.errorString();
        return false;
    }
    qCWarning(lcStore).noquote() << path << "could be read by others; made it private (0600)";
    return true;
}

bool makePrivateFile(const QString &path, QString *error)
{
    auto fail = [error](const QString &sentence) {
        if (error)
            *error = sentence;
        qCWarning(lcStore).noquote() << sentence;
        return false;
    };
    const QFileInfo info(path);
    if (!info.exists()) {
        if (!QDir().mkpath(info.absolutePath()))
            return fail(SecretText::tr("Could not create the folder %1.")
                            .arg(QDir::toNativeSeparators(info.absolutePath())));
        // Created with these permissions, never wider for a moment; NewOnly,
        // so that a file made meanwhile by another process is not emptied.
        QFile file(path);
        if (file.open(QIODevice::WriteOnly | QIODevice::NewOnly, kOwnerOnly))
            return true;
        if (!file.exists())
            return fail(SecretText::tr("Could not create %1: %2.")
                            .arg(QDir::toNativeSeparators(path), file.errorString()));
    }
    if (!narrowToOwner(path))
        return fail(SecretText::tr("Could not make %1 readable by you alone.")
                        .arg(QDir::toNativeSeparators(path)));
    return true;
}

} // namespace Longwatch
