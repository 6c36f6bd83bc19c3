// Cluster health at a glance, with real cohort-node processes on SQLite and PostgreSQL:
// a node's timeline and the takeover report after kill -9 (every job it held, the node
// that ran each afterwards, matching the jobs table), the timeline's CSV export against
// the database's rows, and the takeover countdown of a stopped node.
#include "agentsprocess.h"
#include "clusterconsistency.h"
#include "ctlrun.h"
#include "nodeevents.h"
#include "noderegistry.h"
#include "takeovers.h"
#include "testcluster.h"
#include "timecheck.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Cohort;
using namespace Cohort::Test;

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
    void drainedNodeClaimsNothingUntilResumed();
    void preflightListsTheNodesAgents();

private:
    QStringList withDb(QStringList arguments) const { return arguments << u"--db"_s << m_cluster->url(); }

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
    // (Each node, stopped or not, is continued and killed with the cluster.)
    if (QTest::currentTestFailed() && m_cluster)
        m_cluster->printNodeOutput(60);
    m_cluster.reset();
}

void TestClusterHealth::killedNodeHasTimelineAndTakeoverReport()
{
    // The victim alone holds 50 running sleep jobs; then a peer joins, and the victim is
    // killed. The peer marks it Offline and runs all 50.
    NodeProcess *victim = m_cluster->startNode(u"victim"_s, {u"--workers"_s, u"50"_s, u"--batch"_s, u"50"_s});
    QVERIFY(victim->waitForJoined());
    const QString guid = victim->guid();
    const QList<qint64> ids = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 15000}"_s), 50);
    QCOMPARE(ids.size(), 50);
    QStringList idTexts;
    for (qint64 id : ids)
        idTexts << QString::number(id);
    const QString idList = idTexts.join(u',');
    // (The node also runs the recurring housekeeping jobs: counted apart.)
    const QString heldOfOurs =
        u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ? AND id IN (%1)"_s.arg(idList);
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->scalar(heldOfOurs, {guid}).toInt(), 50, 30000);
    NodeProcess *peer = m_cluster->startNode(u"peer"_s, {u"--workers"_s, u"50"_s});
    QVERIFY(peer->waitForJoined());
    const QString peerGuid = peer->guid();
    // Still all the victim's: nothing was queued for the peer to take.
    QCOMPARE(m_cluster->scalar(heldOfOurs, {guid}).toInt(), 50);

    victim->signal(SIGKILL);
    QVERIFY(victim->waitForExit(10000));
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster->nodeState(guid), u"offline"_s, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND id IN (%1)"_s.arg(idList))
            .toInt(),
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
    const int held =
        m_cluster->scalar(u"SELECT COUNT(*) FROM takeover_jobs WHERE takeover_id = ?"_s, {offline.takeoverId})
            .toInt();
    QVERIFY(held >= 50); // ours, and any housekeeping job it was running
    QVERIFY2(events->at(3).details.contains(u"%1 jobs"_s.arg(held)), qPrintable(events->at(3).details));
    // Every job it held is finished before the report is read.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM takeover_jobs t JOIN jobs j ON j.id = t.job_id "
                     "WHERE t.takeover_id = ? AND j.state IN ('succeeded', 'failed')"_s,
                     {offline.takeoverId})
            .toInt(),
        held, 60000);

    // The report, as cohortctl prints it: all 50 jobs, each with the node that ran it
    // afterwards and when, as the jobs table has them.
    const CtlRun printed = runCtl(withDb({u"nodes"_s, u"takeover"_s, u"victim"_s, u"--json"_s}));
    QVERIFY2(printed.exitCode == 0, qPrintable(printed.err));
    const QJsonObject report = QJsonDocument::fromJson(printed.out.toUtf8()).object();
    QCOMPARE(report.value(u"id"_s).toInteger(), offline.takeoverId);
    QCOMPARE(report.value(u"node_guid"_s).toString(), guid);
    QCOMPARE(report.value(u"marked_by"_s).toString(), peerGuid);
    QCOMPARE(report.value(u"marked_by_name"_s).toString(), u"peer"_s);
    QCOMPARE(report.value(u"job_count"_s).toInt(), held);
    QCOMPARE(report.value(u"finished_count"_s).toInt(), held);
    QVERIFY(report.value(u"heartbeat_to_marked_ms"_s).toInteger() >= 0);
    QVERIFY(report.value(u"marked_to_reclaimed_ms"_s).toInteger() >= 0);
    QVERIFY(report.value(u"reclaimed_to_finished_ms"_s).toInteger() >= 7000); // the sleep
    QHash<qint64, QJsonObject> reported;
    for (const QJsonValue &value : report.value(u"jobs"_s).toArray())
        reported.insert(value.toObject().value(u"id"_s).toInteger(), value.toObject());
    QCOMPARE(reported.size(), held);
    QStringList reportedIds;
    for (qint64 id : reported.keys())
        reportedIds << QString::number(id);
    // Every job in the report as the jobs table has it; ours all among them.
    auto jobs = m_cluster->database().exec(
        u"SELECT id, state, claimed_by, claimed_at, finished_at FROM jobs WHERE id IN (%1)"_s.arg(
            reportedIds.join(u',')));
    QVERIFY(jobs.ok());
    int matched = 0;
    int ours = 0;
    while (jobs->next()) {
        const qint64 id = jobs->value(0).toLongLong();
        const QJsonObject job = reported.value(id);
        QCOMPARE(job.value(u"state"_s).toString(), jobs->value(1).toString());
        QCOMPARE(job.value(u"ran_by"_s).toString(), jobs->value(2).toString());
        QCOMPARE(job.value(u"ran_by"_s).toString(), peerGuid);
        QCOMPARE(job.value(u"ran_by_name"_s).toString(), u"peer"_s);
        QCOMPARE(job.value(u"reclaimed_at_ms"_s).toInteger(), jobs->value(3).toLongLong());
        QCOMPARE(job.value(u"finished_at_ms"_s).toInteger(), jobs->value(4).toLongLong());
        QCOMPARE(job.value(u"returned_as"_s).toString(), u"queued"_s);
        ++matched;
        ours += ids.contains(id) ? 1 : 0;
    }
    QCOMPARE(matched, held);
    QCOMPARE(ours, 50);
    // The text form names the peer and every job.
    const CtlRun text = runCtl(withDb({u"nodes"_s, u"takeover"_s, QString::number(offline.takeoverId)}));
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    QVERIFY2(text.out.contains(u"marked Offline by peer"_s), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"%1 of %1 jobs finished"_s.arg(held)), qPrintable(text.out));

    // The timeline's CSV export is the node's rows, field by field.
    const CtlRun csv = runCtl(withDb({u"nodes"_s, u"events"_s, guid, u"--csv"_s}));
    QVERIFY2(csv.exitCode == 0, qPrintable(csv.err));
    QList<QStringList> records = parseCsv(csv.out);
    QVERIFY(!records.isEmpty());
    QCOMPARE(records.takeFirst(), (QStringList{u"id"_s, u"node_guid"_s, u"at"_s, u"at_ms"_s, u"kind"_s,
                                               u"actor"_s, u"actor_name"_s, u"details"_s, u"takeover_id"_s}));
    QCOMPARE(records, m_cluster->nodeEventRows(guid));
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
    QVERIFY2(noTakeover.err.contains(u"No peer has taken over the work of node peer"_s),
             qPrintable(noTakeover.err));
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
    QVERIFY2(samples.constLast() <= 1500,
             qPrintable(u"%1 ms were left when it was marked"_s.arg(samples.constLast())));

    // cohortctl nodes says the same as the console: an Offline node counts nothing down,
    // and the watcher, now without a live peer, will not be marked by anyone.
    const CtlRun listed = runCtl(withDb({u"nodes"_s}));
    QCOMPARE(listed.exitCode, 0);
    QHash<QString, QString> offlineIn;
    for (const QString &line : listed.out.split(u'\n', Qt::SkipEmptyParts)) {
        const QStringList fields = line.trimmed().split(QRegularExpression(u"\\s{2,}"_s));
        if (fields.size() == 11)
            offlineIn.insert(fields.at(0), fields.at(6));
    }
    QCOMPARE(offlineIn.value(u"NAME"_s), u"OFFLINE IN"_s);
    QCOMPARE(offlineIn.value(u"stopped"_s), u"-"_s);
    QCOMPARE(offlineIn.value(u"watcher"_s), u"never (no peer)"_s);
}

void TestClusterHealth::consistencyGridNamesEachMismatch()
{
    // Nodes in the database's zone agree; one in another zone, and then two left on an
    // older version when a newer node takes over, are named with the reason.
    auto zone = TimeCheck::databaseZone(m_cluster->database());
    QVERIFY2(zone.ok(), qPrintable(zone.message()));
    const QString reference = *zone;
    const QString other =
        TimeCheck::zonesAgree(reference, u"Asia/Tokyo"_s, QDateTime::currentMSecsSinceEpoch())
            ? u"America/New_York"_s
            : u"Asia/Tokyo"_s;
    const auto inZone = [&](const QString &name, const QString &tz, const QString &program = {}) {
        return m_cluster->startNodeIn(name, m_cluster->scratchPath(u"node-"_s + name), {},
                                      TestCluster::Timing::Fast, {{u"TZ"_s, tz}}, program);
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
    QVERIFY2(agreeing.out.startsWith(u"All 2 nodes agree"_s) && !agreeing.out.contains(u'!'),
             qPrintable(agreeing.out));
    // The data key is named by its check value, which is not the key.
    const QString keyCheck = m_cluster->scalar(u"SELECT key_check FROM cluster"_s).toString();
    QCOMPARE(field(nodeOf(report, u"first"_s), u"data_key"_s).value(u"value"_s).toString(),
             keyCheck.left(12));

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
    QVERIFY2(text.out.contains(u"! odd, Time zone: Keeps local time in %1"_s.arg(other)),
             qPrintable(text.out));

    // A newer node takes over: the others now run an older version.
    NodeProcess *next = inZone(u"next"_s, reference, TestCluster::nextNodeProgram());
    QVERIFY(next->waitForJoined());
    QVERIFY(second->waitForExit(30000));
    QTRY_VERIFY_WITH_TIMEOUT(
        field(nodeOf(report = health(), u"second"_s), u"version"_s).value(u"mismatch"_s).toBool(), 15000);
    const QJsonObject version = field(nodeOf(report, u"second"_s), u"version"_s);
    QCOMPARE(version.value(u"value"_s).toString(), QString::fromLatin1(COHORT_VERSION_STRING));
    QVERIFY2(version.value(u"reason"_s)
                 .toString()
                 .contains(u"the cluster runs %1"_s.arg(TestCluster::nextVersion())),
             qPrintable(version.value(u"reason"_s).toString()));
    QCOMPARE(nodeOf(report, u"second"_s).value(u"status"_s).toString(), u"upgrade-required"_s);
    QCOMPARE(nodeOf(report, u"next"_s).value(u"mismatches"_s).toInt(), 0);
    QCOMPARE(report.value(u"cluster"_s).toObject().value(u"version"_s).toString(),
             TestCluster::nextVersion());
}

void TestClusterHealth::drainedNodeClaimsNothingUntilResumed()
{
    // The node to drain runs jobs of its own first; then the other joins.
    NodeProcess *drained = m_cluster->startNode(u"drained"_s, {u"--workers"_s, u"2"_s});
    QVERIFY(drained->waitForJoined());
    const QString guid = drained->guid();
    const QList<qint64> first = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 3000}"_s), 2);
    QCOMPARE(first.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid})
            .toInt(),
        2, 20000);
    NodeProcess *other = m_cluster->startNode(u"other"_s, {u"--workers"_s, u"2"_s});
    QVERIFY(other->waitForJoined());

    // Bad input first: nothing changes.
    const qint64 audits = m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log"_s).toLongLong();
    const CtlRun noSecret = runCtl(withDb({u"nodes"_s, u"drain"_s, u"drained"_s}));
    QCOMPARE(noSecret.exitCode, 2);
    QVERIFY2(noSecret.err.contains(u"drain needs --secret-file"_s), qPrintable(noSecret.err));
    const CtlRun nobody =
        runCtl(withDb({u"nodes"_s, u"drain"_s, u"nobody"_s, u"--secret-file"_s, m_cluster->secretFile()}));
    QCOMPARE(nobody.exitCode, 1);
    QVERIFY2(nobody.err.contains(u"No node is called \"nobody\""_s), qPrintable(nobody.err));
    const QString wrongSecret = m_cluster->scratchPath(u"wrong-secret"_s);
    QCOMPARE(runCtl({u"gen-secret"_s, wrongSecret}).exitCode, 0);
    const CtlRun wrong =
        runCtl(withDb({u"nodes"_s, u"drain"_s, u"drained"_s, u"--secret-file"_s, wrongSecret}));
    QCOMPARE(wrong.exitCode, 1);
    QVERIFY2(!wrong.err.trimmed().contains(u'\n'), qPrintable(wrong.err));
    QVERIFY(m_cluster->scalar(u"SELECT draining_since FROM nodes WHERE guid = ?"_s, {guid}).isNull());
    QCOMPARE(m_cluster->scalar(u"SELECT COUNT(*) FROM audit_log"_s).toLongLong(), audits);

    // The drain.
    const CtlRun drain = runCtl(withDb({u"nodes"_s, u"drain"_s, u"drained"_s, u"--secret-file"_s,
                                        m_cluster->secretFile(), u"--actor"_s, u"ops-alice"_s}));
    QVERIFY2(drain.exitCode == 0, qPrintable(drain.err));
    QVERIFY2(drain.out.contains(u"is draining"_s), qPrintable(drain.out));
    QTRY_VERIFY_WITH_TIMEOUT(
        !m_cluster->scalar(u"SELECT draining_since FROM nodes WHERE guid = ?"_s, {guid}).isNull(), 10000);
    const CtlRun listed = runCtl(withDb({u"nodes"_s, u"--json"_s}));
    bool shownDraining = false;
    for (const QJsonValue &node : QJsonDocument::fromJson(listed.out.toUtf8()).array()) {
        if (node.toObject().value(u"guid"_s).toString() == guid)
            shownDraining = node.toObject().value(u"status"_s).toString() == u"draining"_s
                            && node.toObject().value(u"status_text"_s).toString() == u"Draining"_s;
    }
    QVERIFY2(shownDraining, qPrintable(listed.out));
    // Its running jobs finish there; new ones all go to the other node.
    const QList<qint64> second = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 50}"_s), 30);
    QCOMPARE(second.size(), 30);
    QStringList secondIds;
    for (qint64 id : second)
        secondIds << QString::number(id);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND id IN (%1)"_s.arg(
                secondIds.join(u',')))
            .toInt(),
        30, 30000);
    QCOMPARE(m_cluster
                 ->scalar(u"SELECT COUNT(*) FROM jobs WHERE claimed_by = ? AND id IN (%1)"_s.arg(
                              secondIds.join(u',')),
                          {guid})
                 .toInt(),
             0);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND claimed_by = ?"_s, {guid})
            .toInt(),
        0, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM node_events WHERE node_guid = ? AND kind = 'drained'"_s, {guid})
            .toInt(),
        1, 10000);
    QCOMPARE(
        m_cluster
            ->scalar(u"SELECT actor FROM node_events WHERE node_guid = ? AND kind = 'draining'"_s, {guid})
            .toString(),
        u"ops-alice"_s);
    QCOMPARE(
        m_cluster->scalar(u"SELECT actor FROM audit_log WHERE action = 'node.drain' AND target = ?"_s, {guid})
            .toString(),
        u"ops-alice"_s);
    QCOMPARE(m_cluster->nodeState(guid), u"online"_s); // still a live peer
    // What it ran when drained finished there.
    QCOMPARE(
        m_cluster
            ->scalar(
                u"SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND claimed_by = ? AND id IN (?, ?)"_s,
                {guid, first.at(0), first.at(1)})
            .toInt(),
        2);
    // The other node leaves, so what comes next can only go to the resumed one.
    other->signal(SIGTERM);
    QVERIFY(other->waitForExit(30000));

    // Resumed, it claims again.
    const CtlRun resume =
        runCtl(withDb({u"nodes"_s, u"resume"_s, guid, u"--secret-file"_s, m_cluster->secretFile()}));
    QVERIFY2(resume.exitCode == 0, qPrintable(resume.err));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT draining_since FROM nodes WHERE guid = ?"_s, {guid}).isNull(), 10000);
    QVERIFY(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM audit_log WHERE action = 'node.resume' AND target = ?"_s, {guid})
            .toInt()
        == 1);
    const QList<qint64> third = submitJobs(m_cluster->database(), jobOf(u"sleep"_s, u"{\"ms\": 200}"_s), 40);
    QStringList thirdIds;
    for (qint64 id : third)
        thirdIds << QString::number(id);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster
                ->scalar(u"SELECT COUNT(*) FROM jobs WHERE claimed_by = ? AND id IN (%1)"_s.arg(
                             thirdIds.join(u',')),
                         {guid})
                .toInt()
            > 0,
        30000);
    QStringList kinds;
    auto events = NodeEvents::list(m_cluster->database(), guid);
    QVERIFY(events.ok());
    for (const NodeEvent &event : std::as_const(*events))
        kinds << event.kind;
    QCOMPARE(kinds.mid(kinds.indexOf(u"draining"_s)),
             (QStringList{u"draining"_s, u"drained"_s, u"resumed"_s}));
}

void TestClusterHealth::preflightListsTheNodesAgents()
{
    NodeProcess *leaving = m_cluster->startNode(u"leaving"_s);
    NodeProcess *staying = m_cluster->startNode(u"staying"_s);
    QVERIFY(leaving->waitForJoined());
    QVERIFY(staying->waitForJoined());
    const QString guid = leaving->guid();
    const QStringList addresses{m_cluster->apiAddress(guid), m_cluster->apiAddress(staying->guid())};
    const QStringList pins{m_cluster->apiPin(guid), m_cluster->apiPin(staying->guid())};
    const QStringList arguments{u"--managers"_s,   addresses.join(u','),
                                u"--pin"_s,        pins.join(u','),
                                u"--count"_s,      u"24"_s,
                                u"--interval"_s,   u"2"_s,
                                u"--jitter"_s,     u"0"_s,
                                u"--timeout"_s,    u"10000"_s,
                                u"--source-net"_s, u"127.5.0.0/16"_s,
                                u"--seed"_s,       u"29"_s};
    // Check-ins at 0, 2 and 4 s, and the run ends at 5 s: none is in flight then (one the
    // node recorded but the agent never read would make the two views differ).
    AgentsProcess first;
    first.start(arguments + QStringList{u"--duration"_s, u"5"_s});
    const QJsonObject final = first.waitForFinal(60000);
    QVERIFY2(!final.isEmpty(), qPrintable(first.errors().right(2000)));
    QSet<QString> seenByAgents; // by the agents' own account: their last answer came from it
    QSet<QString> runAgents;
    qint64 answered = 0; // check-ins the agents got an answer to
    for (const QJsonValue &agent : final.value(u"agents_detail"_s).toArray()) {
        runAgents.insert(agent.toObject().value(u"guid"_s).toString());
        answered += agent.toObject().value(u"checkins"_s).toInteger();
        if (agent.toObject().value(u"last_node"_s).toString() == guid)
            seenByAgents.insert(agent.toObject().value(u"guid"_s).toString());
    }
    QCOMPARE(runAgents.size(), 24);
    QVERIFY2(!seenByAgents.isEmpty() && seenByAgents.size() < 24,
             "the agents should have spread over both nodes");

    // Stopped gracefully: what it answered is written first.
    leaving->signal(SIGTERM);
    QVERIFY(leaving->waitForExit(30000));
    QCOMPARE(m_cluster->nodeState(guid), u"offline"_s);
    // The staying node writes what it answered in batches; one that met a busy database
    // is written at a later flush. Every answered check-in is in the table before the
    // table is read: from then on no node moves an agent.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster->scalar(u"SELECT COALESCE(SUM(checkins), 0) FROM agents"_s).toLongLong() >= answered,
        30000);
    QJsonObject plan;
    const auto preflightAgents = [&] {
        const CtlRun run = runCtl(withDb({u"decommission"_s, u"leaving"_s, u"--dry-run"_s, u"--json"_s}));
        plan = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QSet<QString> listed;
        for (const QJsonValue &agent : plan.value(u"agents"_s).toArray())
            listed.insert(agent.toObject().value(u"guid"_s).toString());
        return listed;
    };
    // What the database recorded as each agent's last check-in. Where two check-ins of one
    // agent a moment apart went to both nodes, the one written last counts (each node
    // writes its batch twice a second): under the sanitizers on SQLite that is sometimes
    // not the one the agent read last, so the agents' own account is compared only when
    // they agree with the table, which they do on an unloaded machine.
    const auto tableAgents = [&] {
        QSet<QString> listed;
        auto rows = m_cluster->database().exec(u"SELECT guid FROM agents WHERE manager_guid = ?"_s, {guid});
        while (rows && rows->next())
            listed.insert(rows->value(0).toString());
        return listed;
    };
    QSet<QString> expected;
    const auto agreed = [&] {
        expected = tableAgents();
        return !expected.isEmpty() && preflightAgents() == expected && tableAgents() == expected;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(
        agreed(),
        qPrintable(u"pre-flight %1, table %2"_s.arg(QStringList(preflightAgents().values()).join(u','),
                                                    QStringList(tableAgents().values()).join(u','))),
        30000);
    QVERIFY2(runAgents.contains(expected), "the pre-flight must list agents of the run");
    if (expected != seenByAgents)
        qWarning() << "the agents' last answers and the table differ (a race of two nodes' batches):"
                   << (expected - seenByAgents) << (seenByAgents - expected);
    QVERIFY(plan.value(u"allowed"_s).toBool());
    const QString nextVersion = plan.value(u"next_list_version"_s).toString();
    QVERIFY(!nextVersion.isEmpty());
    QVERIFY(nextVersion != plan.value(u"current_list_version"_s).toString());
    // The dry run changed nothing.
    QCOMPARE(m_cluster->nodeState(guid), u"offline"_s);
    const CtlRun text = runCtl(withDb({u"decommission"_s, u"leaving"_s, u"--dry-run"_s}));
    QVERIFY2(text.out.contains(u"%1 agents last checked in through leaving"_s.arg(expected.size())),
             qPrintable(text.out));

    const CtlRun done = runCtl(withDb({u"decommission"_s, u"leaving"_s}));
    QVERIFY2(done.exitCode == 0, qPrintable(done.err));
    QCOMPARE(m_cluster->scalar(u"SELECT details FROM audit_log WHERE action = 'node.decommission'"_s)
                 .toString()
                 .contains(u"agents=%1 list_version=%2"_s.arg(expected.size()).arg(nextVersion)),
             true);

    // The agents come back and get that very list.
    AgentsProcess again;
    again.start(arguments + QStringList{u"--duration"_s, u"3"_s});
    const QJsonObject after = again.waitForFinal(60000);
    QVERIFY2(!after.isEmpty(), qPrintable(again.errors().right(2000)));
    int checked = 0;
    for (const QJsonValue &agent : after.value(u"agents_detail"_s).toArray()) {
        if (expected.contains(agent.toObject().value(u"guid"_s).toString())) {
            QCOMPARE(agent.toObject().value(u"list_version"_s).toString(), nextVersion);
            ++checked;
        }
    }
    QCOMPARE(checked, expected.size());
    QStringList placeholders;
    QVariantList values;
    for (const QString &agent : std::as_const(expected)) {
        placeholders << u"?"_s;
        values << agent;
    }
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster
            ->scalar(u"SELECT COUNT(*) FROM agents WHERE list_version = '%1' AND guid IN (%2)"_s.arg(
                         nextVersion, placeholders.join(u',')),
                     values)
            .toInt(),
        int(expected.size()), 10000);
}

QTEST_GUILESS_MAIN(TestClusterHealth)
#include "tst_clusterhealth.moc"
