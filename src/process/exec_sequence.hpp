// `exec`: starting an additional process inside a running (or created) container.
//
//  runtime (parent)                              exec child
//  --------------------------------------------  ---------------------------------------------
//  holds the init's pidfd (re-checked after
//  anything opened by pid number), enters its
//  pid namespace for children only
//  (setns(pidfd)), non-dumpable around the
//  clone, socketpair, fork  -------------------> non-dumpable from its first instruction, dies
//                                                 with the runtime; oom_score_adj through the
//                                                 runtime's /proc
//  writes its pid to the container's cgroup
//  ParentSetupReady  ------------------------->  (waits for it, then) joins the other
//                                                 namespaces at once through the pidfd, then
//                                                 the process attributes (as the init's); the
//                                                 terminal if asked; execve
//  with a seccomp notify listener: <----------   right after the load, the listener's fd
//  takes it (pidfd_getfd), hands it to the        number (write(2)); waits for the answer
//  agent, ParentSeccompDone  ---------------->    before any further call
//  reads the channel: a ChildError is the
//  failure, EOF (the channel is O_CLOEXEC) means
//  the program runs
//
// The child is the runtime's direct child (cli-contract.md §7.1): `exec -d` leaves it to the
// caller's subreaper, a foreground exec waits for it. No intermediate process is needed: the
// pid namespace is entered by the runtime through pid_for_children before the fork, and every
// other namespace (time included) can be joined by a single-threaded process.
//
// Namespaces are joined with setns(2) on the init's pidfd (hull/namespaces/container_joins.hpp).
// The process is set up as the init's is (process_setup.hpp).
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/oci/state.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/sys.hpp"
#include "process/mempolicy.hpp"

#include "hull/cgroups/manager.hpp"

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hull::process {

struct ExecRequest {
    const oci::Process* process = nullptr;
    int init_pidfd = -1; // the container's init, checked against its recorded start time
    int namespaces = 0; // CLONE_NEW* flags to join through init_pidfd (ns::differing_namespaces)
    std::string keyring; // session keyring name (the container ID); empty: keep the caller's
    // A container without a mount namespace of its own: the init's root (/proc/<init>/root,
    // O_PATH), which the child chroots into after the joins. -1: setns gives the root.
    int init_root = -1;
    unsigned preserve_fds = 0;
    int console_socket = -1; // terminal: where the pty master goes (a connected unix socket)
    const seccomp::CompiledFilter* seccomp = nullptr; // the container's filter, as create compiled it
    const MemPolicyPlan* mempolicy = nullptr; // the container's linux.memoryPolicy
    // The container's cgroup: the v1 hierarchies the child joins itself, first thing
    // (cgroups::join_self); the cgroup2 directory clone3 places it in (-1: none); and how the
    // runtime places it by pid where neither did (the child waits for that before joining the
    // namespaces). All empty: no cgroup to join.
    cgroups::SelfJoin cgroup_self;
    int cgroup_clone_fd = -1;
    std::function<Result<void>(pid_t)> join_cgroup;
    // For a notify listener: the container's state, listenerPath and listenerMetadata.
    oci::State state;
    std::string listener_path, listener_metadata;
};

// Forks the exec child and waits until it has exec'd the program or failed. The returned child
// is owned by the caller: release() it for `exec -d`, or wait for it.
Result<ChildProcess> spawn_exec(Sys& sys, const ExecRequest& request);

} // namespace hull::process
