// Creating the container init: both sides of the handshake in protocol.hpp.
#pragma once

#include "hull/cgroups/host.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/namespaces/plan.hpp"
#include "hull/oci/spec.hpp"
#include "hull/oci/state.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "process/mempolicy.hpp"
#include "rootfs/idmap.hpp"

#include <functional>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hull::process {

struct InitRequest {
    const oci::Spec* spec = nullptr;
    const ns::NsPlan* plan = nullptr;
    std::string rootfs; // absolute host path
    std::string id; // names the session keyring
    bool no_pivot = false;
    bool no_new_keyring = false; // --no-new-keyring: keep the caller's session keyring
    unsigned preserve_fds = 0;
    int exec_fifo = -1; // exec.fifo opened O_RDWR: the init blocks reading it (step 7)
    int state_dir = -1; // the locked state directory: closed first thing in the init
    oci::State state; // id, bundle, rootfs, annotations: what hooks get on stdin
    // Step 3m: the mounts (indices, ascending) whose sources the runtime opens for the init
    // (rootfs/sources.hpp), and the idmapped mounts' plans, by index (rootfs/idmap.hpp); null
    // when there are none.
    const std::vector<size_t>* runtime_sources = nullptr;
    const std::map<size_t, rootfs::IdmapPlan>* idmaps = nullptr;
    int console_socket = -1; // process.terminal: where the init sends the pty master
    const seccomp::CompiledFilter* seccomp = nullptr; // linux.seccomp, compiled
    const MemPolicyPlan* mempolicy = nullptr; // linux.memoryPolicy, planned
    int cgroup_fd = -1; // the container's cgroup2 directory, for CLONE_INTO_CGROUP
    const cgroups::HostCgroups* host_cgroups = nullptr; // the host's layout, for the cgroupfs mount
    // Step 2b: puts the init in its cgroup where clone3 did not (`born_inside`: it is already
    // in the cgroup2 one); the init waits for it when `parent_setup` is set.
    std::function<Result<void>(pid_t, bool born_inside)> join_cgroup;
    bool parent_setup = false; // the init waits for step 2b (cgroups by pid, netDevices)
    // The init unshares its new cgroup namespace after step 2b (set with cgroups by pid).
    bool defer_cgroup_ns = false;
    // The runtime's own mount namespace: the init refuses to set up the rootfs in it.
    ns::NamespaceId runtime_mount_ns;
};

// Whether the create handshake includes step 3a (hooks that run before pivot_root, or in the
// container before execve).
bool has_create_hooks(const oci::Spec& spec);

// Whether the config moves host network devices into the container (step 2b).
bool has_net_devices(const oci::Spec& spec);

// Steps 1-6 of the table, parent side. `on_ready(pid)` is step 5 (record the container); when
// it fails, the init is killed. Returns the init, blocked on the exec fifo, still owned by the
// caller: release() it to leave it to the caller's subreaper, or wait() for it (run).
Result<ChildProcess> create_init(
    const InitRequest& request, const std::function<Result<void>(pid_t)>& on_ready);

// `start`: step 8, runtime side. Writes the byte the init waits for (ENXIO from the open means
// no reader: the init is gone), then waits until the init has taken it and reached execve.
Result<void> release_init(int exec_fifo_dirfd, const char* fifo_name, pid_t init);

} // namespace hull::process
