// Shared vocabulary: owners for the kernel resources hull holds.
//
// UniqueFd closes once (no EINTR retry: on Linux the fd is gone either way). FdPair is a
// socketpair or pipe whose two ends are given up explicitly right after clone, in both
// processes (a parent that keeps the child's end never sees EOF: runc #5087). ChildProcess
// kills and reaps a child unless released. ScopeExit runs a rollback unless disarmed.
#pragma once

#include "hull/error.hpp"

#include <functional>
#include <sys/types.h>
#include <unistd.h>
#include <utility>

namespace hull {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd)
        : m_fd(fd)
    {
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept
        : m_fd(other.release())
    {
    }
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }

    // Gives up ownership without closing.
    [[nodiscard]] int release() { return std::exchange(m_fd, -1); }

    // Closes the held fd (if any) and takes `fd`.
    void reset(int fd = -1)
    {
        int old = std::exchange(m_fd, fd);
        if (old >= 0)
            ::close(old);
    }

    // Closes and reports the error, for the places where a failed close matters (written files).
    Result<void> close();

private:
    int m_fd = -1;
};

// The whole contents of an open fd / of a file (`what` names it in errors).
Result<std::string> read_all(int fd, std::string_view what);
Result<std::string> read_file(const std::string& path);
Result<std::string> read_file_at(int dirfd, const std::string& name);
// "/proc/self/fd/N": the path mount(2), open(2) and friends take for an fd. Only for the call:
// an error names the path the fd stands for, never this one.
std::string fd_path(int fd);
// Writes all of `data`, retrying on EINTR and waiting for POLLOUT when `fd` is non-blocking
// (`what` names it in errors).
Result<void> write_all(int fd, std::string_view data, std::string_view what);

// Two connected ends: index 0 stays in the parent, index 1 goes to the child.
class FdPair {
public:
    static Result<FdPair> socketpair(int type); // AF_UNIX, always SOCK_CLOEXEC
    static Result<FdPair> pipe(); // O_CLOEXEC; 0 = read end, 1 = write end

    UniqueFd& parent_end() { return m_parent; }
    UniqueFd& child_end() { return m_child; }

    // Called by the parent right after clone/fork.
    void close_child_end() { m_child.reset(); }
    // Called by the child right after clone/fork.
    void close_parent_end() { m_parent.reset(); }

private:
    UniqueFd m_parent;
    UniqueFd m_child;
};

// A child this process must not leak: on destruction it is SIGKILLed and reaped, unless released.
class ChildProcess {
public:
    ChildProcess() = default;
    explicit ChildProcess(pid_t pid)
        : m_pid(pid)
    {
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess(ChildProcess&& other) noexcept
        : m_pid(other.release())
    {
    }
    ChildProcess& operator=(ChildProcess&& other) noexcept
    {
        if (this != &other) {
            kill_and_reap();
            m_pid = other.release();
        }
        return *this;
    }
    ~ChildProcess() { kill_and_reap(); }

    pid_t pid() const { return m_pid; }
    explicit operator bool() const { return m_pid > 0; }
    [[nodiscard]] pid_t release() { return std::exchange(m_pid, -1); }

    // Waits for the child; returns the raw wait status and gives up ownership.
    Result<int> wait();
    void kill_and_reap();

private:
    pid_t m_pid = -1;
};

// Runs `fn` at scope exit unless dismiss() was called: the rollback of a half-done create.
class ScopeExit {
public:
    explicit ScopeExit(std::function<void()> fn)
        : m_fn(std::move(fn))
    {
    }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit()
    {
        if (m_fn)
            m_fn();
    }
    void dismiss() { m_fn = nullptr; }

private:
    std::function<void()> m_fn;
};

} // namespace hull
