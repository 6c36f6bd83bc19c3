// ExportJob: writes an export (CSV, JSON, PNG) on a thread of its own, so a large file or
// slow storage never holds the GUI thread. The bytes are made on that thread by a
// function that owns copies of its data (a QImage, a QString), then written in chunks
// through a QSaveFile: progress() reports each chunk, cancel() stops between chunks, and
// a cancelled or failed export leaves nothing at the path, not even a part of a file.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QThread;

namespace Cohort {

class ExportJob : public QObject
{
    Q_OBJECT

public:
    using Produce = std::function<QByteArray()>;

    ExportJob(const QString &path, Produce produce, QObject *parent = nullptr);
    ~ExportJob() override;

    // Bytes per write; progress() is reported after each.
    static constexpr qint64 ChunkBytes = 256 * 1024;

    // Called on the export thread after each chunk is written, with the bytes written so
    // far: for a caller that follows the writing itself (a test cancels mid-file with it).
    void setChunkWritten(std::function<void(qint64)> chunkWritten)
    {
        m_chunkWritten = std::move(chunkWritten);
    }

    void start();
    // Thread-safe; the job finishes with cancelled() true and nothing written.
    void cancel();
    bool isRunning() const;
    bool cancelled() const { return m_cancel.load(); }
    QString path() const { return m_path; }

Q_SIGNALS:
    void progress(qint64 written, qint64 total);
    // ok: the whole file is at path. Otherwise error says why (empty when cancelled).
    void finished(bool ok, const QString &error);

private:
    void run();

    QString m_path;
    Produce m_produce;
    std::function<void(qint64)> m_chunkWritten;
    std::atomic<bool> m_cancel = false;
    std::unique_ptr<QThread> m_thread;
};

} // namespace Cohort
