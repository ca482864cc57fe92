// The end of a container's life and the hooks around it: its OCI state as hooks see it, the
// poststart and poststop hooks, and removing what a dead container leaves.
#pragma once

#include "container/state_store.hpp"
#include "hull/error.hpp"
#include "hull/oci/state.hpp"

namespace hull::container {

// The OCI state of a recorded container with the given status, as hooks and `state` see it.
oci::State state_of(const ContainerRecord& record, Status status);

// Runs poststart hooks from the bundle directory. A failure kills the container's processes
// and is returned as the verb's error, as runc does (runtime.md asks only for a warning).
Result<void> run_poststart_hooks(const ContainerRecord& record);
// Runs poststop hooks from the bundle directory; failures only warn.
void run_poststop_hooks(const ContainerRecord& record);

// Removes what a dead (or killed) container leaves: its cgroup (killing stragglers), then its
// state directory. Run poststop hooks after this.
Result<void> destroy_container(StateDir& dir, const ContainerRecord& record);

} // namespace hull::container
