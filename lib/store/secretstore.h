#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

namespace Longwatch {

/// Where a channel's secrets (tokens, passwords, proxy credentials, key
/// passphrases) are kept: the system's keychain when there is one, else a
/// file only the user can read. Secrets are named by a key such as
/// "channel/<id>/token"; values are text.
///
/// Every operation is asynchronous, as keychains are: `done` is called
/// exactly once, later (never from inside the call), unless `context` was
/// destroyed first.
class SecretStore : public QObject
{
    Q_OBJECT
public:
    enum class Status {
        Ok,
        NotFound,    ///< read or remove of a key that has no secret
        Unavailable, ///< the backend cannot be used (no keychain service)
        Failed,      ///< the backend refused or broke; errorString says why
    };
    Q_ENUM(Status)

    struct Result
    {
        Status status = Status::Ok;
        QString value;       ///< the secret, for a good read
        QString errorString; ///< a sentence for Unavailable/Failed; never the secret
    };
    using Callback = std::function<void(const Result &)>;

    ~SecretStore() override;

    /// "system keychain", "file" - for the settings page.
    virtual QString backendName() const = 0;
    /// False when secrets are kept in a plain file; the UI must then show
    /// warning() where secrets are entered.
    virtual bool isSecure() const = 0;
    /// Why secrets are less protected than they could be; empty if secure.
    virtual QString warning() const { return {}; }

    virtual void read(const QString &key, QObject *context, Callback done) = 0;
    virtual void write(const QString &key, const QString &value, QObject *context,
                       Callback done) = 0;
    virtual void remove(const QString &key, QObject *context, Callback done) = 0;

    /// Picks the store to use: the system keychain (service `service`) if
    /// one answers, else a FileSecretStore at `fallbackPath`. `done` gets
    /// the store (never null), later.
    static void open(const QString &service, const QString &fallbackPath, QObject *context,
                     std::function<void(std::shared_ptr<SecretStore>)> done);
    /// The same with a given keychain store (null: none), for tests.
    static void open(std::shared_ptr<SecretStore> keychain, const QString &fallbackPath,
                     QObject *context, std::function<void(std::shared_ptr<SecretStore>)> done);
    /// The fallback file's usual place: "secrets.json" in the application's
    /// data directory.
    static QString defaultFallbackPath();
    /// True if this build can talk to a system keychain (QtKeychain).
    static bool hasKeychainSupport();

protected:
    explicit SecretStore(QObject *parent = nullptr);
    /// Calls `done(result)` from the event loop, if `context` still lives.
    static void deliver(QObject *context, Callback done, Result result);
};

/// Secrets in a JSON file that only the user may read or write (0600, in
/// a 0700 directory), written atomically. Not encrypted: the fallback when
/// no keychain is available, flagged with isSecure() == false.
class FileSecretStore final : public SecretStore
{
    Q_OBJECT
public:
    explicit FileSecretStore(const QString &path, QObject *parent = nullptr);
    ~FileSecretStore() override;

    QString path() const { return m_path; }

    QString backendName() const override;
    bool isSecure() const override { return false; }
    QString warning() const override;
    void read(const QString &key, QObject *context, Callback done) override;
    void write(const QString &key, const QString &value, QObject *context, Callback done) override;
    void remove(const QString &key, QObject *context, Callback done) override;

private:
    bool load(QJsonObject *object, QString *error) const;
    /// load() for reading or removing `key`: false, with `result` Failed
    /// (and its sentence) or NotFound, unless the file holds the key.
    bool loadWithKey(const QString &key, QJsonObject *object, Result *result) const;
    bool save(const QJsonObject &object, QString *error) const;

    QString m_path;
};

/// Secrets in the system's keychain (Secret Service, KWallet, macOS
/// Keychain, Windows Credential Store) through QtKeychain. Exists in builds
/// with QtKeychain (hasKeychainSupport()); create it with SecretStore::open().
std::shared_ptr<SecretStore> createKeychainSecretStore(const QString &service);

/// If the file `path` exists and its group or others may use it, makes it
/// readable and writable by its owner only (0600), and says so in the log.
/// Returns false if that failed; true if the file is private or absent.
bool narrowToOwner(const QString &path);

/// Makes `path` a file that only its owner may read and write (0600): an
/// existing one is narrowed (narrowToOwner()), a missing one created empty
/// with those permissions (and its folder, if needed), before a byte is
/// written to it. For files that hold secrets or say where they are: the
/// settings file, the event log, the secrets file. Returns false with a
/// sentence in `error` if it could not.
bool makePrivateFile(const QString &path, QString *error = nullptr);

/// Translation context for the sentences of this file.
class SecretText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::SecretText)
};

} // namespace Longwatch
