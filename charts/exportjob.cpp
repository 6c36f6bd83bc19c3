#include "exportjob.h"
#include "chartslogging.h"
#include "exportfile.h"

#include <QMetaObject>
#include <QPointer>
#include <QSaveFile>
#include <QThread>

namespace Cohort {

ExportJob::ExportJob(const QString &path, Produce produce, QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_produce(std::move(produce))
{}

ExportJob::~ExportJob()
{
    cancel();
    if (m_thread)
        m_thread->wait();
}

void ExportJob::start()
{
    if (m_thread)
        return;
    m_thread.reset(QThread::create([this] { run(); }));
    m_thread->setObjectName(QStringLiteral("export"));
    m_thread->start();
}

void ExportJob::cancel()
{
    m_cancel = true;
}

bool ExportJob::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void ExportJob::run()
{
    // Runs on m_thread; results go back to this object's thread as queued calls.
    const auto report = [this](bool ok, const QString &error) {
        QMetaObject::invokeMethod(
            this, [this, ok, error] { Q_EMIT finished(ok, error); }, Qt::QueuedConnection);
    };
    const QByteArray bytes = m_produce();
    if (m_cancel) {
        report(false, {});
        return;
    }
    if (bytes.isNull()) {
        report(false, ExportFile::tr("Cannot write %1: %2").arg(m_path, ExportFile::tr("nothing to write")));
        return;
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        report(false, ExportFile::tr("Cannot write %1: %2").arg(m_path, file.errorString()));
        return;
    }
    const qint64 total = bytes.size();
    qint64 written = 0;
    while (written < total) {
        if (m_cancel) {
            file.cancelWriting();
            qCInfo(lcCharts) << "export to" << m_path << "cancelled after" << written << "of" << total
                             << "bytes";
            report(false, {});
            return;
        }
        const qint64 chunk = qMin(ChunkBytes, total - written);
        if (file.write(bytes.constData() + written, chunk) != chunk) {
            const QString error = file.errorString();
            file.cancelWriting();
            report(false, ExportFile::tr("Cannot write %1: %2").arg(m_path, error));
            return;
        }
        written += chunk;
        if (m_chunkWritten)
            m_chunkWritten(written);
        QMetaObject::invokeMethod(
            this, [this, written, total] { Q_EMIT progress(written, total); }, Qt::QueuedConnection);
    }
    if (m_cancel) {
        file.cancelWriting();
        report(false, {});
        return;
    }
    if (!file.commit()) {
        report(false, ExportFile::tr("Cannot write %1: %2").arg(m_path, file.errorString()));
        return;
    }
    report(true, {});
}

} // namespace Cohort
