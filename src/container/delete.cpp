// `delete`: removes a container (runtime.md "delete"), with runc's rules: a created container
// is killed and removed without --force; a running or paused one needs --force; --force on a
// missing container succeeds (cli-contract.md §8.2).
#include "container/lifecycle.hpp"
#include "container/load.hpp"
#include "container/signal.hpp"
#include "container/verbs.hpp"
#include "hull/cgroups/manager.hpp"
#include "hull/fault.hpp"
#include "hull/oci/id.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

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

// What a create killed before state.json leaves: its state directory and, once it has named it
// there, its cgroup, possibly made in some hierarchies only and holding an init that dies with
// its runtime (PR_SET_PDEATHSIG until step 5).
Result<void> remove_unfinished_create(StateDir& dir)
{
    auto pending = TRY(dir.read_optional_file(kPendingCgroup));
    if (pending) {
        auto state = TRY(cgroups::state_from_json(*pending).context(dir.path() + "/" + kPendingCgroup));
        TRY(cgroups::Manager(state).destroy().context("remove the container's cgroup"));
    }
    return dir.destroy();
}

} // namespace

Result<int> remove(const GlobalOptions& global, const DeleteOptions& opts)
{
    TRY(oci::validate_container_id(opts.id));
    auto dir = StateDir::open_locked(state_root(global), opts.id);
    if (!dir) {
        if (opts.force && dir.error().text() == "container does not exist") {
            // A create killed before it named its directory leaves it under a name without
            // the ID; an engine's cleanup of that create comes here (runc's delete --force
            // removes <root>/<id> of an aborted create the same way).
            remove_abandoned_creates(state_root(global));
            return 0;
        }
        return std::move(dir).error();
    }
    if (!dir.value().has_record()) {
        // create holds this lock from the moment the directory appears under the ID until
        // state.json is written (or everything is removed again), so what the lock now shows
        // without state.json is a create killed half-way: only that is removed.
        TRY(remove_unfinished_create(dir.value())
                .context("remove the state of a create that did not finish"));
        if (opts.force)
            return 0;
        return Error::message("container does not exist");
    }
    // A state directory on a read-only file system cannot be removed: delete stops before it
    // kills anything, and the container stays as it is until the root is writable again.
    if (::faccessat(dir.value().fd(), ".", W_OK, AT_EACCESS) < 0 && errno == EROFS)
        return Error::from_errno("remove", dir.value().path());
    auto c = TRY(load_record(std::move(dir.value())));
    TRY(fault::hit(fault::Point::DeleteLoaded));
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
    TRY(fault::hit(fault::Point::DeleteKilled));
    TRY(destroy_container(c.dir, c.record));
    run_poststop_hooks(c.record);
    return 0;
}

} // namespace hull::container
