// SecretPropertiesBox: the cluster's secret properties (the node API token) on the
// System Settings page. An administrator whose session opened the data key may show a
// value and have a new one made; for anyone else they stay sealed.
#pragma once

#include <QGroupBox>
#include <QHash>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace Cohort {

class ClusterClient;

class SecretPropertiesBox : public QGroupBox
{
    Q_OBJECT

public:
    explicit SecretPropertiesBox(ClusterClient &client, QWidget *parent = nullptr);

    QLineEdit *valueEdit(const QString &name) const;
    QCheckBox *showBox(const QString &name) const;
    QPushButton *regenerateButton(const QString &name) const;
    QString message() const;

    // Asks (a confirmation) and has core make and seal a new value.
    void regenerate(const QString &name);

private:
    struct Row
    {
        QLineEdit *value = nullptr;
        QCheckBox *show = nullptr;
        QPushButton *regenerate = nullptr;
    };

    void refresh();
    void actionFinished(quint64 requestId, bool ok, const QString &message);

    ClusterClient &m_client;
    QHash<QString, Row> m_rows;
    QLabel *m_message;
    quint64 m_pending = 0;
};

} // namespace Cohort
