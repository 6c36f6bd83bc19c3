#include "apimessage.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Cohort {

ApiResponse ApiResponse::error(int status, std::string_view message)
{
    const QJsonObject object{
        {QStringLiteral("error"), QString::fromUtf8(message.data(), qsizetype(message.size()))},
        {QStringLiteral("status"), status}};
    return json(status, QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString());
}

ApiResponse ApiResponse::json(int status, std::string body)
{
    ApiResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

} // namespace Cohort
