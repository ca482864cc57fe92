// Helpers for the seccomp tests: profile builders, and running code in a forked child under a
// loaded filter (no_new_privs, no core dumps), reporting a few ints back through a pipe.
#pragma once

#include "hull/fd.hpp"
#include "hull/seccomp/seccomp.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sc_test {

using namespace hull;

inline oci::SyscallRule rule(std::vector<std::string> names, std::string action,
    std::optional<uint32_t> errno_ret = {}, std::vector<oci::SeccompArg> args = {})
{
    oci::SyscallRule r;
    r.names = std::move(names);
    r.action = std::move(action);
    r.errnoRet = errno_ret;
    r.args = std::move(args);
    return r;
}

inline oci::SeccompArg arg(uint32_t index, uint64_t value, std::string op, uint64_t value_two = 0)
{
    return {index, value, value_two, std::move(op)};
}

inline oci::Seccomp profile(std::string default_action, std::vector<oci::SyscallRule> rules = {})
{
    oci::Seccomp s;
    s.defaultAction = std::move(default_action);
    s.syscalls = std::move(rules);
    return s;
}

// What the child saw: up to 8 values, written with one write(2) (no allocation after load).
struct Report {
    long values[8] = {};
    int count = 0;
    void add(long v)
    {
        if (count < 8)
            values[count++] = v;
    }
};

// errno of a failed call, 0 when it succeeded.
inline long err(long rc)
{
    return rc < 0 ? errno : 0;
}

struct Outcome {
    int status = -1; // raw wait status
    std::vector<long> values {};
    bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
    bool killed_by(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
};

constexpr int kLoadFailed = 250;

// Forks; the child turns off core dumps, sets no_new_privs, loads `filter` and runs
// body(report, listener_fd), then writes the report and _exits 0. `before` runs in the child
// before the load (signal handlers, ...). The parent reads the report and reaps the child.
template <typename Body, typename Before = void (*)()>
Outcome run_filtered(
    const seccomp::CompiledFilter& filter, Body body, Before before = [] {})
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return {};
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        rlimit no_core {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        before();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            _exit(kLoadFailed);
        Result<int> listener = seccomp::load(filter);
        if (!listener.ok())
            _exit(kLoadFailed);
        Report report;
        body(report, listener.value());
        if (write(fds[1], &report, sizeof report) != static_cast<ssize_t>(sizeof report))
            _exit(kLoadFailed + 1);
        _exit(0);
    }
    close(fds[1]);
    UniqueFd reader(fds[0]);
    ChildProcess child(pid);
    Outcome out;
    Report report;
    pollfd p {reader.get(), POLLIN, 0};
    if (poll(&p, 1, 20000) == 1) {
        ssize_t n = read(reader.get(), &report, sizeof report);
        if (n == static_cast<ssize_t>(sizeof report))
            out.values.assign(report.values, report.values + report.count);
    }
    if (p.revents == 0)
        return out; // hung: ChildProcess kills and reaps it
    Result<int> status = child.wait();
    out.status = status.ok() ? status.value() : -1;
    return out;
}

inline bool has_ret(const seccomp::CompiledFilter& f, uint32_t k)
{
    for (const sock_filter& insn : f.program)
        if (insn.code == (BPF_RET | BPF_K) && insn.k == k)
            return true;
    return false;
}

} // namespace sc_test
