// Creating the container init: both sides of the handshake in protocol.hpp, walked as the
// create plan (create_plan.hpp) orders them.
#pragma once

#include "hull/cgroups/host.hpp"
#include "hull/cgroups/manager.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/namespaces/plan.hpp"
#include "hull/oci/spec.hpp"
#include "hull/oci/state.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/sys.hpp"
#include "process/create_plan.hpp"
#include "process/mempolicy.hpp"
#include "rootfs/idmap.hpp"

#include <functional>
#include <map>
#include <string>
#include <sys/types.h>

namespace hull::process {

// What both sides read: the init gets its own copy at clone, with the fds it keeps.
struct InitRequest {
    const oci::Spec* spec = nullptr;
    const CreatePlan* plan = nullptr;
    std::string rootfs; // absolute host path
    std::string id; // names the session keyring
    bool no_pivot = false;
    unsigned preserve_fds = 0;
    UniqueFd exec_fifo; // exec.fifo opened O_RDWR: the init blocks reading it (step 7)
    UniqueFd console_socket; // process.terminal: where the init sends the pty master
    oci::State state; // id, bundle, rootfs, annotations: what hooks get on stdin
    const seccomp::CompiledFilter* seccomp = nullptr; // linux.seccomp, compiled; null: plan says none
    const MemPolicyPlan* mempolicy = nullptr; // linux.memoryPolicy, planned
    const cgroups::HostCgroups* host_cgroups = nullptr; // the host's layout, for the cgroupfs mount
    // The runtime's own mount namespace: the init refuses to set up the rootfs in it.
    ns::NamespaceId runtime_mount_ns;
    // The v1 hierarchies' tasks files (plan.cgroup_self_join): the clone child joins them first.
    cgroups::SelfJoin cgroup_join;
};

// What only the runtime's side uses: the host resources create.cpp prepared.
struct RuntimeResources {
    cgroups::Manager& cgroup; // the container's cgroup, made and limited (step 2b)
    UniqueFd cgroup_fd; // its cgroup2 directory, for CLONE_INTO_CGROUP; empty: none
    std::map<size_t, rootfs::IdmapPlan> idmaps; // step 3m: the idmapped mounts' plans, by index
    // Step 5: records the init as the container (its pidfd to --pidfd-socket, state.json with
    // its pid, start time and creation time); a failure kills the init. The container module
    // owns the state directory, its lock and the record format, and process/ never includes
    // container/, so this is the one call the sequence makes into it: the sequence decides
    // when it runs (after ChildReady, before ParentCreated), create.cpp what it writes. A
    // function, not an interface, as it has one implementation and nothing else to fake.
    std::function<Result<void>(pid_t)> record_init;
};

// Steps 1-6 of the table, runtime side, as request.plan orders them. Returns the init, blocked
// on the exec fifo, still owned by the caller: release() it to leave it to the caller's
// subreaper, or wait() for it (run). The fds of `request` and `runtime` are closed on return.
Result<ChildProcess> create_init(Sys& sys, InitRequest request, RuntimeResources runtime);

// `start`: step 8, runtime side. Writes the byte the init waits for (ENXIO from the open means
// no reader: the init is gone), then waits until the init has taken it and reached execve (or
// died: with the byte untaken, "container process is already dead").
Result<void> release_init(int exec_fifo_dirfd, const char* fifo_name);

} // namespace hull::process
