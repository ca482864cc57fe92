// `kill`: a signal to the container's init, or with --all to every process of the container.
#include "container/common.hpp"
#include "container/verbs.hpp"

namespace hull::container {

Result<int> kill(const GlobalOptions& global, const KillOptions& opts)
{
    int sig = TRY(parse_signal(opts.signal));
    auto c = TRY(load_container(global, opts.id, Lock::None));
    if (c.status == Status::Stopped) {
        // runc ≥ 1.2: with --all, nothing left to signal is not an error.
        if (opts.all)
            return 0;
        return Error::message("container not running");
    }
    auto sent = signal_container(c.record, sig, opts.all);
    if (!sent && opts.all && sent.error().text() == "container not running")
        return 0;
    TRY(std::move(sent));
    return 0;
}

} // namespace hull::container
