// HostileRequests: the hostile HTTP requests tst_hostile sends to a real node, made from a
// seed so a run can be repeated: bad JSON, JSON nested 10,000 deep, huge bodies, oversized
// heads, wrong methods and content types, bad GUIDs, path tricks, Content-Length with
// Transfer-Encoding, malformed heads and missing tokens, each with the exact 4xx it must get.
#pragma once

#include <QByteArray>
#include <QList>
#include <QRandomGenerator>

namespace Cohort::Test {

struct HostileCase
{
    QByteArray category;
    QByteArray request;
    int status = 0;
};

// One HTTP/1.1 request with "Connection: close" (and a Content-Length unless told not to).
QByteArray request(const QByteArray &method, const QByteArray &target, const QByteArray &headers = {},
                   const QByteArray &body = {}, bool withLength = true);

class HostileRequests
{
public:
    explicit HostileRequests(quint32 seed)
        : m_random(seed)
    {}

    QList<HostileCase> cases(int count);

private:
    int below(int n) { return int(m_random.bounded(n)); }
    QByteArray pick(const QList<QByteArray> &from) { return from.at(below(int(from.size()))); }
    QByteArray guid();
    QByteArray goodBody();
    QByteArray checkin(const QByteArray &guid, const QByteArray &body,
                       const QByteArray &contentType = "application/json");
    QByteArray jsonType();

    HostileCase badJson();
    HostileCase deepJson();
    HostileCase hugeBody();
    HostileCase oversizedHead();
    HostileCase wrongMethod();
    HostileCase wrongContentType();
    HostileCase badGuid();
    HostileCase pathTrick();
    HostileCase ambiguousFraming();
    HostileCase malformedHead();
    HostileCase withoutToken();

    QRandomGenerator m_random;
};

} // namespace Cohort::Test
