// SecretStore: the file fallback (private, atomic, flagged as not secure),
// the choice between keychain and file, and the system keychain itself
// through QtKeychain against a real Secret Service: a private D-Bus
// session bus with gnome-keyring-daemon, both started by the test.

#include "common/privatebus.h"
#include "secretstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

constexpr int kWaitMs = 10'000;
constexpr QFileDevice::Permissions kGroupOrOther =
    QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
    QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;

/// Runs one store operation and waits for its answer, checking that the
/// answer does not come from inside the call.
SecretStore::Result await(const std::function<void(SecretStore::Callback)> &operation)
{
    std::optional<SecretStore::Result> answer;
    operation([&](const SecretStore::Result &result) { answer = result; });
    if (answer) {
        SecretStore::Result wrong;
        wrong.status = SecretStore::Status::Failed;
        wrong.errorString = "answered from inside the call";
        return wrong;
    }
    if (!QTest::qWaitFor([&] { return answer.has_value(); }, kWaitMs)) {
        SecretStore::Result none;
        none.status = SecretStore::Status::Failed;
        none.errorString = "no answer";
        return none;
    }
    return *answer;
}

/// A keychain that is not there.
class AbsentKeychain final : public SecretStore
{
public:
    QString backendName() const override { return "absent"; }
    bool isSecure() const override { return true; }
    void read(const QString &, QObject *context, Callback done) override
    {
        deliver(context, std::move(done), {Status::Unavailable, {}, "no secret service"});
    }
    void write(const QString &, const QString &, QObject *context, Callback done) override
    {
        deliver(context, std::move(done), {Status::Unavailable, {}, "no secret service"});
    }
    void remove(const QString &, QObject *context, Callback done) override
    {
        deliver(context, std::move(done), {Status::Unavailable, {}, "no secret service"});
    }
};

} // namespace

class tst_SecretStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void fileStoreKeepsSecrets();
    void fileIsReadableOnlyByTheUser();
    void widenedPermissionsAreNarrowedAgain();
    void privateFilesAreCreatedPrivateAndNarrowed();
    void damagedFileIsAnErrorWithoutItsContent();
    void fileStoreIsFlaggedAsNotSecure();
    void openFallsBackToTheFileWithoutAKeychain();
    void keychainKeepsSecrets();

private:
    bool startSecretService(QString *why);

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_bus;
    std::unique_ptr<QProcess> m_keyring;
    QString m_secretServiceMissing; ///< why the keychain test cannot run, if it cannot
};

void tst_SecretStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Before anything in this process talks to D-Bus: the session bus is
    // ours, so that the test never touches the user's real keychain.
    if (!startSecretService(&m_secretServiceMissing))
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + m_dir.filePath("no-bus").toUtf8());
}

void tst_SecretStore::cleanupTestCase()
{
    for (auto *process : {m_keyring.get(), m_bus.get()}) {
        if (process && process->state() != QProcess::NotRunning) {
            process->terminate();
            if (!process->waitForFinished(5000)) {
                process->kill();
                process->waitForFinished(5000);
            }
        }
    }
}

bool tst_SecretStore::startSecretService(QString *why)
{
    if (!SecretStore::hasKeychainSupport()) {
        *why = "This build has no QtKeychain (Debian package 'qtkeychain-qt6-dev').";
        return false;
    }
    const QString busDaemon = QStandardPaths::findExecutable("dbus-daemon");
    const QString keyringDaemon = QStandardPaths::findExecutable("gnome-keyring-daemon");
    if (busDaemon.isEmpty() || keyringDaemon.isEmpty() ||
        !QFile::exists("/usr/lib/x86_64-linux-gnu/libsecret-1.so.0")) {
        *why = "No Secret Service to test against (Debian packages 'dbus', 'gnome-keyring', "
               "'libsecret-1-0').";
        return false;
    }
    const QString busPath = m_dir.filePath("bus");
    // No service directories: nothing is started on demand, only what we start.
    const QString config = m_dir.filePath("bus.conf");
    if (!writePrivateBusConfig(config, "unix:path=" + busPath))
        return false;

    const auto startDetachedChild = [](QProcess &process) {
        process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        process.setProcessChannelMode(QProcess::MergedChannels);
    };
    m_bus = std::make_unique<QProcess>();
    startDetachedChild(*m_bus);
    m_bus->start(busDaemon, {"--config-file=" + config, "--nofork"});
    if (!m_bus->waitForStarted(5000) ||
        !QTest::qWaitFor([&] { return QFile::exists(busPath); }, kWaitMs)) {
        *why = "Could not start a private D-Bus session bus: " + QString(m_bus->readAll());
        return false;
    }
    const QByteArray address = "unix:path=" + busPath.toUtf8();
    qputenv("DBUS_SESSION_BUS_ADDRESS", address);

    // The keyring lives in our temporary directory, unlocked with a
    // password given on standard input.
    QDir(m_dir.path()).mkpath("data");
    QDir(m_dir.path()).mkpath("run");
    QFile::setPermissions(m_dir.filePath("run"),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("DBUS_SESSION_BUS_ADDRESS", QString(address));
    environment.insert("HOME", m_dir.path());
    environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
    environment.insert("XDG_RUNTIME_DIR", m_dir.filePath("run"));
    m_keyring = std::make_unique<QProcess>();
    startDetachedChild(*m_keyring);
    m_keyring->setProcessEnvironment(environment);
    m_keyring->start(keyringDaemon, {"--foreground", "--components=secrets", "--unlock"});
    if (!m_keyring->waitForStarted(5000)) {
        *why = "Could not start gnome-keyring-daemon: " + m_keyring->errorString();
        return false;
    }
    m_keyring->write("longwatch-test-keyring");
    m_keyring->closeWriteChannel();
    return true;
}

void tst_SecretStore::fileStoreKeepsSecrets()
{
    FileSecretStore store(m_dir.filePath("keep/secrets.json"));
    QCOMPARE(await([&](auto done) { store.read("channel/1/token", this, done); }).status,
             SecretStore::Status::NotFound);
    QCOMPARE(
        await([&](auto done) { store.write("channel/1/token", "t0ken-1", this, done); }).status,
        SecretStore::Status::Ok);
    QCOMPARE(await([&](auto done) {
                 store.write("channel/2/password", "pa55 wörd", this, done);
             }).status,
             SecretStore::Status::Ok);

    // A second store on the same file reads what the first wrote.
    FileSecretStore again(store.path());
    const SecretStore::Result read =
        await([&](auto done) { again.read("channel/2/password", this, done); });
    QCOMPARE(read.status, SecretStore::Status::Ok);
    QCOMPARE(read.value, QString("pa55 wörd"));

    QCOMPARE(await([&](auto done) { again.remove("channel/1/token", this, done); }).status,
             SecretStore::Status::Ok);
    QCOMPARE(await([&](auto done) { store.read("channel/1/token", this, done); }).status,
             SecretStore::Status::NotFound);
    QCOMPARE(await([&](auto done) { store.remove("channel/1/token", this, done); }).status,
             SecretStore::Status::NotFound);
}

void tst_SecretStore::fileIsReadableOnlyByTheUser()
{
    const QString folder = m_dir.filePath("private");
    FileSecretStore store(folder + "/secrets.json");
    QCOMPARE(await([&](auto done) { store.write("k", "v", this, done); }).status,
             SecretStore::Status::Ok);
    const QFileInfo file(store.path());
    QVERIFY(file.exists());
    QCOMPARE(file.permissions() & kGroupOrOther, QFileDevice::Permissions());
    QVERIFY(file.permissions() & QFileDevice::ReadOwner);
    QCOMPARE(QFileInfo(folder).permissions() & kGroupOrOther, QFileDevice::Permissions());
    // Written atomically: no temporary file left beside it.
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList{"secrets.json"});
}

void tst_SecretStore::privateFilesAreCreatedPrivateAndNarrowed()
{
    const mode_t before = ::umask(022);
    const auto restore = qScopeGuard([before] { ::umask(before); });
    // Missing: created empty, with its folder, never readable by others.
    const QString created = m_dir.filePath("made/private.conf");
    QVERIFY(makePrivateFile(created));
    QVERIFY(QFileInfo::exists(created));
    QCOMPARE(QFileInfo(created).size(), 0);
    QCOMPARE(QFileInfo(created).permissions() & kGroupOrOther, QFileDevice::Permissions());

    // There: narrowed, its content kept.
    const QString wide = m_dir.filePath("made/wide.conf");
    {
        QFile file(wide);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("kept");
    }
    QVERIFY(QFileInfo(wide).permissions() & QFileDevice::ReadOther);
    QVERIFY(makePrivateFile(wide));
    QCOMPARE(QFileInfo(wide).permissions() & kGroupOrOther, QFileDevice::Permissions());
    QVERIFY(QFileInfo(wide).permissions() & QFileDevice::WriteOwner);
    QFile file(wide);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("kept"));

    // narrowToOwner() leaves an absent file absent.
    QVERIFY(narrowToOwner(m_dir.filePath("made/absent")));
    QVERIFY(!QFileInfo::exists(m_dir.filePath("made/absent")));
}

void tst_SecretStore::widenedPermissionsAreNarrowedAgain()
{
    FileSecretStore store(m_dir.filePath("widened/secrets.json"));
    QCOMPARE(await([&](auto done) { store.write("k", "v", this, done); }).status,
             SecretStore::Status::Ok);
    QVERIFY(QFile::setPermissions(store.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                    QFileDevice::ReadGroup |
                                                    QFileDevice::ReadOther));
    QVERIFY(QFileInfo(store.path()).permissions() & QFileDevice::ReadOther);
    QCOMPARE(await([&](auto done) { store.read("k", this, done); }).value, QString("v"));
    QCOMPARE(QFileInfo(store.path()).permissions() & kGroupOrOther, QFileDevice::Permissions());
}

void tst_SecretStore::damagedFileIsAnErrorWithoutItsContent()
{
    const QString path = m_dir.filePath("damaged.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"k\": \"s3cret-value\""); // cut short
    file.close();
    FileSecretStore store(path);
    const SecretStore::Result result = await([&](auto done) { store.read("k", this, done); });
    QCOMPARE(result.status, SecretStore::Status::Failed);
    QVERIFY2(result.errorString.contains("damaged"), qPrintable(result.errorString));
    QVERIFY(!result.errorString.contains("s3cret"));
    // Not overwritten by a write either: the person may want it back.
    QCOMPARE(await([&](auto done) { store.write("k2", "v", this, done); }).status,
             SecretStore::Status::Failed);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("s3cret-value"));
}

void tst_SecretStore::fileStoreIsFlaggedAsNotSecure()
{
    FileSecretStore store(m_dir.filePath("flag/secrets.json"));
    QVERIFY(!store.isSecure());
    QVERIFY(store.warning().contains(QDir::toNativeSeparators(store.path())));
    QVERIFY(store.warning().contains("unencrypted"));
    QCOMPARE(store.backendName(), QString("file"));
}

void tst_SecretStore::openFallsBackToTheFileWithoutAKeychain()
{
    const QString path = m_dir.filePath("fallback/secrets.json");
    std::shared_ptr<SecretStore> opened;
    SecretStore::open(std::make_shared<AbsentKeychain>(), path, this,
                      [&](std::shared_ptr<SecretStore> store) { opened = std::move(store); });
    QVERIFY(!opened); // later, not from inside the call
    QTRY_VERIFY_WITH_TIMEOUT(opened, kWaitMs);
    QVERIFY(!opened->isSecure());
    auto *file = dynamic_cast<FileSecretStore *>(opened.get());
    QVERIFY(file);
    QCOMPARE(file->path(), path);

    // Nor is there a keychain without a build that has one.
    std::shared_ptr<SecretStore> none;
    SecretStore::open(std::shared_ptr<SecretStore>(), path, this,
                      [&](std::shared_ptr<SecretStore> store) { none = std::move(store); });
    QTRY_VERIFY_WITH_TIMEOUT(none, kWaitMs);
    QVERIFY(!none->isSecure());
}

void tst_SecretStore::keychainKeepsSecrets()
{
    if (!m_secretServiceMissing.isEmpty()) {
        // Still worth a check: with no secret service, the real keychain
        // store is refused and the file is used.
        if (SecretStore::hasKeychainSupport()) {
            std::shared_ptr<SecretStore> opened;
            SecretStore::open("longwatch-test", m_dir.filePath("nokeychain/secrets.json"), this,
                              [&](std::shared_ptr<SecretStore> store) { opened = store; });
            QTRY_VERIFY_WITH_TIMEOUT(opened, kWaitMs);
            QVERIFY(!opened->isSecure());
        }
        QSKIP(qPrintable(m_secretServiceMissing));
    }

    // The keyring answers once it has set itself up.
    std::shared_ptr<SecretStore> opened;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            opened.reset();
            SecretStore::open("longwatch-test", m_dir.filePath("unused/secrets.json"), this,
                              [&](std::shared_ptr<SecretStore> store) { opened = store; });
            return QTest::qWaitFor([&] { return bool(opened); }, kWaitMs) && opened->isSecure();
        }(),
        kWaitMs);
    QCOMPARE(opened->backendName(), QString("system keychain"));
    SecretStore &store = *opened;
    QCOMPARE(await([&](auto done) {
                 store.write("channel/9/token", "k3ychain-t0ken", this, done);
             }).status,
             SecretStore::Status::Ok);
    const SecretStore::Result read =
        await([&](auto done) { store.read("channel/9/token", this, done); });
    QCOMPARE(read.status, SecretStore::Status::Ok);
    QCOMPARE(read.value, QString("k3ychain-t0ken"));
    // A header's value (a key one level deeper) is kept apart from the token.
    QCOMPARE(await([&](auto done) {
                 store.write("channel/9/header/X-Api-Key", "k3ychain-header", this, done);
             }).status,
             SecretStore::Status::Ok);
    QCOMPARE(await([&](auto done) { store.read("channel/9/header/X-Api-Key", this, done); }).value,
             QString("k3ychain-header"));
    QCOMPARE(await([&](auto done) { store.read("channel/9/token", this, done); }).value,
             QString("k3ychain-t0ken"));
    QCOMPARE(
        await([&](auto done) { store.remove("channel/9/header/X-Api-Key", this, done); }).status,
        SecretStore::Status::Ok);
    QCOMPARE(await([&](auto done) { store.remove("channel/9/token", this, done); }).status,
             SecretStore::Status::Ok);
    QCOMPARE(await([&](auto done) { store.read("channel/9/token", this, done); }).status,
             SecretStore::Status::NotFound);
    QVERIFY(!QFile::exists(m_dir.filePath("unused/secrets.json")));
}

QTEST_GUILESS_MAIN(tst_SecretStore)
#include "tst_secretstore.moc"
