// `delete`: removes a container (runtime.md "delete"), with runc's rules: a created container
// is killed and removed without --force; a running or paused one needs --force; --force on a
// missing container succeeds (cli-contract.md §8.2).
#include "container/common.hpp"
#include "container/verbs.hpp"
#include "hull/oci/id.hpp"

#include <csignal>

namespace hull::container {

namespace {

constexpr std::chrono::seconds kKillTimeout {10};

Result<void> kill_and_wait(const ContainerRecord& record)
{
    auto sent = signal_container(record, SIGKILL, true);
    if (!sent && sent.error().text() != "container not running")
        return sent;
    if (!wait_for_exit(record, kKillTimeout))
        return Error::message("container init still running");
    return ok();
}

} // namespace

Result<int> remove(const GlobalOptions& global, const DeleteOptions& opts)
{
    TRY(oci::validate_container_id(opts.id));
    auto loaded = load_container(global, opts.id, Lock::Exclusive);
    if (!loaded) {
        // A directory without state.json is what a create killed half-way leaves: remove it.
        if (auto stale = StateDir::open_locked(state_root(global), opts.id); stale)
            (void)stale.value().destroy();
        if (opts.force && loaded.error().text() == "container does not exist")
            return 0;
        return std::move(loaded).error();
    }
    auto& c = loaded.value();
    switch (c.status) {
    case Status::Stopped:
        break;
    case Status::Created:
        TRY(kill_and_wait(c.record));
        break;
    case Status::Running:
    case Status::Paused:
        if (!opts.force)
            return Error::message(
                "cannot delete container " + opts.id + " that is not stopped: " + to_string(c.status));
        TRY(kill_and_wait(c.record));
        break;
    }
    TRY(destroy_container(c.dir, c.record));
    run_poststop_hooks(c.record);
    return 0;
}

} // namespace hull::container
