// The parts of create and start that `run` shares.
#pragma once

#include "container/options.hpp"
#include "container/state_store.hpp"
#include "hull/fd.hpp"
#include "hull/sys.hpp"

namespace hull::container {

enum class Detach { No, Yes };
enum class Verb { Create, Run };

struct CreatedContainer {
    StateDir dir; // locked until this is destroyed
    ContainerRecord record;
    ChildProcess init; // killed on destruction unless released
    // Foreground terminal (`run` without --console-socket): where the init sent the pty master.
    UniqueFd console_receiver;
};

// create, up to and including the pid file; on failure nothing is left behind.
Result<CreatedContainer> create_container(
    Sys& sys, const GlobalOptions& global, const CreateOptions& opts, Verb verb, Detach detach);

// start on a locked directory: created → running, with runc's errors for other states.
Result<void> start_container(const StateDir& dir, const ContainerRecord& record, Status status);

} // namespace hull::container
