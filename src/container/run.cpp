// `run`: create + start in one process. In the foreground, hull stays the init's parent:
// it forwards signals, reaps, exits with the init's status (128+N when killed by signal N),
// and deletes the container unless --keep (cli-contract.md §7).
#include "container/create.hpp"
#include "container/lifecycle.hpp"
#include "container/load.hpp"
#include "container/supervise.hpp"
#include "container/verbs.hpp"
#include "hull/log.hpp"
#include "process/interrupt.hpp"
#include "terminal/console.hpp"
#include "terminal/relay.hpp"

#include <optional>

#include <sys/prctl.h>

namespace hull::container {

namespace {

// Create, start and poststart hooks of `run`; what it made is undone on any failure.
Result<CreatedContainer> create_and_start(Sys& sys, const GlobalOptions& global, const RunOptions& opts,
    std::optional<terminal::ConsoleRelay>& relay)
{
    auto c
        = TRY(create_container(sys, global, opts.create, Verb::Run, opts.detach ? Detach::Yes : Detach::No));
    // Until the container runs, any failure ends like a failed create: nothing is left.
    bool started = false;
    ScopeExit rollback([&] {
        c.init.kill_and_reap();
        (void)destroy_container(c.dir, c.record);
        if (started)
            run_poststop_hooks(c.record);
    });
    // Foreground terminal: the init sent its pty master to our end of the socketpair.
    if (c.console_receiver) {
        auto host = TRY(terminal::HostConsole::find());
        auto master = TRY(terminal::receive_console_master(c.console_receiver.get()));
        c.console_receiver.reset();
        relay.emplace(TRY(terminal::ConsoleRelay::start(std::move(master), std::move(host))));
    }
    TRY(start_container(c.dir, c.record, Status::Created));
    started = true;
    TRY(run_poststart_hooks(c.record));
    rollback.dismiss();
    return c;
}

} // namespace

Result<int> run(Sys& sys, const GlobalOptions& global, const RunOptions& opts)
{
    sigset_t set = forwarded_signals(), old;
    if (!opts.detach) {
        // Blocked before the init exists, so no signal is lost between clone and the loop;
        // the init restores an empty mask before execve. The ones that end a run before its
        // program runs are caught instead, until then.
        sigset_t held = set;
        sigset_t ending = process::InterruptScope::signals();
        for (int sig = 1; sig < NSIG; ++sig)
            if (sigismember(&ending, sig) == 1)
                sigdelset(&held, sig);
        ::sigprocmask(SIG_BLOCK, &held, &old);
        if (!opts.no_subreaper)
            ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
    // Until the program runs, SIGTERM, SIGINT, SIGHUP and SIGQUIT end the run and kill what it
    // made (nothing can be forwarded yet); from then on a foreground run forwards them.
    std::optional<process::InterruptScope> interrupt(std::in_place);
    std::optional<terminal::ConsoleRelay> relay;
    auto created = create_and_start(sys, global, opts, relay);
    if (!created) {
        if (process::interrupted_by() != 0)
            return process::interrupted_error();
        return std::move(created).error();
    }
    auto& c = created.value();
    process::forget_child(c.init.pid());
    if (!opts.detach)
        ::sigprocmask(SIG_BLOCK, &set, nullptr);
    interrupt.reset();
    if (opts.detach) {
        (void)c.init.release();
        return 0;
    }

    std::string id = c.record.id;
    pid_t init = c.init.release();
    c.dir = StateDir(); // unlock: kill and delete from other processes must not wait for us
    log::step("run: started, supervising");
    auto status = supervise(init, set, true, relay ? &*relay : nullptr);
    log::step("run: init exited");
    relay.reset(); // the host console back to its own mode
    end_supervision(set, old);
    if (!status)
        return std::move(status).error();

    if (!opts.keep) {
        // Only this run's container: while it ran unlocked, a delete and a create may have put
        // another container under the same ID.
        auto dir = StateDir::open_locked(state_root(global), id);
        bool ours = false;
        if (dir) {
            auto now = dir.value().read_record();
            ours = now && now.value().pid == c.record.pid && now.value().start_time == c.record.start_time;
        }
        if (ours) {
            TRY(destroy_container(dir.value(), c.record));
            run_poststop_hooks(c.record);
        }
        log::step("run: deleted");
    }
    return exit_code(status.value());
}

} // namespace hull::container
