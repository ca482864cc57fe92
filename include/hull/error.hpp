// Shared vocabulary: the one error type of hull and the Result<T> that carries it.
//
// An Error holds the errno of the failing call (0 when there is none), the failing operation
// with the path or argument it acted on ("mount /proc"), and a chain of context frames added
// by the callers on the way out ("create abc", "prepare rootfs"). It prints outermost first:
//   create abc: prepare rootfs: mount /proc: operation not permitted
// (strerror in lower case, as Go and so runc word it: clients match those substrings).
// Errors are logged once, at the CLI; every other layer only adds context and returns.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hull {

class Error {
public:
    Error() = default;

    // Captures errno at the call site: Error::from_errno("openat", path).
    static Error from_errno(std::string_view op, std::string_view arg = {});
    // An explicit errno value (for errors that crossed a process boundary or came from a -errno return).
    static Error from_code(int code, std::string_view op, std::string_view arg = {});
    // A failure that no syscall reported: bad input, a broken invariant.
    static Error message(std::string text);

    // Adds an outer context frame; returns *this so it chains.
    Error& context(std::string frame) &;
    Error&& context(std::string frame) &&;

    int code() const { return m_code; }
    const std::string& op() const { return m_op; }
    // Innermost first, as they were added.
    const std::vector<std::string>& frames() const { return m_frames; }

    // "frame_n: ...: frame_1: op: strerror(code)", strerror starting in lower case.
    std::string text() const;

    // Wire form for the parent/child socket: code, op and frames, bounds-checked on decode.
    std::string serialize() const;
    static bool deserialize(std::string_view data, Error& out);

private:
    int m_code = 0;
    std::string m_op;
    std::vector<std::string> m_frames;
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_v(std::in_place_index<1>, std::move(error))
    {
    }

    explicit operator bool() const { return m_v.index() == 0; }
    bool ok() const { return m_v.index() == 0; }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }

    Error& error() & { return std::get<1>(m_v); }
    const Error& error() const& { return std::get<1>(m_v); }
    Error&& error() && { return std::get<1>(std::move(m_v)); }

    Result&& context(std::string frame) &&
    {
        if (!ok())
            error().context(std::move(frame));
        return std::move(*this);
    }

private:
    std::variant<T, Error> m_v;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
        , m_failed(true)
    {
    }

    explicit operator bool() const { return !m_failed; }
    bool ok() const { return !m_failed; }
    void value() const { }

    Error& error() & { return m_error; }
    const Error& error() const& { return m_error; }
    Error&& error() && { return std::move(m_error); }

    Result&& context(std::string frame) &&
    {
        if (m_failed)
            m_error.context(std::move(frame));
        return std::move(*this);
    }

private:
    Error m_error;
    bool m_failed = false;
};

// Shorthand for "everything went fine" in functions returning Result<void>.
inline Result<void> ok()
{
    return {};
}

} // namespace hull

// TRY(expr): evaluates a Result; on failure returns its Error from the enclosing function,
// otherwise yields the value (GNU statement expression, as SerenityOS's TRY; GCC and Clang only).
#define TRY(expr)                                                                                            \
    ({                                                                                                       \
        auto _hull_try_result = (expr);                                                                      \
        if (!_hull_try_result.ok())                                                                          \
            return std::move(_hull_try_result).error();                                                      \
        std::move(_hull_try_result).value();                                                                 \
    })
