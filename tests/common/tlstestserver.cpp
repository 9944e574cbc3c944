#include "tlstestserver.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>

namespace Longwatch::Testing {

namespace {

const QString kCurve = QStringLiteral("ec_paramgen_curve:prime256v1");

} // namespace

// ----------------------------------------------------------- TestCertificates

TestCertificates::TestCertificates(const QString &directory)
    : m_directory(directory)
{}

bool TestCertificates::opensslAvailable()
{
    return !QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty();
}

QString TestCertificates::path(const QString &fileName) const
{
    return m_directory + QLatin1Char('/') + fileName;
}

QString TestCertificates::certificatePath(const QString &name) const
{
    return path(name + QStringLiteral(".crt"));
}

QString TestCertificates::keyPath(const QString &name) const
{
    return path(name + QStringLiteral(".key"));
}

QSslCertificate TestCertificates::certificate(const QString &name) const
{
    const QList<QSslCertificate> list = QSslCertificate::fromPath(certificatePath(name));
    return list.isEmpty() ? QSslCertificate() : list.first();
}

QSslKey TestCertificates::key(const QString &name) const
{
    QFile file(keyPath(name));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QSslKey(file.readAll(), QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
}

bool TestCertificates::openssl(const QStringList &arguments)
{
    QProcess process;
    process.setWorkingDirectory(m_directory);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("openssl"), arguments);
    if (!process.waitForStarted(10'000)) {
        m_error = QStringLiteral("could not start openssl: ") + process.errorString();
        return false;
    }
    if (!process.waitForFinished(30'000) || process.exitStatus() != QProcess::NormalExit ||
        process.exitCode() != 0) {
        m_error =
            QStringLiteral("openssl %1 failed: %2")
                .arg(arguments.join(QLatin1Char(' ')), QString::fromLocal8Bit(process.readAll()));
        return false;
    }
    return true;
}

bool TestCertificates::writeFile(const QString &fileName, const QByteArray &content)
{
    QFile file(path(fileName));
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()) {
        m_error = QStringLiteral("could not write %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

bool TestCertificates::makeCa(const QString &name, const QString &commonName)
{
    return openssl({QStringLiteral("req"),
                    QStringLiteral("-x509"),
                    QStringLiteral("-new"),
                    QStringLiteral("-newkey"),
                    QStringLiteral("ec"),
                    QStringLiteral("-pkeyopt"),
                    kCurve,
                    QStringLiteral("-nodes"),
                    QStringLiteral("-keyout"),
                    keyPath(name),
                    QStringLiteral("-out"),
                    certificatePath(name),
                    QStringLiteral("-days"),
                    QStringLiteral("3650"),
                    QStringLiteral("-subj"),
                    QStringLiteral("/CN=%1/O=Longwatch Tests").arg(commonName),
                    QStringLiteral("-addext"),
                    QStringLiteral("basicConstraints=critical,CA:TRUE"),
                    QStringLiteral("-addext"),
                    QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")});
}

bool TestCertificates::makeSigned(const QString &name, const QString &commonName,
                                  const QString &caName, bool client)
{
    const QString csr = path(name + QStringLiteral(".csr"));
    const QString extensions = name + QStringLiteral(".ext");
    const QByteArray ext = client
                               ? QByteArrayLiteral("basicConstraints=CA:FALSE\n"
                                                   "extendedKeyUsage=clientAuth\n")
                               : QByteArrayLiteral("basicConstraints=CA:FALSE\n"
                                                   "extendedKeyUsage=serverAuth\n"
                                                   "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    return writeFile(extensions, ext) &&
           openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"),
                    QStringLiteral("ec"), QStringLiteral("-pkeyopt"), kCurve,
                    QStringLiteral("-nodes"), QStringLiteral("-keyout"), keyPath(name),
                    QStringLiteral("-out"), csr, QStringLiteral("-subj"),
                    QStringLiteral("/CN=%1/O=Longwatch Tests").arg(commonName)}) &&
           openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                    QStringLiteral("-CA"), certificatePath(caName), QStringLiteral("-CAkey"),
                    keyPath(caName), QStringLiteral("-CAcreateserial"), QStringLiteral("-out"),
                    certificatePath(name), QStringLiteral("-days"), QStringLiteral("365"),
                    QStringLiteral("-extfile"), path(extensions)});
}

bool TestCertificates::makeSelfSigned(const QString &name, const QString &commonName,
                                      const QString &subjectAltName)
{
    return openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new"),
                    QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                    kCurve, QStringLiteral("-nodes"), QStringLiteral("-keyout"), keyPath(name),
                    QStringLiteral("-out"), certificatePath(name), QStringLiteral("-days"),
                    QStringLiteral("365"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=%1/O=Longwatch Tests").arg(commonName),
                    QStringLiteral("-addext"), QStringLiteral("subjectAltName=") + subjectAltName});
}

bool TestCertificates::makeExpiredSelfSigned(const QString &name, const QString &commonName)
{
    // `openssl req -days` takes no dates in the past; `openssl ca` does.
    const QString database = name + QStringLiteral(".index");
    const QString serial = name + QStringLiteral(".serial");
    const QByteArray config = "[ ca ]\ndefault_ca = testca\n[ testca ]\n"
                              "database = " +
                              database.toUtf8() +
                              "\nnew_certs_dir = .\n"
                              "serial = " +
                              serial.toUtf8() +
                              "\ndefault_md = sha256\n"
                              "policy = anything\nunique_subject = no\n"
                              "[ anything ]\ncommonName = supplied\norganizationName = optional\n";
    const QString csr = path(name + QStringLiteral(".csr"));
    return writeFile(name + QStringLiteral(".cnf"), config) && writeFile(database, {}) &&
           writeFile(serial, "01\n") &&
           writeFile(name + QStringLiteral(".ext"),
                     "subjectAltName=IP:127.0.0.1,DNS:localhost\n") &&
           openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"),
                    QStringLiteral("ec"), QStringLiteral("-pkeyopt"), kCurve,
                    QStringLiteral("-nodes"), QStringLiteral("-keyout"), keyPath(name),
                    QStringLiteral("-out"), csr, QStringLiteral("-subj"),
                    QStringLiteral("/CN=%1/O=Longwatch Tests").arg(commonName)}) &&
           openssl({QStringLiteral("ca"), QStringLiteral("-batch"), QStringLiteral("-config"),
                    path(name + QStringLiteral(".cnf")), QStringLiteral("-selfsign"),
                    QStringLiteral("-keyfile"), keyPath(name), QStringLiteral("-in"), csr,
                    QStringLiteral("-out"), certificatePath(name), QStringLiteral("-startdate"),
                    QStringLiteral("20200101000000Z"), QStringLiteral("-enddate"),
                    QStringLiteral("20210101000000Z"), QStringLiteral("-extfile"),
                    path(name + QStringLiteral(".ext")), QStringLiteral("-notext")});
}

bool TestCertificates::encryptKey(const QString &name, const QString &passphrase)
{
    return openssl({QStringLiteral("pkey"), QStringLiteral("-in"), keyPath(name),
                    QStringLiteral("-aes256"), QStringLiteral("-passout"),
                    QStringLiteral("pass:") + passphrase, QStringLiteral("-out"),
                    path(name + QStringLiteral("-encrypted.key"))});
}

bool TestCertificates::makePkcs12(const QString &name, const QString &passphrase)
{
    return openssl({QStringLiteral("pkcs12"), QStringLiteral("-export"), QStringLiteral("-in"),
                    certificatePath(name), QStringLiteral("-inkey"), keyPath(name),
                    QStringLiteral("-passout"), QStringLiteral("pass:") + passphrase,
                    QStringLiteral("-out"), path(name + QStringLiteral(".p12"))});
}

bool TestCertificates::makeCombinedPem(const QString &name)
{
    QFile certificateFile(certificatePath(name));
    QFile keyFile(keyPath(name));
    if (!certificateFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
        m_error = QStringLiteral("could not read the certificate or key of ") + name;
        return false;
    }
    return writeFile(name + QStringLiteral("-combined.pem"),
                     certificateFile.readAll() + keyFile.readAll());
}

// -------------------------------------------------------------- TlsTestServer

TlsTestServer::TlsTestServer(const QSslCertificate &certificate, const QSslKey &key,
                             QObject *parent)
    : QObject(parent)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(certificate);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server.setSslConfiguration(configuration);
    setResponse(200, QByteArrayLiteral("{\"events\":[]}"));
    connect(&m_server, &QSslServer::pendingConnectionAvailable, this, &TlsTestServer::onConnection);
    connect(&m_server, &QSslServer::errorOccurred, this,
            [this](QSslSocket *, QAbstractSocket::SocketError) { ++m_failedHandshakes; });
    connect(&m_server, &QSslServer::handshakeInterruptedOnError, this,
            [this](QSslSocket *, const QSslError &) { ++m_failedHandshakes; });
}

TlsTestServer::~TlsTestServer() = default;

void TlsTestServer::requireClientCertificate(const QList<QSslCertificate> &cas)
{
    QSslConfiguration configuration = m_server.sslConfiguration();
    configuration.setCaCertificates(cas);
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    m_server.setSslConfiguration(configuration);
}

void TlsTestServer::setAlpnProtocols(const QList<QByteArray> &protocols)
{
    QSslConfiguration configuration = m_server.sslConfiguration();
    configuration.setAllowedNextProtocols(protocols);
    m_server.setSslConfiguration(configuration);
}

void TlsTestServer::setResponse(int status, const QByteArray &body,
                                const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    m_status = status;
    m_body = body;
    m_headers = headers;
}

void TlsTestServer::setKeepAlive(bool keepAlive)
{
    m_keepAlive = keepAlive;
}

bool TlsTestServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

quint16 TlsTestServer::port() const
{
    return m_server.serverPort();
}

QUrl TlsTestServer::url(const QString &path) const
{
    return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(port()).arg(path));
}

void TlsTestServer::onConnection()
{
    while (m_server.hasPendingConnections()) {
        auto *socket = qobject_cast<QSslSocket *>(m_server.nextPendingConnection());
        if (!socket)
            continue;
        socket->setParent(this);
        m_clientCertificates.append(socket->peerCertificate());
        auto buffer = std::make_shared<QByteArray>();
        const auto serve = [this, socket, buffer] {
            *buffer += socket->readAll();
            // Requests without a body (GET): each ends at the empty line.
            for (qsizetype end = buffer->indexOf("\r\n\r\n"); end >= 0;
                 end = buffer->indexOf("\r\n\r\n")) {
                m_requests.append(buffer->left(end));
                buffer->remove(0, end + 4);
                QByteArray response = "HTTP/1.1 " + QByteArray::number(m_status) + " Test\r\n";
                response += "Content-Type: application/json\r\n";
                response += "Content-Length: " + QByteArray::number(m_body.size()) + "\r\n";
                if (!m_keepAlive)
                    response += "Connection: close\r\n";
                for (const auto &[name, value] : std::as_const(m_headers))
                    response += name + ": " + value + "\r\n";
                socket->write(response + "\r\n" + m_body);
                if (!m_keepAlive) {
                    socket->disconnectFromHost();
                    return;
                }
            }
        };
        connect(socket, &QSslSocket::readyRead, this, serve);
        connect(socket, &QSslSocket::disconnected, socket, &QObject::deleteLater);
        if (socket->bytesAvailable() > 0)
            serve();
    }
}

// -------------------------------------------------------------- OpensslServer

OpensslServer::OpensslServer(const QString &certificatePath, const QString &keyPath)
    : m_certificatePath(certificatePath)
    , m_keyPath(keyPath)
{}

OpensslServer::~OpensslServer()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5'000);
    }
}

bool OpensslServer::start()
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral("openssl"),
                    {QStringLiteral("s_server"), QStringLiteral("-accept"),
                     QStringLiteral("127.0.0.1:0"), QStringLiteral("-cert"), m_certificatePath,
                     QStringLiteral("-key"), m_keyPath, QStringLiteral("-www")});
    if (!m_process.waitForStarted(10'000)) {
        m_error = QStringLiteral("could not start openssl s_server: ") + m_process.errorString();
        return false;
    }
    // It says "ACCEPT 127.0.0.1:<port>" once it listens.
    QByteArray said;
    QDeadlineTimer deadline(10'000);
    while (!deadline.hasExpired() && m_process.waitForReadyRead(int(deadline.remainingTime()))) {
        said += m_process.readAll();
        const qsizetype at = said.indexOf("ACCEPT 127.0.0.1:");
        const qsizetype end = at < 0 ? -1 : said.indexOf('\n', at);
        if (end > at) {
            m_port = said.mid(at + 17, end - at - 17).trimmed().toUShort();
            break;
        }
    }
    if (m_port == 0) {
        m_error = QStringLiteral("openssl s_server did not say where it listens: ") +
                  QString::fromLocal8Bit(said);
        return false;
    }
    // What it prints from now on is nobody's.
    QObject::connect(&m_process, &QProcess::readyRead, &m_process, [this] { m_process.readAll(); });
    return true;
}

QUrl OpensslServer::url(const QString &path) const
{
    return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_port).arg(path));
}

bool isFromLongwatchClient(const QByteArray &requestHead)
{
    return requestHead.contains("\r\nUser-Agent: Longwatch\r\n") ||
           requestHead.endsWith("\r\nUser-Agent: Longwatch");
}

} // namespace Longwatch::Testing
