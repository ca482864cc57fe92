// `run`: create + start in one process. In the foreground, hull stays the init's parent:
// it forwards signals, reaps, exits with the init's status (128+N when killed by signal N),
// and deletes the container unless --keep (cli-contract.md §7).
#include "container/common.hpp"
#include "container/create.hpp"
#include "container/verbs.hpp"
#include "hull/log.hpp"

#include <csignal>
#include <sys/prctl.h>
#include <sys/wait.h>

namespace hull::container {

namespace {

// Every signal hull can catch, minus those that report its own faults.
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

// Forwards signals to the init until it exits; reaps every child (as subreaper, orphans of
// the container come here too). Returns the init's wait status.
int supervise(pid_t init, const sigset_t& set)
{
    for (;;) {
        // Reap first: SIGCHLDs coalesce, and the init may be gone already.
        for (;;) {
            int status;
            pid_t pid = ::waitpid(-1, &status, WNOHANG | __WALL);
            if (pid == init)
                return status;
            if (pid <= 0)
                break;
        }
        siginfo_t info;
        int sig = ::sigwaitinfo(&set, &info);
        if (sig < 0 || sig == SIGCHLD)
            continue;
        // SIGURG is a Go runtime artefact in runc; forwarding it is harmless.
        ::kill(init, sig);
    }
}

} // namespace

Result<int> run(const GlobalOptions& global, const RunOptions& opts)
{
    sigset_t set = forwarded_signals(), old;
    if (!opts.detach) {
        // Blocked before the init exists, so no signal is lost between clone and the loop;
        // the init restores an empty mask before execve.
        ::sigprocmask(SIG_BLOCK, &set, &old);
        if (!opts.no_subreaper)
            ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
    auto c = TRY(create_container(global, opts.create, opts.detach ? Detach::Yes : Detach::No));
    if (auto started = start_container(c.dir, c.record, Status::Created); !started) {
        c.init.kill_and_reap();
        (void)c.dir.destroy();
        return std::move(started).error();
    }
    if (auto post = run_poststart_hooks(c.record); !post) {
        c.init.kill_and_reap();
        (void)c.dir.destroy();
        run_poststop_hooks(c.record);
        return std::move(post).error();
    }
    if (opts.detach) {
        (void)c.init.release();
        return 0;
    }

    std::string id = c.record.id;
    pid_t init = c.init.release();
    c.dir = StateDir(); // unlock: kill and delete from other processes must not wait for us
    log::step("run: started, supervising");
    int status = supervise(init, set);
    log::step("run: init exited");
    ::sigprocmask(SIG_SETMASK, &old, nullptr);

    if (!opts.keep) {
        auto dir = StateDir::open_locked(state_root(global), id);
        if (dir) {
            TRY(dir.value().destroy());
            run_poststop_hooks(c.record);
        }
        log::step("run: deleted");
    }
    return exit_code(status);
}

} // namespace hull::container
