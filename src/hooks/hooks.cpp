#include "hooks/hooks.hpp"

#include "hull/fd.hpp"
#include "hull/log.hpp"
#include "process/interrupt.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hull::hooks {

namespace {

// How much of a hook's stdout and of its stderr is kept for the error text (the last bytes).
constexpr size_t k_output_limit = 4096;
// The most one drain of an output pipe reads before going back to poll(), so a chatty hook (or
// a grandchild that keeps writing after the hook exited) cannot hold hull in a read loop.
constexpr size_t k_drain_limit = 1 << 20;

// The tail of one output stream.
class OutputTail {
public:
    void append(const char* data, size_t size)
    {
        m_text.append(data, size);
        if (m_text.size() > k_output_limit) {
            m_text.erase(0, m_text.size() - k_output_limit);
            m_truncated = true;
        }
    }

    // The kept text without trailing newlines, marked when its start was dropped.
    std::string text() const
    {
        size_t end = m_text.find_last_not_of("\r\n");
        std::string out = m_truncated ? "..." : "";
        if (end != std::string::npos)
            out.append(m_text, 0, end + 1);
        return out;
    }

private:
    std::string m_text;
    bool m_truncated = false;
};

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

Result<Pipe> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        return Error::from_errno("pipe2");
    return Pipe {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> set_nonblocking(int fd)
{
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return Error::from_errno("fcntl O_NONBLOCK");
    return ok();
}

// What the child sends on its report pipe when it fails before or at execve. The pipe is
// O_CLOEXEC in the child, so a successful execve shows up in the parent as EOF.
enum class ChildStep : int { ResetSignals, MoveFds, CloseFds, Execve };
constexpr const char* k_child_step_names[] = {"sigprocmask", "dup2", "close_range", "execve"};
struct ChildFailure {
    ChildStep step;
    int code;
};

[[noreturn]] void report_and_exit(int report_fd, ChildStep step)
{
    ChildFailure failure {step, errno};
    ssize_t n = ::write(report_fd, &failure, sizeof failure);
    (void)n;
    ::_exit(127);
}

// The forked child, up to execve: async-signal-safe calls only (no allocation). Dispositions
// are reset before the mask is emptied, so no signal can reach a handler inherited from hull.
// Each fd is first copied above 2, so a source fd that already is 0, 1 or 2 is not lost and
// dup2() always clears FD_CLOEXEC on the target. The report pipe moves to fd 3, kept CLOEXEC;
// everything from 4 up is closed, so the hook sees none of hull's (or its caller's) fds.
[[noreturn]] void exec_hook(const char* path, char* const* argv, char* const* envp, const int (&fds)[4])
{
    int report_fd = fds[3];
    // The raw system call: glibc's sigaction refuses the two real-time signals it reserves
    // (32 and 33), which a caller may still have left ignored, and ignored signals survive
    // execve. Fails, harmlessly, for SIGKILL and SIGSTOP.
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)();
        uint64_t mask;
    } default_action = {SIG_DFL, 0, nullptr, 0};
    for (int sig = 1; sig < NSIG; ++sig)
        ::syscall(SYS_rt_sigaction, sig, &default_action, nullptr, sizeof default_action.mask);
    sigset_t empty;
    sigemptyset(&empty);
    if (::sigprocmask(SIG_SETMASK, &empty, nullptr) < 0)
        report_and_exit(report_fd, ChildStep::ResetSignals);
    // A process group of its own, so a timeout reaches what the hook started too. Cannot fail:
    // a freshly forked child is no session or group leader (the parent makes the same call).
    (void)::setpgid(0, 0);

    int moved[4];
    for (int i = 0; i < 4; ++i) {
        moved[i] = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        if (moved[i] < 0)
            report_and_exit(report_fd, ChildStep::MoveFds);
    }
    report_fd = moved[3];
    for (int i = 0; i < 3; ++i) {
        if (::dup2(moved[i], i) < 0)
            report_and_exit(report_fd, ChildStep::MoveFds);
    }
    if (moved[3] != 3 && ::dup3(moved[3], 3, O_CLOEXEC) < 0)
        report_and_exit(report_fd, ChildStep::MoveFds);
    report_fd = 3;
    if (::close_range(4, ~0U, 0) < 0)
        report_and_exit(report_fd, ChildStep::CloseFds);

    ::execve(path, argv, envp);
    report_and_exit(report_fd, ChildStep::Execve);
}

// Ignores SIGPIPE while the state is written to the hook's stdin, so a hook that exits without
// reading it makes write() fail with EPIPE instead of killing hull. The previous disposition is
// restored on scope exit; hull is single-threaded, so nothing else observes the change.
//
// The kernel never discards a blocked signal, ignored or not, and a foreground `run` blocks
// SIGPIPE with every signal it forwards: the SIGPIPE of that EPIPE stays pending, and would be
// forwarded to the container or, once `run` unblocks it, end hull with status 141. Setting
// SIG_IGN discards a pending signal (POSIX sigaction), so the scope sets it again before it
// restores the previous disposition.
class SigpipeIgnored {
public:
    SigpipeIgnored() { m_saved_valid = ::sigaction(SIGPIPE, &ignore(), &m_saved) == 0; }
    SigpipeIgnored(const SigpipeIgnored&) = delete;
    SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;
    ~SigpipeIgnored()
    {
        if (!m_saved_valid)
            return;
        ::sigaction(SIGPIPE, &ignore(), nullptr);
        ::sigaction(SIGPIPE, &m_saved, nullptr);
    }

private:
    static const struct sigaction& ignore()
    {
        static const struct sigaction action = [] {
            struct sigaction a { };
            a.sa_handler = SIG_IGN;
            return a;
        }();
        return action;
    }

    struct sigaction m_saved { };
    bool m_saved_valid = false;
};

// Reads what is available on a non-blocking output pipe; closes it at EOF.
Result<void> drain(UniqueFd& fd, OutputTail& tail)
{
    char buf[16384];
    for (size_t total = 0; fd && total < k_drain_limit;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0) {
            tail.append(buf, static_cast<size_t>(n));
            total += static_cast<size_t>(n);
        } else if (n == 0) {
            fd.reset();
        } else if (errno == EAGAIN) {
            break;
        } else if (errno != EINTR) {
            return Error::from_errno("read", "hook output");
        }
    }
    return ok();
}

std::string describe_status(int status)
{
    if (WIFEXITED(status))
        return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        std::string name = ::strsignal(WTERMSIG(status));
        if (!name.empty())
            name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
        return "signal: " + name;
    }
    return "wait status " + std::to_string(status);
}

} // namespace

const char* to_string(Kind kind)
{
    static constexpr const char* names[]
        = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    return names[static_cast<size_t>(kind)];
}

Result<void> run_hook(const oci::Hook& hook, std::string_view state_json)
{
    // Everything the child needs is built before fork: it must not allocate.
    std::vector<char*> argv, envp;
    if (hook.args.empty())
        argv.push_back(const_cast<char*>(hook.path.c_str()));
    for (const auto& arg : hook.args)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    for (const auto& var : hook.env)
        envp.push_back(const_cast<char*>(var.c_str()));
    envp.push_back(nullptr);

    Pipe in = TRY(make_pipe());
    Pipe out = TRY(make_pipe());
    Pipe err = TRY(make_pipe());
    Pipe report = TRY(make_pipe());

    pid_t pid = ::fork();
    if (pid < 0)
        return Error::from_errno("fork", "hook " + hook.path);
    if (pid == 0) {
        const int child_fds[4]
            = {in.read_end.get(), out.write_end.get(), err.write_end.get(), report.write_end.get()};
        exec_hook(hook.path.c_str(), argv.data(), envp.data(), child_fds);
    }

    // Parent. From here on every return kills (if needed) and reaps the hook; an interrupted
    // `run` kills it at once (process/interrupt.hpp). The group is made on both sides, so it
    // exists whichever runs first; the child may have exec'd already (EACCES).
    (void)::setpgid(pid, pid);
    ChildProcess child(pid);
    process::watch_child(pid);
    ScopeExit unwatch([pid] { process::forget_child(pid); });
    in.read_end.reset();
    out.write_end.reset();
    err.write_end.reset();
    report.write_end.reset();

    ChildFailure failure {};
    ssize_t n;
    do
        n = ::read(report.read_end.get(), &failure, sizeof failure);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("read", "hook exec status");
    if (n > 0 && n != sizeof failure)
        return Error::message("hook " + hook.path + ": short exec status report");
    if (n == sizeof failure) {
        (void)child.wait();
        if (failure.step == ChildStep::Execve)
            return Error::from_code(failure.code, "hook", hook.path);
        auto step = static_cast<size_t>(failure.step);
        return Error::from_code(
            failure.code, step < std::size(k_child_step_names) ? k_child_step_names[step] : "?")
            .context("hook " + hook.path);
    }

    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd)
        return Error::from_errno("pidfd_open", "hook " + hook.path);
    for (int fd : {in.write_end.get(), out.read_end.get(), err.read_end.get()})
        TRY(set_nonblocking(fd));

    using Clock = std::chrono::steady_clock;
    const int timeout = hook.timeout.value_or(0);
    const auto deadline = Clock::now() + std::chrono::seconds(timeout);
    OutputTail out_tail, err_tail;
    size_t written = 0;
    bool exited = false;
    SigpipeIgnored sigpipe_ignored;
    if (state_json.empty())
        in.write_end.reset();

    // Feed stdin, collect stdout and stderr, until the pidfd says the hook has exited or the
    // deadline passes. Closed fds are -1, which poll() skips.
    while (!exited) {
        int wait_ms = -1;
        if (timeout > 0) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0)
                break;
            wait_ms = static_cast<int>(std::min<long long>(left.count(), INT_MAX));
        }
        pollfd fds[4] = {{pidfd.get(), POLLIN, 0}, {out.read_end.get(), POLLIN, 0},
            {err.read_end.get(), POLLIN, 0}, {in.write_end.get(), POLLOUT, 0}};
        if (::poll(fds, 4, wait_ms) < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("poll", "hook " + hook.path);
        }
        if (fds[3].revents) {
            ssize_t w = ::write(in.write_end.get(), state_json.data() + written, state_json.size() - written);
            if (w >= 0)
                written += static_cast<size_t>(w);
            else if (errno == EPIPE)
                in.write_end.reset(); // The hook closed its stdin: it does not want the state.
            else if (errno != EAGAIN && errno != EINTR)
                return Error::from_errno("write", "hook " + hook.path + " stdin");
            if (written == state_json.size())
                in.write_end.reset();
        }
        if (fds[1].revents)
            TRY(drain(out.read_end, out_tail));
        if (fds[2].revents)
            TRY(drain(err.read_end, err_tail));
        exited = fds[0].revents != 0;
    }

    auto with_output = [&](std::string what) {
        return Error::message("hook " + hook.path + ": " + what + ", stdout: " + out_tail.text()
            + ", stderr: " + err_tail.text());
    };
    if (!exited) {
        // The group first: its id is the hook's pid, which is not reaped yet and so names no
        // other group. What the hook started and left in it goes with it.
        ::kill(-pid, SIGKILL);
        ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
        (void)child.wait();
        return with_output("timeout after " + std::to_string(timeout) + " seconds");
    }

    // What the hook wrote before exiting is in the pipes now. A grandchild may still hold them
    // open; hull takes what is there and does not wait for its EOF.
    TRY(drain(out.read_end, out_tail));
    TRY(drain(err.read_end, err_tail));
    int status = TRY(child.wait());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return ok();
    return with_output(describe_status(status));
}

Result<void> run_hooks(Kind kind, const std::vector<oci::Hook>& hooks, std::string_view state_json)
{
    // A failing poststart hook is an error and the caller stops the container, as runc does
    // (runtime.md asks only for a warning there, but callers rely on runc's behaviour); only
    // poststop failures are warnings.
    const bool failure_is_fatal = kind != Kind::Poststop;
    for (size_t i = 0; i < hooks.size(); ++i) {
        Result<void> result = run_hook(hooks[i], state_json);
        if (result)
            continue;
        // runc's words (≥ 1.2), which its users' scripts match.
        std::string frame = "error running " + std::string(to_string(kind)) + " hook #" + std::to_string(i);
        if (failure_is_fatal)
            return std::move(result).context(std::move(frame));
        log::warning(result.error().context(std::move(frame)).text());
    }
    return ok();
}

std::vector<oci::Hook> with_default_env(std::vector<oci::Hook> hooks, const std::vector<std::string>& env)
{
    for (auto& hook : hooks)
        if (hook.env.empty())
            hook.env = env;
    return hooks;
}

} // namespace hull::hooks
