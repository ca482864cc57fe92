// `start`: releases a created container's init (runtime.md "start"), step 8 of protocol.hpp.
#include "container/create.hpp"
#include "container/lifecycle.hpp"
#include "container/load.hpp"
#include "container/verbs.hpp"
#include "hull/fault.hpp"
#include "process/create_sequence.hpp"

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace hull::container {

Result<void> start_container(const StateDir& dir, const ContainerRecord& record, Status status)
{
    switch (status) {
    case Status::Created:
        break;
    case Status::Running:
        return Error::message("cannot start an already running container");
    case Status::Paused:
        return Error::message("cannot start a container in the paused state");
    case Status::Stopped:
        return Error::message("cannot start a container that has stopped");
    }
    // runtime.md: start MUST fail when config.json has no process. Refused before the init is
    // told anything, so the container stays created and delete works as for any other.
    if (!record.has_process)
        return Error::message("config.json: /process: process property must not be empty: container "
            + record.id + " was created without a process and cannot be started");
    // The fifo's absence is what makes the status "running". It is moved aside before the init
    // is released, so a state root that cannot change (read-only) fails the start while the
    // container is still created, and it is put back if the release fails.
    constexpr const char* kReleasing = ".exec.fifo.start";
    if (::renameat(dir.fd(), kExecFifo, dir.fd(), kReleasing) < 0) {
        if (errno == ENOENT)
            return Error::message("cannot start an already running container");
        return Error::from_errno("rename", dir.path() + "/" + kExecFifo);
    }
    if (auto released = process::release_init(dir.fd(), kReleasing); !released) {
        ::renameat(dir.fd(), kReleasing, dir.fd(), kExecFifo);
        return released;
    }
    TRY(fault::hit(fault::Point::StartReleased));
    if (::unlinkat(dir.fd(), kReleasing, 0) < 0)
        return Error::from_errno("remove", dir.path() + "/" + kReleasing);
    return fault::hit(fault::Point::StartFifoRemoved);
}

Result<int> start(const GlobalOptions& global, const StartOptions& opts)
{
    auto c = TRY(load_container(global, opts.id, Lock::Exclusive));
    TRY(fault::hit(fault::Point::StartLoaded));
    TRY(start_container(c.dir, c.record, c.status));
    TRY(run_poststart_hooks(c.record));
    return 0;
}

} // namespace hull::container
