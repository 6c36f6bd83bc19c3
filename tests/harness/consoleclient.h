// For console tests (they link cohort_models): a ClusterClient signed in to a cluster and
// connected, the way the console's windows get theirs. Header-only, so the harness itself
// stays free of the console's libraries.
#pragma once

#include "clusterclient.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace Cohort::Test {

// Polls every 200 ms; null (with a warning) when the login or the first round has not
// succeeded within timeoutMs.
inline std::unique_ptr<ClusterClient> loggedInClient(const QString &url, const QString &user,
                                                     const QString &password, int timeoutMs)
{
    auto client = std::make_unique<ClusterClient>();
    client->setPollInterval(200);
    QSignalSpy finished(client.get(), &ClusterClient::loginFinished);
    client->login(url, user, password);
    if (!finished.wait(timeoutMs) || !finished.first().at(0).toBool()) {
        qWarning() << "login failed:" << (finished.isEmpty() ? QVariant() : finished.first().at(1));
        return {};
    }
    const auto connected = [&] { return client->state() == ClusterClient::State::Connected; };
    if (!QTest::qWaitFor(connected, timeoutMs))
        return {};
    return client;
}

} // namespace Cohort::Test
