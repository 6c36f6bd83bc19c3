// Cluster health at a glance, with real cohort-node processes on SQLite and PostgreSQL:
// a node's timeline and the takeover report after kill -9 (every job it held, the node
// that ran each afterwards, matching the jobs table), the timeline's CSV export against
// the database's rows, and the takeover countdown of a stopped node.
#include "clusterconsistency.h"
#include "nodeevents.h"
#include "noderegistry.h"
#include "takeovers.h"
#include "timecheck.h"
#include "ctlrun.h"
#include "testcluster.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

namespace {

// RFC 4180: fields separated by commas, quoted when they hold a comma, quote or line
// break, a quote doubled inside quotes; records end with CRLF.
QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record << field;
            field.clear();
        } else if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            record << field;
            records << record;
            record.clear();
            field.clear();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !record.isEmpty())
        records << (record << field);
    return records;
}

} // namespace

class TestClusterHealth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }
    void init();
    void cleanup();

    void killedNodeHasTimelineAndTakeoverReport();
    void countdownOfAStoppedNode();
    void consistencyGridNamesEachMismatch();

private:
    QStringList withDb(QStringList arguments) const { return arguments << u"--db"_s << m_cluster->url(); }
    // Every node_events row of the node, as the CSV export writes its fields.
    QList<QStringList> eventRows(const QString &guid);

    std::unique_ptr<TestCluster> m_cluster;
};

void TestClusterHealth::init()
{
    auto cluster = TestCluster::forCurrentTest();
    QVERIFY2(cluster.ok(), qPrintable(cluster.message()));
    m_cluster = std::move(cluster).value();
}

void TestClusterHealth::cleanup()
{
    if (m_cluster) {
        for (const auto &node : m_cluster->nodes()) {
            if (node->running())
                node->signal(SIGCONT);
        }
        if (QTest::currentTestFailed())
            m_cluster->printNodeOutput(60);
    }
    m_cluster.reset();
}

QList<QStringList> TestClusterHealth::eventRows(const QString &guid)
{
    QList<QStringList> rows;
    auto query = m_cluster->database().exec(
        u"SELECT id, node_guid, at, kind, actor, actor_name, details, takeover_id FROM node_events "
        "WHERE node_guid = ? ORDER BY at, id"_s,
        {guid});
    if (!query)
        return rows;
    while (query->next()) {
        const qint64 at = query->value(2).toLongLong();
        rows << QStringList{query->value(0).toString(),
                            query->value(1).toString(),
                            QDateTime::fromMSecsSinceEpoch(at, Qt::UTC).toString(Qt::ISODateWithMs),
                            QString::number(at),
                            query->value(3).toString(),
                            query->value(4).toString(),
                            query->value(5).toString(),
                            query->value(6).toString(),
                            query->value(7).isNull() ? QString() : query->value(7).toString()};
    }
    return rows;
}

void TestClusterHealth::killedNodeHasTimelineAndTakeoverReport()
{
    // The victim alone holds 50 running sleep jobs; then a peer joins, and the victim is
    // killed. The peer marks it Offline and runs all 50.
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"50"_s, u"--batch"_s, u"50"_s});
    QVERIFY(victim->waitForJoined());
    const QString guid = victim->guid();
    const QList<qint64> ids = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 8000}"_s), 50);
    QCOMPARE(ids.size(), 50);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid}).toInt(),
        50, 20000);
    NodeProcess *peer = m_cluster->startNode(u"peer"_s, {u"--workers"_s, u"50"_s});
    QVERIFY(peer->waitForJoined());
    const QString peerGuid = peer->guid();
    // Still all the victim's: nothing was queued for the peer to take.
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid}).toInt(),
             50);

    victim->signal(SIGKILL);
    QVERIFY(victim->waitForExit(10000));
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(guid), u"offline"_s, 20000);
    QStringList idTexts;
    for (qint64 id : ids)
        idTexts << QString::number(id);
    const QString idList = idTexts.join(u',');
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND id IN (%1)"_s.arg(idList)).toInt(),
        50, 60000);

    // The timeline: joined, online, then offline naming the peer that marked it, and the
    // jobs handed back, both pointing at the takeover.
    auto events = NodeEvents::list(m_cluster->database(), guid);
    QVERIFY2(events.ok(), qPrintable(events.message()));
    QStringList kinds;
    for (const NodeEvent &event : std::as_const(*events))
        kinds << event.kind;
    QCOMPARE(kinds, (QStringList{u"joined"_s, u"online"_s, u"offline"_s, u"jobs-handed-back"_s}));
    const NodeEvent &offline = events->at(2);
    QCOMPARE(offline.actor, peerGuid);
    QCOMPARE(offline.actorName, u"peer"_s);
    QVERIFY2(offline.details.contains(u"peer"_s), qPrintable(offline.details));
    QVERIFY(offline.takeoverId > 0);
    QCOMPARE(events->at(3).takeoverId, offline.takeoverId);
    QVERIFY2(events->at(3).details.contains(u"50 jobs"_s), qPrintable(events->at(3).details));

    // The report, as cohortctl prints it: all 50 jobs, each with the node that ran it
    // afterwards and when, as the jobs table has them.
    const CtlRun printed = runCtl(withDb({u"nodes"_s, u"takeover"_s, u"victim"_s, u"--json"_s}));
    QVERIFY2(printed.exitCode == 0, qPrintable(printed.err));
    const QJsonObject report = QJsonDocument::fromJson(printed.out.toUtf8()).object();
    QCOMPARE(report.value(u"id"_s).toInteger(), offline.takeoverId);
    QCOMPARE(report.value(u"node_guid"_s).toString(), guid);
    QCOMPARE(report.value(u"marked_by"_s).toString(), peerGuid);
    QCOMPARE(report.value(u"marked_by_name"_s).toString(), u"peer"_s);
    QCOMPARE(report.value(u"job_count"_s).toInt(), 50);
    QCOMPARE(report.value(u"finished_count"_s).toInt(), 50);
    QVERIFY(report.value(u"heartbeat_to_marked_ms"_s).toInteger() >= 0);
    QVERIFY(report.value(u"marked_to_reclaimed_ms"_s).toInteger() >= 0);
    QVERIFY(report.value(u"reclaimed_to_finished_ms"_s).toInteger() >= 7000); // the sleep
    QHash<qint64, QJsonObject> reported;
    for (const QJsonValue &value : report.value(u"jobs"_s).toArray())
        reported.insert(value.toObject().value(u"id"_s).toInteger(), value.toObject());
    QCOMPARE(reported.size(), 50);
    auto jobs = m_cluster->database().exec(
        u"SELECT id, state, claimed_by, claimed_at, finished_at FROM jobs WHERE id IN (%1)"_s.arg(idList));
    QVERIFY(jobs.ok());
    int matched = 0;
    while (jobs->next()) {
        const qint64 id = jobs->value(0).toLongLong();
        QVERIFY2(reported.contains(id), qPrintable(u"job %1 is not in the report"_s.arg(id)));
        const QJsonObject job = reported.value(id);
        QCOMPARE(job.value(u"state"_s).toString(), jobs->value(1).toString());
        QCOMPARE(job.value(u"ran_by"_s).toString(), jobs->value(2).toString());
        QCOMPARE(job.value(u"ran_by"_s).toString(), peerGuid);
        QCOMPARE(job.value(u"ran_by_name"_s).toString(), u"peer"_s);
        QCOMPARE(job.value(u"reclaimed_at_ms"_s).toInteger(), jobs->value(3).toLongLong());
        QCOMPARE(job.value(u"finished_at_ms"_s).toInteger(), jobs->value(4).toLongLong());
        QCOMPARE(job.value(u"returned_as"_s).toString(), u"queued"_s);
        ++matched;
    }
    QCOMPARE(matched, 50);
    // The text form names the peer and every job.
    const CtlRun text = runCtl(withDb({u"nodes"_s, u"takeover"_s, QString::number(offline.takeoverId)}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    QVERIFY2(text.out.contains(u"marked Offline by peer"_s), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"50 of 50 jobs finished"_s), qPrintable(text.out));

    // The timeline's CSV export is the node's rows, field by field.
    const CtlRun csv = runCtl(withDb({u"nodes"_s, u"events"_s, guid, u"--csv"_s}));
    QVERIFY2(csv.exitCode == 0, qPrintable(csv.err));
    QList<QStringList> records = parseCsv(csv.out);
    QVERIFY(!records.isEmpty());
    QCOMPARE(records.takeFirst(), (QStringList{u"id"_s, u"node_guid"_s, u"at"_s, u"at_ms"_s, u"kind"_s, u"actor"_s,
                                               u"actor_name"_s, u"details"_s, u"takeover_id"_s}));
    QCOMPARE(records, eventRows(guid));
    // And the JSON has the same events.
    const CtlRun json = runCtl(withDb({u"nodes"_s, u"events"_s, u"victim"_s, u"--json"_s}));
    QVERIFY2(json.exitCode == 0, qPrintable(json.err));
    QCOMPARE(QJsonDocument::fromJson(json.out.toUtf8()).array().size(), events->size());

    // Bad input: one clear line, exit 2 or 1.
    const CtlRun unknown = runCtl(withDb({u"nodes"_s, u"events"_s, u"no-such-node"_s}));
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains(u"No node is called \"no-such-node\""_s), qPrintable(unknown.err));
    const CtlRun missing = runCtl(withDb({u"nodes"_s, u"events"_s}));
    QCOMPARE(missing.exitCode, 2);
    QVERIFY2(missing.err.contains(u"events needs a node"_s), qPrintable(missing.err));
    const CtlRun noTakeover = runCtl(withDb({u"nodes"_s, u"takeover"_s, u"peer"_s}));
    QCOMPARE(noTakeover.exitCode, 1);
    QVERIFY2(noTakeover.err.contains(u"No peer has taken over the work of node peer"_s), qPrintable(noTakeover.err));
    const CtlRun both = runCtl(withDb({u"nodes"_s, u"events"_s, u"peer"_s, u"--csv"_s, u"--json"_s}));
    QCOMPARE(both.exitCode, 2);
}

void TestClusterHealth::countdownOfAStoppedNode()
{
    NodeProcess *watcher = m_cluster->startNode(u"watcher"_s);
    NodeProcess *stopped = m_cluster->startNode(u"stopped"_s);
    QVERIFY(watcher->waitForJoined());
    QVERIFY(stopped->waitForJoined());
    const QString guid = stopped->guid();
    const auto countdown = [&](QString *state) -> qint64 {
        auto nodes = NodeRegistry::list(m_cluster->database());
        if (!nodes)
            return -2;
        for (const NodeInfo &node : std::as_const(*nodes)) {
            if (node.guid == guid) {
                *state = node.state;
                return node.offlineInMs;
            }
        }
        return -2;
    };
    // Both beat: the countdown stays within one heartbeat of the full allowance (5 s).
    QString state;
    QTRY_VERIFY_WITH_TIMEOUT(countdown(&state) > 3000, 10000);

    QVERIFY(stopped->stopOutsideWriteTransaction());
    QList<qint64> samples;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 30000) {
        const qint64 left = countdown(&state);
        QVERIFY(left >= 0);
        if (state == u"offline"_s) {
            QCOMPARE(left, 0);
            break;
        }
        QCOMPARE(state, u"online"_s);
        samples << left;
        QTest::qWait(250);
    }
    QCOMPARE(state, u"offline"_s);
    qInfo() << "countdown samples (ms):" << samples;
    QVERIFY2(samples.size() >= 4, "the countdown was seen too few times");
    for (qsizetype i = 1; i < samples.size(); ++i)
        QVERIFY2(samples.at(i) <= samples.at(i - 1), "the countdown went up while the node was stopped");
    QVERIFY(samples.constFirst() > samples.constLast());
    // It ran out at about the moment the peer marked the node (which judges by its own
    // clock, within a second of its check).
    QVERIFY2(samples.constLast() <= 1500, qPrintable(u"%1 ms were left when it was marked"_s.arg(samples.constLast())));
}

void TestClusterHealth::consistencyGridNamesEachMismatch()
{
    // Nodes in the database's zone agree; one in another zone, and then two left on an
    // older version when a newer node takes over, are named with the reason.
    auto zone = TimeCheck::databaseZone(m_cluster->database());
    QVERIFY2(zone.ok(), qPrintable(zone.message()));
    const QString reference = *zone;
    const QString other = TimeCheck::zonesAgree(reference, u"Asia/Tokyo"_s, QDateTime::currentMSecsSinceEpoch())
                              ? u"America/New_York"_s
                              : u"Asia/Tokyo"_s;
    const auto inZone = [&](const QString &name, const QString &tz, const QString &program = {}) {
        return m_cluster->startNodeIn(name, m_cluster->scratchPath(u"node-"_s + name), {}, TestCluster::Timing::Fast,
                                      {{u"TZ"_s, tz}}, program);
    };
    const auto health = [&]() -> QJsonObject {
        const CtlRun run = runCtl(withDb({u"health"_s, u"--json"_s}));
        if (run.exitCode != 0)
            qWarning().noquote() << run.err;
        return QJsonDocument::fromJson(run.out.toUtf8()).object();
    };
    const auto nodeOf = [](const QJsonObject &report, const QString &name) {
        for (const QJsonValue &node : report.value(u"nodes"_s).toArray()) {
            if (node.toObject().value(u"name"_s).toString() == name)
                return node.toObject();
        }
        return QJsonObject();
    };
    const auto field = [](const QJsonObject &node, const QString &key) {
        return node.value(u"values"_s).toObject().value(key).toObject();
    };

    NodeProcess *first = inZone(u"first"_s, reference);
    NodeProcess *second = inZone(u"second"_s, reference);
    QVERIFY(first->waitForJoined());
    QVERIFY(second->waitForJoined());
    // A consistent cluster: no mismatch anywhere, and one line that says so.
    QJsonObject report;
    QTRY_VERIFY_WITH_TIMEOUT((report = health()).value(u"consistent"_s).toBool(), 15000);
    QCOMPARE(report.value(u"mismatches"_s).toInt(), 0);
    QVERIFY2(report.value(u"summary"_s).toString().startsWith(u"All 2 nodes agree"_s),
             qPrintable(report.value(u"summary"_s).toString()));
    const CtlRun agreeing = runCtl(withDb({u"health"_s}));
    QCOMPARE(agreeing.exitCode, 0);
    QVERIFY2(agreeing.out.startsWith(u"All 2 nodes agree"_s) && !agreeing.out.contains(u'!'), qPrintable(agreeing.out));
    // The data key is named by its check value, which is not the key.
    const QString keyCheck = m_cluster->scalar(u"SELECT key_check FROM cluster"_s).toString();
    QCOMPARE(field(nodeOf(report, u"first"_s), u"data_key"_s).value(u"value"_s).toString(), keyCheck.left(12));

    // Another time zone.
    NodeProcess *odd = inZone(u"odd"_s, other);
    QVERIFY(odd->waitForJoined());
    QTRY_VERIFY_WITH_TIMEOUT(nodeOf(report = health(), u"odd"_s).value(u"mismatches"_s).toInt() == 1, 15000);
    QVERIFY(!report.value(u"consistent"_s).toBool());
    const QJsonObject oddZone = field(nodeOf(report, u"odd"_s), u"time_zone"_s);
    QCOMPARE(oddZone.value(u"value"_s).toString(), other);
    QVERIFY(oddZone.value(u"mismatch"_s).toBool());
    QVERIFY2(oddZone.value(u"reason"_s).toString().contains(other)
                 && oddZone.value(u"reason"_s).toString().contains(reference),
             qPrintable(oddZone.value(u"reason"_s).toString()));
    QCOMPARE(nodeOf(report, u"first"_s).value(u"mismatches"_s).toInt(), 0);
    QCOMPARE(nodeOf(report, u"second"_s).value(u"mismatches"_s).toInt(), 0);
    const CtlRun text = runCtl(withDb({u"health"_s}));
    QVERIFY2(text.out.contains(u"! odd, Time zone: Keeps local time in %1"_s.arg(other)), qPrintable(text.out));

    // A newer node takes over: the others now run an older version.
    NodeProcess *next = inZone(u"next"_s, reference, TestCluster::nextNodeProgram());
    QVERIFY(next->waitForJoined());
    QVERIFY(second->waitForExit(30000));
    QTRY_VERIFY_WITH_TIMEOUT(field(nodeOf(report = health(), u"second"_s), u"version"_s).value(u"mismatch"_s).toBool(),
                             15000);
    const QJsonObject version = field(nodeOf(report, u"second"_s), u"version"_s);
    QCOMPARE(version.value(u"value"_s).toString(), QString::fromLatin1(COHORT_VERSION_STRING));
    QVERIFY2(version.value(u"reason"_s).toString().contains(u"the cluster runs %1"_s.arg(TestCluster::nextVersion())),
             qPrintable(version.value(u"reason"_s).toString()));
    QCOMPARE(nodeOf(report, u"second"_s).value(u"status"_s).toString(), u"upgrade-required"_s);
    QCOMPARE(nodeOf(report, u"next"_s).value(u"mismatches"_s).toInt(), 0);
    QCOMPARE(report.value(u"cluster"_s).toObject().value(u"version"_s).toString(), TestCluster::nextVersion());
}

QTEST_GUILESS_MAIN(TestClusterHealth)
#include "tst_clusterhealth.moc"
