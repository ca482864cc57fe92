#include "container/supervise.hpp"

#include "hull/fd.hpp"

#include <cerrno>
#include <initializer_list>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace hull::container {

sigset_t forwarded_signals()
{
    sigset_t set;
    sigfillset(&set);
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
        sigdelset(&set, s);
    return set;
}

int exit_code(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

Result<int> supervise(pid_t child, const sigset_t& set, bool reap_all, terminal::ConsoleRelay* relay)
{
    UniqueFd sigfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sigfd)
        return Error::from_errno("signalfd");
    std::vector<struct pollfd> fds;
    for (;;) {
        // Reap first: SIGCHLDs coalesce, and the child may be gone already.
        for (;;) {
            int status;
            pid_t pid = ::waitpid(reap_all ? -1 : child, &status, WNOHANG | __WALL);
            if (pid == child) {
                if (relay)
                    (void)relay->drain();
                return status;
            }
            if (pid <= 0)
                break;
        }
        fds.clear();
        fds.push_back({sigfd.get(), POLLIN, 0});
        if (relay)
            relay->fill_pollfds(fds);
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("poll");
        }
        if (relay)
            TRY(relay->on_ready(std::span<const struct pollfd>(fds).subspan(1)));
        if (!(fds[0].revents & POLLIN))
            continue;
        struct signalfd_siginfo info;
        while (::read(sigfd.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            int sig = static_cast<int>(info.ssi_signo);
            if (sig == SIGCHLD)
                continue;
            if (sig == SIGWINCH && relay) {
                (void)relay->resize();
                continue;
            }
            // SIGURG is a Go runtime artefact in runc; forwarding it is harmless.
            ::kill(child, sig);
        }
    }
}

void end_supervision(const sigset_t& set, const sigset_t& old)
{
    const struct timespec now = {0, 0};
    for (;;) {
        int sig = ::sigtimedwait(&set, nullptr, &now);
        if (sig < 0 && errno != EINTR)
            break;
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
}

} // namespace hull::container
