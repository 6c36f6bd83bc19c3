#include "agentsprocess.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

namespace Cohort::Test {

QString AgentsProcess::program()
{
    return QStringLiteral(COHORT_AGENTS_PATH);
}

AgentsProcess::AgentsProcess()
{
    QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process, [this] { readLines(); });
    QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process, [this] {
        m_errors += QString::fromUtf8(m_process.readAllStandardError());
        // Only the tail matters when a test fails: live summaries run long.
        if (m_errors.size() > 20000)
            m_errors = m_errors.right(10000);
    });
}

AgentsProcess::~AgentsProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

void AgentsProcess::start(const QStringList &arguments)
{
    m_process.start(program(), arguments + QStringList{u"--json"_s});
}

void AgentsProcess::readLines()
{
    m_pending += m_process.readAllStandardOutput();
    qsizetype end;
    while ((end = m_pending.indexOf('\n')) >= 0) {
        const QByteArray line = m_pending.left(end);
        m_pending.remove(0, end + 1);
        const QJsonDocument document = QJsonDocument::fromJson(line);
        if (document.isObject())
            m_summaries << document.object();
    }
}

QJsonObject AgentsProcess::waitForSummary(const std::function<bool(const QJsonObject &)> &accept,
                                          int timeoutMs, qsizetype from)
{
    QDeadlineTimer deadline(timeoutMs);
    qsizetype looked = from;
    while (true) {
        for (; looked < m_summaries.size(); ++looked) {
            if (accept(m_summaries.at(looked)))
                return m_summaries.at(looked);
        }
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
            return {};
        QTest::qWait(50);
    }
}

QJsonObject AgentsProcess::waitForFinal(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (m_process.state() != QProcess::NotRunning && !deadline.hasExpired())
        QTest::qWait(50);
    readLines();
    for (qsizetype i = m_summaries.size() - 1; i >= 0; --i) {
        if (m_summaries.at(i).value(u"final"_s).toBool())
            return m_summaries.at(i);
    }
    return {};
}

} // namespace Cohort::Test
