// Result<T>: the value of an operation or the reason it failed. Returned at every
// boundary where a caller must decide what to do about a failure; never thrown.
#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace Cohort {

enum class ErrorCode {
    InvalidArgument, // the caller gave something malformed (URL, flag, value)
    NotFound,        // the thing asked for does not exist
    AlreadyExists,   // creating something that is already there
    Unavailable,     // a server could not be reached
    AccessDenied,    // credentials or secret rejected
    Conflict,        // the state changed under us (lost a race, fenced off)
    UpgradeRequired, // the cluster runs a newer program (schema or software version)
    Database,        // a statement failed
    Crypto,          // a cryptographic primitive failed
    Io,              // a local file could not be read or written
};

struct Error
{
    ErrorCode code = ErrorCode::Database;
    QString message;
    QString sqlState; // the database's own error code, when it gave one
};

template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_value(std::in_place_index<0>, std::move(value))
    {}
    Result(Error error)
        : m_value(std::in_place_index<1>, std::move(error))
    {}

    bool ok() const { return m_value.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_value); }
    const T &value() const & { return std::get<0>(m_value); }
    T &&value() && { return std::get<0>(std::move(m_value)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_value); }
    ErrorCode code() const { return error().code; }
    QString message() const { return ok() ? QString() : error().message; }

private:
    std::variant<T, Error> m_value;
};

template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_ok(false)
        , m_error(std::move(error))
    {}

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error &error() const { return m_error; }
    ErrorCode code() const { return m_error.code; }
    QString message() const { return m_ok ? QString() : m_error.message; }

private:
    bool m_ok = true;
    Error m_error;
};

inline Error makeError(ErrorCode code, QString message)
{
    return Error{code, std::move(message), {}};
}

} // namespace Cohort
