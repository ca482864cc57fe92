// `kill`: a signal to the container's init, or with --all to every process of the container.
#include "container/cgroup.hpp"
#include "container/load.hpp"
#include "container/signal.hpp"
#include "container/verbs.hpp"

#include <csignal>

namespace hull::container {

Result<int> kill(const GlobalOptions& global, const KillOptions& opts)
{
    int sig = TRY(parse_signal(opts.signal));
    auto c = TRY(load_container(global, opts.id, Lock::None));
    if (c.status == Status::Stopped) {
        // runc ≥ 1.2: with --all, nothing left to signal is not an error.
        if (opts.all)
            return 0;
        // A container without its own pid namespace outlives its init: SIGKILL still reaches
        // what its cgroup holds, as in runc ≥ 1.2.
        if (sig == SIGKILL && !c.record.own_pid_namespace) {
            auto cg = TRY(container_cgroup(c.record));
            if (cg && cg->exists()) {
                TRY(cg->kill_all(SIGKILL));
                return 0;
            }
        }
        return Error::message("container not running");
    }
    auto sent = signal_container(c.record, sig, opts.all);
    if (!sent && opts.all && sent.error().text() == "container not running")
        return 0;
    TRY(std::move(sent));
    return 0;
}

} // namespace hull::container
