// `run`: create + start in one process. In the foreground, hull stays the init's parent:
// it forwards signals, reaps, exits with the init's status (128+N when killed by signal N),
// and deletes the container unless --keep (cli-contract.md §7).
#include "container/common.hpp"
#include "container/create.hpp"
#include "container/supervise.hpp"
#include "container/verbs.hpp"
#include "hull/log.hpp"
#include "terminal/console.hpp"
#include "terminal/relay.hpp"

#include <optional>

#include <sys/prctl.h>

namespace hull::container {

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
    auto c = TRY(create_container(global, opts.create, Verb::Run, opts.detach ? Detach::Yes : Detach::No));
    // Until the container runs, any failure ends like a failed create: nothing is left.
    bool started = false;
    ScopeExit rollback([&] {
        c.init.kill_and_reap();
        (void)destroy_container(c.dir, c.record);
        if (started)
            run_poststop_hooks(c.record);
    });
    // Foreground terminal: the init sent its pty master to our end of the socketpair.
    std::optional<terminal::ConsoleRelay> relay;
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
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
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
