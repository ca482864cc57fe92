// Helpers for the terminal tests: ptys from the host's /dev/ptmx (no root needed), forked
// children that report a failure as text, and reads with a deadline.
#pragma once

#include "terminal/console.hpp"

#include "hull/fd.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace terminal_test {

using namespace hull;

inline terminal::Pty host_pty(const std::optional<oci::ConsoleSize>& size = {})
{
    auto pty = terminal::open_container_pty(size, terminal::k_legacy_ptmx);
    REQUIRE_MESSAGE(pty.ok(), pty.error().text());
    return std::move(pty).value();
}

// Reads from `fd` until `want` bytes arrived, EOF/EIO, or the deadline passed.
inline std::string read_for(int fd, size_t want, int timeout_ms = 5000)
{
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out.size() < want) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        char buf[65536];
        ssize_t n = ::read(fd, buf, std::min(sizeof buf, want - out.size()));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

inline bool write_str(int fd, const std::string& s)
{
    return ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

inline bool cloexec(int fd)
{
    int f = ::fcntl(fd, F_GETFD);
    return f >= 0 && (f & FD_CLOEXEC);
}

// Runs `body` in a forked child; its return value ("" = success) comes back as the result, as
// does a crash or a non-zero exit.
inline std::string in_child(const std::function<std::string()>& body)
{
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        // A child that took a pty as its controlling terminal gets SIGHUP when the master closes.
        ::signal(SIGHUP, SIG_IGN);
        std::string failure = body();
        (void)!::write(p[1], failure.data(), failure.size());
        ::_exit(failure.empty() ? 0 : 1);
    }
    ::close(p[1]);
    std::string report = read_for(p[0], 1 << 16, 20000);
    ::close(p[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    if (report.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        report = "child ended with status " + std::to_string(status);
    return report;
}

// In a child: a new user namespace (this uid mapped to 0) and mount namespace, where mounts
// need no privilege on the host. "" on success.
inline std::string enter_user_and_mount_ns()
{
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
        return "unshare: " + std::string(strerror(errno));
    auto write_file = [](const char* path, const std::string& text) {
        UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
        return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
    };
    if (!write_file("/proc/self/setgroups", "deny")
        || !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1")
        || !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
        return "write id maps: " + std::string(strerror(errno));
    return "";
}

struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/hull-terminal-XXXXXX";
        char* p = ::mkdtemp(tmpl);
        REQUIRE(p != nullptr);
        path = p;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

} // namespace terminal_test
